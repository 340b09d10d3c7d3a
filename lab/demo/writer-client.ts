/**
 * The demo's application: writes numbered rows through the EIP at a steady rate and, like a real
 * application, reconnects after any error. One JSON line per attempt on stdout (the demo reads
 * them): an acknowledged id is one whose INSERT returned OK to this client.
 *
 * A connection lost during the INSERT leaves the commit in doubt: the old writer may have logged
 * it and will hand it to the new writer when it rejoins (docs/mysql.md, *In-doubt commits*). Like an
 * application with an idempotency-safe key scheme, the client then moves on to the next id instead
 * of writing the same key twice, which would make that rejoin a duplicate-key conflict.
 */
import mysql from 'mysql2/promise';
import { ADDR } from '../layout';

const APP = { user: 'app', password: 'app-pw' };
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const DUPLICATE_KEY = 1062;

export interface WriteAttempt {
  readonly id: number;
  readonly ok: boolean;
  readonly atMs: number;
  readonly error?: string;
  /** The INSERT was sent and its answer lost: it may or may not have committed. */
  readonly inDoubt?: boolean;
}

export async function runWriterClient(o: { run: string; intervalMs: number }): Promise<void> {
  let stopping = false;
  process.once('SIGTERM', () => (stopping = true));
  let conn: mysql.Connection | undefined;
  let id = 1;
  const out = (a: WriteAttempt) => process.stdout.write(`${JSON.stringify(a)}\n`);
  while (!stopping) {
    let sent = false; // the INSERT went out on an open connection
    try {
      conn ??= await mysql.createConnection({ host: ADDR.eip, port: ADDR.mysqlPort, user: APP.user, password: APP.password, connectTimeout: 500 });
      sent = true;
      // Longer than the semi-sync timeout (0.5 s), so a commit waiting for a dead peer is not cut short.
      await conn.query({ sql: 'INSERT INTO app.writes (id, run, at_ms) VALUES (?, ?, ?)', values: [id, o.run, Date.now()], timeout: 2000 });
      out({ id, ok: true, atMs: Date.now() });
      id++;
      await sleep(o.intervalMs);
    } catch (err) {
      const e = err as { code?: string; errno?: number; sqlState?: string; message: string };
      // A server error (it has a SQLSTATE: read_only 1290, ...) is a definite answer; a lost connection is not.
      const inDoubt = sent && e.sqlState === undefined;
      out({ id, ok: false, atMs: Date.now(), error: e.code ?? e.message, ...(inDoubt ? { inDoubt } : {}) });
      // 1062: the row committed but the OK was lost. Either way this id is done: move on.
      if (inDoubt || e.errno === DUPLICATE_KEY) id++;
      conn?.destroy();
      conn = undefined;
      await sleep(50);
    }
  }
  conn?.destroy();
  process.exit(0);
}
