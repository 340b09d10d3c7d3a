/**
 * The lab end to end: one lab, every fault in turn (inject, wait, heal), checking the issue's
 * invariants each time. Faults that fail the writer run through runDemo, so a client writes
 * through the EIP during the failover and lost acknowledged writes are counted (semi-sync on).
 * One lab is shared (heal restores every piece), which keeps the suite to a few minutes on 2 cores.
 */
import { cpSync, statSync } from 'node:fs';
import mysql from 'mysql2/promise';
import { join } from 'node:path';
import { down, fail, heal, labStatus, up } from '../../lab/control';
import type { Fault } from '../../lab/faults';
import { invariantViolations } from '../../lab/invariants';
import { readJournal } from '../../lab/journal';
import { ADDR, labLayout, type LabNodeId } from '../../lab/layout';
import { run } from '../../lab/netns';
import { waitUntil } from '../../lab/node';
import { runDemo, waitHealthy } from '../../lab/demo/run-demo';
import type { LabStatus } from '../../lab/status';

jest.setTimeout(240_000);

const NAME = `lt${process.pid % 100000}`;
const layout = labLayout(NAME);
/** After heal the pair must be healthy again within this (replication reconnects, agents re-report). */
const CONVERGE_MS = 60_000;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const peerOf = (id: LabNodeId): LabNodeId => (id === 'db-a' ? 'db-b' : 'db-a');
const movesSince = (ms: number) => readJournal(layout.files.journal, ms).filter((e) => e.kind === 'eip-moved').length;

async function healAndConverge(): Promise<LabStatus> {
  await heal(layout);
  await waitHealthy(layout, CONVERGE_MS);
  const s = await labStatus(layout);
  expect(invariantViolations(s)).toEqual([]);
  return s;
}

/** Samples status for `ms`; every sample must keep the holder and keep the other node read-only. */
async function holdsSteady(holder: LabNodeId, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const s = await labStatus(layout);
    expect(s.eipHolder).toBe(holder);
    expect(s.nodes[peerOf(holder)].db.readOnly).not.toBe(false);
    await sleep(500);
  }
}

beforeAll(async () => {
  await up({ name: NAME, propagationDelayMs: 0, reconcileIntervalMs: 5000, semiSync: true });
  await waitHealthy(layout);
}, 300_000);

afterAll(async () => {
  // LAB_KEEP_LOGS=<dir>: keep the lab's logs and journal (not the databases) for a post-mortem.
  try {
    if (process.env.LAB_KEEP_LOGS) cpSync(layout.dir, join(process.env.LAB_KEEP_LOGS, NAME), { recursive: true, filter: (p) => !p.includes('/mysql/') && (statSync(p).isDirectory() || statSync(p).isFile()) });
  } catch (err) {
    console.warn(`LAB_KEEP_LOGS: ${(err as Error).message}`);
  }
  const { removed } = await down(NAME);
  expect(removed.length).toBeGreaterThan(0);
  expect((await labStatus(layout)).up).toBe(false);
}, 120_000);

test("the EIP maps to the holder's secondary address (nodes[].eipPrivateIp), where MariaDB listens too", async () => {
  const holder = (await labStatus(layout)).eipHolder!;
  const map = await run('ip', ['netns', 'exec', layout.namespaces.gateway, 'nft', '-j', 'list', 'map', 'ip', 'eiplab', 'target']);
  const doc = JSON.parse(map.stdout) as { nftables: Array<{ map?: { elem?: unknown[] } }> };
  expect(doc.nftables.find((o) => o.map)?.map?.elem).toEqual([[ADDR.eip, ADDR.eipTargets[holder]]]);
  for (const id of ['db-a', 'db-b'] as const) {
    const [row] = await onNode<Array<{ bind: string }>>(id, 'SELECT @@bind_address AS bind');
    expect(row!.bind.split(',')).toEqual(expect.arrayContaining([ADDR.nodes[id], ADDR.eipTargets[id]]));
  }
});

describe.each<Fault>(['power-off', 'kill-keepalived', 'kill-mysqld', 'stop-keepalived', 'flap'])('%s of the writer', (fault) => {
  it('moves the EIP once to the peer, loses no acknowledged write, and converges after heal', async () => {
    const { report } = await runDemo(layout, { fault, healAfter: false });
    expect(report.newWriter).toBe(report.failedNode === 'db-a' ? 'db-b' : 'db-a');
    expect(report.eipMoves).toBe(1);
    expect(report.ackedWrites).toBeGreaterThan(20);
    expect(report.lostAckedWrites).toBe(0);
    expect(invariantViolations(await labStatus(layout))).toEqual([]);
    const healedAt = Date.now();
    await healAndConverge();
    expect(movesSince(report.faultAtMs)).toBe(1); // heal brings the old writer back as BACKUP
    expect(Date.now() - healedAt).toBeLessThan(CONVERGE_MS);
  });
});

test('partition: no EIP move while the holder is healthy; the other node stays read-only', async () => {
  const holder = (await labStatus(layout)).eipHolder!;
  const t0 = Date.now();
  await fail(layout, { fault: 'partition' });
  await holdsSteady(holder, 10_000); // > VRRP detection: the peer has become MASTER meanwhile
  const during = await labStatus(layout);
  expect(during.nodes[peerOf(holder)].vrrpState).toBe('MASTER');
  expect(movesSince(t0)).toBe(0);
  const healedAt = Date.now();
  await healAndConverge();
  // Healed, the two MASTERs hear each other and the higher priority wins: at most that one move.
  expect(movesSince(healedAt)).toBeLessThanOrEqual(1);
});

test('bus-outage: agents cut off from the cloud for 6 s; nothing moves, spools drain after', async () => {
  const holder = (await labStatus(layout)).eipHolder!;
  const t0 = Date.now();
  await fail(layout, { fault: 'bus-outage', seconds: 6 });
  await holdsSteady(holder, 8_000);
  await healAndConverge();
  expect(movesSince(t0)).toBe(0);
  // Heartbeats spooled during the outage go out at the publisher's next retry, which backs off
  // up to 30 s (a transition would cut that short): give it that long, and no more.
  await waitUntil(
    'both spools to drain',
    async () => {
      const s = await labStatus(layout);
      return s.nodes['db-a'].agent.spoolDepth === 0 && s.nodes['db-b'].agent.spoolDepth === 0 && s;
    },
    35_000,
    500,
  );
});

test('api-throttle: EC2 throttles the next 4 calls; the move still happens (retries), once', async () => {
  const holder = (await labStatus(layout)).eipHolder!;
  const t0 = Date.now();
  await fail(layout, { fault: 'api-throttle', calls: 4 });
  await fail(layout, { fault: 'kill-keepalived', node: holder });
  const journal = () => readJournal(layout.files.journal, t0);
  const deadline = Date.now() + 60_000;
  while (!journal().some((e) => e.kind === 'eip-moved') && Date.now() < deadline) await sleep(250);
  expect(journal().filter((e) => e.kind === 'ec2-throttled')).toHaveLength(4);
  expect((await labStatus(layout)).eipHolder).toBe(peerOf(holder));
  await healAndConverge();
  expect(movesSince(t0)).toBe(1);
});

/** Root over the node's socket (the lab's databases trust root@localhost). */
async function onNode<T>(id: LabNodeId, sql: string): Promise<T> {
  const conn = await mysql.createConnection({ socketPath: join(layout.node(id).mysqlDir, 'mysqld.sock'), user: 'root' });
  try {
    return (await conn.query(sql))[0] as T;
  } finally {
    conn.destroy();
  }
}
