/**
 * Polls an EipOwnership at a fixed interval and keeps the last definite answer with its age, so
 * fencing reads the holder without waiting on the network.
 *
 * A failed poll ('unknown') does not overwrite the last definite answer: one throttled call must
 * not blind fencing. The answer just ages, and current() turns it into 'unknown' once it is older
 * than the caller allows.
 *
 * Cost (AWS adapter): at the default 2 s, 43,200 DescribeAddresses a day per node, 86,400 for the
 * pair. EC2 API calls are not billed; the cost is throttling headroom: EC2 throttles each action
 * per account and region with a token bucket (AWS's example for a non-mutating action: burst 100,
 * refill 20/s), so the pair's 1 call/s takes about 5% of it. See docs/fencing.md.
 */
import type { EipObservation } from './holder-from-address';
import type { EipHolder, EipOwnership } from './ownership';

export const DEFAULT_EIP_POLL_INTERVAL_MS = 2000;

export interface EipReading {
  /** Last definite answer ('self' | 'other' | 'none'), or 'unknown' before the first one. */
  readonly holder: EipHolder;
  /** When that answer was observed; null before the first one. */
  readonly observedAtMs: number | null;
  readonly ageMs: number | null;
  readonly detail: string;
  /** Why the most recent poll failed; null once a poll succeeds again. */
  readonly lastError: string | null;
}

export interface EipPollerOptions {
  /** @default 2000 */
  readonly intervalMs?: number;
  /** Called when the definite holder changes (not on failed polls). */
  readonly onChange?: (holder: EipHolder, previous: EipHolder, detail: string) => void;
  /** @default Date.now */
  readonly now?: () => number;
}

type Source = EipOwnership & { observe?(): Promise<EipObservation> };

export class EipPoller {
  readonly intervalMs: number;
  private readonly now: () => number;
  private holderValue: EipHolder = 'unknown';
  private observedAtMs: number | null = null;
  private detail = 'not polled yet';
  private lastError: string | null = null;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private inFlight: Promise<EipReading> | undefined;

  constructor(
    private readonly source: Source,
    private readonly options: EipPollerOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? DEFAULT_EIP_POLL_INTERVAL_MS;
    this.now = options.now ?? Date.now;
  }

  /** Polls at once, then every intervalMs after the previous poll ends (never two at a time). */
  start(): void {
    if (this.running) return;
    this.running = true;
    const loop = async () => {
      await this.pollNow();
      if (this.running) this.timer = setTimeout(loop, this.intervalMs);
    };
    void loop();
  }

  stop(): void {
    this.running = false;
    clearTimeout(this.timer);
  }

  /** One poll now (shared with a poll already running); e.g. right after a MASTER transition. */
  pollNow(): Promise<EipReading> {
    this.inFlight ??= this.pollOnce().finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  private async pollOnce(): Promise<EipReading> {
    const seen = this.source.observe ? await this.source.observe() : { holder: await this.source.holder(), detail: '' };
    if (seen.holder === 'unknown') {
      this.lastError = seen.detail || 'EIP holder unknown';
    } else {
      const previous = this.holderValue;
      this.holderValue = seen.holder;
      this.observedAtMs = this.now();
      this.detail = seen.detail;
      this.lastError = null;
      if (previous !== seen.holder) this.options.onChange?.(seen.holder, previous, seen.detail);
    }
    return this.latest();
  }

  latest(): EipReading {
    const ageMs = this.observedAtMs === null ? null : Math.max(0, this.now() - this.observedAtMs);
    return { holder: this.holderValue, observedAtMs: this.observedAtMs, ageMs, detail: this.detail, lastError: this.lastError };
  }

  /** The cached holder, or 'unknown' when there is none or it is older than maxAgeMs (default 3 intervals). */
  current(maxAgeMs = 3 * this.intervalMs): EipHolder {
    const { holder, ageMs } = this.latest();
    return ageMs === null || ageMs > maxAgeMs ? 'unknown' : holder;
  }
}
