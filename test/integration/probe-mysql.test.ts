/**
 * The probe against a real MariaDB pair (bootstrapped by the real mysql-bootstrap): the mysql2
 * adapter, the round and the core together, asserted on the EMF lines it emits. Healthy, an errant
 * write on the passive node, replication stopped, both writable, the writer killed, a frozen
 * (SIGSTOP) server within its deadline, a blackholed address within its connect timeout.
 */
import { performance } from 'node:perf_hooks';
import type { EipAssociation } from '../../lambda/failover/core/types';
import type { RoundSummary } from '../../lambda/probe/core/types';
import { Mysql2Probe } from '../../lambda/probe/adapters/mysql2-probe';
import { systemProbeClock } from '../../lambda/probe/adapters/system-clock';
import type { EmittedRound } from '../../lambda/probe/ports';
import { ProbeRunner, roundBudgetMs } from '../../lambda/probe/runner';
import { NetnsLab, unusedSubnet24 } from '../helpers/netns';
import { heartbeat, PROBE_PASSWORD, replicating, startProbePair, waitFor, type ProbePair } from './probe-pair';

jest.setTimeout(180_000);

let pair: ProbePair;
let association: EipAssociation | null;
const emitted: EmittedRound[] = [];
const limits = { connectTimeoutMs: 2000, queryTimeoutMs: 2000 };
let runner: ProbeRunner;

/** One round's EMF lines, parsed: `Target` or `Target/Reason` → metric → value. */
type Metrics = Record<string, Record<string, unknown>>;

function parse(lines: readonly string[]): Metrics {
  const out: Metrics = {};
  for (const line of lines) {
    const doc = JSON.parse(line) as Record<string, unknown> & { _aws: { CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string }> }> } };
    const cw = doc._aws.CloudWatchMetrics[0]!;
    expect(cw.Namespace).toBe('EipFailover');
    expect(doc.ClusterName).toBe(pair.config.clusterName);
    const key = cw.Dimensions[0]!.length === 3 ? `${doc.Target}/${doc.Reason}` : String(doc.Target);
    out[key] = Object.fromEntries(cw.Metrics.map((m) => [m.Name, doc[m.Name]]));
  }
  return out;
}

async function round(): Promise<{ m: Metrics; s: RoundSummary }> {
  const start = systemProbeClock.monoMs();
  const s = await runner.round(start + roundBudgetMs({ limits }, 10_000));
  const last = emitted.at(-1)!;
  expect(last.summary).toBe(s);
  return { m: parse(last.lines), s: s! };
}

/** Rounds until `done` holds (a state converging: replication restarting, a write replicating). */
async function roundUntil(what: string, done: (r: { m: Metrics; s: RoundSummary }) => boolean, timeoutMs = 30_000) {
  let last: { m: Metrics; s: RoundSummary } | undefined;
  await waitFor(what, async () => done((last = await round())), timeoutMs, 200).catch((err: Error) => {
    throw new Error(`${err.message}; last round: ${JSON.stringify(last?.m)}`);
  });
  return last!;
}

const eipOn = (id: 'db-a' | 'db-b'): EipAssociation => {
  const n = pair.config.nodes.find((x) => x.id === id)!;
  return { associationId: 'eipassoc-test', networkInterfaceId: n.networkInterfaceId, instanceId: n.instanceId, privateIpAddress: n.privateIp };
};

beforeAll(async () => {
  pair = await startProbePair('prbm', 71);
  association = eipOn('db-a');
  runner = new ProbeRunner({
    config: pair.config,
    mysql: new Mysql2Probe({ user: pair.config.mysql.probeUser, password: PROBE_PASSWORD, connectTimeoutMs: limits.connectTimeoutMs, clock: systemProbeClock }),
    eip: { describe: async () => association },
    clock: systemProbeClock,
    limits,
    sink: { emit: (r) => void emitted.push(r) },
  });
}, 180_000);

afterAll(async () => {
  await pair?.cleanup();
});

test('healthy: both nodes up, one writer, the three views agree, lag from the heartbeat, e2e replication timed', async () => {
  await heartbeat(pair.db['db-a'], 1);
  const { m, s } = await roundUntil('the heartbeat row on db-b', (r) => r.s.nodes['db-b']!.lagMs !== null);
  expect(Object.keys(m).sort()).toEqual(['db-a', 'db-b', 'eip']);
  expect(m['db-a']).toMatchObject({ NodeUp: 1, ReadOnly: 0, ReplicationIoRunning: 1, ReplicationSqlRunning: 1, HoldsEip: 1 });
  expect(m['db-a']).not.toHaveProperty('ReplicationLagSeconds');
  expect(m['db-a']).not.toHaveProperty('ErrantTransactions');
  expect(m['db-b']).toMatchObject({ NodeUp: 1, ReadOnly: 1, ReplicationIoRunning: 1, ReplicationSqlRunning: 1, ErrantTransactions: 0, HoldsEip: 0 });
  for (const id of ['db-a', 'db-b']) {
    expect(m[id]!.ConnectMs).toBeGreaterThan(0);
    expect(m[id]!.QueryMs).toBeGreaterThan(0);
    expect(m[id]!.ConnectionsUsedPercent).toBeGreaterThan(0); // the probe's own connection at least
    expect(m[id]!.UptimeSeconds).toBeGreaterThanOrEqual(0);
  }
  expect(m['db-b']!.ReplicationLagSeconds).toBeGreaterThanOrEqual(0);
  expect(m['db-b']!.ReplicationLagSeconds).toBeLessThan(60);
  expect(m.eip).toMatchObject({ WritableNodes: 1, WriterConsistent: 1, WriterReachable: 1, ProbeRuns: 1 });
  expect(m.eip!.ReplicationE2eMs).toBeGreaterThan(0);
  expect(m.eip!.ReplicationE2eMs).toBeLessThan(limits.connectTimeoutMs + limits.queryTimeoutMs);
  expect(s.pair.writer).toMatchObject({ eipNode: 'db-a', writableNode: 'db-a', answeringNode: 'db-a', consistent: true });
  // The probe's write really went through the writer and reached the peer.
  const [row] = await pair.db['db-b'].query<{ server_id: number; token: string }>('SELECT server_id, token FROM eip_failover.probe');
  expect(row?.server_id).toBe(1);
  expect(row?.token).toMatch(/^[0-9a-f]{32}$/);
});

test('the probe user cannot write anything but its own table, and not on the read-only node', async () => {
  const probe = new Mysql2Probe({ user: 'eip_probe', password: PROBE_PASSWORD, connectTimeoutMs: 2000, clock: systemProbeClock });
  const onPassive = await probe.replicationRoundTrip({ host: pair.ip['db-b'], port: pair.port, serverId: 2 }, { host: pair.ip['db-a'], port: pair.port }, systemProbeClock.monoMs() + 4000);
  expect(onPassive).toMatchObject({ ok: false, stage: 'writer', failure: { reason: 'other' } });
  expect(!onPassive.ok && onPassive.failure.message).toMatch(/read-only|1290/);
  const mysql = await import('mysql2/promise');
  const c = await mysql.createConnection({ host: pair.ip['db-a'], port: pair.port, user: 'eip_probe', password: PROBE_PASSWORD });
  try {
    await expect(c.query('INSERT INTO eip_failover.heartbeat VALUES (7, UTC_TIMESTAMP(6))')).rejects.toMatchObject({ errno: 1142 });
  } finally {
    c.destroy();
  }
});

test('errant writes on the passive node: a replicated one is seen once (PassiveWrites), one the writer lacks every round (ErrantTransactions)', async () => {
  await pair.db['db-a'].query('CREATE DATABASE IF NOT EXISTS prbm');
  await pair.db['db-a'].query('CREATE TABLE IF NOT EXISTS prbm.t (id INT PRIMARY KEY)');
  await waitFor('prbm.t on db-b', async () => (await pair.db['db-b'].query(`SHOW TABLES IN prbm LIKE 't'`)).length > 0);
  const before = await round(); // the baseline of db-b's own GTID stream
  expect(before.m['db-b']).toMatchObject({ ErrantTransactions: 0, PassiveWrites: 0 });

  // root has READ ONLY ADMIN: a real write on the read-only node, binlogged with db-b's server id.
  await pair.db['db-b'].query('INSERT INTO prbm.t VALUES (1)');
  // db-b logs its own commits in its own GTID domain (2, its server id).
  const ownGtid = (await pair.db['db-b'].variable('gtid_binlog_pos'))!.split(',').find((g) => g.startsWith('2-'));
  expect(ownGtid).toMatch(/^2-2-\d+$/);
  await waitFor('the errant write on db-a', async () => (await pair.db['db-a'].query('SELECT id FROM prbm.t')).length === 1);
  const seen = await round();
  expect(seen.m['db-b']).toMatchObject({ PassiveWrites: 1, ErrantTransactions: 0 });
  expect(seen.s.nodes['db-b']!.passiveWrites?.gtids).toEqual([ownGtid]);
  expect((await round()).m['db-b']).toMatchObject({ PassiveWrites: 0 });

  // The writer stops applying: the next errant write stays on db-b alone, and says so every round.
  await pair.db['db-a'].query('STOP SLAVE SQL_THREAD');
  try {
    await pair.db['db-b'].query('INSERT INTO prbm.t VALUES (2)');
    const next = `2-2-${Number(ownGtid!.split('-')[2]) + 1}`;
    const diverged = await round();
    expect(diverged.m['db-b']).toMatchObject({ PassiveWrites: 1, ErrantTransactions: 1 });
    expect(diverged.s.nodes['db-b']!.errant?.gtids).toEqual([next]);
    expect(diverged.s.nodes['db-b']!.passiveWrites?.gtids).toEqual([next]);
    expect(diverged.m['db-a']).toMatchObject({ ReplicationSqlRunning: 0 });
    expect((await round()).m['db-b']).toMatchObject({ PassiveWrites: 0, ErrantTransactions: 1 });
  } finally {
    await pair.db['db-a'].query('START SLAVE SQL_THREAD');
  }
  await roundUntil('the writer to catch up', (r) => r.m['db-b']!.ErrantTransactions === 0);
});

test('replication stopped on the passive node: both threads 0, the probe’s write never reaches it (no e2e time)', async () => {
  await pair.db['db-b'].query('STOP SLAVE');
  try {
    const { m, s } = await round();
    expect(m['db-b']).toMatchObject({ NodeUp: 1, ReplicationIoRunning: 0, ReplicationSqlRunning: 0 });
    expect(m.eip).not.toHaveProperty('ReplicationE2eMs');
    expect(s.pair.e2e.failure).toMatch(/^peer: timeout: /);
    expect(s.durationMs).toBeLessThan(roundBudgetMs({ limits }, 10_000) + 1000);
  } finally {
    await pair.db['db-b'].query('START SLAVE');
  }
  await replicating(pair.db['db-b']);
  await roundUntil('e2e again', (r) => typeof r.m.eip!.ReplicationE2eMs === 'number');
});

test('both writable (forced): WritableNodes 2, not consistent, no probe write into the split brain', async () => {
  await pair.db['db-b'].query('SET GLOBAL read_only = 0');
  try {
    const { m, s } = await round();
    expect(m.eip).toMatchObject({ WritableNodes: 2, WriterConsistent: 0, WriterReachable: 1 });
    expect(m.eip).not.toHaveProperty('ReplicationE2eMs');
    expect(s.pair.e2e.skipped).toBe('2 writable nodes');
    expect(m['db-b']).toMatchObject({ ReadOnly: 0 });
  } finally {
    await pair.db['db-b'].query('SET GLOBAL read_only = 1');
  }
});

test('the EIP mapped to the read-only node: not consistent, the writer not reachable on it', async () => {
  association = eipOn('db-b');
  try {
    const { m, s } = await round();
    expect(m.eip).toMatchObject({ WritableNodes: 1, WriterConsistent: 0, WriterReachable: 0 });
    expect(s.pair.writer).toMatchObject({ eipNode: 'db-b', writableNode: 'db-a', answeringNode: 'db-b' });
  } finally {
    association = eipOn('db-a');
  }
});

test('a frozen server (SIGSTOP) costs its deadline, no more; the other node is still probed', async () => {
  const frozen = pair.db['db-b'];
  frozen.pause();
  try {
    const started = performance.now();
    const { m, s } = await round();
    const tookMs = performance.now() - started;
    expect(m['db-b']).toEqual({ NodeUp: 0, HoldsEip: 0 });
    expect(m['db-b/timeout']).toEqual({ ProbeFailures: 1 });
    expect(m['db-a']).toMatchObject({ NodeUp: 1, ReadOnly: 0 });
    // Phase one ends at connect + query timeout at the latest; no e2e (the peer did not answer).
    expect(tookMs).toBeLessThan(limits.connectTimeoutMs + limits.queryTimeoutMs + 1500);
    expect(s.pair.e2e.skipped).toBe('the peer db-b did not answer');
  } finally {
    frozen.resume();
  }
  await replicating(pair.db['db-a']);
});

describe('addresses that do not answer', () => {
  const lab = new NetnsLab('prbm');
  afterAll(() => lab.cleanup());

  test('a blackholed address (packets dropped) costs its connect timeout, not the probe’s deadline', async () => {
    const ns = await lab.createNamespace();
    const net = await unusedSubnet24('10.94');
    await lab.connect({ name: `prbm${process.pid % 100000}`, address: `${net}.1/30` }, { netns: ns, name: 'eth0', address: `${net}.2/30` });
    // Everything arriving in the namespace is dropped: SYNs go unanswered, as to a blackholed node.
    await lab.exec(ns, 'nft', ['add table inet prbdrop']);
    await lab.exec(ns, 'nft', ['add chain inet prbdrop input { type filter hook input priority 0 ; policy drop ; }']);
    const probe = new Mysql2Probe({ user: 'eip_probe', password: PROBE_PASSWORD, connectTimeoutMs: 800, clock: systemProbeClock });
    const started = performance.now();
    const r = await probe.probeNode({ host: `${net}.2`, port: 3306 }, systemProbeClock.monoMs() + 10_000);
    const tookMs = performance.now() - started;
    expect(r).toMatchObject({ ok: false, connectMs: null, failure: { reason: 'timeout' } });
    expect(tookMs).toBeGreaterThanOrEqual(750);
    expect(tookMs).toBeLessThan(800 + 1500); // far below the 10 s deadline; slack for a loaded machine
  });

  test('a closed port is refused at once; a wrong password is an auth failure', async () => {
    const refused = await new Mysql2Probe({ user: 'eip_probe', password: PROBE_PASSWORD, connectTimeoutMs: 2000, clock: systemProbeClock }).probeNode({ host: '127.0.71.9', port: pair.port }, systemProbeClock.monoMs() + 4000);
    expect(refused).toMatchObject({ ok: false, failure: { reason: 'refused' } });
    const auth = await new Mysql2Probe({ user: 'eip_probe', password: 'wrong', connectTimeoutMs: 2000, clock: systemProbeClock }).probeNode({ host: pair.ip['db-a'], port: pair.port }, systemProbeClock.monoMs() + 4000);
    expect(auth).toMatchObject({ ok: false, failure: { reason: 'auth' } });
  });
});

test('the writer killed: NodeUp 0 with reason refused, no writable node, the EIP reaches nobody', async () => {
  await pair.db['db-a'].kill();
  const { m, s } = await round();
  expect(m['db-a']).toEqual({ NodeUp: 0, HoldsEip: 1 }); // EC2 still maps the EIP to it
  expect(m['db-a/refused']).toEqual({ ProbeFailures: 1 });
  expect(m.eip).toMatchObject({ WritableNodes: 0, WriterConsistent: 0, WriterReachable: 0, ProbeRuns: 1 });
  expect(m['db-b']).toMatchObject({ NodeUp: 1, ReadOnly: 1 });
  expect(s.pair.e2e.skipped).toBe('no writable node');
});
