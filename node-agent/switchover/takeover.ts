/**
 * `eip-agent prepare-takeover`, the target's side of a planned switchover, run before the writer
 * yields: checks that this node can take over, then raises its VRRP priority to 254 for a while
 * (keepalived's eip_takeover track file). When the writer's priority-0 advert comes, a backup
 * waits its skew time, (256 - priority) / 256 of an advert interval: 8 ms at 254 instead of, say,
 * 609 ms at priority 100, and that wait is write downtime. `nopreempt` keeps the raised priority
 * from taking over on its own. The daemon drops the boost once this node is MASTER and holds the
 * EIP, or when the lease ends; `--cancel` drops it at once.
 */
import type { AgentStatus } from '../daemon/status';
import type { SwitchoverLease } from './files';

/** The target's database now (the daemon's status may be a second old, e.g. right after a switchover). */
export interface TakeoverDbView {
  readonly up: boolean;
  readonly readOnly: boolean | null;
  readonly ioRunning: boolean;
  readonly sqlRunning: boolean;
  readonly error: string | null;
}

export interface TakeoverPorts {
  readonly agentStatus: () => { readonly status: AgentStatus; readonly running: boolean } | null;
  readonly db: () => Promise<TakeoverDbView>;
  readonly lease: { set(lease: SwitchoverLease): Promise<void>; clear(): void };
  readonly setBoost: (on: boolean) => Promise<void>;
  readonly now: () => number;
  readonly pid: number;
}

export interface TakeoverOptions {
  readonly nodeId: string;
  readonly peerId: string;
  /** The config's vrrp.nopreempt: without it a raised priority would take over at once. */
  readonly nopreempt: boolean;
  /** How long the boost may last. */
  readonly forMs: number;
}

export interface TakeoverReport {
  readonly node: string;
  readonly peer: string;
  readonly outcome: 'prepared' | 'refused' | 'cancelled';
  readonly reason: string | null;
  readonly untilMs: number | null;
}

/** Why this node cannot take over now; null when it can. */
export function takeoverRefusal(a: ReturnType<TakeoverPorts['agentStatus']>, db: TakeoverDbView, nopreempt: boolean): string | null {
  if (!nopreempt) return 'vrrp.nopreempt is false: a raised priority would take MASTER from the writer at once, while it still writes';
  if (!a) return 'no agent status here: the agent daemon has not run on this node';
  if (!a.running) return 'the agent daemon is not running';
  const { vrrp } = a.status;
  if (vrrp.state !== 'BACKUP') return `this node is VRRP ${vrrp.state}, not BACKUP`;
  if (!vrrp.keepalivedRunning) return 'keepalived is not running';
  if (!db.up) return `the database is down${db.error ? ` (${db.error})` : ''}`;
  if (db.readOnly !== true) return 'the database is writable: fencing failed here, fix that first';
  if (!db.ioRunning || !db.sqlRunning) return `replication is not running (IO ${db.ioRunning ? 'yes' : 'no'}, SQL ${db.sqlRunning ? 'yes' : 'no'})`;
  return null;
}

export async function prepareTakeover(ports: TakeoverPorts, o: TakeoverOptions): Promise<TakeoverReport> {
  const base = { node: o.nodeId, peer: o.peerId };
  const refusal = takeoverRefusal(ports.agentStatus(), await ports.db(), o.nopreempt);
  if (refusal) return { ...base, outcome: 'refused', reason: refusal, untilMs: null };
  const untilMs = ports.now() + o.forMs;
  // The lease first: a boost without it would never be dropped by the daemon.
  await ports.lease.set({ pid: ports.pid, sinceMs: ports.now(), untilMs, peer: o.peerId });
  await ports.setBoost(true);
  return { ...base, outcome: 'prepared', reason: null, untilMs };
}

export async function cancelTakeover(ports: TakeoverPorts, o: Pick<TakeoverOptions, 'nodeId' | 'peerId'>): Promise<TakeoverReport> {
  await ports.setBoost(false);
  ports.lease.clear();
  return { node: o.nodeId, peer: o.peerId, outcome: 'cancelled', reason: null, untilMs: null };
}
