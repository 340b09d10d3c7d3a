/**
 * The lab runs the probe on a schedule (every 10 s, from the gateway namespace, as a Lambda in the
 * VPC would) and `eip-lab status` shows its latest round; the EMF lines land in the lab directory.
 * A stopped replica shows up in the next rounds and goes away after heal.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { down, fail, heal, labStatus, up } from '../../lab/control';
import { labLayout } from '../../lab/layout';
import { processGone, waitUntil } from '../../lab/node';
import { cmdline } from '../../lab/pid-registry';
import { waitHealthy } from '../../lab/demo/run-demo';
import type { LabStatus } from '../../lab/status';

jest.setTimeout(240_000);

const NAME = `lp${process.pid % 100000}`;
const layout = labLayout(NAME);
const LAUNCHER = resolve(__dirname, '../../bin/eip-lab.cjs');
/** A few rounds (one every 10 s): on a loaded machine the pair itself may need a while to settle. */
const ROUNDS_MS = 60_000;

type Probe = NonNullable<LabStatus['probe']>;
/** A live process running this lab's probe (pids are reused: check its command line). */
const isLabProbe = (pid: number) => !processGone(pid) && cmdline(pid).includes(`${layout.dir}/bin/eip-lab-probe.cjs --lab-dir ${layout.dir} `);
const probeOf = async (): Promise<Probe> => (await labStatus(layout)).probe!;
async function roundAfter(ms: number, done: (p: Probe) => boolean, what: string): Promise<Probe> {
  let last: Probe | undefined;
  try {
    return await waitUntil(what, async () => {
      last = await probeOf();
      return last.latest && last.latest.atMs > ms && done(last) ? last : undefined;
    }, ROUNDS_MS, 1000);
  } catch (err) {
    throw new Error(`${(err as Error).message}; latest round: ${JSON.stringify(last?.latest)}`);
  }
}

beforeAll(async () => {
  await up({ name: NAME, propagationDelayMs: 0, reconcileIntervalMs: 5000, semiSync: true });
  await waitHealthy(layout);
}, 300_000);

afterAll(async () => {
  await down(NAME);
  expect((await labStatus(layout)).up).toBe(false);
}, 120_000);

test('status --json shows the latest probe round: one writer, the three views agree, replication timed', async () => {
  const healthyAt = Date.now();
  // The writer's agent starts its heartbeat row once it is writable: the first rounds may not see it yet.
  const healthy = (x: Probe) => x.latest!.pair.e2e.replicationMs !== null && Object.values(x.latest!.nodes).every((n) => n.up && (n.readOnly === false || n.lagMs !== null));
  const p = await roundAfter(healthyAt, healthy, 'a healthy probe round');
  const s = await labStatus(layout);
  const holder = s.eipHolder!;
  const peer = holder === 'db-a' ? 'db-b' : 'db-a';
  expect(p.running).toBe(true);
  expect(p.everyMs).toBe(10_000);
  expect(p.ageMs).toBeLessThan(ROUNDS_MS);
  const r = p.latest!;
  expect(r.pair).toMatchObject({ writableNodes: 1, writableNodeIds: [holder], writerReachable: true });
  expect(r.pair.writer).toMatchObject({ eipNode: holder, writableNode: holder, answeringNode: holder, consistent: true });
  expect(r.pair.e2e.replicationMs).toBeGreaterThan(0);
  expect(r.nodes[holder]).toMatchObject({ up: true, readOnly: false, replication: { ioRunning: true, sqlRunning: true } });
  expect(r.nodes[peer]).toMatchObject({ up: true, readOnly: true, replication: { ioRunning: true, sqlRunning: true }, errant: { transactions: 0 } });
  expect(r.nodes[peer]!.lagMs).toBeLessThan(10_000);
  for (const n of Object.values(r.nodes)) expect(n.connectMs).toBeGreaterThan(0);

  // The same round's EMF lines, in the metrics file.
  const lines = readFileSync(p.metricsFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  const ofRound = lines.filter((d) => (d._aws as { Timestamp: number }).Timestamp === r.atMs);
  expect(ofRound.map((d) => d.Target)).toEqual(['db-a', 'db-b', 'eip']);
  expect(ofRound[2]).toMatchObject({ ClusterName: 'orders-db', WritableNodes: 1, WriterConsistent: 1, WriterReachable: 1, ProbeRuns: 1 });

  // And what the CLI prints (the pair may have moved on since: only the shape is fixed).
  const { stdout: json } = await promisify(execFile)(process.execPath, [LAUNCHER, 'status', '--json', '--name', NAME]);
  expect((JSON.parse(json) as LabStatus).probe).toMatchObject({ running: true, everyMs: 10_000, latest: { pair: { writableNodes: expect.any(Number) } } });
  const { stdout: text } = await promisify(execFile)(process.execPath, [LAUNCHER, 'status', '--name', NAME]);
  expect(text).toMatch(/^probe: running, every 10 s; latest round \d+ s ago \(.+, took \d+ ms\): writable nodes \d.*, writer consistent (yes|no) .*, e2e replication /m);
  for (const id of ['db-a', 'db-b']) expect(text).toMatch(new RegExp(`^  ${id}: (up, connect [\\d.]+ ms, query [\\d.]+ ms, (read-only|WRITABLE), IO (yes|no) SQL (yes|no), lag .*, errant .*|DOWN \\(.*\\))$`, 'm'));
});

test('a killed replica: the next rounds say it is down (refused), with no e2e write; after heal it is back', async () => {
  const holder = await waitHealthy(layout);
  const peer = holder === 'db-a' ? 'db-b' : 'db-a';
  const { atMs } = await fail(layout, { fault: 'kill-mysqld', node: peer });
  // Only the peer's line is asserted: on a loaded machine keepalived may fault the writer meanwhile.
  const down = await roundAfter(atMs, (x) => !x.latest!.nodes[peer]!.up, `a round with ${peer} down`);
  expect(down.latest!.nodes[peer]!.failure).toMatchObject({ reason: 'refused' });
  expect(down.latest!.pair.e2e.replicationMs).toBeNull();
  expect([`the peer ${peer} did not answer`, 'no writable node']).toContain(down.latest!.pair.e2e.skipped);
  await heal(layout);
  const healedAt = Date.now();
  await roundAfter(healedAt, (x) => x.latest!.nodes[peer]!.up, `${peer} back in the probe's rounds`);
});

test('down stops the probe process with the lab', async () => {
  const pid = Number(readFileSync(`${layout.files.pids}/probe.pid`, 'utf8'));
  expect(isLabProbe(pid)).toBe(true);
  await down(NAME);
  expect(isLabProbe(pid)).toBe(false);
});
