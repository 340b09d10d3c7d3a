/**
 * One probe connection with a hard deadline. mysql2's connectTimeout bounds the TCP connect and the
 * handshake, its query `timeout` only the client's wait; an outer timer destroys the connection at
 * the deadline whatever state it is in (a SIGSTOPped server accepts the TCP connection and then
 * says nothing), and every statement carries `SET STATEMENT max_statement_time` for the server's
 * side. An 'error' listener is attached before anything else (a late error must not crash the
 * process). Destroyed on every path: at once on failure, after a COM_QUIT on success (no
 * "Aborted connection" in the server's log every round; destroyed anyway if the server does not
 * close within a moment).
 */
import mysql from 'mysql2';
import { closeGracefully, destroyConnection } from '../../../node-agent/mysql/connection';
import { PROBE_DEADLINE_CODE } from '../core/classify';
import type { Endpoint, ProbeClock } from '../ports';

export interface ProbeCredentials {
  readonly user: string;
  readonly password: string;
}

/** The probe's outer deadline passed (classified as a timeout). */
export class ProbeDeadlineError extends Error {
  override readonly name = 'ProbeDeadlineError';
  readonly code = PROBE_DEADLINE_CODE;
}

const QUIT_GRACE_MS = 200;

export class ProbeConnection {
  private stage: 'connecting' | 'querying' = 'connecting';
  private done = false;
  /** Set when the deadline passed: every later error is a consequence of the cut, reported as this. */
  private deadlineError: ProbeDeadlineError | undefined;
  private readonly expired: Promise<never>;
  private readonly timer: NodeJS.Timeout;
  private readonly conn: mysql.Connection;

  private constructor(
    private readonly at: Endpoint,
    private readonly clock: ProbeClock,
    private readonly deadlineMs: number,
    credentials: ProbeCredentials,
    connectTimeoutMs: number,
  ) {
    const budget = Math.max(1, deadlineMs - clock.monoMs());
    this.conn = mysql.createConnection({ host: at.host, port: at.port, user: credentials.user, password: credentials.password, connectTimeout: Math.max(1, Math.min(connectTimeoutMs, budget)) });
    this.conn.on('error', () => undefined); // pending calls get the error through their callbacks
    let expire!: (err: Error) => void;
    this.expired = new Promise<never>((_, reject) => (expire = reject));
    this.expired.catch(() => undefined);
    this.timer = setTimeout(() => {
      this.deadlineError = new ProbeDeadlineError(`${at.host}:${at.port}: no answer within ${Math.round(budget)} ms while ${this.stage}`);
      this.destroy();
      expire(this.deadlineError);
    }, budget);
  }

  /** Opens a connection; rejects with the mysql2/network error or ProbeDeadlineError (the connection is gone then). */
  static async open(at: Endpoint, credentials: ProbeCredentials, o: { connectTimeoutMs: number; deadlineMs: number; clock: ProbeClock }): Promise<{ connection: ProbeConnection; connectMs: number }> {
    const started = o.clock.monoMs();
    if (o.deadlineMs - started <= 0) throw new ProbeDeadlineError(`${at.host}:${at.port}: no time left in the round`);
    const c = new ProbeConnection(at, o.clock, o.deadlineMs, credentials, o.connectTimeoutMs);
    try {
      await c.bounded(new Promise<void>((resolve, reject) => c.conn.connect((err) => (err ? reject(err) : resolve()))));
    } catch (err) {
      c.destroy();
      throw err;
    }
    c.stage = 'querying';
    return { connection: c, connectMs: o.clock.monoMs() - started };
  }

  /** max_statement_time for the next statement: the time left, in seconds (MariaDB's unit). */
  statementSeconds(): number {
    return Math.max(0.001, Math.round(this.deadlineMs - this.clock.monoMs()) / 1000);
  }

  /** Runs one statement; rejects on any error (the connection is destroyed then). */
  async query<T = Record<string, unknown>>(sql: string, values: readonly unknown[] = []): Promise<T[]> {
    const timeout = Math.max(1, Math.round(this.deadlineMs - this.clock.monoMs()));
    try {
      return await this.bounded(
        new Promise<T[]>((resolve, reject) =>
          this.conn.query({ sql, values: values as unknown[], timeout }, (err, rows) => (err ? reject(err) : resolve(rows as unknown as T[]))),
        ),
      );
    } catch (err) {
      this.destroy();
      throw err;
    }
  }

  /** Ends a healthy connection politely (COM_QUIT); destroyed if the server has not closed shortly after. */
  close(): void {
    if (this.done) return;
    this.done = true;
    clearTimeout(this.timer);
    closeGracefully(this.conn, QUIT_GRACE_MS);
  }

  /** Cuts the connection at once, socket included. Safe to call more than once. */
  destroy(): void {
    if (this.done) return;
    this.done = true;
    clearTimeout(this.timer);
    destroyConnection(this.conn);
  }

  private async bounded<T>(work: Promise<T>): Promise<T> {
    work.catch(() => undefined); // the deadline may win; its error is the one reported
    try {
      return await Promise.race([work, this.expired]);
    } catch (err) {
      // A statement issued after the cut fails at once ("connection is in closed state"): it is the deadline.
      throw this.deadlineError ?? err;
    }
  }
}
