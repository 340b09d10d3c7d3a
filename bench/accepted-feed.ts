/**
 * Timestamps entries the moment a LocalEventBridge accepts them (performance.now(), the same
 * clock the writer uses) and hands them out in acceptance order to whoever waits for a match.
 */
import { performance } from 'node:perf_hooks';
import type { AcceptedEntry } from '../test/helpers/events-endpoint';

export interface StampedEntry {
  readonly entry: AcceptedEntry;
  /** performance.now() when the endpoint accepted it. */
  readonly atPerfMs: number;
}

interface Waiter {
  readonly match: (e: AcceptedEntry) => boolean;
  readonly resolve: (s: StampedEntry) => void;
}

export class AcceptedFeed {
  private readonly queue: StampedEntry[] = [];
  private waiter: Waiter | undefined;

  /** Pass as LocalEventBridge's onEntries. */
  readonly record = (entries: readonly AcceptedEntry[]): void => {
    const atPerfMs = performance.now();
    for (const entry of entries) this.queue.push({ entry, atPerfMs });
    this.serve();
  };

  /** The next entry (skipping non-matching ones) accepted since the last one handed out. */
  next(match: (e: AcceptedEntry) => boolean, timeoutMs: number, what: string): Promise<StampedEntry> {
    if (this.waiter) throw new Error('AcceptedFeed serves one waiter at a time');
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        reject(new Error(`${what}: not accepted within ${timeoutMs} ms`));
      }, timeoutMs).unref();
      this.waiter = {
        match,
        resolve: (s) => {
          clearTimeout(timer);
          resolve(s);
        },
      };
      this.serve();
    });
  }

  private serve(): void {
    while (this.waiter && this.queue.length > 0) {
      const stamped = this.queue.shift()!;
      if (!this.waiter.match(stamped.entry)) continue;
      const { resolve } = this.waiter;
      this.waiter = undefined;
      resolve(stamped);
    }
  }
}
