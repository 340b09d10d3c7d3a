/** The probe's part of `eip-lab status`: the latest round read back from the lab directory, and its lines. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { summarizeRound } from '../../lambda/probe/core/summarize';
import { EMPTY_MEMORY } from '../../lambda/probe/core/types';
import { labLayout } from '../../lab/layout';
import { probeFiles } from '../../lab/probe/files';
import { labProbeStatus, probeStatusLines } from '../../lab/probe/status';
import { A, AT_MS, B, config, healthyRound } from './probe-fixtures';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'probe-lab-status-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

test('before the first round: latest null, said so', () => {
  const layout = labLayout('prbs', root);
  const s = labProbeStatus(layout, { running: true, everyMs: 10_000 });
  expect(s).toEqual({ running: true, everyMs: 10_000, metricsFile: join(root, 'prbs', 'cloud', 'probe-metrics.jsonl'), latest: null, ageMs: null });
  expect(probeStatusLines(s)).toEqual(['probe: running, every 10 s; no round yet']);
});

test('the latest round, its age, and one line for the pair and one per node', () => {
  const layout = labLayout('prbs', root);
  mkdirSync(join(layout.dir, 'cloud'), { recursive: true });
  const down = { ok: false as const, connectMs: null, failure: { reason: 'refused' as const, message: 'server not running: connect ECONNREFUSED 10.0.2.10:3306' } };
  const { summary } = summarizeRound(config, healthyRound({ nodes: { ...healthyRound().nodes, [B.id]: down }, e2e: null }), EMPTY_MEMORY);
  writeFileSync(probeFiles(layout).latest, JSON.stringify(summary));
  const s = labProbeStatus(layout, { running: true, everyMs: 10_000 }, AT_MS + 4_200);
  expect(s.latest).toEqual(summary);
  expect(s.ageMs).toBe(4_200);
  expect(probeStatusLines(s)).toEqual([
    `probe: running, every 10 s; latest round 4 s ago (${new Date(AT_MS).toISOString()}, took 42 ms): writable nodes 1 (${A.id}), writer consistent yes (EIP ${A.id}, writable ${A.id}, answering ${A.id}), e2e replication the peer ${B.id} did not answer`,
    `  ${A.id}: up, connect 1.3 ms, query 0.7 ms, WRITABLE, IO yes SQL yes, lag -, errant -`,
    `  ${B.id}: DOWN (refused: server not running: connect ECONNREFUSED 10.0.2.10:3306)`,
  ]);
});

test('a lab whose probe is not running', () => {
  expect(probeStatusLines(labProbeStatus(labLayout('prbs', root), undefined))[0]).toBe('probe: not running; no round yet');
});
