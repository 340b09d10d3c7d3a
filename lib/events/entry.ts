/** Turning an agent event into a PutEvents entry, and a delivered entry into an EventBridge envelope. */
import type { ClusterConfig } from '../config/schema';
import type { AgentEvent } from './schema';

/** Where one node's events go: its own source (IAM limits it to that) on the cluster's bus. */
export interface EventTarget {
  readonly source: string;
  readonly eventBusName: string;
}

/** A PutEvents request entry (structurally the SDK's PutEventsRequestEntry, without AWS types). */
export interface PutEventsEntry {
  readonly Source: string;
  readonly DetailType: string;
  readonly Detail: string;
  readonly EventBusName: string;
}

/** An event as EventBridge hands it to rule targets. */
export interface EventEnvelope {
  readonly version: '0';
  readonly id: string;
  readonly 'detail-type': string;
  readonly source: string;
  readonly account: string;
  readonly time: string;
  readonly region: string;
  readonly resources: readonly string[];
  readonly detail: unknown;
}

export class UnknownNodeError extends Error {
  override readonly name = 'UnknownNodeError';
  constructor(readonly nodeId: string) {
    super(`node "${nodeId}" is not in the cluster config`);
  }
}

export function eventTargetFor(config: ClusterConfig, nodeId: string): EventTarget {
  const node = config.nodes.find((n) => n.id === nodeId);
  if (!node) throw new UnknownNodeError(nodeId);
  return { source: node.eventSource, eventBusName: config.eventBus.name };
}

export function toPutEventsEntry(event: AgentEvent, target: EventTarget): PutEventsEntry {
  return {
    Source: target.source,
    DetailType: event.detailType,
    Detail: JSON.stringify(event.detail),
    EventBusName: target.eventBusName,
  };
}

/**
 * What EventBridge does to an accepted entry before a rule sees it: Detail is parsed, the time is
 * the acceptance time in whole seconds (ISO 8601), resources default to none. Used by the lab.
 */
export function envelopeFromEntry(
  entry: PutEventsEntry,
  meta: { id: string; acceptedAtMs: number; account: string; region: string },
): EventEnvelope {
  return {
    version: '0',
    id: meta.id,
    'detail-type': entry.DetailType,
    source: entry.Source,
    account: meta.account,
    time: new Date(Math.floor(meta.acceptedAtMs / 1000) * 1000).toISOString().replace('.000Z', 'Z'),
    region: meta.region,
    resources: [],
    detail: JSON.parse(entry.Detail) as unknown,
  };
}
