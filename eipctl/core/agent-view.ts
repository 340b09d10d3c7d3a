/** A node's view from its agent's status (`eip-agent status --json`, run on the node). Pure. */
import type { ClusterNode } from '../../lib/config/schema';
import type { AgentStatus } from '../../node-agent/daemon/status';
import type { NodeView } from './view';

/** A switchover in progress on a node, in words; null when none. */
export function describeSwitchover(sw: AgentStatus['switchover'], nowMs: number): string | null {
  if (!sw) return null;
  const parts = [
    sw.hold && sw.hold.untilMs > nowMs ? `fenced by eip-agent yield, handing over to ${sw.hold.peer}` : null,
    sw.yielding ? 'keepalived yielding' : null,
    sw.takeover && sw.takeover.untilMs > nowMs ? `prepared to take over from ${sw.takeover.peer}` : null,
    sw.boosted ? 'VRRP priority raised' : null,
  ].filter(Boolean);
  return parts.length ? parts.join(', ') : null;
}

/** A node that could not be asked: everything unknown, with the reason. */
export function unreachableNode(node: ClusterNode, problem: string): NodeView {
  return {
    id: node.id,
    privateIp: node.privateIp,
    priority: node.priority,
    reachable: false,
    problem,
    agentRunning: false,
    keepalivedRunning: null,
    vrrpState: null,
    db: { up: false, readOnly: null, ioRunning: null, sqlRunning: null, lagSeconds: null, gtidCurrentPos: null, error: null },
    fencing: null,
    switchover: null,
  };
}

/** `running`: the daemon's process lives and its status is fresh (as `eip-agent status --json` says). */
export function nodeViewFromAgent(node: ClusterNode, status: AgentStatus, running: boolean, nowMs: number): NodeView {
  const db = status.db;
  return {
    id: node.id,
    privateIp: node.privateIp,
    priority: node.priority,
    reachable: true,
    problem: running ? null : `agent not running (its last status is ${Math.round((nowMs - status.updatedAtMs) / 1000)} s old)`,
    agentRunning: running,
    keepalivedRunning: status.vrrp.keepalivedRunning,
    vrrpState: status.vrrp.state,
    db: { up: db.up, readOnly: db.readOnly, ioRunning: db.ioRunning, sqlRunning: db.sqlRunning, lagSeconds: db.lagSeconds, gtidCurrentPos: db.gtidCurrentPos || null, error: db.error },
    fencing: status.fencing.reason,
    switchover: describeSwitchover(status.switchover, nowMs),
  };
}
