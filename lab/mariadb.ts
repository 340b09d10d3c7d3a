/**
 * Test harness: real, independent MariaDB servers in temporary directories.
 *
 * Each instance gets a fresh datadir (mariadb-install-db), its own socket, TCP port, pid file and
 * error log, and runs `mariadbd` without reading the machine's option files. Meant for root (CI
 * and the lab run as root): root@localhost then logs in over the socket with unix_socket auth, so
 * no password is needed for administration.
 *
 * ```ts
 * const db = await startMariaDb({ name: 'a', serverId: 1, serverOptions: { 'log-bin': true } });
 * try { await db.query('SELECT 1'); } finally { await db.cleanup(); }
 * ```
 */
import { ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';

/** Server option values: `true` → `--name`, `false` → `--skip-name`, other → `--name=value`. */
export type ServerOptionValue = string | number | boolean;

export interface MariaDbOptions {
  /** Label used in the temp dir name and in errors. @default 'db' */
  readonly name?: string;
  /** Address(es) mariadbd listens on; MariaDB 10.11 takes a comma-separated list. @default '127.0.0.1' */
  readonly bindAddress?: string;
  /** TCP port. @default a port found free on `bindAddress` (re-picked if taken at start) */
  readonly port?: number;
  /** `--server-id`; omitted when undefined so an option file can set it. */
  readonly serverId?: number;
  /** Extra server options, e.g. `{ 'log-bin': 'binlog', 'gtid-strict-mode': 1 }`. */
  readonly serverOptions?: Readonly<Record<string, ServerOptionValue>>;
  /**
   * An option file to read instead of none (`--defaults-file`), e.g. a my.cnf drop-in under
   * test. Command-line options still win over it. The file must exist when the server starts.
   */
  readonly defaultsFile?: string;
  /** Run mariadbd inside this network namespace (`ip netns exec NAME`); it must exist. */
  readonly netns?: string;
  /** Parent of the instance's temp dir. @default os.tmpdir() */
  readonly baseDir?: string;
  /** Use exactly this (new or empty) directory instead of a temp dir under baseDir (the lab's stable layout). */
  readonly dir?: string;
  /** How long start() waits for the server to accept queries. @default 30000 */
  readonly startTimeoutMs?: number;
}

/** Thrown when an instance cannot be installed, started or queried; carries the log tail. */
export class MariaDbHarnessError extends Error {
  override readonly name = 'MariaDbHarnessError';
}

const live = new Set<MariaDbInstance>();
let exitHookInstalled = false;

/** Last resort if a test process ends without cleanup: kill servers and remove their dirs. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const db of live) db.cleanupSync();
  });
}

/** A TCP port that was free on `host` a moment ago (the OS picks it). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Runs a program to completion; rejects with its output when it fails or overruns. */
function run(cmd: string, args: readonly string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new MariaDbHarnessError(`cannot run ${cmd}: ${err.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(output);
      else reject(new MariaDbHarnessError(`${cmd} failed (${signal ?? `exit ${code}`}):\n${output.slice(-2000)}`));
    });
  });
}

/** mysql2's destroy() only half-closes (end()); also destroy the socket so a paused server cannot hold it open. */
function destroyNow(conn: mysql.Connection): void {
  conn.destroy();
  (conn as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
}

const firstAddress = (bindAddress: string) => bindAddress.split(',')[0]!.trim();

const isRoot = () => process.getuid?.() === 0;

/** One MariaDB server with its own datadir, socket, port, pid file and log. Create with startMariaDb(). */
export class MariaDbInstance {
  /** The instance's temp dir; everything it writes lives below it. */
  readonly dir: string;
  readonly datadir: string;
  readonly socket: string;
  readonly pidFile: string;
  readonly logFile: string;
  /** Private tmpdir: concurrent installs sharing /tmp were seen to lose each other's temp tables. */
  readonly tmpDir: string;
  readonly bindAddress: string;
  readonly name: string;
  private portValue: number;
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private paused = false;

  /** @internal use startMariaDb() */
  constructor(
    private readonly options: MariaDbOptions,
    port: number,
  ) {
    this.name = options.name ?? 'db';
    this.bindAddress = options.bindAddress ?? '127.0.0.1';
    this.portValue = port;
    this.dir = options.dir ?? mkdtempSync(join(options.baseDir ?? tmpdir(), `eipdb-${this.name}-`));
    if (options.dir) mkdirSync(options.dir, { recursive: true });
    this.datadir = join(this.dir, 'data');
    this.socket = join(this.dir, 'mysqld.sock');
    this.pidFile = join(this.dir, 'mysqld.pid');
    this.logFile = join(this.dir, 'mysqld.log');
    this.tmpDir = join(this.dir, 'tmp');
    mkdirSync(this.tmpDir);
    if (this.socket.length > 100) throw new MariaDbHarnessError(`socket path too long for AF_UNIX: ${this.socket}`);
    live.add(this);
    installExitHook();
  }

  /** TCP port the server listens on (may change on start() if an automatic port was taken). */
  get port(): number {
    return this.portValue;
  }

  /** Process id of mariadbd, or undefined when it is not running. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** True while the mariadbd process exists (also when paused). */
  get running(): boolean {
    return this.child !== undefined;
  }

  /** Creates the system tables in a fresh datadir (no test db, no anonymous users). */
  async install(): Promise<void> {
    const args = ['--no-defaults', `--datadir=${this.datadir}`, `--tmpdir=${this.tmpDir}`, '--skip-test-db', '--auth-root-authentication-method=socket'];
    if (isRoot()) args.push('--user=root');
    await run('mariadb-install-db', args, 60000);
  }

  private serverArgs(): string[] {
    const o = this.options;
    const args = [o.defaultsFile ? `--defaults-file=${o.defaultsFile}` : '--no-defaults'];
    if (isRoot()) args.push('--user=root');
    args.push(
      `--datadir=${this.datadir}`,
      `--tmpdir=${this.tmpDir}`,
      `--socket=${this.socket}`,
      `--port=${this.portValue}`,
      `--bind-address=${this.bindAddress}`,
      `--pid-file=${this.pidFile}`,
      `--log-error=${this.logFile}`,
    );
    if (o.serverId !== undefined) args.push(`--server-id=${o.serverId}`);
    for (const [key, value] of Object.entries(o.serverOptions ?? {})) {
      if (value === true) args.push(`--${key}`);
      else if (value === false) args.push(`--skip-${key}`);
      else args.push(`--${key}=${value}`);
    }
    return args;
  }

  /** Starts mariadbd and waits until it answers queries over its socket. */
  async start(): Promise<void> {
    if (this.child) throw new MariaDbHarnessError(`${this.name} is already running`);
    const autoPort = this.options.port === undefined;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.startOnce();
        return;
      } catch (err) {
        // Another test run may have taken the port between freePort() and bind(): pick again.
        const portTaken = /Address already in use|Bind on TCP\/IP port/.test(this.logTail());
        if (!autoPort || !portTaken || attempt >= 5) throw err;
        this.portValue = await freePort(firstAddress(this.bindAddress));
      }
    }
  }

  private async startOnce(): Promise<void> {
    const args = this.serverArgs();
    const [cmd, argv] = this.options.netns ? ['ip', ['netns', 'exec', this.options.netns, 'mariadbd', ...args]] : ['mariadbd', args];
    const child = spawn(cmd as string, argv as string[], { stdio: 'ignore' });
    let exitInfo: string | undefined;
    this.child = child;
    this.paused = false;
    this.exited = new Promise((resolve) => {
      child.on('error', (err) => {
        exitInfo = `cannot run ${cmd}: ${err.message}`;
        if (this.child === child) this.child = undefined;
        resolve();
      });
      child.on('exit', (code, signal) => {
        exitInfo = `exited (${signal ?? `code ${code}`})`;
        if (this.child === child) this.child = undefined;
        resolve();
      });
    });
    const deadline = Date.now() + (this.options.startTimeoutMs ?? 30000);
    for (;;) {
      if (exitInfo) throw new MariaDbHarnessError(`${this.name}: mariadbd ${exitInfo} during start:\n${this.logTail()}`);
      if (Date.now() > deadline) {
        await this.kill();
        throw new MariaDbHarnessError(`${this.name}: mariadbd not ready in time:\n${this.logTail()}`);
      }
      if (await this.ping()) return;
      await sleep(50);
    }
  }

  /** True when the server answers `SELECT 1` over its socket within `timeoutMs`. */
  async ping(timeoutMs = 1000): Promise<boolean> {
    try {
      await this.query('SELECT 1', [], timeoutMs);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Opens a root connection over the socket. The caller must end() or destroy() it. Use it for
   * session state (e.g. `SET sql_log_bin=0`); query() is simpler for one-off statements.
   */
  connect(options: { connectTimeoutMs?: number; multipleStatements?: boolean } = {}): Promise<mysql.Connection> {
    return mysql.createConnection({
      socketPath: this.socket,
      user: 'root',
      connectTimeout: options.connectTimeoutMs ?? 10000,
      multipleStatements: options.multipleStatements ?? false,
    });
  }

  /**
   * Runs one statement as root over the socket on a fresh connection and returns its rows (or the
   * OK packet for writes). Never hangs longer than `timeoutMs`, even against a paused server.
   */
  async query<T = Record<string, unknown>>(sql: string, values: readonly unknown[] = [], timeoutMs = 10000): Promise<T[]> {
    let conn: mysql.Connection | undefined;
    let timer: NodeJS.Timeout | undefined;
    const overrun = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new MariaDbHarnessError(`${this.name}: query overran ${timeoutMs} ms: ${sql}`)), timeoutMs);
    });
    try {
      const work = (async () => {
        conn = await this.connect({ connectTimeoutMs: timeoutMs });
        const [rows] = await conn.query(sql, values as unknown[]);
        return rows as T[];
      })();
      work.catch(() => undefined); // the overrun may win; its rejection is reported instead
      return await Promise.race([work, overrun]);
    } finally {
      clearTimeout(timer);
      if (conn) destroyNow(conn);
    }
  }

  /** Value of a global variable as a string (null when NULL). */
  async variable(name: string): Promise<string | null> {
    const rows = await this.query<{ v: unknown }>(`SELECT @@GLOBAL.${name} AS v`);
    const v = rows[0]?.v;
    return v === null || v === undefined ? null : String(v);
  }

  /** Graceful shutdown (SIGTERM); SIGKILL if it has not exited after `timeoutMs`. */
  async stop(timeoutMs = 30000): Promise<void> {
    const child = this.child;
    if (!child) return;
    if (this.paused) this.resume(); // a stopped process would not act on SIGTERM
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** Kills the server at once (SIGKILL), as a crash would; works on a paused server too. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child) return;
    child.kill('SIGKILL');
    await this.exited;
    this.paused = false;
  }

  /** Freezes the server (SIGSTOP): connections are accepted by the kernel but never answered. */
  pause(): void {
    if (!this.child) throw new MariaDbHarnessError(`${this.name} is not running`);
    this.child.kill('SIGSTOP');
    this.paused = true;
  }

  /** Thaws a paused server (SIGCONT). */
  resume(): void {
    if (!this.child) throw new MariaDbHarnessError(`${this.name} is not running`);
    this.child.kill('SIGCONT');
    this.paused = false;
  }

  /** Graceful stop then start on the same datadir and port (e.g. to apply an option file). */
  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  /** The last `lines` lines of the server's error log ('' when there is none yet). */
  logTail(lines = 30): string {
    try {
      return readFileSync(this.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  }

  /** Kills the server if needed and removes its directory. Safe to call more than once. */
  async cleanup(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
    live.delete(this);
  }

  /** Synchronous cleanup for process exit hooks. */
  cleanupSync(): void {
    const pid = this.child?.pid;
    if (pid !== undefined) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    rmSync(this.dir, { recursive: true, force: true });
    live.delete(this);
  }
}

/** Installs and starts a fresh instance. On failure nothing is left behind. */
export async function startMariaDb(options: MariaDbOptions = {}): Promise<MariaDbInstance> {
  const port = options.port ?? (await freePort(options.netns ? '127.0.0.1' : firstAddress(options.bindAddress ?? '127.0.0.1')));
  const db = new MariaDbInstance(options, port);
  try {
    await db.install();
    await db.start();
    return db;
  } catch (err) {
    await db.cleanup();
    throw err;
  }
}

/** Cleans up every instance this process started and has not cleaned up yet (for afterAll). */
export async function cleanupAllMariaDb(): Promise<void> {
  await Promise.all([...live].map((db) => db.cleanup()));
}
