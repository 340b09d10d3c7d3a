/** The README's benchmark table: rendered from results, written only between the markers. */
import type { BenchEntry } from './types';

export const TABLE_START = '<!-- bench:start -->';
export const TABLE_END = '<!-- bench:end -->';

function fmt(value: number | null | undefined, unit: string): string {
  if (value === null || value === undefined) return '—';
  return unit === '×' ? `${value}×` : `${value} ${unit}`.trim();
}

function verdict(entry: BenchEntry): string {
  if (entry.median === null) return '**error**';
  if (!entry.target) return 'baseline';
  return entry.pass ? 'pass' : '**FAIL**';
}

/** A Markdown table (one row per entry) and a line naming the machine. */
export function renderTable(entries: readonly BenchEntry[]): string {
  const rows = entries.map((e) =>
    [
      e.name,
      fmt(e.median, e.unit),
      fmt(e.p99, e.unit),
      e.min === undefined ? '—' : `${fmt(e.min, e.unit)} – ${fmt(e.max, e.unit)}`,
      String(e.samples),
      e.target?.text ?? '—',
      verdict(e),
    ].join(' | '),
  );
  const machines = [...new Set(entries.map((e) => (e.machine ? `${e.machine.cpus} × ${e.machine.cpuModel}, Node ${e.machine.node}` : 'unknown machine')))];
  const dates = entries.map((e) => e.measuredAt?.slice(0, 10)).filter(Boolean).sort();
  const when = dates.length ? `${dates[0]}${dates.at(-1) !== dates[0] ? ` to ${dates.at(-1)}` : ''}` : 'unknown date';
  return [
    '| Benchmark | Median | p99 | Min – Max | Samples | Target | Result |',
    '|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r} |`),
    '',
    `Measured ${when} by \`npm run bench\` on ${machines.join('; ')}. Details and notes: \`bench/results.json\`.`,
  ].join('\n');
}

/** The README with only the marked region replaced; null when the markers are missing. */
export function replaceTableRegion(readme: string, table: string): string | null {
  const start = readme.indexOf(TABLE_START);
  const end = readme.indexOf(TABLE_END, start + TABLE_START.length);
  if (start < 0 || end < 0) return null;
  return `${readme.slice(0, start + TABLE_START.length)}\n${table}\n${readme.slice(end)}`;
}
