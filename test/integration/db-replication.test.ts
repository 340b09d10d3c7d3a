/**
 * Catch-up, lag and fencing on a real master-master MariaDB pair (GTID, strict mode,
 * log_slave_updates), as mysql-bootstrap sets it up; the users and the heartbeat table are
 * created here. EC2 is the only thing mocked (aws-sdk-client-mock): it says where the EIP is.
 */
import { DescribeAddressesCommand } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import mysql from 'mysql2/promise';
import { HEARTBEAT_DDL, HEARTBEAT_TABLE } from '../../node-agent/db/heartbeat';
import { MariaDbLocalDatabase } from '../../node-agent/db/mariadb';
import { AwsEipOwnership, createEc2Client } from '../../node-agent/eip/aws';
import { EipPoller } from '../../node-agent/eip/poller';
import { FencingController, type FencingStep } from '../../node-agent/fencing/controller';
import { cleanupAllMariaDb, startMariaDb, type MariaDbInstance } from '../helpers/mariadb';

const AGENT = { user: 'eip_agent', password: 'agent-secret' };
const APP = { user: 'app', password: 'app-secret' };
const ALLOC = 'eipalloc-0123456789abcdef0';
const NODE_A = { networkInterfaceId: 'eni-0aaaaaaaaaaaaaaaa', instanceId: 'i-0aaaaaaaaaaaaaaaa' };
const NODE_B = { networkInterfaceId: 'eni-0bbbbbbbbbbbbbbbb', instanceId: 'i-0bbbbbbbbbbbbbbbb' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let a: MariaDbInstance;
let b: MariaDbInstance;

async function startNode(name: string, serverId: number, offset: number): Promise<MariaDbInstance> {
  const db = await startMariaDb({
    name,
    serverId,
    serverOptions: {
      'log-bin': 'binlog',
      'log-slave-updates': true,
      'gtid-strict-mode': 1,
      'auto-increment-increment': 2,
      'auto-increment-offset': offset,
      'slave-net-timeout': 5,
    },
  });
  for (const sql of HEARTBEAT_DDL) await db.query(sql);
  await db.query('CREATE DATABASE appdb');
  await db.query('CREATE TABLE appdb.orders (id INT PRIMARY KEY, note VARCHAR(20))');
  await db.query("INSERT INTO appdb.orders VALUES (1, 'initial')");
  await db.query(`CREATE USER eip_agent@localhost IDENTIFIED BY '${AGENT.password}'`);
  await db.query('GRANT READ_ONLY ADMIN, SLAVE MONITOR ON *.* TO eip_agent@localhost');
  await db.query(`GRANT SELECT, INSERT, UPDATE ON ${HEARTBEAT_TABLE} TO eip_agent@localhost`);
  await db.query(`CREATE USER app@localhost IDENTIFIED BY '${APP.password}'`);
  await db.query('GRANT SELECT, INSERT, UPDATE ON appdb.* TO app@localhost');
  await db.query("CREATE USER repl@'127.0.0.1' IDENTIFIED BY 'repl-secret'");
  await db.query("GRANT REPLICATION SLAVE ON *.* TO repl@'127.0.0.1'");
  await db.query('RESET MASTER'); // identical set-up on both: replicate only what follows
  await db.query('SET GLOBAL read_only=1'); // as bootstrap leaves it: fenced until MASTER
  return db;
}

async function replicate(replica: MariaDbInstance, source: MariaDbInstance): Promise<void> {
  await replica.query(
    `CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=${source.port}, MASTER_USER='repl', ` +
      `MASTER_PASSWORD='repl-secret', MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=1`,
  );
  await replica.query('START SLAVE');
}

const binlogPos = async (db: MariaDbInstance) => (await db.variable('gtid_binlog_pos')) ?? '';
const slaveStatus = async (db: MariaDbInstance) => (await db.query('SHOW SLAVE STATUS'))[0]!;

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 10000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(25);
  }
}

/** Waits until `replica`'s IO thread has received everything `source` has logged. */
async function received(replica: MariaDbInstance, source: MariaDbInstance): Promise<string> {
  const pos = await binlogPos(source);
  await until(`${replica.name} received ${pos}`, async () => (await slaveStatus(replica)).Gtid_IO_Pos === pos);
  return pos;
}

/** Waits until each node has applied everything the other logged. */
async function settle(): Promise<void> {
  for (const [replica, source] of [
    [b, a],
    [a, b],
  ] as const) {
    const pos = await binlogPos(source);
    await until(`${replica.name} applied ${pos}`, async () => (await replica.variable('gtid_slave_pos')) === pos);
  }
}

/** Root session on `db` holding a row lock on appdb.orders id=1: the SQL thread stalls on it. */
async function lockRow(db: MariaDbInstance): Promise<mysql.Connection> {
  const conn = await db.connect();
  await conn.query('BEGIN');
  await conn.query('SELECT * FROM appdb.orders WHERE id = 1 FOR UPDATE');
  return conn;
}

async function appWrite(db: MariaDbInstance, note: string): Promise<'ok' | number> {
  const conn = await mysql.createConnection({ socketPath: db.socket, ...APP });
  try {
    await conn.query('UPDATE appdb.orders SET note = ? WHERE id = 1', [note]);
    return 'ok';
  } catch (err) {
    return (err as { errno: number }).errno;
  } finally {
    await conn.end();
  }
}

const agentDb = (db: MariaDbInstance) => new MariaDbLocalDatabase({ endpoint: { socket: db.socket, ...AGENT } });

beforeAll(async () => {
  // One after the other: concurrent mariadb-install-db runs sharing /tmp fail now and then (10.11).
  a = await startNode('repl-a', 4201, 1);
  b = await startNode('repl-b', 4202, 2);
  await replicate(a, b);
  await replicate(b, a);
  await until('both IO threads run', async () => (await slaveStatus(a)).Slave_IO_Running === 'Yes' && (await slaveStatus(b)).Slave_IO_Running === 'Yes');
});
afterAll(() => cleanupAllMariaDb());

describe('waitApplied() on a replica', () => {
  afterEach(settle);

  test('applied: waits for exactly what the IO thread received (Gtid_IO_Pos)', async () => {
    await a.query("UPDATE appdb.orders SET note = 'w1' WHERE id = 1");
    const pos = await received(b, a);
    const result = await agentDb(b).waitApplied(5000);
    expect(result).toMatchObject({ outcome: 'applied', target: pos });
    expect(await b.variable('gtid_current_pos')).toBe(pos);
  });

  test('timed-out while the SQL thread is stuck behind a lock, applied once it is released', async () => {
    const lock = await lockRow(b);
    try {
      await a.query("UPDATE appdb.orders SET note = 'w2' WHERE id = 1");
      const pos = await received(b, a);
      const stuck = await agentDb(b).waitApplied(600);
      expect(stuck).toMatchObject({ outcome: 'timed-out', target: pos });
      expect(stuck.waitedMs).toBeGreaterThanOrEqual(550);
      expect(stuck.waitedMs).toBeLessThan(1500);
    } finally {
      await lock.query('ROLLBACK');
      await lock.end();
    }
    await expect(agentDb(b).waitApplied(5000)).resolves.toMatchObject({ outcome: 'applied' });
  });

  test('sql-thread-stopped: returns at once when the SQL thread is stopped with work pending', async () => {
    await b.query('STOP SLAVE SQL_THREAD');
    try {
      await a.query("UPDATE appdb.orders SET note = 'w3' WHERE id = 1");
      await received(b, a);
      const result = await agentDb(b).waitApplied(5000);
      expect(result.outcome).toBe('sql-thread-stopped');
      expect(result.waitedMs).toBeLessThan(500);
    } finally {
      await b.query('START SLAVE SQL_THREAD');
    }
    await expect(agentDb(b).waitApplied(5000)).resolves.toMatchObject({ outcome: 'applied' });
  });

  test("the node's own transactions coming back from the peer do not make it wait", async () => {
    await b.query("UPDATE appdb.orders SET note = 'from-b' WHERE id = 1");
    const pos = await binlogPos(b);
    await until('b received its own GTID back via a', async () => (await slaveStatus(b)).Gtid_IO_Pos === pos);
    const result = await agentDb(b).waitApplied(3000);
    expect(result).toMatchObject({ outcome: 'applied', target: pos });
    expect(result.waitedMs).toBeLessThan(500);
  });
});

describe('view() on a replica', () => {
  test('replication threads, GTID positions and Seconds_Behind_Master', async () => {
    await a.query("UPDATE appdb.orders SET note = 'v1' WHERE id = 1");
    const pos = await received(b, a);
    await settle();
    const view = await agentDb(b).view();
    expect(view).toMatchObject({
      up: true,
      readOnly: true,
      serverId: 4202,
      gtidCurrentPos: pos,
      gtidIoPos: pos,
      replication: { ioRunning: true, sqlRunning: true, ioState: 'Yes', secondsBehindMaster: 0, lastIoError: null, lastSqlError: null },
      error: null,
    });
  });

  test('heartbeat lag is honest where Seconds_Behind_Master says 0 (frozen writer)', async () => {
    await a.query('SET GLOBAL read_only=0');
    try {
      await expect(agentDb(a).writeHeartbeat(4201)).resolves.toEqual({ written: true });
      await received(b, a);
      await settle();
      expect((await agentDb(b).view()).lagSeconds).toBeLessThan(1);
      a.pause(); // a frozen writer or a stalled link: B's IO thread has not noticed yet
      await sleep(1600);
      const view = await agentDb(b).view();
      expect(view.replication).toMatchObject({ ioRunning: true, secondsBehindMaster: 0 });
      expect(view.lagSeconds).toBeGreaterThanOrEqual(1.5);
    } finally {
      a.resume();
      await a.query('SET GLOBAL read_only=1');
    }
  });
});

describe('fencing on the pair (FencingController)', () => {
  const ec2 = createEc2Client({ region: 'eu-west-1', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' } });
  const ec2Mock = mockClient(ec2);
  let eipOn: string | null = NODE_A.networkInterfaceId;
  const bounds = { eipWaitMs: 1000, catchUpWaitMs: 1500 };

  function node(db: MariaDbInstance, self: typeof NODE_A, peer: typeof NODE_A) {
    const poller = new EipPoller(new AwsEipOwnership({ ec2, allocationId: ALLOC, self, peer }));
    const fencing = new FencingController({ db: agentDb(db), eipHolder: () => poller.current(), bounds, catchUpSliceMs: 300 });
    /** One daemon tick: a fresh EIP poll, then a fencing step. */
    const tick = async (): Promise<FencingStep> => {
      await poller.pollNow();
      return fencing.step();
    };
    return { fencing, tick };
  }

  beforeEach(async () => {
    ec2Mock.reset();
    ec2Mock.on(DescribeAddressesCommand).callsFake(() => ({
      Addresses: [{ AllocationId: ALLOC, ...(eipOn ? { AssociationId: 'eipassoc-1', NetworkInterfaceId: eipOn } : {}) }],
    }));
    for (const db of [a, b]) await db.query('SET GLOBAL read_only=1');
    await settle();
  });

  /** A is the writer: MASTER with the EIP, unfenced by its controller; B is BACKUP. */
  async function writerOnA() {
    const [nodeA, nodeB] = [node(a, NODE_A, NODE_B), node(b, NODE_B, NODE_A)];
    eipOn = NODE_A.networkInterfaceId;
    nodeA.fencing.noteVrrpState('MASTER');
    nodeB.fencing.noteVrrpState('BACKUP');
    expect(await nodeA.tick()).toMatchObject({ action: 'clear-read-only', decision: { reason: 'caught-up' }, error: null });
    expect(await nodeB.tick()).toMatchObject({ action: 'none', decision: { readOnly: true, reason: 'vrrp-not-master' } });
    expect(await appWrite(a, 'on-a')).toBe('ok');
    expect(await appWrite(b, 'on-b')).toBe(1290);
    return { nodeA, nodeB };
  }

  test('failover: the old writer is fenced, the new one is writable once the EIP arrives', async () => {
    const { nodeA, nodeB } = await writerOnA();
    nodeA.fencing.noteVrrpState('BACKUP');
    expect(await nodeA.tick()).toMatchObject({ action: 'set-read-only', decision: { reason: 'vrrp-not-master' } });
    nodeB.fencing.noteVrrpState('MASTER');
    // Catch-up is checked while the EIP is still on its way, and once more (already applied: at
    // once) when it arrives, since the holder may have written in between.
    expect(await nodeB.tick()).toMatchObject({ action: 'none', decision: { readOnly: true, reason: 'eip-on-other-node' }, catchUp: { outcome: 'applied' } });
    eipOn = NODE_B.networkInterfaceId; // the controller Lambda moved it
    expect(await nodeB.tick()).toMatchObject({ action: 'clear-read-only', decision: { reason: 'caught-up' }, catchUp: { outcome: 'applied' } });
    expect(await appWrite(a, 'late-on-a')).toBe(1290);
    expect(await appWrite(b, 'on-b')).toBe('ok');
    expect(await b.query('SELECT note FROM appdb.orders WHERE id = 1')).toEqual([{ note: 'on-b' }]);
  });

  test('partition: a MASTER without the EIP stays read_only past the bound, with a warning', async () => {
    const { nodeA } = await writerOnA();
    const { fencing, tick } = node(b, NODE_B, NODE_A);
    fencing.noteVrrpState('MASTER'); // it stopped hearing A's adverts
    const steps: FencingStep[] = [];
    const started = Date.now();
    while (Date.now() - started < bounds.eipWaitMs + 300) {
      steps.push(await tick());
      await sleep(100);
    }
    expect(steps.every((s) => s.decision.readOnly === true && s.action === 'none')).toBe(true);
    expect(steps[0]!.decision.warning).toBeUndefined();
    expect(steps.at(-1)!.decision.warning).toMatch(/but the EIP is on another node; staying read_only/);
    expect(await appWrite(b, 'split')).toBe(1290);
    expect(await nodeA.tick()).toMatchObject({ action: 'none', decision: { readOnly: false } });
    expect(await appWrite(a, 'still-a')).toBe('ok');
  });

  test('keepalived killed on the writer (no word): fenced at once', async () => {
    const { nodeA } = await writerOnA();
    nodeA.fencing.noteKeepalivedAlive(false);
    const started = Date.now();
    expect(await nodeA.tick()).toMatchObject({ action: 'set-read-only', decision: { reason: 'keepalived-dead' } });
    expect(Date.now() - started).toBeLessThan(300);
    expect(await appWrite(a, 'after-kill')).toBe(1290);
  });

  test('the writer sees the EIP on the other node: fenced at once, though still MASTER', async () => {
    const { nodeA } = await writerOnA();
    eipOn = NODE_B.networkInterfaceId;
    expect(await nodeA.tick()).toMatchObject({ action: 'set-read-only', decision: { reason: 'eip-on-other-node' } });
    expect(await appWrite(a, 'moved')).toBe(1290);
  });

  test('catch-up: the new MASTER waits fenced while behind and unfences once caught up', async () => {
    const { nodeA, nodeB } = await writerOnA();
    const lock = await lockRow(b);
    try {
      expect(await appWrite(a, 'last-on-a')).toBe('ok');
      await received(b, a);
      nodeA.fencing.noteVrrpState('BACKUP');
      await nodeA.tick();
      nodeB.fencing.noteVrrpState('MASTER');
      eipOn = NODE_B.networkInterfaceId;
      expect(await nodeB.tick()).toMatchObject({ action: 'none', decision: { reason: 'waiting-for-catch-up' }, catchUp: { outcome: 'timed-out' } });
      expect(await appWrite(b, 'too-early')).toBe(1290);
    } finally {
      await lock.query('ROLLBACK');
      await lock.end();
    }
    expect(await nodeB.tick()).toMatchObject({ action: 'clear-read-only', decision: { reason: 'caught-up' } });
    expect(await b.query('SELECT note FROM appdb.orders WHERE id = 1')).toEqual([{ note: 'last-on-a' }]);
  });

  test('catch-up bound expired: unfences with a loud warning', async () => {
    const { nodeA, nodeB } = await writerOnA();
    const lock = await lockRow(b);
    try {
      expect(await appWrite(a, 'stuck-on-a')).toBe('ok');
      await received(b, a);
      nodeA.fencing.noteVrrpState('BACKUP');
      await nodeA.tick();
      nodeB.fencing.noteVrrpState('MASTER');
      eipOn = NODE_B.networkInterfaceId;
      const started = Date.now();
      let step = await nodeB.tick();
      while (step.decision.reason === 'waiting-for-catch-up') step = await nodeB.tick();
      expect(Date.now() - started).toBeGreaterThanOrEqual(bounds.catchUpWaitMs - 100);
      expect(Date.now() - started).toBeLessThan(bounds.catchUpWaitMs + 1500);
      expect(step).toMatchObject({ action: 'clear-read-only', decision: { readOnly: false, reason: 'catch-up-wait-expired' } });
      expect(step.decision.warning).toMatch(/^UNFENCING WITHOUT CATCH-UP/);
      expect(await b.variable('read_only')).toBe('0');
    } finally {
      await lock.query('ROLLBACK');
      await lock.end();
    }
  });
});
