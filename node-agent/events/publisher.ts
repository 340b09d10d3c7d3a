/**
 * Sends the spool to EventBridge, oldest first, one PutEvents call at a time. enqueue() only
 * writes to the local spool and returns: the FIFO reader never waits on the network.
 */
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { EventTarget, toPutEventsEntry } from '../../lib/events/entry';
import { isTransition, type AgentEvent } from '../../lib/events/schema';
import { BackoffOptions, backoffDelayMs, DEFAULT_BACKOFF } from './backoff';
import type { EventsLog } from './log';
import { classifyPutEventsResult } from './put-events-result';
import type { Spool, SpoolItem } from './spool';
import { selectBatch } from './spool-policy';

/** PutEvents takes at most 10 entries per call. */
export const MAX_PUT_EVENTS_ENTRIES = 10;

export interface PublisherOptions {
  readonly client: EventBridgeClient;
  readonly spool: Spool;
  readonly target: EventTarget;
  readonly log: EventsLog;
  /** Heartbeats per PutEvents call when draining a backlog (1 to 10; transitions always go alone). */
  readonly maxBatchSize?: number;
  readonly backoff?: BackoffOptions;
  readonly random?: () => number;
  readonly now?: () => number;
}

export type PublishResult = 'none' | 'ok' | 'partial-failure' | 'error';

export interface PublisherStatus {
  readonly running: boolean;
  readonly spoolDepth: number;
  readonly droppedHeartbeats: number;
  readonly acceptedCount: number;
  readonly lastResult: PublishResult;
  readonly lastAttemptAtMs: number | null;
  readonly lastSuccessAtMs: number | null;
  readonly lastError: string | null;
  readonly consecutiveFailures: number;
}

export class EventPublisher {
  private readonly maxBatchSize: number;
  private readonly now: () => number;
  private running = false;
  private loop: Promise<void> | undefined;
  /** Entries PutEvents refused last time: the next call resends exactly these. */
  private retryOnly: SpoolItem[] | undefined;
  private inFlight: AbortController | undefined;
  private wake: (() => void) | undefined;
  private cancelSleep: (() => void) | undefined;
  private drainWaiters: (() => void)[] = [];
  private stats = {
    acceptedCount: 0,
    lastResult: 'none' as PublishResult,
    lastAttemptAtMs: null as number | null,
    lastSuccessAtMs: null as number | null,
    lastError: null as string | null,
    consecutiveFailures: 0,
  };

  constructor(private readonly options: PublisherOptions) {
    const size = options.maxBatchSize ?? MAX_PUT_EVENTS_ENTRIES;
    if (!Number.isInteger(size) || size < 1 || size > MAX_PUT_EVENTS_ENTRIES) {
      throw new RangeError(`maxBatchSize must be a whole number from 1 to ${MAX_PUT_EVENTS_ENTRIES}, got ${size}`);
    }
    this.maxBatchSize = size;
    this.now = options.now ?? Date.now;
  }

  /**
   * Spools the event durably and wakes the sender; returns without any network wait. Throws what
   * the spool throws (a full disk, an event not newer than the last): the caller logs and reports it.
   */
  enqueue(event: AgentEvent): void {
    this.options.spool.append(event);
    this.wake?.();
    // A transition is worth a try now rather than after a backoff of up to 30 s: the bus may be
    // back, and transitions are rare enough that this never hammers it.
    if (isTransition(event)) this.cancelSleep?.();
  }

  /** Starts sending, beginning with whatever an earlier run left in the spool. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Stops after aborting the call in flight; unsent events stay in the spool for the next start. */
  async stop(): Promise<void> {
    this.running = false;
    this.inFlight?.abort();
    this.cancelSleep?.();
    this.wake?.();
    await this.loop;
    this.loop = undefined;
  }

  /** Resolves once the spool is empty (for graceful shutdown and tests); never while stopped with events left. */
  whenDrained(): Promise<void> {
    if (this.options.spool.depth === 0) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  status(): PublisherStatus {
    return {
      running: this.running,
      spoolDepth: this.options.spool.depth,
      droppedHeartbeats: this.options.spool.droppedHeartbeats,
      ...this.stats,
    };
  }

  private async run(): Promise<void> {
    while (this.running) {
      const batch = this.nextBatch();
      if (batch.length === 0) {
        this.drainWaiters.splice(0).forEach((resolve) => resolve());
        await new Promise<void>((resolve) => (this.wake = resolve));
        this.wake = undefined;
        continue;
      }
      let delivered: boolean;
      try {
        delivered = await this.send(batch);
      } catch (err) {
        // Only local trouble (e.g. the spool cannot unlink) gets here; keep going after a pause.
        this.options.log.error('publisher step failed', { error: describeError(err) });
        delivered = false;
      }
      if (!delivered && this.running) await this.sleep(backoffDelayMs(this.stats.consecutiveFailures, this.backoff, this.options.random));
    }
  }

  private get backoff(): BackoffOptions {
    return this.options.backoff ?? DEFAULT_BACKOFF;
  }

  private nextBatch(): SpoolItem[] {
    const retry = this.retryOnly?.filter((i) => this.options.spool.has(i)); // a dropped heartbeat is not resent
    if (retry && retry.length > 0) return retry;
    this.retryOnly = undefined;
    return selectBatch(this.options.spool.list(), this.maxBatchSize);
  }

  /** One PutEvents call; true when every entry was accepted. */
  private async send(batch: SpoolItem[]): Promise<boolean> {
    const { client, spool, target } = this.options;
    const abort = new AbortController();
    this.inFlight = abort;
    this.stats.lastAttemptAtMs = this.now();
    const Entries = batch.map((item) => toPutEventsEntry(item.event, target));
    try {
      const output = await client.send(new PutEventsCommand({ Entries }), { abortSignal: abort.signal });
      const outcome = classifyPutEventsResult(batch.length, output);
      spool.remove(outcome.accepted.map((i) => batch[i]!));
      this.stats.acceptedCount += outcome.accepted.length;
      if (outcome.failed.length === 0) {
        this.retryOnly = undefined;
        this.succeeded();
        return true;
      }
      this.retryOnly = outcome.failed.map((f) => batch[f.index]!);
      const codes = [...new Set(outcome.failed.map((f) => `${f.code}: ${f.message}`))].join('; ');
      this.failed('partial-failure', `PutEvents refused ${outcome.failed.length} of ${batch.length} entries (${codes})`, {
        refusedSeqs: this.retryOnly.map((i) => i.order.seq),
      });
      return false;
    } catch (err) {
      if (!this.running) return true; // stop() aborted the call; the batch stays spooled
      this.failed('error', describeError(err), { batchSeqs: batch.map((i) => i.order.seq) });
      return false;
    } finally {
      this.inFlight = undefined;
    }
  }

  private succeeded(): void {
    if (this.stats.consecutiveFailures > 0) {
      this.options.log.info('event bus reachable again', { afterFailures: this.stats.consecutiveFailures, spoolDepth: this.options.spool.depth });
    }
    Object.assign(this.stats, { lastResult: 'ok', lastSuccessAtMs: this.now(), lastError: null, consecutiveFailures: 0 });
  }

  private failed(result: PublishResult, error: string, fields: Record<string, unknown>): void {
    this.stats.consecutiveFailures += 1;
    Object.assign(this.stats, { lastResult: result, lastError: error });
    this.options.log.warn('publishing events failed; will retry', {
      result,
      error,
      attempt: this.stats.consecutiveFailures,
      spoolDepth: this.options.spool.depth,
      ...fields,
    });
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.cancelSleep = () => {
        clearTimeout(timer);
        resolve();
      };
    }).finally(() => (this.cancelSleep = undefined));
  }
}

export function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err).slice(0, 300);
  const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  const code = (err as NodeJS.ErrnoException).code;
  const extra = [status ? `HTTP ${status}` : '', code && !err.message.includes(code) ? code : ''].filter(Boolean).join(', ');
  return `${err.name}: ${err.message}${extra ? ` (${extra})` : ''}`.slice(0, 300);
}
