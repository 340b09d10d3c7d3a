/**
 * Why a probe failed, in the few reasons the ProbeFailures metric carries (its Reason dimension).
 * The node agent's classifier (node-agent/mysql/classify.ts) reads the mysql2 and Node error codes;
 * this maps its kinds onto the catalog's reasons and adds the probe's own two timeouts. Pure.
 */
import type { ProbeFailureReason } from '../../../lib/metrics/catalog';
import { classifyMysqlError, type MysqlFailureKind } from '../../../node-agent/mysql/classify';
import type { ProbeFailure } from './types';

/** The `code` of the error a probe's outer deadline raises (adapters/probe-connection.ts). */
export const PROBE_DEADLINE_CODE = 'PROBE_DEADLINE';
/** MariaDB's ER_STATEMENT_TIMEOUT: max_statement_time ended the statement. */
const STATEMENT_TIMEOUT_ERRNO = 1969;

const REASON_OF_KIND: Readonly<Record<MysqlFailureKind, ProbeFailureReason>> = {
  refused: 'refused',
  timeout: 'timeout',
  'connection-lost': 'connection-lost',
  auth: 'auth',
  'too-many-connections': 'too-many-connections',
  'host-blocked': 'host-blocked',
  // The probe only writes to the node it saw writable; a 1290 means it turned read-only meanwhile.
  'read-only': 'other',
  'password-file': 'other',
  other: 'other',
};

export function classifyProbeError(err: unknown): ProbeFailure {
  const e = (typeof err === 'object' && err !== null ? err : {}) as { code?: unknown; errno?: unknown; message?: unknown };
  if (e.code === PROBE_DEADLINE_CODE) return { reason: 'timeout', message: String(e.message) };
  if (e.errno === STATEMENT_TIMEOUT_ERRNO) return { reason: 'timeout', message: `the server ended the statement at max_statement_time: ${String(e.message)}` };
  const f = classifyMysqlError(err);
  return { reason: REASON_OF_KIND[f.kind], message: f.reason };
}
