/**
 * `npm run bench [-- --only NAME[,NAME]] [-- --list]`: runs the registered benchmarks, prints
 * progress on stderr, writes bench/results.json (merged: benchmarks not run keep their last
 * entries) and the README table between the bench markers. Exit 1 when any entry fails.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { errorEntry, machineInfo } from './entry';
import { renderTable, replaceTableRegion, TABLE_END, TABLE_START } from './readme-table';
import { BENCHMARKS } from './registry';
import { mergeResults, readResults, writeResults } from './results';
import type { BenchEntry, Benchmark } from './types';

const ROOT = join(__dirname, '..');
const RESULTS = join(__dirname, 'results.json');
const README = join(ROOT, 'README.md');

function selected(argv: readonly string[]): Benchmark[] {
  const i = argv.findIndex((a) => a === '--only' || a.startsWith('--only='));
  if (i < 0) return [...BENCHMARKS];
  const value = argv[i]!.startsWith('--only=') ? argv[i]!.slice('--only='.length) : (argv[i + 1] ?? '');
  const wanted = value.split(',').filter(Boolean);
  const unknown = wanted.filter((w) => !BENCHMARKS.some((b) => b.name === w));
  if (wanted.length === 0 || unknown.length > 0) {
    throw new Error(`--only ${unknown.join(',') || '(nothing)'}: unknown; benchmarks: ${BENCHMARKS.map((b) => b.name).join(', ')}`);
  }
  return BENCHMARKS.filter((b) => wanted.includes(b.name));
}

async function runOne(bench: Benchmark): Promise<BenchEntry[]> {
  const started = Date.now();
  const progress = (message: string) => process.stderr.write(`[bench ${bench.name}] ${message}\n`);
  progress(`start: ${bench.description}`);
  let entries: BenchEntry[];
  try {
    entries = await bench.run({ progress });
  } catch (err) {
    progress(`error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    entries = [errorEntry(bench.name, err)];
  }
  progress(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const measuredAt = new Date().toISOString();
  const machine = machineInfo();
  return entries.map((e) => ({ ...e, measuredAt: e.measuredAt ?? measuredAt, machine: e.machine ?? machine, benchmark: bench.name }));
}

function updateReadme(table: string): void {
  const readme = existsSync(README) ? readFileSync(README, 'utf8') : null;
  const updated = readme === null ? null : replaceTableRegion(readme, table);
  if (updated === null) {
    console.log(`\n${table}\n`);
    console.log(`README.md ${readme === null ? 'does not exist' : 'has no bench markers'}: add ${TABLE_START} and ${TABLE_END} to get this table written there.`);
    return;
  }
  if (updated !== readme) writeFileSync(README, updated);
  console.log(`\n${table}\n\nREADME.md table updated.`);
}

async function main(): Promise<void> {
  if (process.argv.includes('--list')) {
    for (const b of BENCHMARKS) console.log(`${b.name}\t${b.description}`);
    return;
  }
  const benches = selected(process.argv.slice(2));
  const fresh: BenchEntry[] = [];
  for (const bench of benches) fresh.push(...(await runOne(bench)));
  const order = BENCHMARKS.map((b) => b.name);
  const all = mergeResults(readResults(RESULTS), fresh, benches.map((b) => b.name), order);
  writeResults(RESULTS, all);
  console.log(`wrote ${RESULTS} (${all.length} entries, ${fresh.length} from this run)`);
  updateReadme(renderTable(all));
  const failed = fresh.filter((e) => !e.pass);
  if (failed.length > 0) {
    console.error(`${failed.length} entr${failed.length === 1 ? 'y' : 'ies'} failed: ${failed.map((e) => e.name).join(', ')}`);
    process.exitCode = 1;
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
