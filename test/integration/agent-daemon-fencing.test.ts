/**
 * `eip-agent run`, the fencing half: real keepalived pair, real MariaDB pair replicating both
 * ways, the real bundled daemon per node, a local PutEvents endpoint. The test plays the failover
 * controller by writing the EIP ownership file. Invariant under test: a database is writable only
 * on the node that is MASTER *and* holds the EIP; everything else is read_only (checked with real
 * writes by an application account that has no READ ONLY ADMIN).
 *
 * The tests run in order and each starts from where the previous one left the pair.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AgentLab, NodeId } from '../helpers/agent-lab';
import { waitFor } from '../helpers/keepalived';

jest.setTimeout(120000);

let lab: AgentLab;
const context = () => lab.describe();
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

const becomesWritable = (id: NodeId, timeoutMs = 8000) => waitFor(`${id} to become writable`, async () => !(await lab.readOnly(id)), timeoutMs, context);
const becomesReadOnly = (id: NodeId, timeoutMs = 3000) => waitFor(`${id} to become read_only`, () => lab.readOnly(id), timeoutMs, context);

/** Samples read_only for `ms` and fails with the log tails if it was ever OFF. */
async function staysReadOnly(id: NodeId, ms: number): Promise<void> {
  const samples = await AgentLab.sample(ms, () => lab.readOnly(id));
  if (!samples.every(Boolean)) throw new Error(`${id} was writable in ${samples.filter((s) => !s).length} of ${samples.length} samples\n${context()}`);
}

/** Waits until the daemon's status (status.json, rewritten every second) shows the fencing reason. */
async function expectFencingReason(id: NodeId, reason: string | RegExp): Promise<void> {
  const matches = (r: string | undefined) => r !== undefined && (typeof reason === 'string' ? r === reason : reason.test(r));
  await waitFor(
    `${id}: fencing reason ${String(reason)}`,
    () => matches(lab.statusFile(id)?.fencing.reason),
    4000,
    () => `last seen: ${lab.statusFile(id)?.fencing.reason}\n${context()}`,
  );
}

beforeAll(async () => {
  // A catch-up bound far above any wait here: a MASTER that is behind stays fenced until it applied.
  lab = await AgentLab.create('agfe', { agent: { fencingCatchUpWaitMs: 60_000 } });
  await lab.startDaemon('db-a');
  await lab.startDaemon('db-b');
  await lab.startKeepalived('db-a');
  await lab.waitForTransition('db-a', 'MASTER', { timeoutMs: 15000 });
  await lab.startKeepalived('db-b');
  await lab.waitForTransition('db-b', 'BACKUP');
});

afterAll(async () => {
  await lab?.cleanup();
});

test('a MASTER without the EIP stays read_only (with a warning past the bound); the EIP makes it the only writer', async () => {
  // db-a has been MASTER since set-up; the EIP is associated nowhere.
  await staysReadOnly('db-a', 1200);
  // The warning comes with the first fencing step past the 1 s bound; status.json is rewritten
  // every second, so on a loaded machine it may take a moment to show.
  await waitFor('the late-EIP warning in the status', () => lab.statusFile('db-a')?.fencing.warning ?? undefined, 6000, context);
  const { status } = await lab.status('db-a');
  expect(status.vrrp.state).toBe('MASTER');
  expect(status.fencing.reason).toBe('eip-not-associated');
  expect(status.fencing.warning).toMatch(/MASTER for \d+ ms \(bound 1000 ms\) but the EIP is not associated; staying read_only/);
  expect(status.db.role).toBe('read-only');
  // Said once, not at every fencing step (every second) while it lasts.
  const warnings = lab.daemonLogLines('db-a').filter((l) => l.level === 'warn' && l.reason === 'eip-not-associated');
  expect(warnings.map((l) => l.message)).toEqual([expect.stringMatching(/but the EIP is not associated; staying read_only/)]);

  lab.setEip('db-a'); // the controller associates the EIP with db-a
  await becomesWritable('db-a');
  await lab.createApp('db-a');
  expect(await lab.appInsert('db-a')).toBe('ok');
  // The table, the account and its grant replicate in that order: wait for the last of them.
  await waitFor('the app account and table on db-b', async () => (await lab.nodes['db-b'].db.query(`SHOW GRANTS FOR app@localhost`).catch(() => [])).length >= 2, 10000, context);
  expect(await lab.appInsert('db-b')).toBe(1290); // ER_OPTION_PREVENTS_STATEMENT: read_only
  await expectFencingReason('db-a', /^(caught-up|already-writable)$/);
  await expectFencingReason('db-b', 'vrrp-not-master');
  // The events carry the database view: a heartbeat of db-a reports the writable database.
  await waitFor('a heartbeat of db-a with a writable database', () => lab.events('db-a').find((e) => !e.transition && e.detail.db.readOnly === false), 8000, context);
});

test("the writer's heartbeat row advances on the peer, which measures the lag; a daemon restart on the writer keeps it writable", async () => {
  const serverIdA = Number(await lab.nodes['db-a'].db.variable('server_id'));
  const read = async () => {
    const [row] = await lab.nodes['db-b'].db.query<{ ts: string; lag_us: string }>(
      'SELECT CAST(ts AS CHAR) AS ts, TIMESTAMPDIFF(MICROSECOND, ts, UTC_TIMESTAMP(6)) AS lag_us FROM eip_failover.heartbeat WHERE server_id = ?',
      [serverIdA],
    );
    return row;
  };
  const first = await waitFor("db-a's heartbeat row on db-b", read, 8000, context);
  await sleep(1000);
  const second = (await read())!;
  expect(second.ts > first.ts).toBe(true);
  expect(Number(second.lag_us)).toBeLessThan(2_000_000);
  // The peer's daemon measures the same lag (status and events); the writer has none.
  await waitFor('db-b status with a lag', () => (lab.statusFile('db-b')?.db.lagSeconds ?? null) !== null, 8000, context);
  const b = await lab.status('db-b');
  expect(b.code).toBe(0);
  expect(b.status.db.lagSeconds).toBeLessThan(3);
  expect(b.status.db.ioRunning && b.status.db.sqlRunning).toBe(true);
  expect(lab.statusFile('db-a')?.db.lagSeconds).toBeNull();
  await waitFor('a heartbeat event of db-b with a lag', () => lab.events('db-b').find((e) => !e.transition && e.detail.db.lagSeconds !== null && e.detail.db.lagSeconds < 3), 8000, context);

  // Restart the writer's daemon: it infers MASTER from keepalived and the marker address, so the
  // writer keeps writing, and its first heartbeat says MASTER, not UNKNOWN.
  const before = lab.events('db-a').length;
  expect(await lab.stopDaemon('db-a')).toEqual({ code: 0, signal: null });
  await lab.startDaemon('db-a');
  const heartbeat = await waitFor('a heartbeat from the restarted daemon', () => lab.events('db-a').slice(before).find((e) => !e.transition), 8000, context);
  expect(heartbeat.detail.state).toBe('MASTER');
  expect(heartbeat.detail.db.readOnly).toBe(false);
  const samples = await AgentLab.sample(1000, () => lab.readOnly('db-a'));
  expect(samples.some(Boolean)).toBe(false);
  const third = (await read())!;
  await sleep(700);
  expect((await read())!.ts > third.ts).toBe(true);
});

test('graceful failover: the old writer is fenced at once; the new MASTER waits read_only for the EIP, then is the only writer', async () => {
  const [markA, markB] = [lab.transitions('db-a').length, lab.transitions('db-b').length];
  await lab.stopKeepalived('db-a');
  await lab.waitForTransition('db-a', 'STOP', { after: markA });
  await becomesReadOnly('db-a', 2000);
  expect(await lab.appInsert('db-a')).toBe(1290);
  await lab.waitForTransition('db-b', 'MASTER', { after: markB });

  // The EIP still points at db-a: db-b is MASTER but must not write.
  await staysReadOnly('db-b', 1500);
  await expectFencingReason('db-b', 'eip-on-other-node');

  lab.setEip('db-b');
  await becomesWritable('db-b');
  expect(await lab.appInsert('db-b')).toBe('ok');
  expect(await lab.appInsert('db-a')).toBe(1290);

  // keepalived back on db-a: BACKUP (nopreempt), still fenced.
  await lab.startKeepalived('db-a');
  await lab.waitForTransition('db-a', 'BACKUP', { after: markA + 1 });
  await staysReadOnly('db-a', 1000);
  await expectFencingReason('db-a', 'vrrp-not-master');
});

test('partition: a MASTER without the EIP stays read_only; the real master reclaims it only with the EIP, after applying what the holder wrote', async () => {
  // Current: db-b MASTER and writer (EIP on db-b), db-a BACKUP with the higher priority.
  const [markA, markB] = [lab.transitions('db-a').length, lab.transitions('db-b').length];
  const { netns } = lab.nodes['db-a'];
  const dbA = lab.nodes['db-a'].db;
  const rules = join(lab.workDir, 'partition.nft');
  writeFileSync(
    rules,
    [
      'table inet eipt_partition {',
      '  chain vrrp_in {',
      '    type filter hook input priority 0; policy accept;',
      '    ip protocol 112 drop',
      '  }',
      '  chain vrrp_out {',
      '    type filter hook output priority 0; policy accept;',
      '    ip protocol 112 drop',
      '  }',
      '}',
      '',
    ].join('\n'),
  );
  await lab.lab.exec(netns, 'nft', ['-f', rules]);
  try {
    // VRRP only is cut (replication still flows): db-a hears nothing for the master-down
    // interval and becomes MASTER too. Split brain in VRRP, not in the database.
    await lab.waitForTransition('db-a', 'MASTER', { after: markA, timeoutMs: 10000 });
    await staysReadOnly('db-a', 1500);
    await expectFencingReason('db-a', 'eip-on-other-node');
    // The EIP holder keeps writing; db-a receives it but (SQL thread stopped) does not apply it.
    await dbA.query('STOP SLAVE SQL_THREAD');
    expect(await lab.appInsert('db-b')).toBe('ok');

    // Half healed: db-a hears db-b's lower-priority adverts (db-b still hears nothing), so
    // keepalived reports MASTER_RX_LOWER_PRI on db-a. Still not the EIP holder: still fenced.
    await lab.lab.exec(netns, 'nft', ['delete', 'chain', 'inet', 'eipt_partition', 'vrrp_in']);
    await lab.waitForTransition('db-a', 'MASTER_RX_LOWER_PRI', { after: markA });
    await staysReadOnly('db-a', 1000);
    expect(await lab.appInsert('db-b')).toBe('ok');
  } finally {
    await lab.lab.exec(netns, 'nft', ['delete', 'table', 'inet', 'eipt_partition'], { allowFailure: true });
  }
  // Healed: db-b hears the higher priority and yields; fenced at once. No writer until the EIP moves.
  await lab.waitForTransition('db-b', 'BACKUP', { after: markB });
  await becomesReadOnly('db-b', 2000);
  expect(await lab.appInsert('db-b')).toBe(1290);

  // The controller moves the EIP back to db-a. It is MASTER and holds the EIP, but has not applied
  // db-b's last writes: it stays fenced until it has (a catch-up seen before must not count).
  lab.setEip('db-a');
  await expectFencingReason('db-a', 'waiting-for-catch-up');
  await staysReadOnly('db-a', 1500);
  await dbA.query('START SLAVE SQL_THREAD');
  await becomesWritable('db-a');
  const count = `SELECT COUNT(*) AS n FROM app.items WHERE origin = 'db-b'`;
  expect(await dbA.query(count)).toEqual(await lab.nodes['db-b'].db.query(count));
  expect(await lab.appInsert('db-a')).toBe('ok');
  await expectFencingReason('db-a', /^(caught-up|already-writable)$/);
  const { status } = await lab.status('db-a');
  expect(['MASTER', 'MASTER_RX_LOWER_PRI']).toContain(status.vrrp.state);
  expect(status.vrrp.source).toBe('fifo');
});

test('SIGKILL of keepalived on the writer: a STOP with a note within ~1 s, fenced at once, and it stays fenced once the EIP is elsewhere', async () => {
  // Current: db-a MASTER and writer (EIP on db-a), db-b BACKUP.
  const [markA, markB] = [lab.transitions('db-a').length, lab.transitions('db-b').length];
  const killedAt = Date.now();
  await lab.killKeepalived('db-a');
  const stop = await lab.waitForTransition('db-a', 'STOP', { after: markA, timeoutMs: 5000 });
  const detectedMs = stop.acceptedAtMs - killedAt;
  console.log(`SIGKILL to an accepted STOP event: ${detectedMs} ms`);
  expect(detectedMs).toBeLessThan(1500);
  expect(stop.detail.priority).toBe(0);
  expect(stop.detail.lastError).toMatch(/keepalived exited without a STOP line/);
  await becomesReadOnly('db-a', 1000);
  expect(await lab.appInsert('db-a')).toBe(1290);
  await expectFencingReason('db-a', 'keepalived-dead');

  // db-b notices the silence after the master-down interval; the EIP is still on db-a.
  await lab.waitForTransition('db-b', 'MASTER', { after: markB, timeoutMs: 10000 });
  await staysReadOnly('db-b', 1000);
  lab.setEip('db-b');
  await becomesWritable('db-b');
  expect(await lab.appInsert('db-b')).toBe('ok');
  await staysReadOnly('db-a', 1500);

  // keepalived back on db-a (it removes the marker a crash left behind): BACKUP, still fenced.
  await lab.startKeepalived('db-a');
  await lab.waitForTransition('db-a', 'BACKUP', { after: markA + 1 });
  await staysReadOnly('db-a', 1000);
  await expectFencingReason('db-a', 'vrrp-not-master');
  expect(lab.orderViolations('db-a')).toEqual([]);
  expect(lab.orderViolations('db-b')).toEqual([]);
});
