/** The spool's decisions, free of I/O: what to drop when it is full, what to send next. */

export type SpoolKind = 'transition' | 'heartbeat';

export interface AppendPlan {
  /** Index (in the current items) of the heartbeat to drop to make room, or null. */
  readonly evict: number | null;
  /** The incoming heartbeat itself is dropped (the spool holds only transitions). */
  readonly dropIncoming: boolean;
  /** A transition is kept although the spool is at its bound. */
  readonly overBound: boolean;
}

/**
 * A full spool makes room by dropping its oldest heartbeat (the newest one says more). Transitions
 * are never dropped: with only transitions left, a heartbeat is refused and a transition is kept
 * beyond the bound.
 */
export function planAppend(items: readonly { readonly kind: SpoolKind }[], incoming: SpoolKind, maxEntries: number): AppendPlan {
  if (items.length < maxEntries) return { evict: null, dropIncoming: false, overBound: false };
  const oldestHeartbeat = items.findIndex((i) => i.kind === 'heartbeat');
  if (oldestHeartbeat >= 0) return { evict: oldestHeartbeat, dropIncoming: false, overBound: false };
  if (incoming === 'heartbeat') return { evict: null, dropIncoming: true, overBound: false };
  return { evict: null, dropIncoming: false, overBound: true };
}

/**
 * The next PutEvents batch, oldest first. A transition travels alone, so everything before it has
 * been accepted before it is sent and nothing after it is sent before it is accepted, even when
 * PutEvents fails some entries of a batch; heartbeats are batched to drain a backlog quickly.
 */
export function selectBatch<T extends { readonly kind: SpoolKind }>(items: readonly T[], maxBatchSize: number): T[] {
  const head = items[0];
  if (!head) return [];
  if (head.kind === 'transition') return [head];
  const batch: T[] = [];
  for (const item of items) {
    if (item.kind === 'transition' || batch.length >= maxBatchSize) break;
    batch.push(item);
  }
  return batch;
}
