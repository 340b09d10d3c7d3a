/**
 * Typed failures of the local database adapter. The common kinds come from the shared mysql2
 * classifier (node-agent/mysql/classify.ts); fencing adds the few errors only it meets.
 */
import { classifyMysqlError, type MysqlFailureKind } from '../mysql/classify';

export type DbErrorKind =
  | Exclude<MysqlFailureKind, 'password-file'>
  /** errno 1227/1142: the user lacks a privilege (e.g. READ_ONLY ADMIN, SLAVE MONITOR). */
  | 'access-denied'
  /** errno 1205: a lock (e.g. a client's LOCK TABLES ... WRITE) held us past lock_wait_timeout. */
  | 'lock-wait-timeout'
  /** errno 1969: max_statement_time stopped the statement on the server. */
  | 'statement-timeout'
  /** The server answered something this adapter cannot use. */
  | 'unexpected-answer';

export class DbError extends Error {
  override readonly name = 'DbError';
  constructor(
    readonly kind: DbErrorKind,
    message: string,
  ) {
    super(message);
  }
}

const FENCING_ERRNOS: Readonly<Record<number, DbErrorKind>> = {
  1142: 'access-denied',
  1227: 'access-denied',
  1205: 'lock-wait-timeout',
  1969: 'statement-timeout',
};

/** Wraps any driver or socket error in a DbError; a DbError passes through unchanged. */
export function toDbError(err: unknown, what: string): DbError {
  if (err instanceof DbError) return err;
  const failure = classifyMysqlError(err);
  const errno = (err as { errno?: unknown } | null)?.errno;
  const own = typeof errno === 'number' ? FENCING_ERRNOS[errno] : undefined;
  const kind = own ?? (failure.kind === 'password-file' ? 'other' : failure.kind);
  return new DbError(kind, `${what}: ${failure.reason}`);
}
