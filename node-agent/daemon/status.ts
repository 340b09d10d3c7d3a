/** The daemon's status snapshot: written to <stateDir>/status.json, read by `eip-agent status`. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DbView as EventDbView } from '../../lib/events/schema';
import type { EipHolder } from '../eip/ownership';
import type { PublisherStatus } from '../events/publisher';
import { isProcessAlive } from '../process-alive';
import type { SwitchoverHold, SwitchoverLease } from '../switchover/files';

export const STATUS_FILE = 'status.json';
/** A status older than this means the daemon is not running (it rewrites it every second). */
export const STATUS_STALE_MS = 5000;

export interface AgentStatus {
  readonly cluster: string;
  readonly nodeId: string;
  readonly pid: number;
  readonly startedAtMs: number;
  readonly updatedAtMs: number;
  readonly vrrp: {
    readonly state: string;
    readonly priority: number;
    readonly transitionAtMs: number | null;
    /** 'fifo' when keepalived said so; 'inferred' at start-up, from the marker address. */
    readonly source: 'fifo' | 'inferred' | 'watch';
    readonly keepalivedRunning: boolean;
  };
  readonly events: PublisherStatus & { readonly epoch: number; readonly lastSeq: number };
  readonly db: EventDbView & { readonly role: 'writer' | 'read-only' | 'down' };
  readonly eip: { readonly holder: EipHolder; readonly ageMs: number | null; readonly lastError: string | null };
  readonly fencing: { readonly reason: string; readonly detail: string; readonly warning: string | null; readonly error: string | null };
  /** A planned switchover in progress here (node-agent/switchover/files.ts); absent in statuses of older agents. */
  readonly switchover?: {
    /** `eip-agent yield` holds this writer fenced. */
    readonly hold: SwitchoverHold | null;
    /** keepalived's eip_yield track file says FAULT. */
    readonly yielding: boolean;
    /** `eip-agent prepare-takeover` raised the priority until then. */
    readonly takeover: SwitchoverLease | null;
    readonly boosted: boolean;
  };
}

export function statusPath(stateDir: string): string {
  return join(stateDir, STATUS_FILE);
}

export function readStatus(stateDir: string): AgentStatus {
  return JSON.parse(readFileSync(statusPath(stateDir), 'utf8')) as AgentStatus;
}

/** The daemon's status and whether it is running now (its process lives and the file is fresh); null when there is none. */
export function readLiveStatus(stateDir: string, nowMs = Date.now()): { readonly status: AgentStatus; readonly running: boolean } | null {
  try {
    const status = readStatus(stateDir);
    return { status, running: isProcessAlive(status.pid) && nowMs - status.updatedAtMs < STATUS_STALE_MS };
  } catch {
    return null;
  }
}
