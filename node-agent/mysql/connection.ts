/** Small helpers around mysql2 connections shared by the agent's database code. */
import type { Connection as CallbackConnection } from 'mysql2';
import type { Connection as PromiseConnection } from 'mysql2/promise';

type AnyConnection = CallbackConnection | PromiseConnection;

/**
 * Closes a connection at once, whatever state it is in. mysql2's destroy() only half-closes the
 * socket (end()); against a hung server the read side would stay open and keep the process alive,
 * so the socket itself is destroyed too. Never throws.
 */
export function destroyConnection(conn: AnyConnection | undefined): void {
  if (!conn) return;
  try {
    conn.destroy();
  } catch {
    // already closed
  }
  // The promise wrapper keeps the core connection in `.connection`; the core one has `.stream`.
  const core = (conn as { connection?: unknown }).connection ?? conn;
  (core as { stream?: { destroy?: () => void } }).stream?.destroy?.();
}

/**
 * Closes a connection politely (COM_QUIT), so the server neither counts an aborted client nor
 * logs a warning; destroys it if the server has not closed within `graceMs`. Never throws.
 */
export function closeGracefully(conn: AnyConnection, graceMs = 1000): void {
  const guard = setTimeout(() => destroyConnection(conn), graceMs);
  guard.unref();
  const core = ((conn as { connection?: unknown }).connection ?? conn) as { stream?: NodeJS.EventEmitter };
  // end()'s callback runs before COM_QUIT is written: wait for the server to close instead.
  core.stream?.once('close', () => clearTimeout(guard));
  (conn.end as (cb?: () => void) => unknown).call(conn, () => undefined);
}

/** Reads a password file: the first line's content, without the trailing newline. */
export function passwordFromFileText(text: string): string {
  return text.replace(/\r?\n$/, '');
}
