/**
 * One Lambda invocation of the probe: the schedule fires every minute and the invocation probes
 * every `everyMs` within that minute (EventBridge cannot fire more often), each round with a hard
 * deadline that also keeps clear of the function's timeout. What it needs is built once per cold
 * start; a failed build is not cached, the next invocation tries again.
 */
import type { ProbeClock } from './ports';
import type { ProbeRunner } from './runner';

/** The schedule's period: rounds start within it, then the next invocation takes over. */
export const SCHEDULE_PERIOD_MS = 60_000;
/** Kept back from the function's timeout: no round may still run then. */
export const SAFETY_MARGIN_MS = 1_000;

export interface BuiltProbe {
  readonly runner: ProbeRunner;
  readonly everyMs: number;
}

export type ProbeLog = (level: 'INFO' | 'WARN' | 'ERROR', message: string, fields?: Record<string, unknown>) => void;

export interface ProbeWiring {
  readonly build: () => Promise<BuiltProbe>;
  readonly clock: ProbeClock;
  readonly log: ProbeLog;
}

type LambdaLikeContext = { getRemainingTimeInMillis(): number } | undefined;

export function createProbeHandler(w: ProbeWiring): (event: unknown, context?: LambdaLikeContext) => Promise<void> {
  let built: Promise<BuiltProbe> | undefined;
  return async (_event, context) => {
    const startedMs = w.clock.monoMs();
    const remainingMs = context?.getRemainingTimeInMillis() ?? SCHEDULE_PERIOD_MS + SAFETY_MARGIN_MS;
    if (!built) {
      const building = w.build();
      built = building;
      building.catch(() => {
        if (built === building) built = undefined;
      });
    }
    let probe: BuiltProbe;
    try {
      probe = await built;
    } catch (err) {
      w.log('ERROR', 'probe not started: cannot load its config or password; no metrics this minute', { error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) });
      throw err;
    }
    const rounds = await probe.runner.runWindow({ everyMs: probe.everyMs, windowMs: SCHEDULE_PERIOD_MS, stopAtMs: startedMs + remainingMs - SAFETY_MARGIN_MS });
    if (rounds === 0) w.log('WARN', 'no probe round fitted in this invocation: raise the function timeout (70 s expected)', { remainingMs });
  };
}
