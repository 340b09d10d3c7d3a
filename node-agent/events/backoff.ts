/** Retry delays: exponential, capped, with jitter so a fleet does not retry in step. */

export interface BackoffOptions {
  readonly baseMs: number;
  readonly maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 200, maxMs: 30_000 };

/**
 * Delay before retry number `attempt` (1 = first retry): uniformly drawn from the upper half of
 * min(maxMs, baseMs * 2^(attempt-1)), so it never collapses to zero and never exceeds the cap.
 */
export function backoffDelayMs(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** Math.min(Math.max(attempt - 1, 0), 30));
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}
