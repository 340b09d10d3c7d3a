/** Shared test data for the failover controller: the example cluster, settings, reports, events. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseClusterConfig } from '../../lib/config/parse';
import type { ClusterConfig } from '../../lib/config/schema';
import type { ReceivedAgentEvent } from '../../lib/events/parse';
import type { DbView, DetailType, HeartbeatState } from '../../lib/events/schema';
import type { ClusterState, EipLocation, InstanceFacts, NodeReport, Observation, StoredNode } from '../../lambda/failover/core/types';
import { EMPTY_STATE } from '../../lambda/failover/core/types';
import type { Settings } from '../../lambda/failover/settings';

export const T = 1_760_000_000_000;
export const config: ClusterConfig = parseClusterConfig(JSON.parse(readFileSync(join(__dirname, '../../examples/cluster.json'), 'utf8')));
export const [A, B] = config.nodes;
/** The example with the EIP mapped to a secondary private IP of each node (what the CDK app deploys). */
export const secondaryIpConfig: ClusterConfig = parseClusterConfig({
  ...config,
  nodes: config.nodes.map((n, i) => ({ ...n, eipPrivateIp: ['10.0.1.11', '10.0.2.11'][i] })),
});

export const settings: Settings = {
  maxEventAgeMs: 60_000,
  maxClockSkewMs: 30_000,
  heartbeatTimeoutMs: 50_000,
  flapDampingMs: 120_000,
  maxReplicaLagMs: 10_000,
  noHealthyWriterGraceMs: 20_000,
  moveSettleMs: 15_000,
  confirmTimeoutMs: 2_000,
  confirmIntervalMs: 20,
  maxStateAttempts: 5,
  safetyMarginMs: 200,
};

export type ReportSpec = Partial<Omit<NodeReport, 'db'>> & { db?: Partial<DbView> };

const baseDb: DbView = { up: true, readOnly: true, ioRunning: true, sqlRunning: true, gtidCurrentPos: '0-1-500', lagSeconds: 0.4, error: null };

export function report(spec: ReportSpec = {}): NodeReport {
  const { db, ...rest } = spec;
  return {
    detailType: 'VRRP Heartbeat',
    state: 'BACKUP',
    priority: 100,
    transitionAtMs: T - 3_600_000,
    sentAtMs: T - 4_000,
    epoch: 1000,
    seq: 10,
    lastError: null,
    receivedAtMs: T - 3_900,
    eventId: null,
    ...rest,
    db: { ...baseDb, ...db },
  };
}

/** The writer holding the EIP for an hour: MASTER, writable, heartbeat 5 s ago. */
export const WRITER: ReportSpec = { state: 'MASTER', sentAtMs: T - 5_000, db: { readOnly: false, lagSeconds: null } };
/** A fenced, caught-up replica. */
export const REPLICA: ReportSpec = { state: 'BACKUP' };
/** Just became MASTER 2 s ago (the peer went silent): fenced, IO thread lost the peer, lag 3 s. */
export const NEW_MASTER: ReportSpec = { state: 'MASTER', detailType: 'VRRP State Change', transitionAtMs: T - 2_000, sentAtMs: T - 1_990, db: { ioRunning: false, lagSeconds: 3 } };

export function stored(spec: ReportSpec, lastWritableAtMs?: number | null): StoredNode {
  const r = report(spec);
  const writable = r.db.up && r.db.readOnly === false;
  return { report: r, lastWritableAtMs: lastWritableAtMs !== undefined ? lastWritableAtMs : writable ? r.sentAtMs : null, recentKeys: [`${r.epoch}:${r.seq}`] };
}

export interface WorldSpec {
  a?: ReportSpec | StoredNode | null;
  b?: ReportSpec | StoredNode | null;
  eip?: 'db-a' | 'db-b' | 'none' | EipLocation;
  instances?: { a?: Partial<InstanceFacts>; b?: Partial<InstanceFacts> };
  state?: Partial<ClusterState>;
}

const isStored = (x: ReportSpec | StoredNode): x is StoredNode => 'report' in x && 'recentKeys' in x;

export function world(spec: WorldSpec): { state: ClusterState; observation: Observation } {
  const nodes: Record<string, StoredNode> = {};
  const a = spec.a === undefined ? WRITER : spec.a;
  const b = spec.b === undefined ? REPLICA : spec.b;
  if (a) nodes[A.id] = isStored(a) ? a : stored({ priority: A.priority, ...a });
  if (b) nodes[B.id] = isStored(b) ? b : stored({ priority: B.priority, ...b });
  // The peer of a writer was seen writable before unless the spec says otherwise.
  const eip = spec.eip ?? 'db-a';
  const location: EipLocation = typeof eip === 'string' ? (eip === 'none' ? { kind: 'none' } : { kind: 'node', nodeId: eip }) : eip;
  const running: InstanceFacts = { state: 'running', eniAttached: true };
  return {
    state: { ...EMPTY_STATE, nodes, ...spec.state },
    observation: { eip: location, instances: { [A.id]: { ...running, ...spec.instances?.a }, [B.id]: { ...running, ...spec.instances?.b } } },
  };
}

export interface EventSpec {
  node?: 'db-a' | 'db-b';
  detailType?: DetailType;
  state?: HeartbeatState;
  epoch?: number;
  seq?: number;
  sentAtMs?: number;
  transitionAtMs?: number | null;
  db?: Partial<DbView>;
  priority?: number;
}

export function detailOf(spec: EventSpec = {}) {
  const node = spec.node === 'db-b' ? B : A;
  return {
    schemaVersion: 1 as const,
    cluster: config.clusterName,
    nodeId: node.id,
    instanceId: node.instanceId,
    state: spec.state ?? 'MASTER',
    priority: spec.priority ?? node.priority,
    transitionAtMs: spec.transitionAtMs !== undefined ? spec.transitionAtMs : T - 2_000,
    sentAtMs: spec.sentAtMs ?? T - 1_000,
    epoch: spec.epoch ?? 1000,
    seq: spec.seq ?? 11,
    db: { ...baseDb, ...spec.db },
    lastError: null,
  };
}

export function eventOf(spec: EventSpec = {}): ReceivedAgentEvent {
  const detail = detailOf(spec);
  const node = spec.node === 'db-b' ? B : A;
  return { detailType: spec.detailType ?? 'VRRP State Change', detail, source: node.eventSource, id: `id-${detail.epoch}-${detail.seq}`, time: undefined } as ReceivedAgentEvent;
}

/** The event as EventBridge hands it to the Lambda. */
export function envelopeOf(spec: EventSpec = {}): Record<string, unknown> {
  const e = eventOf(spec);
  return {
    version: '0',
    id: e.id,
    'detail-type': e.detailType,
    source: e.source,
    account: '111122223333',
    time: new Date(e.detail.sentAtMs).toISOString(),
    region: config.region,
    resources: [],
    detail: e.detail,
  };
}
