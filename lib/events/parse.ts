/**
 * Validating an event as EventBridge delivers it. Readers never throw on bad input: they get a
 * typed rejection whose reason becomes a metric dimension and whose message goes to the log.
 */
import * as z from 'zod';
import type { ClusterConfig } from '../config/schema';
import { formatPath } from '../config/parse';
import { AgentEvent, DETAIL_SCHEMAS, DETAIL_TYPES, DetailType, EVENT_SCHEMA_VERSION } from './schema';

export const REJECT_REASONS = [
  'malformed-envelope',
  'unknown-detail-type',
  'unsupported-schema-version',
  'malformed-detail',
  'unknown-cluster',
  'unknown-node',
  'instance-mismatch',
  'source-mismatch',
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

export interface Rejection {
  readonly ok: false;
  readonly reason: RejectReason;
  /** For the log: what was wrong, never longer than a few hundred characters. */
  readonly message: string;
}

/** A valid agent event plus the envelope fields readers need. */
export type ReceivedAgentEvent = AgentEvent & {
  readonly source: string;
  /** EventBridge's event id and acceptance time; absent only in hand-made envelopes. */
  readonly id: string | undefined;
  readonly time: string | undefined;
};

export type ParseResult = { readonly ok: true; readonly event: ReceivedAgentEvent } | Rejection;

const EnvelopeSchema = z.object({
  source: z.string().min(1),
  'detail-type': z.string(),
  detail: z.record(z.string(), z.unknown()),
  id: z.string().optional(),
  time: z.string().optional(),
});

const MAX_ISSUES_SHOWN = 5;

/**
 * Without zod's eval-compiled fast path: building it costs the first parse of a shape a few ms, and
 * it saves at most a few µs per event after that; a controller container sees a handful of events a
 * minute (docs/controller.md, "Bundle and cold start").
 */
const PARSE = { jitless: true } as const;

function describe(error: z.ZodError): string {
  const shown = error.issues.slice(0, MAX_ISSUES_SHOWN).map((i) => `${i.path.length > 0 ? formatPath(i.path) : 'event'}: ${i.message}`);
  const more = error.issues.length - shown.length;
  return (shown.join('; ') + (more > 0 ? `; and ${more} more` : '')).slice(0, 600);
}

const reject = (reason: RejectReason, message: string): Rejection => ({ ok: false, reason, message });

/** Validates shape and schema only; see checkEventBelongs for the cluster-specific checks. */
export function parseAgentEvent(raw: unknown): ParseResult {
  const envelope = EnvelopeSchema.safeParse(raw, PARSE);
  if (!envelope.success) return reject('malformed-envelope', describe(envelope.error));
  const { source, detail, id, time } = envelope.data;
  const detailType = envelope.data['detail-type'];
  if (!(DETAIL_TYPES as readonly string[]).includes(detailType)) {
    return reject('unknown-detail-type', `detail-type ${JSON.stringify(detailType.slice(0, 100))} is not an agent event`);
  }
  if (detail.schemaVersion !== EVENT_SCHEMA_VERSION) {
    const given = JSON.stringify(detail.schemaVersion ?? null).slice(0, 40);
    return reject('unsupported-schema-version', `schemaVersion ${given}; this reader understands ${EVENT_SCHEMA_VERSION}`);
  }
  const parsed = DETAIL_SCHEMAS[detailType as DetailType].safeParse(detail, PARSE);
  if (!parsed.success) return reject('malformed-detail', describe(parsed.error));
  return { ok: true, event: { detailType, detail: parsed.data, source, id, time } as ReceivedAgentEvent };
}

/** The checks that need the cluster config: the event names this cluster, a node of it, and its own source. */
export function checkEventBelongs(event: ReceivedAgentEvent, config: ClusterConfig): Rejection | undefined {
  const { cluster, nodeId, instanceId } = event.detail;
  if (cluster !== config.clusterName) return reject('unknown-cluster', `cluster "${cluster}" is not "${config.clusterName}"`);
  const node = config.nodes.find((n) => n.id === nodeId);
  if (!node) return reject('unknown-node', `node "${nodeId}" is not in cluster "${cluster}"`);
  if (node.instanceId !== instanceId) {
    return reject('instance-mismatch', `node "${nodeId}" is instance ${node.instanceId}, the event names ${instanceId}`);
  }
  // PutEvents carries no caller identity; IAM limits each node's role to its own source.
  if (node.eventSource !== event.source) {
    return reject('source-mismatch', `node "${nodeId}" publishes as "${node.eventSource}", the event came from "${event.source.slice(0, 256)}"`);
  }
  return undefined;
}

/** parseAgentEvent followed by checkEventBelongs. */
export function parseClusterEvent(raw: unknown, config: ClusterConfig): ParseResult {
  const result = parseAgentEvent(raw);
  if (!result.ok) return result;
  return checkEventBelongs(result.event, config) ?? result;
}
