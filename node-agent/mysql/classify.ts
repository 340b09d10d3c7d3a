/** Turns mysql2 / network errors into a small set of failure kinds with one-line reasons. */

export type MysqlFailureKind =
  | 'refused'
  | 'timeout'
  | 'connection-lost'
  | 'auth'
  | 'too-many-connections'
  | 'host-blocked'
  | 'read-only'
  | 'password-file'
  | 'other';

export interface MysqlFailure {
  readonly kind: MysqlFailureKind;
  /** One line for an operator: what happened and, where it helps, what to do. */
  readonly reason: string;
}

/** The fields of mysql2 and Node errors the classifier looks at. */
interface ErrorLike {
  code?: unknown;
  errno?: unknown;
  message?: unknown;
  sqlMessage?: unknown;
  address?: unknown;
  port?: unknown;
}

const REFUSED = new Set(['ECONNREFUSED', 'ENOENT']);
const TIMEOUT = new Set(['ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'PROTOCOL_SEQUENCE_TIMEOUT']);
const LOST = new Set(['PROTOCOL_CONNECTION_LOST', 'ECONNRESET', 'EPIPE']);

/** Classifies one error thrown or emitted by mysql2 (or Node's net layer underneath it). */
export function classifyMysqlError(err: unknown): MysqlFailure {
  const e: ErrorLike = typeof err === 'object' && err !== null ? (err as ErrorLike) : { message: String(err) };
  const code = typeof e.code === 'string' ? e.code : undefined;
  const errno = typeof e.errno === 'number' ? e.errno : undefined;
  const text = String(e.sqlMessage ?? e.message ?? 'unknown error').split('\n')[0];
  const tag = [code, errno !== undefined && errno > 0 ? errno : undefined].filter((x) => x !== undefined).join(' ');
  const detail = `${text}${tag ? ` (${tag})` : ''}`;

  switch (errno) {
    case 1045:
    case 1698:
      return { kind: 'auth', reason: `access denied: ${detail}; check the user and its password file (eip-agent mysql-bootstrap creates them)` };
    case 1040:
    case 1203:
      return { kind: 'too-many-connections', reason: `too many connections: ${detail}` };
    case 1129:
      return { kind: 'host-blocked', reason: `host blocked: ${detail}; run FLUSH HOSTS and raise max_connect_errors` };
    case 1290:
      return { kind: 'read-only', reason: `refused by read_only: ${detail}` };
  }
  if (code && REFUSED.has(code)) return { kind: 'refused', reason: `server not running: ${detail}` };
  if (code && TIMEOUT.has(code)) return { kind: 'timeout', reason: `no answer: ${detail}` };
  if (code && LOST.has(code)) return { kind: 'connection-lost', reason: `connection lost: ${detail}` };
  return { kind: 'other', reason: detail };
}
