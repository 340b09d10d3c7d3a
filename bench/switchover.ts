/**
 * Planned switchover in the lab (eipctl, issue 8): SWITCHOVER_BENCH_RUNS (default 6) switchovers
 * on one semi-sync lab, alternating direction, each with the lab's client writing through the EIP.
 * Measured from the client's side: the longest gap between acknowledged writes (write downtime)
 * and acknowledged writes missing on the new writer; also the fence → new writer writable time.
 */
import { down, up } from '../lab/control';
import { waitHealthy } from '../lab/demo/run-demo';
import { LabTarget } from '../eipctl/lab/lab-target';
import { runSwitchover, SWITCHOVER_DEFAULTS, type SwitchoverReport } from '../eipctl/switchover';
import { measuredEntry } from './entry';
import type { BenchContext, BenchEntry } from './types';

const nums = (xs: ReadonlyArray<number | null>) => xs.filter((x): x is number => x !== null);

export async function runSwitchoverBench(ctx: BenchContext): Promise<BenchEntry[]> {
  const runs = Number(process.env.SWITCHOVER_BENCH_RUNS ?? 6);
  const name = `sw${process.pid % 100000}`;
  ctx.progress(`lab ${name}: up`);
  await up({ name, propagationDelayMs: 0, reconcileIntervalMs: 10_000, semiSync: true });
  const reports: SwitchoverReport[] = [];
  try {
    const lab = new LabTarget(name);
    for (let i = 1; i <= runs; i++) {
      const writer = await waitHealthy(lab.layout);
      const to = writer === 'db-a' ? 'db-b' : 'db-a';
      const r = await runSwitchover(lab, { ...SWITCHOVER_DEFAULTS, to, dryRun: false, withLoad: true, progress: () => undefined, signal: new AbortController().signal });
      if (r.outcome !== 'switched') throw new Error(`switchover ${i} ${writer} → ${to}: ${r.outcome}: ${r.reason}`);
      reports.push(r);
      ctx.progress(`${i}/${runs} ${writer} → ${to}: downtime ${r.downtimeMs} ms, fence → writable ${r.stagesMs.writable} ms, lost ${r.lostAckedWrites}/${r.ackedWrites}`);
    }
  } finally {
    await down(name);
  }
  const note = `${runs} runs alternating db-a ⇄ db-b (priorities 150/100); advert 1 s; client writes every 50 ms, reconnect on error; semi-sync; EIP propagation delay 0 ms`;
  return [
    measuredEntry({
      name: 'lab: planned switchover (eipctl), client write downtime',
      unit: 'ms',
      values: nums(reports.map((r) => r.downtimeMs)),
      target: { text: 'median ≤ 1000 ms', op: '<=', value: 1000, of: 'median' },
      notes: note,
      decimals: 0,
    }),
    measuredEntry({
      name: 'lab: planned switchover, lost acknowledged writes',
      unit: 'writes',
      values: reports.map((r) => r.lostAckedWrites ?? Number.NaN),
      target: { text: 'max = 0', op: '<=', value: 0, of: 'max' },
      notes: `${note}; acked per run: ${reports.map((r) => r.ackedWrites).join(', ')}`,
      decimals: 0,
    }),
    measuredEntry({
      name: 'lab: planned switchover, fence → new writer writable',
      unit: 'ms',
      values: nums(reports.map((r) => r.stagesMs.writable)),
      target: null,
      notes: `${note}; as eipctl saw it (25 ms polls)`,
      decimals: 0,
    }),
  ];
}
