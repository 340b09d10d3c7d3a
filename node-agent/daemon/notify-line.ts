/**
 * Parses keepalived's vrrp_notify_fifo lines, e.g. `INSTANCE "eip_orders_db" MASTER 150`.
 * Pure; the FIFO reader feeds it one line at a time, in keepalived's order.
 */

import { TRANSITION_STATES, type TransitionState } from '../../lib/events/schema';

/** The states keepalived writes to the FIFO are exactly the transitions the events carry. */
export type VrrpState = TransitionState;

export interface VrrpTransition {
  readonly instance: string;
  readonly state: VrrpState;
  readonly priority: number;
}

export type ParsedNotifyLine =
  | { readonly kind: 'transition'; readonly transition: VrrpTransition }
  /** A well-formed line about something else (a sync group, another instance). */
  | { readonly kind: 'ignored'; readonly reason: string }
  | { readonly kind: 'malformed'; readonly reason: string };

const LINE = /^(INSTANCE|GROUP|VS|RS)\s+"([^"]*)"\s+(\S+)(?:\s+(\d+))?\s*$/;

export function parseNotifyLine(line: string, expectedInstance: string): ParsedNotifyLine {
  const m = LINE.exec(line.trim());
  if (!m) return { kind: 'malformed', reason: `not a keepalived notify line: ${JSON.stringify(line)}` };
  const [, type, name, state, priority] = m;
  if (type !== 'INSTANCE') return { kind: 'ignored', reason: `${type} line` };
  if (name !== expectedInstance) return { kind: 'ignored', reason: `instance "${name}" is not "${expectedInstance}"` };
  if (!(TRANSITION_STATES as readonly string[]).includes(state!)) {
    return { kind: 'malformed', reason: `unknown VRRP state "${state}"` };
  }
  return {
    kind: 'transition',
    transition: { instance: name, state: state as VrrpState, priority: priority === undefined ? 0 : Number(priority) },
  };
}
