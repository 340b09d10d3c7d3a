/**
 * The order of one node's events. seq alone orders them while the agent's state dir survives;
 * epoch (larger at every agent start) keeps the order when it does not (see docs/events.md).
 */
export interface EventOrder {
  readonly epoch: number;
  readonly seq: number;
}

/** Negative when a is older than b, 0 for the same event, positive when a is newer. */
export function compareEventOrder(a: EventOrder, b: EventOrder): number {
  return a.epoch !== b.epoch ? Math.sign(a.epoch - b.epoch) : Math.sign(a.seq - b.seq);
}

export function isNewerEvent(candidate: EventOrder, than: EventOrder | undefined): boolean {
  return than === undefined || compareEventOrder(candidate, than) > 0;
}
