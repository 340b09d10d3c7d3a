/**
 * The MariaDB adapter of the LocalDatabase port against one real MariaDB 10.11 server.
 *
 * Users are created here, as mysql-bootstrap is expected to create them: an agent user with
 * READ_ONLY ADMIN + SLAVE MONITOR + heartbeat DML, an application user, and a legacy SUPER user.
 */
import mysql from 'mysql2/promise';
import { DbViewSchema } from '../../lib/events/schema';
import { DbError } from '../../node-agent/db/errors';
import { toEventDbView } from '../../node-agent/db/event-view';
import { HEARTBEAT_DDL, HEARTBEAT_TABLE, UPSERT_HEARTBEAT_SQL } from '../../node-agent/db/heartbeat';
import { MariaDbLocalDatabase } from '../../node-agent/db/mariadb';
import type { DbEndpoint } from '../../node-agent/db/session';
import { cleanupAllMariaDb, startMariaDb, type MariaDbInstance } from '../helpers/mariadb';

const SERVER_ID = 4101;
const AGENT = { user: 'eip_agent', password: 'agent-secret' };
let db: MariaDbInstance;
let agentSocket: DbEndpoint;

async function setUpUsers(server: MariaDbInstance): Promise<void> {
  for (const sql of HEARTBEAT_DDL) await server.query(sql);
  await server.query('CREATE DATABASE appdb');
  await server.query('CREATE TABLE appdb.orders (id INT AUTO_INCREMENT PRIMARY KEY, note VARCHAR(20))');
  await server.query(`CREATE USER eip_agent@localhost IDENTIFIED BY '${AGENT.password}'`);
  await server.query(`CREATE USER eip_agent@'127.0.0.1' IDENTIFIED BY '${AGENT.password}'`);
  for (const host of ['localhost', '127.0.0.1']) {
    await server.query(`GRANT READ_ONLY ADMIN, SLAVE MONITOR ON *.* TO eip_agent@'${host}'`);
    await server.query(`GRANT SELECT, INSERT, UPDATE ON ${HEARTBEAT_TABLE} TO eip_agent@'${host}'`);
  }
  await server.query(`CREATE USER app@localhost IDENTIFIED BY 'app-secret'`);
  await server.query('GRANT SELECT, INSERT, UPDATE, DELETE ON appdb.* TO app@localhost');
  await server.query(`CREATE USER legacy_super@localhost IDENTIFIED BY 'super-secret'`);
  await server.query('GRANT SUPER ON *.* TO legacy_super@localhost');
  await server.query('GRANT SELECT, INSERT ON appdb.* TO legacy_super@localhost');
}

/** Inserts a row as `user`; resolves 'ok' or the MariaDB errno. */
async function insertAs(user: string, password: string): Promise<'ok' | number> {
  const conn = await mysql.createConnection({ socketPath: db.socket, user, password });
  try {
    await conn.query("INSERT INTO appdb.orders (note) VALUES ('x')");
    return 'ok';
  } catch (err) {
    return (err as { errno: number }).errno;
  } finally {
    await conn.end();
  }
}

const binlogPos = async () => (await db.variable('gtid_binlog_pos')) ?? '';
const timed = async <T>(f: () => Promise<T>): Promise<[T, number]> => {
  const started = Date.now();
  const value = await f();
  return [value, Date.now() - started];
};

beforeAll(async () => {
  db = await startMariaDb({ name: 'fence1', serverId: SERVER_ID, serverOptions: { 'log-bin': 'binlog' } });
  await setUpUsers(db);
  agentSocket = { socket: db.socket, ...AGENT };
});
afterAll(() => cleanupAllMariaDb());
afterEach(async () => {
  if (db.running) await db.query('SET GLOBAL read_only=0');
});

describe('view()', () => {
  test('a running writable server, over the socket and over TCP', async () => {
    const expectedGtid = await db.variable('gtid_current_pos');
    for (const endpoint of [agentSocket, { host: '127.0.0.1', port: db.port, ...AGENT }]) {
      const view = await new MariaDbLocalDatabase({ endpoint }).view();
      expect(view).toEqual({
        up: true,
        readOnly: false,
        serverId: SERVER_ID,
        gtidCurrentPos: expectedGtid,
        gtidIoPos: null,
        replication: null,
        lagSeconds: null,
        error: null,
        warnings: [],
      });
    }
  });

  test('each call closes its session cleanly (COM_QUIT): no aborted-client warnings', async () => {
    const aborted = async () => Number((await db.query<{ Value: string }>("SHOW GLOBAL STATUS LIKE 'Aborted_clients'"))[0]!.Value);
    const local = new MariaDbLocalDatabase({ endpoint: agentSocket });
    const before = await aborted();
    for (let i = 0; i < 10; i++) await local.view();
    await local.writeHeartbeat(SERVER_ID);
    await new Promise((r) => setTimeout(r, 200));
    // The harness's own root query destroys its socket and may count once.
    expect((await aborted()) - before).toBeLessThanOrEqual(1);
    await db.query(`DELETE FROM ${HEARTBEAT_TABLE}`);
  });

  test('toEventDbView() gives the events schema its database part', async () => {
    const event = toEventDbView(await new MariaDbLocalDatabase({ endpoint: agentSocket }).view());
    expect(DbViewSchema.parse(event)).toEqual({
      up: true,
      readOnly: false,
      ioRunning: false,
      sqlRunning: false,
      gtidCurrentPos: await db.variable('gtid_current_pos'),
      lagSeconds: null,
      error: null,
    });
    const down = toEventDbView(await new MariaDbLocalDatabase({ endpoint: { ...agentSocket, password: 'wrong' } }).view());
    expect(DbViewSchema.parse(down)).toMatchObject({ up: false, readOnly: null, gtidCurrentPos: '', error: expect.stringMatching(/access denied/i) });
  });

  test('a wrong password is up:false with an auth error, not a throw', async () => {
    const view = await new MariaDbLocalDatabase({ endpoint: { ...agentSocket, password: 'wrong' } }).view();
    expect(view.up).toBe(false);
    expect(view.error).toMatch(/access denied.*1045/i);
  });

  test('a user without SLAVE MONITOR still gets a view, with a warning', async () => {
    const view = await new MariaDbLocalDatabase({ endpoint: { socket: db.socket, user: 'app', password: 'app-secret' } }).view();
    expect(view.up).toBe(true);
    expect(view.replication).toBeNull();
    expect(view.warnings.join()).toMatch(/replication status unreadable: .*SLAVE MONITOR/);
  });

  test('lag comes from the newest heartbeat row of another server, read on a read_only node', async () => {
    await db.query(`INSERT INTO ${HEARTBEAT_TABLE} (server_id, ts) VALUES (77, UTC_TIMESTAMP(6) - INTERVAL 3 SECOND)`);
    await db.query(`INSERT INTO ${HEARTBEAT_TABLE} (server_id, ts) VALUES (${SERVER_ID}, UTC_TIMESTAMP(6))`); // our own row is ignored
    const local = new MariaDbLocalDatabase({ endpoint: agentSocket });
    expect((await local.view()).lagSeconds).toBeNull(); // writable: this node is the writer
    await local.setReadOnly(true);
    const lag = (await local.view()).lagSeconds;
    expect(lag).toBeGreaterThanOrEqual(3);
    expect(lag).toBeLessThan(4);
    await db.query(`DELETE FROM ${HEARTBEAT_TABLE}`);
  });
});

describe('setReadOnly()', () => {
  const local = () => new MariaDbLocalDatabase({ endpoint: agentSocket });

  test('ON blocks writes of an application user and of SUPER (10.11); OFF permits them again', async () => {
    expect(await insertAs('app', 'app-secret')).toBe('ok');
    await local().setReadOnly(true);
    expect(await db.variable('read_only')).toBe('1');
    expect((await local().view()).readOnly).toBe(true);
    expect(await insertAs('app', 'app-secret')).toBe(1290);
    expect(await insertAs('legacy_super', 'super-secret')).toBe(1290);
    await local().setReadOnly(false);
    expect(await db.variable('read_only')).toBe('0');
    expect(await insertAs('app', 'app-secret')).toBe('ok');
  });

  test('READ_ONLY ADMIN, which the agent needs to fence, also writes through read_only', async () => {
    await local().setReadOnly(true);
    const conn = await mysql.createConnection({ socketPath: db.socket, ...AGENT });
    try {
      await expect(conn.query(`INSERT INTO ${HEARTBEAT_TABLE} (server_id, ts) VALUES (1, UTC_TIMESTAMP())`)).resolves.toBeDefined();
    } finally {
      await conn.end();
      await db.query(`DELETE FROM ${HEARTBEAT_TABLE}`);
    }
  });

  test('SUPER alone cannot set read_only on 10.11: access-denied', async () => {
    const superDb = new MariaDbLocalDatabase({ endpoint: { socket: db.socket, user: 'legacy_super', password: 'super-secret' } });
    await expect(superDb.setReadOnly(true)).rejects.toMatchObject({ name: 'DbError', kind: 'access-denied' });
    expect(await db.variable('read_only')).toBe('0');
  });

  test('an open write transaction does not block fencing; its COMMIT is refused', async () => {
    const app = await mysql.createConnection({ socketPath: db.socket, user: 'app', password: 'app-secret' });
    try {
      await app.query('BEGIN');
      await app.query("INSERT INTO appdb.orders (note) VALUES ('in-flight')");
      const [, took] = await timed(() => local().setReadOnly(true));
      expect(took).toBeLessThan(500);
      await expect(app.query('COMMIT')).rejects.toMatchObject({ errno: 1290 });
    } finally {
      await app.end();
    }
  });

  test('a client holding LOCK TABLES ... WRITE makes fencing fail in bounded time (lock-wait-timeout)', async () => {
    const holder = await db.connect();
    try {
      await holder.query('LOCK TABLES appdb.orders WRITE');
      const fenced = new MariaDbLocalDatabase({ endpoint: agentSocket, callDeadlineMs: 2500 });
      const [err, took] = await timed(() => fenced.setReadOnly(true).then(() => null, (e: unknown) => e));
      expect(err).toBeInstanceOf(DbError);
      expect(err).toMatchObject({ kind: 'lock-wait-timeout' });
      expect(took).toBeGreaterThanOrEqual(900);
      expect(took).toBeLessThan(2500);
      expect(await db.variable('read_only')).toBe('0');
    } finally {
      await holder.query('UNLOCK TABLES');
      await holder.end();
    }
  });
});

describe('writeHeartbeat()', () => {
  const local = () => new MariaDbLocalDatabase({ endpoint: agentSocket });
  const rows = () => db.query<{ server_id: number; skew_us: number }>(`SELECT server_id, TIMESTAMPDIFF(MICROSECOND, ts, UTC_TIMESTAMP(6)) AS skew_us FROM ${HEARTBEAT_TABLE}`);

  test('upserts one row: the literal server id and the UTC time', async () => {
    await expect(local().writeHeartbeat(SERVER_ID)).resolves.toEqual({ written: true });
    const [first] = await rows();
    expect(Number(first!.server_id)).toBe(SERVER_ID);
    expect(Math.abs(Number(first!.skew_us))).toBeLessThan(1_000_000);
    await new Promise((r) => setTimeout(r, 50));
    await local().writeHeartbeat(SERVER_ID);
    const after = await rows();
    expect(after).toHaveLength(1);
    expect(Number(after[0]!.skew_us)).toBeLessThan(Number(first!.skew_us) + 50_000);
  });

  test('on a read_only node it writes nothing and logs no GTID (no errant transaction)', async () => {
    await local().setReadOnly(true);
    const before = await binlogPos();
    const rowsBefore = await rows();
    await expect(local().writeHeartbeat(SERVER_ID + 1)).resolves.toEqual({ written: false, reason: 'read-only' });
    expect(await binlogPos()).toBe(before);
    expect(await rows()).toHaveLength(rowsBefore.length);
  });

  test('the upsert guards itself: run as the agent on a read_only server it changes and logs nothing', async () => {
    await local().setReadOnly(true);
    const before = await binlogPos();
    const conn = await mysql.createConnection({ socketPath: db.socket, ...AGENT });
    try {
      const [result] = await conn.query(UPSERT_HEARTBEAT_SQL, [1, SERVER_ID]);
      expect((result as { affectedRows: number }).affectedRows).toBe(0);
    } finally {
      await conn.end();
    }
    expect(await binlogPos()).toBe(before);
  });
});

describe('waitApplied() on a server that is not a replica', () => {
  test('returns not-a-replica at once', async () => {
    const [result, took] = await timed(() => new MariaDbLocalDatabase({ endpoint: agentSocket }).waitApplied(5000));
    expect(result).toMatchObject({ outcome: 'not-a-replica', target: null });
    expect(took).toBeLessThan(500);
  });
});

describe('a frozen (SIGSTOP) server', () => {
  afterEach(() => {
    if (db.running) db.resume();
  });

  test('every call ends by its deadline; view() says up:false', async () => {
    db.pause();
    const local = new MariaDbLocalDatabase({ endpoint: agentSocket, callDeadlineMs: 800 });
    const tcp = new MariaDbLocalDatabase({ endpoint: { host: '127.0.0.1', port: db.port, ...AGENT }, callDeadlineMs: 800 });
    const [[viewSocket, viewTcp, fence, wait], took] = await timed(() =>
      Promise.all([local.view(), tcp.view(), local.setReadOnly(true).catch((e: unknown) => e), local.waitApplied(400).catch((e: unknown) => e)]),
    );
    for (const view of [viewSocket, viewTcp]) {
      expect(view.up).toBe(false);
      expect(view.error).toMatch(/no answer within 800 ms/);
    }
    expect(fence).toMatchObject({ name: 'DbError', kind: 'timeout' });
    expect(wait).toMatchObject({ name: 'DbError', kind: 'timeout', message: expect.stringMatching(/within 1200 ms/) });
    expect(took).toBeGreaterThanOrEqual(1100);
    expect(took).toBeLessThan(2000);
    db.resume();
    expect((await local.view()).up).toBe(true);
  });
});

describe('a stopped server', () => {
  test('view() is up:false at once; writes reject with refused', async () => {
    await db.stop();
    const local = new MariaDbLocalDatabase({ endpoint: agentSocket });
    const tcp = new MariaDbLocalDatabase({ endpoint: { host: '127.0.0.1', port: db.port, ...AGENT } });
    const [[viewSocket, viewTcp], took] = await timed(() => Promise.all([local.view(), tcp.view()]));
    expect(took).toBeLessThan(300);
    for (const view of [viewSocket, viewTcp]) {
      expect(view).toMatchObject({ up: false, readOnly: null, gtidCurrentPos: null });
      expect(view.error).toMatch(/server not running/);
    }
    await expect(local.setReadOnly(true)).rejects.toMatchObject({ kind: 'refused' });
    await expect(local.writeHeartbeat(SERVER_ID)).rejects.toMatchObject({ kind: 'refused' });
    await db.start();
    expect((await local.view()).up).toBe(true);
  });
});
