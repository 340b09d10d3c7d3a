/**
 * The peer's @@gtid_current_pos over one kept connection: yield reads it before it fences (a
 * reachability check that also pays the TCP and login handshake outside the write downtime) and
 * then every few milliseconds while the writer is fenced. Every read is bounded by a deadline
 * that destroys the connection; the next read connects again.
 */
import { createConnection, type Connection } from 'mysql2';
import { DbError, toDbError } from '../db/errors';
import type { DbEndpoint } from '../db/session';
import { closeGracefully, destroyConnection } from '../mysql/connection';

export class PeerPosition {
  private conn: Connection | undefined;

  constructor(
    private readonly endpoint: DbEndpoint,
    private readonly deadlineMs: number,
    private readonly what: string,
  ) {}

  read(): Promise<string> {
    const conn = (this.conn ??= this.connect());
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new DbError('timeout', `${this.what}: no answer within ${this.deadlineMs} ms`)), this.deadlineMs);
      conn.query({ sql: 'SELECT @@GLOBAL.gtid_current_pos AS pos', timeout: this.deadlineMs }, (err, rows) => {
        clearTimeout(timer);
        if (err) return reject(toDbError(err, this.what));
        resolve(String((rows as Array<{ pos?: unknown }>)[0]?.pos ?? ''));
      });
    }).catch((err: unknown) => {
      this.drop();
      throw err;
    });
  }

  close(): void {
    if (this.conn) closeGracefully(this.conn, 500);
    this.conn = undefined;
  }

  private connect(): Connection {
    const e = this.endpoint;
    const conn = createConnection({
      ...('socket' in e ? { socketPath: e.socket } : { host: e.host, port: e.port }),
      user: e.user,
      password: e.password,
      connectTimeout: this.deadlineMs,
    });
    // A broken connection is noticed by the next query; the listener keeps it from crashing us.
    conn.on('error', () => {
      if (this.conn === conn) this.drop();
    });
    return conn;
  }

  private drop(): void {
    destroyConnection(this.conn);
    this.conn = undefined;
  }
}
