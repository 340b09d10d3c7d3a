/**
 * Database fencing, the pure core: whether the local database should be read_only right now.
 *
 * The one invariant: the database is writable only on the node that holds the EIP, and only while
 * this node's keepalived says MASTER. Every other situation fences (read_only=ON) at once. Turning
 * fencing off is the careful direction: it needs MASTER, the EIP here, and the local replica
 * caught up with what it already received from the peer (or that wait's bound expired). The
 * rules, in order, are tabled in docs/fencing.md; the first one that matches wins.
 */
import type { VrrpState } from '../daemon/notify-line';
import type { EipHolder } from '../eip/ownership';

export type FencingVrrpState = VrrpState | 'UNKNOWN';
export type { EipHolder };

export interface FencingDbView {
  readonly up: boolean;
  /** Current @@read_only; null when it could not be read. */
  readonly readOnly: boolean | null;
  /** Has the local replica applied what it had received from the peer since this MASTER began? */
  readonly caughtUp: boolean | 'unknown';
}

export interface FencingBounds {
  /** After MASTER, how long to wait fenced for the EIP before warning (fencing stays on). */
  readonly eipWaitMs: number;
  /** After MASTER, how long to wait for the replica to catch up before acting on expiry. */
  readonly catchUpWaitMs: number;
  /**
   * What to do once catchUpWaitMs has passed without catch-up while this node holds the EIP:
   * 'unfence' (default) restores a writer, loudly; 'stay-fenced' keeps the pair without a writer
   * until the replica catches up or an operator steps in.
   */
  readonly onCatchUpExpiry?: 'unfence' | 'stay-fenced';
}

/**
 * Defaults: the EIP normally arrives within a few seconds of MASTER (event, Lambda, one
 * AssociateAddress), so 15 s without it is worth a warning. The catch-up bound is the longest
 * write outage a lagging replica can add to a failover.
 */
export const DEFAULT_FENCING_BOUNDS: Required<FencingBounds> = { eipWaitMs: 15_000, catchUpWaitMs: 10_000, onCatchUpExpiry: 'unfence' };

export interface FencingInput {
  readonly vrrpState: FencingVrrpState;
  /** False when keepalived is known to be gone (e.g. SIGKILL: it never said STOP). */
  readonly keepalivedAlive: boolean;
  readonly eipHolder: EipHolder;
  readonly db: FencingDbView;
  /** When this node entered MASTER (MASTER_RX_LOWER_PRI does not restart it); null if not MASTER. */
  readonly masterSinceMs: number | null;
  readonly nowMs: number;
  readonly bounds: FencingBounds;
  /** A planned switchover holds this node fenced (`eip-agent yield`; node-agent/switchover/files.ts). */
  readonly switchoverHold?: boolean;
}

export type FencingReason =
  | 'switchover-hold'
  | 'keepalived-dead'
  | 'vrrp-not-master'
  | 'vrrp-unknown'
  | 'eip-on-other-node'
  | 'eip-not-associated'
  | 'eip-unknown-while-fenced'
  | 'eip-unknown-while-writable'
  | 'already-writable'
  | 'caught-up'
  | 'waiting-for-catch-up'
  | 'catch-up-wait-expired';

export interface FencingDecision {
  /** Desired @@read_only; 'leave' means do not touch it. */
  readonly readOnly: boolean | 'leave';
  readonly reason: FencingReason;
  /** One line for the log, with the facts that led here. */
  readonly detail: string;
  /** Set when a bound expired or the situation needs an operator's eye. */
  readonly warning?: string;
}

const MASTER_STATES: ReadonlySet<FencingVrrpState> = new Set(['MASTER', 'MASTER_RX_LOWER_PRI']);

export function isMasterState(state: FencingVrrpState): boolean {
  return MASTER_STATES.has(state);
}

export function decideFencing(input: FencingInput): FencingDecision {
  const { vrrpState, eipHolder, db, bounds } = input;
  if (input.switchoverHold) {
    return fence('switchover-hold', `a planned switchover holds this node read_only (VRRP ${vrrpState}, EIP ${eipHolder})`);
  }
  if (!input.keepalivedAlive) {
    return fence('keepalived-dead', 'keepalived is not running; a node without VRRP must not write');
  }
  if (vrrpState === 'UNKNOWN') return fence('vrrp-unknown', 'VRRP state not known yet');
  if (!isMasterState(vrrpState)) return fence('vrrp-not-master', `VRRP state is ${vrrpState}`);

  const elapsedMs = Math.max(0, input.nowMs - (input.masterSinceMs ?? input.nowMs));
  const eipLate = elapsedMs >= bounds.eipWaitMs;
  const lateWarning = (where: string) =>
    eipLate ? `MASTER for ${elapsedMs} ms (bound ${bounds.eipWaitMs} ms) but ${where}; staying read_only` : undefined;

  if (eipHolder === 'other') {
    return fence('eip-on-other-node', `${vrrpState} but the EIP is on another node`, lateWarning('the EIP is on another node'));
  }
  if (eipHolder === 'none') {
    return fence('eip-not-associated', `${vrrpState}, waiting for the EIP (not associated)`, lateWarning('the EIP is not associated'));
  }
  if (eipHolder === 'unknown') {
    // A blind EC2 API must not take the writer down: the EIP itself keeps clients away from a node
    // that lost it, and a move away from us is acted on as soon as it is seen.
    if (db.readOnly === false) {
      return {
        readOnly: 'leave',
        reason: 'eip-unknown-while-writable',
        detail: `${vrrpState}, database writable, EIP holder unknown`,
        warning: 'EIP holder unknown (EC2 API unreachable?); keeping the writer as it is',
      };
    }
    return fence('eip-unknown-while-fenced', `${vrrpState}, EIP holder unknown; never unfence without seeing it`, lateWarning('the EIP holder is unknown'));
  }

  // MASTER and the EIP is here.
  if (db.readOnly === false) return unfence('already-writable', `${vrrpState}, EIP here, database already writable`);
  if (db.caughtUp === true) return unfence('caught-up', `${vrrpState}, EIP here, replica caught up after ${elapsedMs} ms`);
  if (elapsedMs < bounds.catchUpWaitMs) {
    return fence('waiting-for-catch-up', `${vrrpState}, EIP here, waiting for the replica to apply what it received (${elapsedMs}/${bounds.catchUpWaitMs} ms)`);
  }
  const state = db.caughtUp === 'unknown' ? 'catch-up could not be checked' : 'replica still behind';
  if ((bounds.onCatchUpExpiry ?? 'unfence') === 'stay-fenced') {
    return fence(
      'catch-up-wait-expired',
      `${vrrpState}, EIP here, ${state} after ${elapsedMs} ms`,
      `${state} after the ${bounds.catchUpWaitMs} ms bound; staying read_only (onCatchUpExpiry=stay-fenced): the pair has no writer`,
    );
  }
  return {
    readOnly: false,
    reason: 'catch-up-wait-expired',
    detail: `${vrrpState}, EIP here, ${state} after ${elapsedMs} ms`,
    warning: `UNFENCING WITHOUT CATCH-UP: ${state} after the ${bounds.catchUpWaitMs} ms bound; transactions received from the old writer may apply after new writes`,
  };
}

function fence(reason: FencingReason, detail: string, warning?: string): FencingDecision {
  return warning === undefined ? { readOnly: true, reason, detail } : { readOnly: true, reason, detail, warning };
}

function unfence(reason: FencingReason, detail: string): FencingDecision {
  return { readOnly: false, reason, detail };
}
