/**
 * Every benchmark `npm run bench` knows, in the order they run and appear in the README.
 * Add one with one line: `{ name, description, run: (ctx) => runMyBench(ctx) }` returning BenchEntry[]
 * (build rows with measuredEntry() from ./entry; the runner stamps time and machine if left out).
 */
import { runAgentPublishBench } from './agent-publish';
import type { Benchmark } from './types';

export const BENCHMARKS: readonly Benchmark[] = [
  { name: 'agent-publish', description: 'FIFO transition line to event accepted by PutEvents: agent daemon vs AWS CLI', run: (ctx) => runAgentPublishBench(ctx) },
  {
    name: 'controller',
    description: 'failover controller Lambda: bundle size, cold init (fresh process, first decision), cold failover, decision time',
    run: async (ctx) => (await import('./controller')).runControllerBench(ctx),
  },
  { name: 'check-mysql', description: "keepalived's track script: CPU and wall time of one eip-agent check-mysql run", run: async (ctx) => (await import('./check-mysql')).runCheckMysqlBench(ctx) },
  { name: 'lab-failover', description: 'the lab: client-observed downtime, lost acked writes, VRRP transition to EIP moved', run: async (ctx) => (await import('./lab-failover')).runLabFailoverBench(ctx) },
  { name: 'switchover', description: 'the lab: planned switchover with eipctl, client-observed write downtime and lost acked writes', run: async (ctx) => (await import('./switchover')).runSwitchoverBench(ctx) },
];
