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

/** Reads a password file: the first line's content, without the trailing newline. */
export function passwordFromFileText(text: string): string {
  return text.replace(/\r?\n$/, '');
}
