/** ProbeClock on the real clocks (AWS and the lab alike). */
import { performance } from 'node:perf_hooks';
import type { ProbeClock } from '../ports';

export const systemProbeClock: ProbeClock = {
  wallMs: () => Date.now(),
  monoMs: () => performance.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      if (signal?.aborted || ms <= 0) return resolve();
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener('abort', done, { once: true });
    }),
};
