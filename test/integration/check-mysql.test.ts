/**
 * `eip-agent check-mysql` against a real MariaDB: healthy, wrong password, missing password file,
 * too many connections, hung (SIGSTOP) within the deadline, stopped.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import mysql from 'mysql2/promise';
import { runCli } from '../../node-agent/cli';
import { HealthCheckTarget, checkMysqlHealth } from '../../node-agent/mysql/health-check';
import { AgentBundle, bundleAgent } from '../helpers/agent-bundle';
import { MariaDbInstance, cleanupAllMariaDb, startMariaDb } from '../helpers/mariadb';

jest.setTimeout(60000); // project-level testTimeout is not applied by jest 30

const USER = 'eip_health';
const PASSWORD = `pw-${process.pid}-${Date.now()}`;

let db: MariaDbInstance;
let bundle: AgentBundle;
let work: string;
let configFile: string;
let passwordFile: string;

/** Runs the command in-process; returns the exit code and what it printed. */
async function cli(...args: string[]): Promise<{ code: number; stderr: string; stdout: string }> {
  let stderr = '';
  let stdout = '';
  const err = jest.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void (stderr += `${a.join(' ')}\n`));
  const out = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  try {
    const code = await runCli(['node', 'eip-agent', 'check-mysql', ...args]);
    return { code, stderr, stdout };
  } finally {
    err.mockRestore();
    out.mockRestore();
  }
}

/** Runs the bundled agent as keepalived would; returns exit code, stderr and wall time. */
function runBundled(args: string[]): Promise<{ code: number | null; stderr: string; stdout: string; wallMs: number }> {
  return new Promise((done, fail) => {
    const started = performance.now();
    const child = spawn(process.execPath, [bundle.file, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const guard = setTimeout(() => child.kill('SIGKILL'), 30000);
    child.on('error', fail);
    child.on('close', (code) => {
      clearTimeout(guard);
      done({ code, stderr, stdout, wallMs: Math.round(performance.now() - started) });
    });
  });
}

const target = (over: Partial<HealthCheckTarget> = {}): HealthCheckTarget => ({
  socketPath: db.socket,
  user: USER,
  passwordFile,
  deadlineMs: 2000,
  ...over,
});

beforeAll(async () => {
  // Assigned one by one so afterAll cleans up whichever started even if the other failed.
  const bundling = bundleAgent().then((b) => (bundle = b));
  db = await startMariaDb({ name: 'check' });
  await bundling;
  for (const host of ['localhost', '127.0.0.1']) await db.query(`CREATE USER ?@? IDENTIFIED BY ?`, [USER, host, PASSWORD]);
  work = mkdtempSync(join(tmpdir(), 'eip-check-mysql-'));
  passwordFile = join(work, 'health.password');
  writeFileSync(passwordFile, `${PASSWORD}\n`, { mode: 0o600 });
  const example = JSON.parse(readFileSync(resolve(__dirname, '../../examples/cluster.json'), 'utf8'));
  example.mysql = { port: db.port, socket: db.socket, healthCheckDeadlineMs: 1000, healthCheckUser: USER, healthCheckPasswordFile: passwordFile };
  configFile = join(work, 'cluster.json');
  writeFileSync(configFile, JSON.stringify(example));
});

afterAll(async () => {
  await cleanupAllMariaDb();
  bundle?.cleanup();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('healthy server', () => {
  test('socket and TCP checks pass; the CLI exits 0 and prints nothing', async () => {
    const viaSocket = await checkMysqlHealth(target());
    expect(viaSocket).toMatchObject({ healthy: true });
    expect((await checkMysqlHealth(target({ socketPath: '', host: '127.0.0.1', port: db.port }))).healthy).toBe(true);
    expect(await cli('--config', configFile)).toEqual({ code: 0, stderr: '', stdout: '' });
    expect((await cli('--config', configFile, '--socket', '')).code).toBe(0);
  });

  test('a healthy check says goodbye (COM_QUIT): the server counts no aborted client', async () => {
    // One session for the counter, so that our own reads do not move it.
    const session = await db.connect();
    try {
      const aborted = async () => {
        const [rows] = await session.query("SHOW GLOBAL STATUS LIKE 'Aborted_clients'");
        return Number((rows as { Value: string }[])[0]?.Value);
      };
      const before = await aborted();
      for (let i = 0; i < 3; i++) expect((await cli('--config', configFile)).code).toBe(0);
      await new Promise((r) => setTimeout(r, 200));
      expect(await aborted()).toBe(before);
    } finally {
      await session.end();
    }
  });

  test('--json reports the result on stdout', async () => {
    const { code, stdout } = await cli('--config', configFile, '--json');
    expect(code).toBe(0);
    const parsed = JSON.parse(stdout);
    expect(parsed).toMatchObject({ healthy: true });
    expect(typeof parsed.elapsedMs).toBe('number');
  });
});

describe('credentials', () => {
  test('a wrong password is unhealthy and classified as auth (1045)', async () => {
    const wrong = join(work, 'wrong.password');
    writeFileSync(wrong, 'not-the-password\n', { mode: 0o600 });
    const result = await checkMysqlHealth(target({ passwordFile: wrong }));
    expect(result).toMatchObject({ healthy: false, kind: 'auth' });
    expect(result.reason).toContain('1045');
    const { code, stderr } = await cli('--config', configFile, '--password-file', wrong);
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/access denied/);
  });

  test('a missing password file is unhealthy with a clear message', async () => {
    const missing = join(work, 'absent.password');
    const result = await checkMysqlHealth(target({ passwordFile: missing }));
    expect(result).toMatchObject({ healthy: false, kind: 'password-file' });
    expect(result.reason).toContain(missing);
    const { code, stderr } = await cli('--config', configFile, '--password-file', missing);
    expect(code).toBe(1);
    expect(stderr).toContain(`cannot read password file ${missing}: ENOENT`);
  });
});

test('too many connections is classified (1040)', async () => {
  const limit = 10; // MariaDB's lowest max_connections; root's own connections do not count
  await db.query('SET GLOBAL max_connections = ?', [limit]);
  const holders = await Promise.all(Array.from({ length: limit }, () => mysql.createConnection({ socketPath: db.socket, user: USER, password: PASSWORD })));
  try {
    const result = await checkMysqlHealth(target());
    expect(result).toMatchObject({ healthy: false, kind: 'too-many-connections' });
    expect(result.reason).toContain('1040');
  } finally {
    await Promise.all(holders.map((h) => h.end()));
    await db.query('SET GLOBAL max_connections = 151');
  }
  expect((await checkMysqlHealth(target())).healthy).toBe(true);
});

describe('hung server (SIGSTOP)', () => {
  afterEach(() => {
    if (db.running) db.resume();
  });

  test.each([
    ['socket', {}],
    ['TCP', { socketPath: '', host: '127.0.0.1' }],
  ])('over %s the check gives up at its deadline', async (_via, over) => {
    db.pause();
    const deadlineMs = 800;
    const result = await checkMysqlHealth(target({ ...over, port: db.port, deadlineMs }));
    expect(result).toMatchObject({ healthy: false, kind: 'timeout' });
    expect(result.elapsedMs).toBeGreaterThanOrEqual(deadlineMs - 5);
    expect(result.elapsedMs).toBeLessThan(deadlineMs + 200);
  });

  test('the bundled CLI exits 1 within the deadline plus node start-up', async () => {
    const startup = await runBundled(['--help']); // node + bundle load time on this machine
    expect(startup.code).toBe(0);
    db.pause();
    const hung = await runBundled(['check-mysql', '--config', configFile]); // deadline 1000 ms from the config
    expect(hung.code).toBe(1);
    expect(hung.stdout).toBe('');
    expect(hung.stderr.trim().split('\n')).toHaveLength(1);
    expect(hung.stderr).toMatch(/no answer within \d+ ms/);
    expect(hung.wallMs).toBeLessThan(1000 + startup.wallMs + 500);
    console.log(`check-mysql vs hung server: wall ${hung.wallMs} ms (deadline 1000 ms, node start-up ${startup.wallMs} ms)`);
  });
});

test('a stopped server is unhealthy (refused), from the core and the bundled CLI', async () => {
  await db.stop();
  try {
    expect(await checkMysqlHealth(target())).toMatchObject({ healthy: false, kind: 'refused' });
    expect(await checkMysqlHealth(target({ socketPath: '', host: '127.0.0.1', port: db.port }))).toMatchObject({
      healthy: false,
      kind: 'refused',
    });
    const bundled = await runBundled(['check-mysql', '--config', configFile]);
    expect(bundled.code).toBe(1);
    expect(bundled.stderr).toMatch(/server not running/);
  } finally {
    await db.start();
  }
  expect((await checkMysqlHealth(target())).healthy).toBe(true);
});
