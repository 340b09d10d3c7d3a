/**
 * What eipctl knows about a pair, the same shape from the lab and from AWS: the EIP and where it
 * points, each node as its agent reports it, the last moves, alarms, the controller's state.
 * Plain data; the adapters (eipctl/lab, eipctl/aws) fill it in, the pure core reads it.
 */

export interface NodeDbView {
  readonly up: boolean;
  readonly readOnly: boolean | null;
  readonly ioRunning: boolean | null;
  readonly sqlRunning: boolean | null;
  /** Age of the newest heartbeat row applied from the writer (the agent's honest lag); null on the writer. */
  readonly lagSeconds: number | null;
  readonly gtidCurrentPos: string | null;
  readonly error: string | null;
}

export interface NodeView {
  readonly id: string;
  readonly privateIp: string;
  /** The configured VRRP priority. */
  readonly priority: number;
  /** Could the node's agent status be read at all? */
  readonly reachable: boolean;
  /** Why not, or what else is wrong with the reading (e.g. the SSM command failed). */
  readonly problem: string | null;
  readonly agentRunning: boolean;
  readonly keepalivedRunning: boolean | null;
  /** keepalived's VRRP state (MASTER, BACKUP, FAULT, STOP, ...); null when unknown. */
  readonly vrrpState: string | null;
  readonly db: NodeDbView;
  /** The agent's fencing reason, e.g. "already-writable", "vrrp-not-master". */
  readonly fencing: string | null;
  /** A switchover in progress on the node, in words; null when none. */
  readonly switchover: string | null;
}

export interface EipView {
  readonly publicIp: string;
  /** The node the EIP points at; null when not associated or associated outside the pair. */
  readonly holder: string | null;
  /** Set when the EIP is associated outside the pair. */
  readonly foreign: string | null;
}

export interface MoveRecord {
  readonly atMs: number;
  readonly from: string | null;
  readonly to: string;
  /** The controller's reason (holder-unhealthy, no-holder, ...), when known. */
  readonly reason: string | null;
  /** Decision to confirmed association, when known. */
  readonly tookMs: number | null;
}

export interface AlarmView {
  readonly name: string;
  readonly reason: string;
  readonly sinceMs: number | null;
}

export interface ControllerView {
  readonly moveCount: number;
  readonly lastMoveAtMs: number | null;
  readonly pendingMove: string | null;
  readonly failedMove: string | null;
  /** Ongoing conditions (splitBrain, noHealthyWriter, foreignAssociation). */
  readonly alerts: readonly string[];
}

export interface PairView {
  readonly source: 'lab' | 'aws';
  /** Where it was read, for people: "lab eiplab", "stack EipFailover-orders-db (eu-west-1)". */
  readonly target: string;
  readonly clusterName: string;
  /** vrrp.nopreempt of the cluster config (a switchover needs it). */
  readonly nopreempt: boolean;
  readonly eip: EipView;
  /** In config order. */
  readonly nodes: readonly NodeView[];
  /** Newest last. */
  readonly lastMoves: readonly MoveRecord[];
  /** Alarms in ALARM; null where there are none to read (the lab has no CloudWatch). */
  readonly alarms: readonly AlarmView[] | null;
  readonly controller: ControllerView | null;
  /** Other things an operator should see (e.g. active lab faults). */
  readonly notes: readonly string[];
  readonly observedAtMs: number;
}

export const nodeById = (view: PairView, id: string): NodeView | undefined => view.nodes.find((n) => n.id === id);
