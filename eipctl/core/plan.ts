/**
 * Whether a planned switchover may start, and its steps. Pure: reads a PairView, says yes with a
 * plan or no with every reason (an operator fixes them all at once, not one per attempt).
 */
import { nodeById, type NodeView, type PairView } from './view';

export interface SwitchoverRequest {
  readonly to: string;
  /** The target's replication lag (heartbeat age) may not exceed this. */
  readonly maxLagSeconds: number;
  /** How long the writer stays fenced waiting for the target to apply everything, then rolls back. */
  readonly catchUpTimeoutMs: number;
}

export type RefusalCode =
  | 'unknown-node'
  | 'already-writer'
  | 'no-writer'
  | 'writer-unhealthy'
  | 'target-unreachable'
  | 'target-unhealthy'
  | 'target-lagging'
  | 'nopreempt-off'
  | 'controller-busy'
  | 'faults-active';

export interface Refusal {
  readonly code: RefusalCode;
  readonly message: string;
}

export interface SwitchoverPlan {
  readonly from: string;
  readonly to: string;
  readonly targetLagSeconds: number;
  readonly steps: readonly string[];
}

export type PlanResult = { readonly ok: true; readonly plan: SwitchoverPlan } | { readonly ok: false; readonly refusals: readonly Refusal[] };

const isMaster = (n: NodeView) => n.vrrpState === 'MASTER' || n.vrrpState === 'MASTER_RX_LOWER_PRI';

function writerProblems(n: NodeView): string[] {
  const p: string[] = [];
  if (!n.reachable) p.push(`its status cannot be read (${n.problem ?? 'unknown reason'})`);
  if (!n.agentRunning) p.push('its agent is not running');
  if (!isMaster(n)) p.push(`it is VRRP ${n.vrrpState ?? 'unknown'}, not MASTER`);
  if (!n.db.up) p.push('its database is down');
  else if (n.db.readOnly !== false) p.push('its database is read_only');
  return p;
}

function targetProblems(n: NodeView): string[] {
  const p: string[] = [];
  if (!n.agentRunning) p.push('its agent is not running');
  if (n.keepalivedRunning === false) p.push('keepalived is not running');
  if (n.vrrpState !== 'BACKUP') p.push(`it is VRRP ${n.vrrpState ?? 'unknown'}, not BACKUP`);
  if (!n.db.up) p.push(`its database is down${n.db.error ? ` (${n.db.error})` : ''}`);
  else {
    if (n.db.readOnly !== true) p.push('its database is writable (fencing failed there)');
    if (n.db.ioRunning !== true) p.push('replication IO thread not running');
    if (n.db.sqlRunning !== true) p.push('replication SQL thread not running');
  }
  if (n.switchover) p.push(`a switchover is already under way there (${n.switchover})`);
  return p;
}

export function planSwitchover(view: PairView, req: SwitchoverRequest): PlanResult {
  const target = nodeById(view, req.to);
  if (!target) {
    return { ok: false, refusals: [{ code: 'unknown-node', message: `"${req.to}" is not a node of cluster ${view.clusterName}; use one of: ${view.nodes.map((n) => n.id).join(', ')}` }] };
  }
  const refusals: Refusal[] = [];
  const refuse = (code: RefusalCode, message: string) => refusals.push({ code, message });
  const holder = view.eip.holder;
  const writer = holder === null ? undefined : nodeById(view, holder);
  if (holder === req.to) refuse('already-writer', `${req.to} already holds the EIP: it is the writer`);
  else if (!writer) refuse('no-writer', view.eip.foreign ? `the EIP is outside the pair (${view.eip.foreign})` : 'the EIP is not associated: there is no writer to switch from');
  else {
    const wp = writerProblems(writer);
    if (wp.length) refuse('writer-unhealthy', `the writer ${writer.id} is not healthy: ${wp.join('; ')} (a switchover needs a working writer; the controller handles failures)`);
  }
  if (holder !== req.to) {
    if (!target.reachable) refuse('target-unreachable', `${target.id}'s status cannot be read: ${target.problem ?? 'unknown reason'}`);
    else {
      const tp = targetProblems(target);
      if (tp.length) refuse('target-unhealthy', `${target.id} cannot take over: ${tp.join('; ')}`);
      if (target.db.up && target.db.lagSeconds === null) refuse('target-lagging', `${target.id}'s replication lag is unknown (no heartbeat row from the writer applied yet)`);
      else if (target.db.lagSeconds !== null && target.db.lagSeconds > req.maxLagSeconds) {
        refuse('target-lagging', `${target.id} lags ${target.db.lagSeconds.toFixed(1)} s behind the writer (bound --max-lag-seconds ${req.maxLagSeconds})`);
      }
    }
  }
  if (!view.nopreempt) refuse('nopreempt-off', 'vrrp.nopreempt is false in the cluster config: keepalived would hand MASTER back to the higher-priority node at once');
  if (view.controller?.pendingMove) refuse('controller-busy', `the controller is moving the EIP right now (${view.controller.pendingMove})`);
  const faults = view.notes.filter((n) => n.startsWith('fault:'));
  if (faults.length) refuse('faults-active', `lab faults are active (${faults.map((f) => f.slice('fault:'.length).trim()).join(', ')}); heal them first (eip-lab heal)`);
  if (refusals.length) return { ok: false, refusals };

  const from = writer!.id;
  const to = target.id;
  return {
    ok: true,
    plan: {
      from,
      to,
      targetLagSeconds: target.db.lagSeconds ?? 0,
      steps: [
        `${to}: eip-agent prepare-takeover — check it can take over, raise its VRRP priority to 254 (it becomes MASTER 8 ms after ${from} steps down)`,
        `${from}: eip-agent yield — hold fencing, read_only=ON (writes stop here), wait until ${to} has applied ${from}'s whole binlog (GTID; at most ${req.catchUpTimeoutMs} ms, else undo and stop)`,
        `${from}: keepalived steps down (FAULT, priority-0 advert); ${to} becomes MASTER; the controller moves the EIP; ${to}'s agent unfences it (writes resume)`,
        `confirm: the EIP on ${to}, ${to} writable, ${from} read_only; report the write downtime`,
        `${from} comes back as BACKUP (nopreempt keeps it there); ${to}'s priority returns to normal`,
      ],
    },
  };
}

/** Exit code of a refusal: a bad node name is bad input (2), anything else a refusal (3). */
export const refusalExitCode = (refusals: readonly Refusal[]): number => (refusals.some((r) => r.code === 'unknown-node') ? 2 : 3);
