/**
 * Parses keepalived's vrrp_notify_fifo lines, e.g. `INSTANCE "eip_orders_db" MASTER 150`.
 * Pure; the FIFO reader feeds it one line at a time, in keepalived's order.
 */

export const VRRP_STATES = ['MASTER', 'BACKUP', 'FAULT', 'STOP', 'MASTER_RX_LOWER_PRI'] as const;
export type VrrpState = (typeof VRRP_STATES)[number];

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
  if (!(VRRP_STATES as readonly string[]).includes(state!)) {
    return { kind: 'malformed', reason: `unknown VRRP state "${state}"` };
  }
  return {
    kind: 'transition',
    transition: { instance: name, state: state as VrrpState, priority: priority === undefined ? 0 : Number(priority) },
  };
}
