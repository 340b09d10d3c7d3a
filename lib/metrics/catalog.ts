/**
 * Every CloudWatch metric the product emits, one place: the emitters (controller, probe) and the
 * alarms and dashboard (lib/cdk) import these names, so a rename cannot leave an alarm watching
 * nothing. All go out as Embedded Metric Format in the Lambdas' logs (no API call, no route).
 * docs/metrics.md documents each one; keep the two in step.
 */

/** The one namespace. */
export const METRIC_NAMESPACE = 'EipFailover';

/** Dimension names. Every metric has ClusterName; probe metrics add Target; a few add Reason. */
export const DIMENSION = {
  cluster: 'ClusterName',
  /** A node id (`db-a`) for per-node probe metrics, or `eip` for the pair's metrics. */
  target: 'Target',
  reason: 'Reason',
} as const;

/** The Target of the pair-level probe metrics. */
export const PAIR_TARGET = 'eip';

/** The failover controller's metrics (dimensions: ClusterName; RejectedEvents also Reason). */
export const CONTROLLER_METRIC = {
  eipMoves: 'EipMoves',
  failoverLatencyMs: 'FailoverLatencyMs',
  rejectedEvents: 'RejectedEvents',
  duplicateEvents: 'DuplicateEvents',
  splitBrain: 'SplitBrain',
  noHealthyWriter: 'NoHealthyWriter',
  foreignAssociation: 'ForeignAssociation',
  flapDamped: 'FlapDamped',
  moveFailures: 'MoveFailures',
  stateConflicts: 'StateConflicts',
  notificationFailures: 'NotificationFailures',
  invocationMs: 'InvocationMs',
} as const;

/** Per-node probe metrics (dimensions: ClusterName, Target = node id; ProbeFailures also Reason). */
export const PROBE_NODE_METRIC = {
  /** 1 when connect + query succeeded within the deadline, else 0. */
  up: 'NodeUp',
  connectMs: 'ConnectMs',
  queryMs: 'QueryMs',
  /** 1 per failed probe, Reason = a ProbeFailureReason. */
  failures: 'ProbeFailures',
  /** 1 = read_only ON, 0 = writable. Absent when the node did not answer. */
  readOnly: 'ReadOnly',
  /** 1/0: replication IO thread running. */
  replicationIoRunning: 'ReplicationIoRunning',
  /** 1/0: replication SQL thread running. */
  replicationSqlRunning: 'ReplicationSqlRunning',
  /** Age of the peer's newest heartbeat row as seen on this node (seconds). */
  replicationLagSec: 'ReplicationLagSeconds',
  /** GTIDs this node has that the writer lacks (only reported for the passive node). */
  errantTransactions: 'ErrantTransactions',
  /**
   * Writes made on the passive node itself since the previous round (its own server id's GTIDs
   * rose while it was read-only). An event, not a state: they usually replicate to the writer at
   * once, after which ErrantTransactions reads 0 again. Only reported for the passive node.
   */
  passiveWrites: 'PassiveWrites',
  /** Threads_connected / max_connections * 100. */
  connectionsUsedPercent: 'ConnectionsUsedPercent',
  uptimeSec: 'UptimeSeconds',
  /** 1 when EC2 maps the EIP to this node, else 0. Absent when EC2 did not answer. */
  holdsEip: 'HoldsEip',
} as const;

/** Pair-level probe metrics (dimensions: ClusterName, Target = `eip`). */
export const PROBE_PAIR_METRIC = {
  /** Nodes that answered with read_only OFF; must be exactly 1. */
  writableNodes: 'WritableNodes',
  /** 1 when the EIP's target, the writable node and the node answering on the EIP's target agree. */
  writerConsistent: 'WriterConsistent',
  /** 1 when the node the EIP maps to answered as a writable server. */
  writerReachable: 'WriterReachable',
  /** A write on the writer until the peer applied it, on one clock (ms). */
  replicationE2eMs: 'ReplicationE2eMs',
  /** 1 per probe round that completed (alarm: must keep arriving). */
  probeRuns: 'ProbeRuns',
} as const;

/** How a failed probe failed (the Reason dimension of ProbeFailures). */
export const PROBE_FAILURE_REASONS = ['refused', 'timeout', 'connection-lost', 'auth', 'too-many-connections', 'host-blocked', 'other'] as const;
export type ProbeFailureReason = (typeof PROBE_FAILURE_REASONS)[number];
