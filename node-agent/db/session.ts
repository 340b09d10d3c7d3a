/**
 * One bounded database session: connect, run a few statements, close — all inside one deadline.
 *
 * Why a fresh connection per call: the agent makes a few calls a second over a local socket
 * (~1 ms to connect), and a fresh session carries no state from a previous one: no half-open
 * socket to a server that was restarted or frozen, no session variables, no reconnect logic to get
 * wrong. Why the callback API: it hands back the connection before the handshake, so the deadline
 * can kill a connect that a frozen server never answers (destroyConnection also destroys the
 * socket, which mysql2's destroy() only half-closes).
 */
import { createConnection } from 'mysql2';
import { closeGracefully, destroyConnection } from '../mysql/connection';
import { DbError, toDbError } from './errors';

/** Where and as whom to connect: a Unix socket, or host and port. */
export type DbEndpoint = { readonly user: string; readonly password: string } & (
  | { readonly socket: string }
  | { readonly host: string; readonly port: number }
);

export interface Session {
  /** A statement that returns rows (SELECT, SHOW). */
  rows<T = Record<string, unknown>>(sql: string, values?: readonly unknown[]): Promise<T[]>;
  /** A statement that returns no rows (SET, INSERT, ...). */
  exec(sql: string, values?: readonly unknown[]): Promise<{ affectedRows: number }>;
}

/** How long a graceful close (COM_QUIT) may take before the socket is destroyed. */
const CLOSE_GRACE_MS = 1000;

/** Runs `work` on a fresh connection; rejects with a DbError ('timeout' past `deadlineMs`). */
export async function withSession<T>(endpoint: DbEndpoint, deadlineMs: number, what: string, work: (session: Session) => Promise<T>): Promise<T> {
  const conn = createConnection({
    ...('socket' in endpoint ? { socketPath: endpoint.socket } : { host: endpoint.host, port: endpoint.port }),
    user: endpoint.user,
    password: endpoint.password,
    connectTimeout: deadlineMs + 1000, // a backstop: the outer deadline below is the bound
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
  });
  // Without a listener an error with no pending query would crash the daemon.
  conn.on('error', () => undefined);

  let timer: NodeJS.Timeout | undefined;
  const overrun = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DbError('timeout', `${what}: no answer within ${deadlineMs} ms`)), deadlineMs);
  });
  const run = (sql: string, values: readonly unknown[]) =>
    new Promise<unknown>((resolve, reject) => {
      conn.query({ sql, values: values as unknown[] }, (err, result) => (err ? reject(toDbError(err, what)) : resolve(result)));
    });
  const session: Session = {
    rows: async <R>(sql: string, values: readonly unknown[] = []) => {
      const result = await run(sql, values);
      if (!Array.isArray(result)) throw new DbError('unexpected-answer', `${what}: no rows from ${sql.slice(0, 60)}`);
      return result as R[];
    },
    exec: async (sql: string, values: readonly unknown[] = []) => {
      const result = (await run(sql, values)) as { affectedRows?: unknown };
      return { affectedRows: Number(result?.affectedRows ?? 0) };
    },
  };
  const running = work(session);
  running.catch(() => undefined); // when the deadline wins, this rejection is expected and dropped
  try {
    const result = await Promise.race([running, overrun]);
    closeGracefully(conn, CLOSE_GRACE_MS);
    return result;
  } catch (err) {
    destroyConnection(conn);
    throw toDbError(err, what);
  } finally {
    clearTimeout(timer);
  }
}

