/**
 * `eip-agent mysql-bootstrap` on two real MariaDB servers, bound to two loopback addresses
 * (127.0.0.2 and 127.0.0.3, the nodes' "private IPs") on one port, each reading its drop-in.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import mysql from 'mysql2/promise';
import { parseClusterConfig } from '../../lib/config/parse';
import type { ClusterConfig } from '../../lib/config/schema';
import { runCli } from '../../node-agent/cli';
import { BootstrapReport, runBootstrap } from '../../node-agent/mysql/bootstrap';
import { checkMysqlHealth } from '../../node-agent/mysql/health-check';
import { MariaDbInstance, cleanupAllMariaDb, freePort, startMariaDb } from '../helpers/mariadb';

jest.setTimeout(120000); // project-level testTimeout is not applied by jest 30

const IP = { a: '127.0.0.2', b: '127.0.0.3' } as const;
const APP_PASSWORD = 'app-pw';
let work: string;
let config: ClusterConfig;
let configFile: string;
let db: { a: MariaDbInstance; b: MariaDbInstance };
const dropIn = (n: 'a' | 'b') => join(work, `60-eip-failover-${n}.cnf`);
const nodeId = (n: 'a' | 'b') => (n === 'a' ? 'db-a' : 'db-b');

/** A port free on both loopback addresses (both servers use mysql.port, like two real nodes). */
async function portFreeOnBoth(): Promise<number> {
  for (;;) {
    const port = await freePort(IP.a);
    const ok = await new Promise<boolean>((done) => {
      const s = createServer().once('error', () => done(false));
      s.listen(port, IP.b, () => s.close(() => done(true)));
    });
    if (ok) return port;
  }
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const bootstrapCore = (n: 'a' | 'b') =>
  runBootstrap({
    config,
    nodeId: nodeId(n),
    admin: { socket: db[n].socket },
    dropInPath: dropIn(n),
    overrides: { bindAddress: IP[n] },
    restartServer: () => db[n].restart(),
  });

async function bootstrapCli(n: 'a' | 'b', ...extra: string[]): Promise<{ code: number; report: BootstrapReport | undefined; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = jest.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => ((stdout += String(c)), true));
  const err = jest.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void (stderr += `${a.join(' ')}\n`));
  try {
    const args = ['--config', configFile, '--node', nodeId(n), '--socket', db[n].socket, '--drop-in', dropIn(n), '--bind-address', IP[n], '--json', ...extra];
    const code = await runCli(['node', 'eip-agent', 'mysql-bootstrap', ...args]);
    return { code, report: stdout ? (JSON.parse(stdout) as BootstrapReport) : undefined, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

const replicating = (n: 'a' | 'b') =>
  waitFor(`replication on ${n}`, async () => {
    const [s] = await db[n].query<Record<string, string>>('SHOW SLAVE STATUS');
    return s?.Slave_IO_Running === 'Yes' && s.Slave_SQL_Running === 'Yes' ? s : undefined;
  });

/** The application's own account (replicated like any other write), writing over the socket. */
const appQuery = async (n: 'a' | 'b', sql: string) => {
  const conn = await mysql.createConnection({ socketPath: db[n].socket, user: 'app', password: APP_PASSWORD });
  try {
    return (await conn.query(sql))[0];
  } finally {
    await conn.end();
  }
};

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'eip-bootstrap-'));
  const secret = (name: string, value: string) => {
    writeFileSync(join(work, name), `${value}\n`, { mode: 0o600 });
    return join(work, name);
  };
  const port = await portFreeOnBoth();
  const example = JSON.parse(readFileSync(resolve(__dirname, '../../examples/cluster.json'), 'utf8'));
  example.nodes[0].privateIp = IP.a;
  example.nodes[1].privateIp = IP.b;
  example.mysql = {
    port,
    socket: '',
    healthCheckPasswordFile: secret('health.password', 'health-pw'),
    replicationPasswordFile: secret('repl.password', 'repl-pw'),
    probePasswordFile: secret('probe.password', 'probe-pw'),
    // Connections between 127.0.0.x addresses leave from 127.0.0.1 (the loopback route's source).
    replicationUserHost: '127.0.0.1',
    semiSyncTimeoutMs: 5000,
  };
  config = parseClusterConfig(example);
  configFile = join(work, 'cluster.json');
  writeFileSync(configFile, JSON.stringify(example));
  for (const n of ['a', 'b'] as const) writeFileSync(dropIn(n), '[mariadb]\n');
  const [a, b] = await Promise.all(
    (['a', 'b'] as const).map((n) => startMariaDb({ name: `boot-${n}`, bindAddress: IP[n], port, defaultsFile: dropIn(n) })),
  );
  db = { a: a!, b: b! };
});

afterAll(async () => {
  await cleanupAllMariaDb(); // also an instance that started while its sibling failed
  if (work) rmSync(work, { recursive: true, force: true });
});

test('first run: the CLI writes the drop-in and asks for a restart (exit 3); after it, the bootstrap completes', async () => {
  const first = await bootstrapCli('b');
  expect(first.code).toBe(3);
  expect(first.report?.restartRequired.join()).toMatch(/log_bin/);
  expect(readFileSync(dropIn('b'), 'utf8')).toMatch(/^server_id = 2$/m);
  expect(first.stderr).toMatch(/restart MariaDB/);
  await db.b.restart();
  const second = await bootstrapCli('b');
  expect(second.code).toBe(0);
  expect(second.report?.changed).toBe(true);
  expect(second.report?.restartRequired).toEqual([]);
});

test('the core restarts through its callback and completes in one run', async () => {
  const report = await bootstrapCore('a');
  expect(report.restartRequired).toEqual([]);
  expect(report.steps.find((s) => s.item === 'server restart')?.changed).toBe(true);
  await Promise.all([replicating('a'), replicating('b')]);
});

test('engine settings: distinct server ids and GTID domains, offsets 1 and 2, GTID strict, binlog, semi-sync, read_only', async () => {
  const vars = { server_id: 'server_id', domain: 'gtid_domain_id', inc: 'auto_increment_increment', off: 'auto_increment_offset', strict: 'gtid_strict_mode', log_bin: 'log_bin', lsu: 'log_slave_updates', snt: 'slave_net_timeout', ssm: 'rpl_semi_sync_master_enabled', sss: 'rpl_semi_sync_slave_enabled', ro: 'read_only', fmt: 'binlog_format' };
  const read = async (n: 'a' | 'b') => (await db[n].query(`SELECT ${Object.entries(vars).map(([k, v]) => `@@GLOBAL.${v} AS ${k}`).join(', ')}`))[0];
  const common = { inc: 2, strict: 1, log_bin: 1, lsu: 1, snt: 10, ssm: 1, sss: 1, ro: 1, fmt: 'ROW' };
  expect(await read('a')).toEqual({ ...common, server_id: 1, domain: 1, off: 1 });
  expect(await read('b')).toEqual({ ...common, server_id: 2, domain: 2, off: 2 });
  const [status] = await db.a.query<Record<string, string>>('SHOW SLAVE STATUS');
  expect(status).toMatchObject({ Master_Host: IP.b, Master_Port: config.mysql.port, Master_User: 'eip_repl', Using_Gtid: 'Slave_Pos' });
  // slave_net_timeout was lowered before CHANGE MASTER, so the peer sends heartbeats every 5 s.
  const [all] = await db.a.query<Record<string, unknown>>('SHOW ALL SLAVES STATUS');
  expect(Number(all?.Slave_heartbeat_period)).toBe(5);
});

test('a write on either node reaches the other; auto-increment values never collide', async () => {
  // Become the writer as the agent daemon would, create the app's schema and account there.
  await db.a.query('SET GLOBAL read_only = 0');
  await db.a.query('CREATE DATABASE app');
  await db.a.query('CREATE TABLE app.items (id INT AUTO_INCREMENT PRIMARY KEY, origin VARCHAR(8) NOT NULL)');
  await db.a.query(`CREATE USER app@localhost IDENTIFIED BY '${APP_PASSWORD}'`);
  await db.a.query('GRANT ALL ON app.* TO app@localhost');
  const semiBefore = Number((await db.a.query<{ Value: string }>(`SHOW GLOBAL STATUS LIKE 'Rpl_semi_sync_master_yes_tx'`))[0]?.Value);
  await appQuery('a', `INSERT INTO app.items (origin) VALUES ('a'), ('a')`);
  const onB = await waitFor('rows from a on b', async () => {
    const rows = await db.b.query<{ id: number; origin: string }>('SELECT id, origin FROM app.items ORDER BY id');
    return rows.length === 2 ? rows : undefined;
  });
  expect(onB.map((r) => r.id % 2)).toEqual([1, 1]); // offset 1
  const semiAfter = Number((await db.a.query<{ Value: string }>(`SHOW GLOBAL STATUS LIKE 'Rpl_semi_sync_master_yes_tx'`))[0]?.Value);
  expect(semiAfter).toBeGreaterThan(semiBefore); // the peer acknowledged: semi-sync is really on

  // The non-writer refuses the application's writes (read_only; the app has no READ ONLY ADMIN).
  await expect(appQuery('b', `INSERT INTO app.items (origin) VALUES ('b')`)).rejects.toMatchObject({ errno: 1290 });

  // Fail over: a fenced, b writable; b's writes reach a.
  await db.a.query('SET GLOBAL read_only = 1');
  await db.b.query('SET GLOBAL read_only = 0');
  await appQuery('b', `INSERT INTO app.items (origin) VALUES ('b')`);
  await expect(appQuery('a', `INSERT INTO app.items (origin) VALUES ('a')`)).rejects.toMatchObject({ errno: 1290 });
  const onA = await waitFor('row from b on a', async () => {
    const rows = await db.a.query<{ id: number; origin: string }>(`SELECT id FROM app.items WHERE origin = 'b'`);
    return rows.length === 1 ? rows : undefined;
  });
  expect(onA[0]!.id % 2).toBe(0); // offset 2
});

test('the heartbeat row written on the writer is readable on the peer', async () => {
  await db.b.query(`INSERT INTO eip_failover.heartbeat (server_id, ts) VALUES (@@server_id, UTC_TIMESTAMP(6)) ON DUPLICATE KEY UPDATE ts = VALUES(ts)`);
  const row = await waitFor('heartbeat on a', async () => (await db.a.query<{ server_id: number }>('SELECT server_id FROM eip_failover.heartbeat'))[0]);
  expect(row.server_id).toBe(2);
});

test('accounts: health check passes, probe can monitor but not write, replication user only replicates', async () => {
  for (const n of ['a', 'b'] as const) {
    const health = await checkMysqlHealth({ socketPath: db[n].socket, user: 'eip_health', passwordFile: config.mysql.healthCheckPasswordFile, deadlineMs: 2000 });
    expect(health.healthy).toBe(true);
  }
  const probe = await mysql.createConnection({ host: IP.a, port: config.mysql.port, user: 'eip_probe', password: 'probe-pw' });
  try {
    const [status] = (await probe.query('SHOW SLAVE STATUS'))[0] as Record<string, unknown>[];
    expect(status?.Slave_IO_Running).toBe('Yes');
    expect(((await probe.query('SELECT server_id FROM eip_failover.heartbeat'))[0] as unknown[]).length).toBe(1);
    await expect(probe.query('SELECT * FROM app.items')).rejects.toMatchObject({ errno: 1142 });
  } finally {
    await probe.end();
  }
  const grants = await db.a.query<Record<string, string>>(`SHOW GRANTS FOR eip_repl@'127.0.0.1'`);
  expect(Object.values(grants[0]!)[0]).toMatch(/^GRANT REPLICATION SLAVE ON \*\.\* TO `eip_repl`@`127\.0\.0\.1`/);
  expect(grants).toHaveLength(1);
});

test('SUPER alone no longer bypasses read_only (10.11); root, with READ ONLY ADMIN, does', async () => {
  // A local-only account (not binlogged), so the peer never replays its creation or removal.
  const local = async (sql: string) => {
    const conn = await db.a.connect();
    try {
      await conn.query('SET sql_log_bin = 0');
      await conn.query(sql);
    } finally {
      await conn.end();
    }
  };
  await local(`CREATE USER super_only@localhost IDENTIFIED BY 'x'`);
  await local('GRANT SUPER, INSERT ON *.* TO super_only@localhost');
  const superOnly = await mysql.createConnection({ socketPath: db.a.socket, user: 'super_only', password: 'x' });
  try {
    await expect(superOnly.query('INSERT INTO eip_failover.heartbeat VALUES (99, UTC_TIMESTAMP(6))')).rejects.toMatchObject({ errno: 1290 });
    await expect(db.a.query('SELECT @@read_only AS ro')).resolves.toEqual([{ ro: 1 }]);
    await local('INSERT INTO eip_failover.heartbeat VALUES (98, UTC_TIMESTAMP(6))'); // root: allowed
    await local('DELETE FROM eip_failover.heartbeat WHERE server_id = 98');
  } finally {
    await superOnly.end();
    await local('DROP USER super_only@localhost');
  }
});

/** What a rerun must not touch: files, binlog, accounts, variables, replication set-up. */
async function snapshot(n: 'a' | 'b') {
  const [vars] = await db[n].query('SELECT @@gtid_binlog_pos, @@server_id, @@read_only, @@auto_increment_offset, @@rpl_semi_sync_slave_enabled');
  const accounts = await db[n].query(`SELECT User, Host, Priv FROM mysql.global_priv WHERE User LIKE 'eip%' ORDER BY User, Host`);
  const grants = await db[n].query(`SELECT * FROM information_schema.USER_PRIVILEGES WHERE GRANTEE LIKE '%eip%' ORDER BY GRANTEE, PRIVILEGE_TYPE`);
  const [s] = await db[n].query<Record<string, unknown>>('SHOW SLAVE STATUS');
  const file = statSync(dropIn(n));
  return { vars, accounts, grants, master: [s?.Master_Host, s?.Master_Port, s?.Using_Gtid, s?.Connect_Retry], mtime: file.mtimeMs, content: readFileSync(dropIn(n), 'utf8') };
}

test('a second run changes nothing and says so, on both nodes', async () => {
  for (const n of ['a', 'b'] as const) {
    const before = await snapshot(n);
    const { code, report } = await bootstrapCli(n);
    expect(code).toBe(0);
    expect(report?.steps.filter((s) => s.changed)).toEqual([]);
    expect(report?.changed).toBe(false);
    expect(await snapshot(n)).toEqual(before);
  }
});

test('drift is repaired and reported: an extra privilege is revoked, a changed password reset', async () => {
  const conn = await db.b.connect();
  try {
    await conn.query('SET sql_log_bin = 0');
    await conn.query(`GRANT SELECT ON *.* TO eip_probe@'%'`);
    await conn.query(`ALTER USER eip_health@localhost IDENTIFIED BY 'drifted'`);
  } finally {
    await conn.end();
  }
  const report = await bootstrapCore('b');
  const changed = report.steps.filter((s) => s.changed).map((s) => `${s.item}: ${s.detail}`);
  expect(changed).toEqual([
    expect.stringMatching(/^account eip_health@localhost \(health check\): password set from /),
    expect.stringMatching(/^account eip_probe@% \(probe\) privileges: set to .*; revoked \*\.\*:SELECT$/),
  ]);
  expect((await bootstrapCore('b')).changed).toBe(false);
  await replicating('b');
});
