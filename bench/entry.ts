/** Building BenchEntry rows: statistics, target verdict, machine and time stamps. */
import { cpus } from 'node:os';
import { round, summarize } from './stats';
import type { BenchEntry, BenchTarget, MachineInfo } from './types';

export function machineInfo(): MachineInfo {
  const list = cpus();
  return { cpus: list.length, cpuModel: list[0]?.model.trim() ?? 'unknown', node: process.version, platform: `${process.platform}-${process.arch}` };
}

export function meetsTarget(target: BenchTarget | null, stats: Partial<Record<BenchTarget['of'], number | null>>): boolean {
  if (!target) return true;
  const measured = stats[target.of];
  if (measured === undefined || measured === null) return false;
  return target.op === '<=' ? measured <= target.value : measured >= target.value;
}

export interface MeasuredEntry {
  readonly name: string;
  readonly unit: string;
  readonly values: readonly number[];
  readonly target: BenchTarget | null;
  readonly notes: string;
  /** Decimals kept in median/p99/min/max. @default 1 */
  readonly decimals?: number;
}

/** An entry from raw samples; pass is judged on the rounded statistic the table shows. */
export function measuredEntry(m: MeasuredEntry): BenchEntry {
  const s = summarize(m.values);
  const r = (v: number) => round(v, m.decimals ?? 1);
  const stats = { median: r(s.median), p99: r(s.p99), min: r(s.min), max: r(s.max) };
  return {
    name: m.name,
    unit: m.unit,
    ...stats,
    samples: s.samples,
    target: m.target,
    pass: meetsTarget(m.target, stats),
    notes: m.notes,
    measuredAt: new Date().toISOString(),
    machine: machineInfo(),
  };
}

/** The row a benchmark gets when it threw: nothing measured, not passed. */
export function errorEntry(name: string, err: unknown): BenchEntry {
  const message = err instanceof Error ? err.message : String(err);
  return {
    name,
    unit: '',
    median: null,
    samples: 0,
    target: null,
    pass: false,
    notes: `error: ${message.slice(0, 500)}`,
    measuredAt: new Date().toISOString(),
    machine: machineInfo(),
  };
}
