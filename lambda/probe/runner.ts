/**
 * The probe's loop: a round every `everyMs`, each with a hard deadline, its summary turned into EMF
 * lines and handed to the sink. The runner keeps the memory between rounds (core/gtid.ts needs the
 * previous round to see writes to the passive node), across invocations of a warm Lambda too.
 */
import { emfLine } from '../../lib/metrics/emf';
import { roundDocuments } from './core/metrics';
import { summarizeRound } from './core/summarize';
import { EMPTY_MEMORY, type ProbeMemory, type RoundSummary } from './core/types';
import type { ProbeClock, ProbeSink } from './ports';
import { runProbeRound, type RoundDeps } from './round';

export interface RunnerDeps extends RoundDeps {
  readonly sink: ProbeSink;
  /** Where a round that could not be emitted is reported (a bug; the loop goes on). */
  readonly onError?: (message: string, err: unknown) => void;
}

export interface WindowOptions {
  readonly everyMs: number;
  /** Rounds start at offsets 0, everyMs, ... below this (the schedule's period: the next invocation takes over). */
  readonly windowMs: number;
  /** No round may end after this (monotonic ms): the invocation's end minus a safety margin. */
  readonly stopAtMs: number;
  /** Ends the loop early (the lab's SIGTERM). */
  readonly signal?: AbortSignal;
}

/** The longest a round may take: both phases at their limits, never more than the interval. */
export function roundBudgetMs(deps: Pick<RoundDeps, 'limits'>, everyMs: number): number {
  return Math.min(everyMs, 2 * (deps.limits.connectTimeoutMs + deps.limits.queryTimeoutMs));
}

export class ProbeRunner {
  private memory: ProbeMemory = EMPTY_MEMORY;

  constructor(private readonly deps: RunnerDeps) {}

  /** One round, emitted; returns its summary (undefined when emitting failed). */
  async round(deadlineMs: number): Promise<RoundSummary | undefined> {
    const raw = await runProbeRound(this.deps, deadlineMs);
    try {
      const { summary, memory } = summarizeRound(this.deps.config, raw, this.memory);
      this.memory = memory;
      this.deps.sink.emit({ lines: roundDocuments(this.deps.config.clusterName, summary).map(emfLine), summary });
      return summary;
    } catch (err) {
      this.deps.onError?.('probe round not emitted', err);
      return undefined;
    }
  }

  /** Rounds every `everyMs` from now, while they start inside the window and fit before stopAtMs. Returns how many ran. */
  async runWindow(o: WindowOptions): Promise<number> {
    const clock: ProbeClock = this.deps.clock;
    const budget = roundBudgetMs(this.deps, o.everyMs);
    const start = clock.monoMs();
    let rounds = 0;
    let next = start;
    while (next - start < o.windowMs && next + budget <= o.stopAtMs && !o.signal?.aborted) {
      await clock.sleep(next - clock.monoMs(), o.signal);
      if (o.signal?.aborted) break;
      await this.round(Math.min(clock.monoMs() + budget, o.stopAtMs));
      rounds++;
      // Behind schedule (a stalled event loop): start the next round now rather than a burst of them.
      next = Math.max(next + o.everyMs, clock.monoMs());
    }
    return rounds;
  }
}
