/**
 * The local health check keepalived runs every second: connect, run a trivial query, and answer
 * within a hard deadline whatever the server does (refuse, hang after accept, drop the line).
 */
import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import mysql from 'mysql2';
import { MysqlFailureKind, classifyMysqlError } from './classify';
import { closeGracefully, destroyConnection, passwordFromFileText } from './connection';

export interface HealthCheckTarget {
  /** Unix socket; when non-empty it is used and host/port are ignored. */
  readonly socketPath?: string;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** @default 3306 */
  readonly port?: number;
  readonly user: string;
  /** File with the user's password; a trailing newline is ignored. */
  readonly passwordFile: string;
  /** Hard limit for the whole check (password file, connect, query), in ms. */
  readonly deadlineMs: number;
}

export interface HealthCheckResult {
  readonly healthy: boolean;
  /** One line: why it is unhealthy, or what answered. */
  readonly reason: string;
  /** Set when unhealthy. */
  readonly kind?: MysqlFailureKind;
  readonly elapsedMs: number;
}

/** The query: trivial, and bounded on the server too (MariaDB's max_statement_time, seconds). */
export function healthQuery(deadlineMs: number): string {
  const seconds = Math.max(0.001, deadlineMs / 1000).toFixed(3);
  return `SET STATEMENT max_statement_time=${seconds} FOR SELECT 1 AS ok`;
}

function describeTarget(t: HealthCheckTarget): string {
  return t.socketPath ? `socket ${t.socketPath}` : `${t.host ?? '127.0.0.1'}:${t.port ?? 3306}`;
}

/**
 * Runs one health check. Never rejects and never takes (much) longer than `deadlineMs`: an outer
 * timer destroys the connection whatever state it is in. The connection is destroyed on every
 * path, so nothing is left to keep the process alive.
 */
export function checkMysqlHealth(target: HealthCheckTarget): Promise<HealthCheckResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const where = describeTarget(target);
  return new Promise((resolve) => {
    let conn: mysql.Connection | undefined;
    let settled = false;
    const finish = (healthy: boolean, reason: string, kind?: MysqlFailureKind) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      // A healthy server gets a polite COM_QUIT (no "Aborted connection" warning every second);
      // anything else is cut at once.
      if (healthy && conn) closeGracefully(conn, 200);
      else destroyConnection(conn);
      resolve({ healthy, reason, ...(kind ? { kind } : {}), elapsedMs: elapsed() });
    };
    const fail = (err: unknown) => {
      const f = classifyMysqlError(err);
      finish(false, `${where}: ${f.reason}`, f.kind);
    };
    const timer = setTimeout(
      () => finish(false, `${where}: no answer within ${target.deadlineMs} ms (server hung or unreachable)`, 'timeout'),
      target.deadlineMs,
    );

    readFile(target.passwordFile, 'utf8').then(
      (text) => {
        if (settled) return;
        const remaining = Math.max(1, target.deadlineMs - elapsed());
        conn = mysql.createConnection({
          ...(target.socketPath ? { socketPath: target.socketPath } : { host: target.host ?? '127.0.0.1', port: target.port ?? 3306 }),
          user: target.user,
          password: passwordFromFileText(text),
          connectTimeout: remaining,
        });
        // Without a listener a late 'error' (e.g. after the deadline) would crash the process.
        conn.on('error', fail);
        conn.query({ sql: healthQuery(remaining), timeout: remaining }, (err, rows) => {
          if (err) return fail(err);
          const ok = Array.isArray(rows) && (rows[0] as { ok?: unknown } | undefined)?.ok === 1;
          if (ok) finish(true, `${where}: SELECT 1 answered in ${elapsed()} ms`);
          else finish(false, `${where}: unexpected answer to SELECT 1: ${JSON.stringify(rows)}`, 'other');
        });
      },
      (err: NodeJS.ErrnoException) =>
        finish(false, `cannot read password file ${target.passwordFile}: ${err.code ?? err.message}`, 'password-file'),
    );
  });
}
