/** Types shared by the steps of `eip-agent mysql-bootstrap`. */

/** One thing the bootstrap looked at, and whether it had to change it. */
export interface BootstrapStep {
  /** What it is about, e.g. `setting gtid_strict_mode`, `account eip_repl@10.0.2.10`. */
  readonly item: string;
  readonly changed: boolean;
  /** What was done, or the state found when nothing was. Never contains a password. */
  readonly detail: string;
}

/** Runs one statement on the admin session and returns its rows. */
export type Sql = <T = Record<string, unknown>>(sql: string, values?: readonly unknown[]) => Promise<T[]>;

/** A bootstrap that cannot go on; the message says what to fix. */
export class BootstrapError extends Error {
  override readonly name = 'BootstrapError';
}
