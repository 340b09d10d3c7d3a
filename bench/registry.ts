/**
 * Every benchmark `npm run bench` knows, in the order they run and appear in the README.
 * Add one with one line: `{ name, description, run: (ctx) => runMyBench(ctx) }` returning BenchEntry[]
 * (build rows with measuredEntry() from ./entry; the runner stamps time and machine if left out).
 */
import { runAgentPublishBench } from './agent-publish';
import type { Benchmark } from './types';

export const BENCHMARKS: readonly Benchmark[] = [
  { name: 'agent-publish', description: 'FIFO transition line to event accepted by PutEvents: agent daemon vs AWS CLI', run: (ctx) => runAgentPublishBench(ctx) },
  // Issue 4 (bench/controller.ts, not there yet): uncomment once it exists.
  // { name: 'controller', description: 'failover controller: bundle size, cold init, decision time', run: async () => (await import('./controller')).runControllerBench() },
  // { name: 'lab-failover', ... }, { name: 'switchover', ... }: issues 5 and 8.
];
