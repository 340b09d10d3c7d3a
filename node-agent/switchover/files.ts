/**
 * The files of a planned switchover, in the agent's state directory (docs/eipctl.md).
 *
 * On the writer (`eip-agent yield`):
 * - `switchover-hold.json`: while it is there and not expired, the daemon's fencing keeps the
 *   database read_only whatever else it sees. yield writes it *before* it fences, so the daemon
 *   (which would otherwise unfence a MASTER that holds the EIP within a second) never undoes the
 *   fence mid-switchover. It expires on its own: a yield that dies cannot leave the writer fenced
 *   for ever (the daemon then also releases `vrrp-yield`).
 * - `vrrp-yield`: keepalived's `track_file` eip_yield (weight 0, render.ts). "1" puts the VRRP
 *   instance in FAULT: keepalived sends a priority-0 advert and the peer takes over after its skew
 *   time. "0" lets the instance return as BACKUP; with `nopreempt` it stays BACKUP.
 *
 * On the target (`eip-agent prepare-takeover`):
 * - `vrrp-takeover`: track_file eip_takeover (weight 254): "1" raises the effective priority to
 *   254, so the skew time after the writer's priority-0 advert is 8 ms instead of up to a second
 *   (`nopreempt` keeps the higher priority from taking over by itself).
 * - `switchover-takeover.json`: when that boost ends. The daemon drops the boost once this node is
 *   MASTER and holds the EIP, or at that time.
 *
 * keepalived watches track files (inotify), so a change acts at once; `init_file 0 overwrite`
 * resets both whenever keepalived starts.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../lib/fs/atomic-write';

export const HOLD_FILE = 'switchover-hold.json';
export const YIELD_TRACK_FILE = 'vrrp-yield';
export const TAKEOVER_FILE = 'switchover-takeover.json';
export const TAKEOVER_TRACK_FILE = 'vrrp-takeover';
/** `eip-agent yield --abort` writes it; a running yield rolls back when it sees it (before the handover). */
export const ABORT_FILE = 'switchover-abort';

/** A time-bounded switchover role of this node, written by the agent command that holds it. */
export interface SwitchoverLease {
  /** The agent process that wrote it. */
  readonly pid: number;
  readonly sinceMs: number;
  /** After this it is void: the daemon removes it and releases keepalived (its command died). */
  readonly untilMs: number;
  /** The other node of the switchover. */
  readonly peer: string;
}
/** The writer's hold on fencing. */
export type SwitchoverHold = SwitchoverLease;

export const holdPath = (stateDir: string): string => join(stateDir, HOLD_FILE);
export const yieldTrackPath = (stateDir: string): string => join(stateDir, YIELD_TRACK_FILE);
export const takeoverPath = (stateDir: string): string => join(stateDir, TAKEOVER_FILE);
export const takeoverTrackPath = (stateDir: string): string => join(stateDir, TAKEOVER_TRACK_FILE);
export const abortPath = (stateDir: string): string => join(stateDir, ABORT_FILE);

/** The lease in `file`, or null when there is none (or it cannot be read: leases are written whole). */
function readLease(file: string): SwitchoverLease | null {
  try {
    const lease = JSON.parse(readFileSync(file, 'utf8')) as Partial<SwitchoverLease>;
    return typeof lease.untilMs === 'number' && typeof lease.pid === 'number' ? (lease as SwitchoverLease) : null;
  } catch {
    return null;
  }
}

const writeLease = (file: string, lease: SwitchoverLease) => writeFileAtomic(file, `${JSON.stringify(lease)}\n`, 0o644);

export const leaseActive = (lease: SwitchoverLease | null, nowMs: number): boolean => lease !== null && nowMs < lease.untilMs;

export const readHold = (stateDir: string) => readLease(holdPath(stateDir));
export const holdActive = leaseActive;
export const writeHold = (stateDir: string, hold: SwitchoverHold) => writeLease(holdPath(stateDir), hold);
export const clearHold = (stateDir: string) => rmSync(holdPath(stateDir), { force: true });

export const readTakeover = (stateDir: string) => readLease(takeoverPath(stateDir));
export const writeTakeover = (stateDir: string, lease: SwitchoverLease) => writeLease(takeoverPath(stateDir), lease);
export const clearTakeover = (stateDir: string) => rmSync(takeoverPath(stateDir), { force: true });

/** keepalived reads a track file as a number; "1" and "0" are all these two need. */
const setTrack = (file: string, on: boolean) => writeFileAtomic(file, on ? '1\n' : '0\n', 0o644);

function trackSet(file: string): boolean {
  try {
    const value = Number.parseInt(readFileSync(file, 'utf8').trim(), 10);
    return Number.isFinite(value) && value !== 0;
  } catch {
    return false;
  }
}

/** true makes this node's VRRP instance FAULT (it yields); false lets it return as BACKUP. */
export const setYieldTrack = (stateDir: string, yielding: boolean) => setTrack(yieldTrackPath(stateDir), yielding);
export const yieldTrackSet = (stateDir: string) => trackSet(yieldTrackPath(stateDir));
/** true raises this node's effective VRRP priority to 254 (a near-instant takeover when the writer yields). */
export const setTakeoverTrack = (stateDir: string, boosted: boolean) => setTrack(takeoverTrackPath(stateDir), boosted);
export const takeoverTrackSet = (stateDir: string) => trackSet(takeoverTrackPath(stateDir));

export function requestAbort(stateDir: string): void {
  writeFileSync(abortPath(stateDir), `${new Date().toISOString()}\n`);
}

export const abortRequestedByFile = (stateDir: string): boolean => existsSync(abortPath(stateDir));

export function clearAbort(stateDir: string): void {
  rmSync(abortPath(stateDir), { force: true });
}

/** What the files say now (the daemon's status.json carries a copy up to a second old). */
export function switchoverState(stateDir: string) {
  return { hold: readHold(stateDir), yielding: yieldTrackSet(stateDir), takeover: readTakeover(stateDir), boosted: takeoverTrackSet(stateDir) };
}
