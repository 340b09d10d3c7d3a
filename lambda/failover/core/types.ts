/**
 * The failover controller's data, free of AWS types: what it stores, what it observes, what it
 * decides. Shared by the pure core, the orchestration and every adapter (AWS and the lab).
 */
import { CONTROLLER_METRIC } from '../../../lib/metrics/catalog';
import type { DbView, DetailType, HeartbeatState } from '../../../lib/events/schema';

/** A node's latest accepted event, as the controller keeps it. */
export interface NodeReport {
  readonly detailType: DetailType;
  readonly state: HeartbeatState;
  readonly priority: number;
  readonly transitionAtMs: number | null;
  readonly sentAtMs: number;
  readonly epoch: number;
  readonly seq: number;
  readonly db: DbView;
  readonly lastError: string | null;
  /** The controller's clock when it accepted the event. */
  readonly receivedAtMs: number;
  readonly eventId: string | null;
}

export interface StoredNode {
  readonly report: NodeReport;
  /** sentAtMs of the newest report that showed this node's database up and writable. */
  readonly lastWritableAtMs: number | null;
  /** `epoch:seq` of the last few accepted events: a late copy of one is a duplicate, not a replay. */
  readonly recentKeys: readonly string[];
}

/** A move this controller has claimed (written) but not yet confirmed; others wait for it. */
export interface PendingMove {
  readonly moveId: string;
  readonly targetNodeId: string;
  readonly fromNodeId: string | null;
  readonly reason: MoveReason;
  readonly startedAtMs: number;
  /** The claiming invocation's deadline: after it the claim is void. */
  readonly leaseUntilMs: number;
}

/** An ongoing condition that people were or will be told about once, not on every decision. */
export interface Alert {
  readonly sinceMs: number;
  readonly notified: boolean;
}

export type AlertKind = 'splitBrain' | 'noHealthyWriter' | 'foreignAssociation';

export interface ClusterState {
  readonly nodes: Readonly<Record<string, StoredNode>>;
  /** The holder as this controller last confirmed it (EC2 is the truth; this is for messages and settling). */
  readonly holder: { readonly nodeId: string; readonly sinceMs: number } | null;
  readonly lastMoveAtMs: number | null;
  readonly moveCount: number;
  readonly pendingMove: PendingMove | null;
  /** The last move that failed, until a move succeeds or the holder is healthy: a retried event then re-evaluates. */
  readonly failedMove: { readonly moveId: string; readonly targetNodeId: string; readonly atMs: number; readonly error: string } | null;
  readonly alerts: Readonly<Partial<Record<AlertKind, Alert>>>;
}

export const EMPTY_STATE: ClusterState = { nodes: {}, holder: null, lastMoveAtMs: null, moveCount: 0, pendingMove: null, failedMove: null, alerts: {} };

/** What EC2 says the allocation is associated with (null fields: not in the answer). */
export interface EipAssociation {
  readonly associationId: string | null;
  readonly networkInterfaceId: string | null;
  readonly instanceId: string | null;
  readonly privateIpAddress: string | null;
}

/** Where EC2 says the EIP is, in the pair's terms. */
export type EipLocation =
  | { readonly kind: 'node'; readonly nodeId: string }
  | { readonly kind: 'none' }
  | { readonly kind: 'foreign'; readonly detail: string };

export interface InstanceFacts {
  /** EC2 instance state name ('running', 'stopped', ...); 'missing' when EC2 does not list it. */
  readonly state: string;
  /** The node's configured ENI is attached to the instance. */
  readonly eniAttached: boolean;
}

export interface Observation {
  readonly eip: EipLocation;
  readonly instances: Readonly<Record<string, InstanceFacts>>;
}

/** The controller's own knobs (not part of the cluster config). See settings.ts for defaults. */
export interface ControllerSettings {
  /** Events whose sentAtMs is older than this are rejected ('too-old'). */
  readonly maxEventAgeMs: number;
  /** Events whose sentAtMs is further than this in the future are rejected ('from-the-future'). */
  readonly maxClockSkewMs: number;
  /** A node with no report newer than this is stale. */
  readonly heartbeatTimeoutMs: number;
  /** At most one voluntary move (holder healthy, or only stale) per interval. */
  readonly flapDampingMs: number;
  /** How far behind the old writer's last known write a new writer may be. */
  readonly maxReplicaLagMs: number;
  /** NoHealthyWriter is notified once it has lasted this long (a normal failover passes through it). */
  readonly noHealthyWriterGraceMs: number;
  /** After a confirmed move, an EC2 read that disagrees is taken as a stale read for this long. */
  readonly moveSettleMs: number;
}

/** holder-silent: stale, no report, or superseded by the peer's later MASTER (flap-damped, like reclaim). */
export type MoveReason = 'no-holder' | 'holder-unhealthy' | 'holder-silent' | 'reclaim';

export type NoMoveReason =
  | 'holder-healthy'
  | 'move-in-progress'
  | 'recent-move-settling'
  | 'foreign-association'
  | 'no-healthy-writer'
  | 'flap-damped';

/** Metric names: lib/metrics/catalog.ts (shared with the alarms). Dimensions only where a metric has them (RejectedEvents: Reason). */
export const METRIC = CONTROLLER_METRIC;

export interface MetricDatum {
  readonly name: string;
  readonly unit: 'Count' | 'Milliseconds';
  readonly value: number;
  readonly dimensions?: Readonly<Record<string, string>>;
}

/** Something a person should read; turned into text by notice-text.ts. */
export type Notice =
  | { readonly kind: 'split-brain'; readonly holderNodeId: string | null; readonly nodes: readonly string[] }
  | { readonly kind: 'no-healthy-writer'; readonly holderNodeId: string | null; readonly sinceMs: number; readonly problems: Readonly<Record<string, readonly string[]>> }
  | { readonly kind: 'foreign-association'; readonly detail: string }
  | { readonly kind: 'resolved'; readonly alert: AlertKind; readonly sinceMs: number }
  | {
      readonly kind: 'moved';
      readonly fromNodeId: string | null;
      readonly toNodeId: string;
      readonly reason: MoveReason;
      readonly why: string;
      readonly tookMs: number;
      readonly latencyMs: number | null;
    }
  | { readonly kind: 'move-failed'; readonly fromNodeId: string | null; readonly toNodeId: string; readonly error: string; readonly confirmed: boolean };
