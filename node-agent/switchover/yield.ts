/**
 * `eip-agent yield`, the writer's side of a planned switchover, as one procedure on the writer
 * (one remote command: the write downtime does not include several SSM round trips):
 *
 *   1. check: the daemon runs, this node is MASTER, holds the EIP and is the writer
 *   2. hold (the daemon keeps the database fenced from now on), then fence: read_only=ON
 *   3. catch-up: wait until the peer's gtid_current_pos covers this node's gtid_binlog_pos, and
 *      the binlog position did not move meanwhile
 *   4. yield: keepalived's track file → FAULT, a priority-0 advert; the peer becomes MASTER after
 *      its skew time, the controller moves the EIP, the peer's agent unfences it
 *   5. wait for the EIP to leave, then release the track file (this node comes back as BACKUP;
 *      `nopreempt` keeps it there) and the hold (normal fencing keeps a BACKUP read_only)
 *
 * Until step 4 an interrupt (or a failed step) rolls back: the hold is removed and the daemon
 * unfences this node within a second, as the writer it still is. From step 4 on the handover
 * runs to its end whatever happens. Pure orchestration over ports; adapters in yield-wiring.ts.
 */
import { gtidCovers } from '../../lib/mysql/gtid';
import type { AgentStatus } from '../daemon/status';
import type { SwitchoverHold } from './files';

export interface YieldPorts {
  /** The daemon's status now, with whether it is running; null when there is none. */
  readonly agentStatus: () => { readonly status: AgentStatus; readonly running: boolean } | null;
  readonly local: {
    /** @@read_only now (null: the database does not answer); the daemon's status is up to a second old. */
    readOnly(): Promise<boolean | null>;
    /** SET GLOBAL read_only=ON (throws when it did not stick). */
    fence(): Promise<void>;
    /** @@gtid_binlog_pos: everything this node has written or applied. */
    binlogPos(): Promise<string>;
  };
  /** The peer's database: @@gtid_current_pos (what it has applied), over a connection kept open. */
  readonly peer: { appliedPos(): Promise<string>; close(): void };
  readonly hold: { current(): SwitchoverHold | null; set(hold: SwitchoverHold): Promise<void>; clear(): void };
  readonly keepalived: {
    /** Writes keepalived's track file: true → FAULT (yield), false → may return as BACKUP. */
    setYield(on: boolean): Promise<void>;
    /** Whether keepalived holds MASTER here now (the marker address on lo). */
    isMaster(): boolean;
  };
  /** An interrupt (SIGINT/SIGTERM) or `eip-agent yield --abort` was received. */
  readonly abortRequested: () => boolean;
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly progress: (line: string) => void;
  readonly pid: number;
}

export interface YieldOptions {
  readonly nodeId: string;
  readonly peerId: string;
  /** How long the node stays fenced waiting for the peer to apply everything before it rolls back. */
  readonly catchUpTimeoutMs: number;
  /** After yielding, how long to wait for the EIP to leave before releasing keepalived anyway. */
  readonly handoverTimeoutMs: number;
  /** @default 20 */
  readonly pollMs?: number;
}

/** keepalived reacts to the track file through inotify: well under a second. */
export const LEAVE_MASTER_TIMEOUT_MS = 3000;
/** The hold outlives the procedure's own bounds by this much before the daemon may void it. */
export const HOLD_MARGIN_MS = 15_000;

export type YieldOutcome =
  /** The EIP left this node; it is BACKUP and read_only. */
  | 'handed-over'
  /** Nothing was changed: this node is not the healthy writer. */
  | 'refused'
  /** Fenced, then undone before the handover began: this node is the writer again. */
  | 'rolled-back'
  /** Yielded, but the EIP did not leave within the bound; keepalived was released. */
  | 'handover-failed';

export interface YieldReport {
  readonly node: string;
  readonly peer: string;
  readonly outcome: YieldOutcome;
  /** Why it did not hand over; null when it did. */
  readonly reason: string | null;
  readonly interrupted: boolean;
  readonly startedAtMs: number;
  readonly fencedAtMs: number | null;
  /** This node's gtid_binlog_pos once fenced (what the peer had to apply). */
  readonly binlogPos: string | null;
  readonly peerAppliedPos: string | null;
  readonly caughtUpAtMs: number | null;
  readonly yieldedAtMs: number | null;
  readonly leftMasterAtMs: number | null;
  readonly eipLeftAtMs: number | null;
  readonly finishedAtMs: number;
}

class Stop extends Error {
  constructor(
    readonly outcome: Exclude<YieldOutcome, 'handed-over'>,
    readonly reason: string,
  ) {
    super(reason);
  }
}

export async function yieldWriter(ports: YieldPorts, o: YieldOptions): Promise<YieldReport> {
  const pollMs = o.pollMs ?? 20;
  const r: Mutable<YieldReport> = {
    node: o.nodeId,
    peer: o.peerId,
    outcome: 'handed-over',
    reason: null,
    interrupted: false,
    startedAtMs: ports.now(),
    fencedAtMs: null,
    binlogPos: null,
    peerAppliedPos: null,
    caughtUpAtMs: null,
    yieldedAtMs: null,
    leftMasterAtMs: null,
    eipLeftAtMs: null,
    finishedAtMs: 0,
  };
  try {
    return await runYield(ports, o, r, pollMs);
  } finally {
    ports.peer.close();
  }
}

async function runYield(ports: YieldPorts, o: YieldOptions, r: Mutable<YieldReport>, pollMs: number): Promise<YieldReport> {
  const finish = () => ({ ...r, finishedAtMs: ports.now() });
  const refusal = (await precondition(ports)) ?? (await peerUnreadable(ports, o));
  if (refusal) {
    r.outcome = 'refused';
    r.reason = refusal;
    return finish();
  }

  let held = false;
  let yieldWritten = false;
  try {
    await ports.hold.set({ pid: ports.pid, sinceMs: ports.now(), untilMs: ports.now() + o.catchUpTimeoutMs + LEAVE_MASTER_TIMEOUT_MS + o.handoverTimeoutMs + HOLD_MARGIN_MS, peer: o.peerId });
    held = true;
    await ports.local.fence().catch((err: Error) => {
      throw new Stop('rolled-back', `could not fence: ${err.message}`);
    });
    r.fencedAtMs = ports.now();
    ports.progress(`${o.nodeId}: fenced (read_only=ON); waiting for ${o.peerId} to apply everything`);
    await waitForCatchUp(ports, o, r, pollMs);
    ports.progress(`${o.peerId} has applied ${r.binlogPos || '(nothing)'} (${r.caughtUpAtMs! - r.fencedAtMs} ms after the fence); yielding VRRP`);
    if (ports.abortRequested()) throw new Stop('rolled-back', 'interrupted before the handover');
    yieldWritten = true;
    await ports.keepalived.setYield(true).catch((err: Error) => {
      throw new Stop('rolled-back', `could not write keepalived's track file: ${err.message}`);
    });
    r.yieldedAtMs = ports.now();
  } catch (err) {
    if (yieldWritten) await ports.keepalived.setYield(false).catch(() => undefined);
    if (held) ports.hold.clear();
    if (!(err instanceof Stop)) throw err;
    r.outcome = err.outcome;
    r.reason = err.reason;
    r.interrupted = ports.abortRequested();
    ports.progress(`${o.nodeId}: ${err.reason}; hold removed, the agent unfences this node (still the writer)`);
    return finish();
  }

  // The point of no return: keepalived is stepping down; from here the handover runs to its end.
  try {
    if (!(await until(ports, pollMs, LEAVE_MASTER_TIMEOUT_MS, () => !ports.keepalived.isMaster()))) {
      // keepalived never read the track file: nothing was handed over, so undo like a rollback.
      await ports.keepalived.setYield(false);
      r.outcome = 'rolled-back';
      r.reason = `keepalived did not leave MASTER within ${LEAVE_MASTER_TIMEOUT_MS} ms of the yield; its config predates eip-agent yield, or it started before the agent's state directory existed: run eip-agent apply and restart keepalived`;
      return finish();
    }
    r.leftMasterAtMs = ports.now();
    ports.progress(`${o.nodeId}: left MASTER (FAULT, priority-0 advert sent); waiting for the EIP to move to ${o.peerId}`);
    const moved = await until(ports, pollMs * 5, o.handoverTimeoutMs, () => ports.agentStatus()?.status.eip.holder === 'other');
    if (moved) {
      r.eipLeftAtMs = ports.now();
      ports.progress(`${o.nodeId}: the EIP has left; releasing keepalived (back to BACKUP)`);
    } else {
      r.outcome = 'handover-failed';
      r.reason = `the EIP did not leave ${o.nodeId} within ${o.handoverTimeoutMs} ms of the yield (did ${o.peerId} become MASTER? see the controller's decisions)`;
    }
    await ports.keepalived.setYield(false);
  } finally {
    r.interrupted ||= ports.abortRequested();
    ports.hold.clear();
  }
  return finish();
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Read once before fencing: an unreachable peer is a refusal, and the connection is then warm. */
async function peerUnreadable(ports: YieldPorts, o: YieldOptions): Promise<string | null> {
  try {
    await ports.peer.appliedPos();
    return null;
  } catch (err) {
    return `cannot read ${o.peerId}'s GTID position, so its catch-up could not be checked: ${(err as Error).message}`;
  }
}

async function precondition(ports: YieldPorts): Promise<string | null> {
  const a = ports.agentStatus();
  if (!a) return 'no agent status here: the agent daemon has not run on this node';
  if (!a.running) return 'the agent daemon is not running: it must be, to keep fencing right during the switchover';
  const { status } = a;
  if (status.vrrp.state !== 'MASTER' && status.vrrp.state !== 'MASTER_RX_LOWER_PRI') return `this node is VRRP ${status.vrrp.state}, not MASTER: it is not the writer`;
  if (status.eip.holder !== 'self') return `the EIP is not on this node (agent sees: ${status.eip.holder})`;
  if (!ports.keepalived.isMaster()) return 'keepalived does not hold MASTER here (no marker address)';
  const hold = ports.hold.current();
  if (hold && hold.untilMs > ports.now()) return `a switchover is already in progress here (eip-agent yield, pid ${hold.pid})`;
  const readOnly = await ports.local.readOnly();
  if (readOnly !== false) return `the database here is ${readOnly === null ? 'not answering' : 'read_only'}: this node is not the writer`;
  return null;
}

/** Step 3; throws Stop to roll back. Fills binlogPos, peerAppliedPos, caughtUpAtMs. */
async function waitForCatchUp(ports: YieldPorts, o: YieldOptions, r: Mutable<YieldReport>, pollMs: number): Promise<void> {
  const deadline = r.fencedAtMs! + o.catchUpTimeoutMs;
  let lastError: string | null = null;
  r.binlogPos = await ports.local.binlogPos();
  for (;;) {
    if (ports.abortRequested()) throw new Stop('rolled-back', 'interrupted before the handover');
    try {
      r.peerAppliedPos = await ports.peer.appliedPos();
      lastError = null;
      if (gtidCovers(r.peerAppliedPos, r.binlogPos)) {
        // A write that slipped in before read_only took (the agent's own user passes it) moves the
        // position: wait for that one too.
        const again = await ports.local.binlogPos();
        if (again === r.binlogPos) {
          r.caughtUpAtMs = ports.now();
          return;
        }
        r.binlogPos = again;
        continue;
      }
    } catch (err) {
      lastError = (err as Error).message;
    }
    if (ports.now() >= deadline) {
      const seen = lastError ? `its database could not be read: ${lastError}` : `it has ${r.peerAppliedPos || '(nothing)'}`;
      throw new Stop('rolled-back', `${o.peerId} did not apply ${r.binlogPos || '(nothing)'} within ${o.catchUpTimeoutMs} ms (${seen})`);
    }
    await ports.sleep(pollMs);
  }
}

async function until(ports: YieldPorts, everyMs: number, timeoutMs: number, done: () => boolean): Promise<boolean> {
  const deadline = ports.now() + timeoutMs;
  for (;;) {
    if (done()) return true;
    if (ports.now() >= deadline) return false;
    await ports.sleep(everyMs);
  }
}
