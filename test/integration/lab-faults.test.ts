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

const LAB_OPTIONS = { name: NAME, propagationDelayMs: 0, reconcileIntervalMs: 5000, semiSync: true };

beforeAll(async () => {
  await up(LAB_OPTIONS);
  await waitHealthy(layout);
}, 300_000);

// A test that fails can leave the pair broken; the next one then starts from a fresh lab, so one
// failure stays one failure instead of failing every test after it.
beforeEach(async () => {
  try {
    await waitHealthy(layout, 15_000);
  } catch (err) {
    console.warn(`lab-faults: rebuilding the lab before this test (${(err as Error).message})`);
    await down(NAME);
    await up(LAB_OPTIONS);
    await waitHealthy(layout);
  }
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

test('power-off while a commit waits for the peer: the old writer returns with that in-doubt write, hands it to the new writer, and the pair converges', async () => {
  const holder = (await labStatus(layout)).eipHolder!;
  const peer = peerOf(holder);
  await onNode(holder, 'CREATE TABLE IF NOT EXISTS app.inflight (id INT PRIMARY KEY)');
  await waitUntil('app.inflight on the peer', async () => (await onNode<unknown[]>(peer, `SHOW TABLES IN app LIKE 'inflight'`)).length > 0, 20_000);
  await onNode(peer, 'STOP SLAVE IO_THREAD'); // no ack: the next commit on the writer waits, binlogged but not replicated
  const conn = await mysql.createConnection({ socketPath: join(layout.node(holder).mysqlDir, 'mysqld.sock'), user: 'root' });
  conn.on('error', () => undefined);
  const insert = conn.query('INSERT INTO app.inflight VALUES (1)').then(
    () => 'acknowledged',
    () => 'not acknowledged',
  );
  await waitUntil('the commit to wait for the ack', async () => (await onNode<Array<{ State: string | null }>>(holder, 'SHOW PROCESSLIST')).some((p) => /semi-sync ACK/i.test(p.State ?? '')), 20_000);
  const t0 = Date.now();
  await fail(layout, { fault: 'power-off', node: holder });
  await onNode(peer, 'START SLAVE IO_THREAD');
  expect(await insert).toBe('not acknowledged');
  conn.destroy();
  await waitUntil('the EIP on the peer', async () => (await labStatus(layout)).eipHolder === peer, 60_000, 250);
  await onNode(peer, 'INSERT INTO app.inflight VALUES (2)'); // the new writer writes before the old one returns
  await healAndConverge();
  expect(movesSince(t0)).toBe(1);
  // Each node logs under its own GTID domain, so the old writer's in-doubt commit replicates to
  // the new writer instead of colliding with its sequence numbers (GTID strict mode would stop both ways).
  await waitUntil('both nodes to hold both rows', async () => {
    const rows = await Promise.all([holder, peer].map((id) => onNode<Array<{ id: number }>>(id, 'SELECT id FROM app.inflight ORDER BY id')));
    return rows.every((r) => JSON.stringify(r.map((x) => x.id)) === '[1,2]');
  }, 20_000, 200);
  // (The writer's heartbeat commits every second: compare until a moment when both are level.)
  const position = (id: LabNodeId) => onNode<Array<{ p: string }>>(id, 'SELECT @@gtid_binlog_pos AS p').then((r) => r[0]!.p.split(',').sort().join(','));
  await waitUntil('both nodes at the same GTID position', async () => (await position(holder)) === (await position(peer)), 20_000, 200);
});

test('in-doubt commit retried with the same key on the new writer: replication stops with 1062 both ways, and the runbook repair converges the pair', async () => {
  const holder = (await labStatus(layout)).eipHolder!;
  const peer = peerOf(holder);
  await onNode(holder, 'CREATE TABLE IF NOT EXISTS app.retry (id INT PRIMARY KEY, v VARCHAR(20) NOT NULL)');
  await waitUntil('app.retry on the peer', async () => (await onNode<unknown[]>(peer, `SHOW TABLES IN app LIKE 'retry'`)).length > 0, 20_000);
  await onNode(peer, 'STOP SLAVE IO_THREAD');
  const conn = await mysql.createConnection({ socketPath: join(layout.node(holder).mysqlDir, 'mysqld.sock'), user: 'root' });
  conn.on('error', () => undefined);
  const insert = conn.query(`INSERT INTO app.retry VALUES (1, 'first try')`).then(
    () => 'acknowledged',
    () => 'not acknowledged',
  );
  await waitUntil('the commit to wait for the ack', async () => (await onNode<Array<{ State: string | null }>>(holder, 'SHOW PROCESSLIST')).some((p) => /semi-sync ACK/i.test(p.State ?? '')), 20_000);
  await fail(layout, { fault: 'power-off', node: holder });
  await onNode(peer, 'START SLAVE IO_THREAD');
  expect(await insert).toBe('not acknowledged');
  conn.destroy();
  await waitUntil('the EIP on the peer', async () => (await labStatus(layout)).eipHolder === peer, 60_000, 250);
  await onNode(peer, `INSERT INTO app.retry VALUES (1, 'retry')`); // the application retries, same key
  await heal(layout);

  // Each side's SQL thread meets the other's row for key 1: error 1062, on both nodes.
  const sqlError = async (id: LabNodeId) => Number((await onNode<Array<Record<string, unknown>>>(id, 'SHOW SLAVE STATUS'))[0]?.Last_SQL_Errno);
  await waitUntil('1062 on both nodes', async () => (await sqlError(holder)) === 1062 && (await sqlError(peer)) === 1062, 60_000, 500).catch(async (err: Error) => {
    const show = async (id: LabNodeId) => JSON.stringify((await onNode<Array<Record<string, string>>>(id, 'SHOW SLAVE STATUS'))[0], ['Slave_IO_Running', 'Slave_SQL_Running', 'Last_IO_Errno', 'Last_IO_Error', 'Last_SQL_Errno', 'Last_SQL_Error', 'Gtid_IO_Pos']);
    throw new Error(`${err.message}; ${holder}: ${await show(holder)}; ${peer}: ${await show(peer)}; rows ${JSON.stringify(await onNode(holder, 'SELECT * FROM app.retry'))} / ${JSON.stringify(await onNode(peer, 'SELECT * FROM app.retry'))}`);
  });
  expect((await labStatus(layout)).nodes[holder].db.replicationProblem).toMatch(/SQL No \(error 1062: /);

  // The repair docs/alarms.md gives: the new writer's row stands. On the new writer skip the old
  // writer's in-doubt transaction; on the old writer drop its copy unlogged, then let it apply the retry.
  await onNode(peer, 'STOP SLAVE');
  await onNode(peer, 'SET GLOBAL sql_slave_skip_counter = 1');
  await onNode(peer, 'START SLAVE');
  await onNode(holder, 'STOP SLAVE');
  const local = await mysql.createConnection({ socketPath: join(layout.node(holder).mysqlDir, 'mysqld.sock'), user: 'root' });
  try {
    await local.query('SET SESSION sql_log_bin = 0');
    await local.query('DELETE FROM app.retry WHERE id = 1');
  } finally {
    local.destroy();
  }
  await onNode(holder, 'START SLAVE');
  await waitHealthy(layout, CONVERGE_MS);
  for (const id of [holder, peer]) expect(await onNode(id, 'SELECT id, v FROM app.retry')).toEqual([{ id: 1, v: 'retry' }]);
});
