/**
 * Admitting a validated agent event against the stored state: ordering, duplicates, age. Pure.
 * Schema, cluster, node, instance and source checks happen before (lib/events parseClusterEvent).
 */
import { compareEventOrder } from '../../../lib/events/order';
import type { ReceivedAgentEvent } from '../../../lib/events/parse';
import type { ClusterState, ControllerSettings, NodeReport, StoredNode } from './types';

/** Rejections decided here; they join lib/events' RejectReason as RejectedEvents dimensions. */
export type OrderRejectReason = 'not-newer' | 'too-old' | 'from-the-future';

export type Admission =
  | { readonly kind: 'accepted'; readonly state: ClusterState; readonly report: NodeReport }
  | { readonly kind: 'duplicate'; readonly detail: string }
  | { readonly kind: 'rejected'; readonly reason: OrderRejectReason; readonly detail: string };

/** How many accepted (epoch, seq) keys per node are kept to tell a late duplicate from a replay. */
export const RECENT_KEYS_KEPT = 16;

const keyOf = (o: { epoch: number; seq: number }) => `${o.epoch}:${o.seq}`;

export function reportFromEvent(event: ReceivedAgentEvent, receivedAtMs: number): NodeReport {
  const d = event.detail;
  return {
    detailType: event.detailType,
    state: d.state,
    priority: d.priority,
    transitionAtMs: d.transitionAtMs,
    sentAtMs: d.sentAtMs,
    epoch: d.epoch,
    seq: d.seq,
    db: d.db,
    lastError: d.lastError,
    receivedAtMs,
    eventId: event.id ?? null,
  };
}

export function admitEvent(event: ReceivedAgentEvent, state: ClusterState, settings: ControllerSettings, nowMs: number): Admission {
  const d = event.detail;
  const stored = state.nodes[d.nodeId];
  const key = keyOf(d);
  if (stored && (stored.recentKeys.includes(key) || compareEventOrder(d, stored.report) === 0)) {
    return { kind: 'duplicate', detail: `${d.nodeId} event ${key} was already applied` };
  }
  if (stored && compareEventOrder(d, stored.report) < 0) {
    return { kind: 'rejected', reason: 'not-newer', detail: `${d.nodeId} event ${key} is not newer than the applied ${keyOf(stored.report)}` };
  }
  const ageMs = nowMs - d.sentAtMs;
  if (ageMs > settings.maxEventAgeMs) {
    return { kind: 'rejected', reason: 'too-old', detail: `${d.nodeId} event ${key} was sent ${ageMs} ms ago; the limit is ${settings.maxEventAgeMs} ms` };
  }
  if (-ageMs > settings.maxClockSkewMs) {
    return {
      kind: 'rejected',
      reason: 'from-the-future',
      detail: `${d.nodeId} event ${key} is dated ${-ageMs} ms ahead of the controller's clock; the limit is ${settings.maxClockSkewMs} ms (check the node's clock)`,
    };
  }
  const report = reportFromEvent(event, nowMs);
  const writable = report.db.up && report.db.readOnly === false;
  const node: StoredNode = {
    report,
    lastWritableAtMs: writable ? report.sentAtMs : (stored?.lastWritableAtMs ?? null),
    recentKeys: [...(stored?.recentKeys ?? []), key].slice(-RECENT_KEYS_KEPT),
  };
  return { kind: 'accepted', report, state: { ...state, nodes: { ...state.nodes, [d.nodeId]: node } } };
}
