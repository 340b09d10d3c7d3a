/** The probe's part of `eip-lab status`: its latest round, as JSON and as lines for people. */
import { readFileSync } from 'node:fs';
import type { RoundSummary } from '../../lambda/probe/core/types';
import type { LabLayout } from '../layout';
import { probeFiles } from './files';

export interface LabProbeStatus {
  readonly running: boolean;
  readonly everyMs: number;
  /** Every round's EMF lines. */
  readonly metricsFile: string;
  /** The latest round's summary; null before the first round. */
  readonly latest: RoundSummary | null;
  /** How long ago the latest round started. */
  readonly ageMs: number | null;
}

export function labProbeStatus(layout: LabLayout, probe: { readonly running: boolean; readonly everyMs: number } | undefined, nowMs = Date.now()): LabProbeStatus {
  const files = probeFiles(layout);
  let latest: RoundSummary | null = null;
  try {
    latest = JSON.parse(readFileSync(files.latest, 'utf8')) as RoundSummary;
  } catch {
    // no round yet
  }
  return { running: probe?.running ?? false, everyMs: probe?.everyMs ?? 0, metricsFile: files.metrics, latest, ageMs: latest ? nowMs - latest.atMs : null };
}

const yesNo = (b: boolean | null | undefined) => (b === null || b === undefined ? '?' : b ? 'yes' : 'no');
const msText = (v: number | null) => (v === null ? '-' : `${v} ms`);

export function probeStatusLines(p: LabProbeStatus): string[] {
  const head = `probe: ${p.running ? `running, every ${p.everyMs / 1000} s` : 'not running'}`;
  const r = p.latest;
  if (!r) return [`${head}; no round yet`];
  const pair = r.pair;
  const writer = pair.writer;
  const lines = [
    `${head}; latest round ${Math.round((p.ageMs ?? 0) / 1000)} s ago (${new Date(r.atMs).toISOString()}, took ${r.durationMs} ms): ` +
      `writable nodes ${pair.writableNodes}${pair.writableNodeIds.length ? ` (${pair.writableNodeIds.join(', ')})` : ''}, ` +
      `writer consistent ${yesNo(writer.consistent)} (EIP ${writer.eipNode ?? '-'}, writable ${writer.writableNode ?? '-'}, answering ${writer.answeringNode ?? '-'}), ` +
      `e2e replication ${pair.e2e.replicationMs === null ? (pair.e2e.skipped ?? pair.e2e.failure ?? '-') : `${pair.e2e.replicationMs} ms`}`,
  ];
  for (const [id, n] of Object.entries(r.nodes)) {
    if (!n.up) {
      lines.push(`  ${id}: DOWN (${n.failure?.reason}: ${n.failure?.message})`);
      continue;
    }
    const lag = n.lagMs === null ? '-' : `${(n.lagMs / 1000).toFixed(1)} s`;
    lines.push(
      `  ${id}: up, connect ${msText(n.connectMs)}, query ${msText(n.queryMs)}, ${n.readOnly ? 'read-only' : 'WRITABLE'}, ` +
        `IO ${yesNo(n.replication?.ioRunning)} SQL ${yesNo(n.replication?.sqlRunning)}, lag ${lag}, errant ${n.errant?.transactions ?? '-'}`,
    );
  }
  return lines;
}
