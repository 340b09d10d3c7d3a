/**
 * How fit each node is, as the current holder and as a move target. Pure.
 *
 * Holder: keeps the EIP while its latest report is fresh, MASTER, its database up and its
 * instance running. Target: all of that, plus fenced (read_only: the agent unfences only once it
 * holds the EIP, so a writable non-holder means fencing failed) and caught up (see caughtUpProblem).
 */
import type { ClusterConfig } from '../../../lib/config/schema';
import type { HeartbeatState } from '../../../lib/events/schema';
import type { ControllerSettings, InstanceFacts, StoredNode } from './types';
import { gtidCovers } from '../../../lib/mysql/gtid';

export type NodeProblem =
  | 'no-report'
  | 'stale-report'
  | 'superseded'
  | 'not-master'
  | 'instance-not-running'
  | 'eni-not-attached'
  | 'db-down'
  | 'db-writable'
  | 'replication-stopped'
  | 'lag-unknown'
  | 'lagging'
  | 'gtid-behind';

/**
 * Problems that only mean "we have not heard from it since": the node may still be a working
 * writer. A move away from such a holder is flap-damped; every other problem means it cannot
 * serve writes now, and is never damped.
 */
const SOFT_PROBLEMS: ReadonlySet<NodeProblem> = new Set(['no-report', 'stale-report', 'superseded']);

export interface NodeAssessment {
  readonly nodeId: string;
  readonly masterish: boolean;
  readonly fresh: boolean;
  /** Why it may not keep the EIP (empty: it may). */
  readonly holderProblems: readonly NodeProblem[];
  /** Why it may not receive the EIP (empty: it may). */
  readonly targetProblems: readonly NodeProblem[];
  /** Human detail for the problems, e.g. "BACKUP", "stopped", "lag 42 s". */
  readonly details: readonly string[];
}

/** How far behind a live writer a target may look: the age of an agent's database view (a fencing tick, 1 s) plus slack. */
export const LIVE_PEER_SLACK_MS = 2_000;

export const isMasterish = (state: HeartbeatState): boolean => state === 'MASTER' || state === 'MASTER_RX_LOWER_PRI';

export const onlySoftProblems = (problems: readonly NodeProblem[]): boolean => problems.length > 0 && problems.every((p) => SOFT_PROBLEMS.has(p));

/**
 * Caught up, from the reports alone. The SQL thread must run (a stopped one means a replication
 * error: what it holds will not be applied). Then, in order of preference:
 * 1. The peer was seen writable at W (its sentAtMs): the newest heartbeat row this node had applied
 *    was written at sentAtMs - lagSeconds (both on the writer's clock, skew cancels) and must be no
 *    older than W - maxReplicaLag. Unlike a plain lag bound this keeps passing after the writer
 *    died, when the lag grows only because nobody writes heartbeats any more.
 * 2. The peer was never seen writable but has reported: this node's GTID position covers the peer's.
 * 3. Nothing is known of the peer: the lag itself must be within the bound.
 */
function caughtUpProblem(self: StoredNode, peer: StoredNode | undefined, settings: ControllerSettings, liveBoundMs: number): [NodeProblem, string] | null {
  const { db, sentAtMs } = self.report;
  if (!db.sqlRunning) return ['replication-stopped', 'replication SQL thread not running'];
  const lagMs = db.lagSeconds === null ? null : Math.round(db.lagSeconds * 1000);
  if (peer?.lastWritableAtMs != null) {
    if (lagMs === null) return ['lag-unknown', 'replication lag unknown'];
    const behindMs = peer.lastWritableAtMs - (sentAtMs - lagMs);
    // maxReplicaLag is what may be given up when the writer is gone. A peer that has reported since
    // this node became MASTER is alive (a partition healed, or it is yielding): its writes can be
    // waited for, so only the reports' own staleness is tolerated (else a partition shorter than
    // maxReplicaLag would lose what the peer wrote meanwhile, and replication would diverge).
    const peerAlive = self.report.transitionAtMs !== null && peer.report.sentAtMs > self.report.transitionAtMs && peer.report.db.up;
    const boundMs = peerAlive ? Math.min(settings.maxReplicaLagMs, liveBoundMs) : settings.maxReplicaLagMs;
    return behindMs > boundMs ? ['lagging', `${behindMs} ms behind the last writer (bound ${boundMs} ms${peerAlive ? ': the writer is alive' : ''})`] : null;
  }
  if (peer) {
    return gtidCovers(db.gtidCurrentPos, peer.report.db.gtidCurrentPos)
      ? null
      : ['gtid-behind', `GTID ${db.gtidCurrentPos || '(none)'} does not cover the peer's ${peer.report.db.gtidCurrentPos}`];
  }
  if (lagMs === null) return ['lag-unknown', 'replication lag unknown and no peer report to compare with'];
  return lagMs > settings.maxReplicaLagMs ? ['lagging', `lag ${lagMs} ms (bound ${settings.maxReplicaLagMs} ms)`] : null;
}

export function assessNode(
  config: ClusterConfig,
  nodeId: string,
  nodes: Readonly<Record<string, StoredNode>>,
  instance: InstanceFacts | undefined,
  settings: ControllerSettings,
  nowMs: number,
): NodeAssessment {
  const self = nodes[nodeId];
  const peerId = config.nodes.find((n) => n.id !== nodeId)?.id;
  const peer = peerId === undefined ? undefined : nodes[peerId];
  const holder: NodeProblem[] = [];
  const details: string[] = [];
  const add = (p: NodeProblem, detail: string) => {
    holder.push(p);
    details.push(detail);
  };
  const instanceState = instance?.state ?? 'missing';
  if (instanceState !== 'running') add('instance-not-running', `instance ${instanceState}`);
  else if (!instance?.eniAttached) add('eni-not-attached', 'its ENI is not attached to the instance');
  if (!self) {
    add('no-report', 'no report received');
    return { nodeId, masterish: false, fresh: false, holderProblems: holder, targetProblems: holder, details };
  }
  const r = self.report;
  const ageMs = nowMs - r.sentAtMs;
  const fresh = ageMs <= settings.heartbeatTimeoutMs;
  const masterish = isMasterish(r.state);
  if (!fresh) add('stale-report', `last report ${Math.round(ageMs / 1000)} s ago`);
  // The peer became MASTER after this node's latest word: keepalived there no longer hears it.
  // If this node is alive its next heartbeat says so (then both claim MASTER: split brain).
  const peerReport = peer?.report;
  if (fresh && peerReport && isMasterish(peerReport.state) && nowMs - peerReport.sentAtMs <= settings.heartbeatTimeoutMs && (peerReport.transitionAtMs ?? 0) > r.sentAtMs) {
    add('superseded', `silent since ${peerId} became ${peerReport.state} ${Math.round((nowMs - peerReport.transitionAtMs!) / 1000)} s ago`);
  }
  if (!masterish) add('not-master', `VRRP ${r.state}`);
  if (!r.db.up) add('db-down', `database down${r.db.error ? ` (${r.db.error.slice(0, 200)})` : ''}`);
  const target = [...holder];
  if (r.db.up && r.db.readOnly !== true) {
    target.push('db-writable');
    details.push('database writable without the EIP (fencing failed?)');
  }
  // Agents' database views are up to a fencing tick (1 s) old, heartbeat rows one interval apart.
  const liveBoundMs = LIVE_PEER_SLACK_MS + config.agent.dbHeartbeatIntervalMs;
  const lag = r.db.up ? caughtUpProblem(self, peer, settings, liveBoundMs) : null;
  if (lag) {
    target.push(lag[0]);
    details.push(lag[1]);
  }
  return { nodeId, masterish, fresh, holderProblems: holder, targetProblems: target, details };
}
