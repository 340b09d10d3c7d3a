/** bench/results.json: read, merge a (partial) run into it, write. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { BenchEntry } from './types';

export function readResults(file: string): BenchEntry[] {
  if (!existsSync(file)) return [];
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    return Array.isArray(parsed) ? (parsed as BenchEntry[]) : [];
  } catch {
    return [];
  }
}

/**
 * The new entries replace everything earlier runs recorded for the benchmarks that ran now (and
 * any entry of the same name); entries of other registered benchmarks are kept, entries of
 * benchmarks no longer registered are dropped. Sorted in registry order.
 */
export function mergeResults(previous: readonly BenchEntry[], fresh: readonly BenchEntry[], ran: readonly string[], order: readonly string[]): BenchEntry[] {
  const names = new Set(fresh.map((e) => e.name));
  const kept = previous.filter((e) => e.benchmark && order.includes(e.benchmark) && !ran.includes(e.benchmark) && !names.has(e.name));
  const rank = (e: BenchEntry) => order.indexOf(e.benchmark ?? '');
  // Array.prototype.sort is stable: entries keep their order within a benchmark.
  return [...kept, ...fresh].sort((a, b) => rank(a) - rank(b));
}

export function writeResults(file: string, entries: readonly BenchEntry[]): void {
  writeFileSync(file, `${JSON.stringify(entries, null, 2)}\n`);
}
