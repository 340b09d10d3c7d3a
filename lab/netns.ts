/**
 * Test harness: throw-away network namespaces joined by veth pairs (needs root and iproute2).
 *
 * One `NetnsLab` owns everything it creates — namespaces, host-side veth ends, spawned processes
 * and fixture directories — and `cleanup()` removes all of it. Names carry the process id and a
 * counter, so concurrent test runs on one machine never collide.
 *
 * ```ts
 * const lab = new NetnsLab('kat');
 * afterAll(() => lab.cleanup());
 * const [a, b] = [await lab.createNamespace(), await lab.createNamespace()];
 * await lab.connect({ netns: a, name: 'eth0', address: '10.99.0.1/24' }, { netns: b, name: 'eth0', address: '10.99.0.2/24' });
 * await lab.exec(a, 'ip', ['-4', 'addr']);
 * ```
 */
import { ChildProcess, execFile, spawn } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { openSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Linux limit for interface names (IFNAMSIZ - 1). */
export const MAX_IFNAME = 15;

/** PATH with the sbin directories, where `ip` and `keepalived` live. */
export const SBIN_ENV = { ...process.env, PATH: `${process.env.PATH ?? ''}:/usr/sbin:/sbin` };

export interface ExecResult {
  /** Exit code; null when killed by a signal (e.g. the timeout). */
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface ExecOptions {
  /** @default 10000 */
  readonly timeoutMs?: number;
  /** Resolve with the result instead of rejecting when the exit code is not 0. @default false */
  readonly allowFailure?: boolean;
}

/** Runs a program to completion (no shell). Rejects with its output unless it exits 0 or allowFailure. */
export function run(file: string, args: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { env: SBIN_ENV, timeout: options.timeoutMs ?? 10000, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
      const result = { code, stdout: String(stdout), stderr: String(stderr) };
      if (code === 0 || options.allowFailure) resolve(result);
      else reject(new Error(`${[file, ...args].join(' ')} failed (${err?.message.split('\n')[0]}):\n${stderr}${stdout}`));
    });
  });
}

/**
 * A `<prefix>.x` /24 (e.g. prefix "10.96" gives "10.96.37") that no address or route on the host
 * uses yet; x is random, so concurrent labs and tests pick different ones.
 */
export async function unusedSubnet24(prefix: string): Promise<string> {
  const used = (await run('ip', ['-4', '-o', 'addr', 'show'])).stdout + (await run('ip', ['-4', 'route', 'show', 'table', 'all'])).stdout;
  for (let attempt = 0; attempt < 200; attempt++) {
    const net = `${prefix}.${Math.floor(Math.random() * 256)}`;
    if (!used.includes(`${net}.`)) return net;
  }
  throw new Error(`no free ${prefix}.x.0/24 on this host`);
}

/** One end of a veth pair. */
export interface VethEnd {
  /** Namespace of this end; undefined means the host (the test process's own namespace). */
  readonly netns?: string;
  /** Interface name, at most 15 characters; must be free in that namespace. */
  readonly name: string;
  /** IPv4 address with prefix length, e.g. '10.99.0.1/24'; none when omitted. */
  readonly address?: string;
}

/** A process started by `NetnsLab.spawn`; it leads its own process group. */
export interface SpawnedProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Settles when the process has exited (never rejects). */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly hasExited: () => boolean;
  /** Signals the whole process group (the process and everything it forked). */
  readonly signalGroup: (signal: NodeJS.Signals) => void;
}

export interface SpawnOptions {
  /** File that receives stdout and stderr (appended); output is discarded when omitted. */
  readonly logFile?: string;
}

/** An executable fixture in its own fresh directory (mode 0755, owned by the test user). */
export interface FixtureScript {
  readonly dir: string;
  readonly path: string;
}

/**
 * Writes `body` as an executable script into a new 0755 directory under `parent`. keepalived's
 * script security refuses scripts whose path has a directory writable by others (mkdtemp makes
 * 0700 dirs, which root may run from but others cannot, hence the chmod).
 */
export async function writeFixtureScript(name: string, body: string, parent = tmpdir()): Promise<FixtureScript> {
  const dir = await mkdtemp(join(parent, 'eip-fixture-'));
  await chmod(dir, 0o755);
  const path = join(dir, name);
  await writeFile(path, body, { mode: 0o755 });
  await chmod(path, 0o755); // the umask may have masked the mode given to writeFile
  return { dir, path };
}

/** Resolves true when `promise` settles within `ms`, false otherwise; leaves no timer behind. */
export async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((r) => (timer = setTimeout(() => r(false), ms)));
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export class NetnsLab {
  private counter = 0;
  private readonly namespaces: string[] = [];
  private readonly hostLinks: string[] = [];
  private readonly processes: SpawnedProcess[] = [];
  private readonly dirs: string[] = [];

  /** @param prefix a few letters naming the test file, so a leaked namespace says where it came from */
  constructor(readonly prefix = 'eipt') {
    if (!/^[a-z]{1,4}$/.test(prefix)) throw new Error(`prefix must be 1-4 lower-case letters, got "${prefix}"`);
  }

  /** A name unique on this machine: prefix, pid, counter (15 characters at most, so it fits an interface). */
  uniqueName(): string {
    const name = `${this.prefix}${process.pid}-${++this.counter}`;
    if (name.length > MAX_IFNAME) throw new Error(`"${name}" is longer than ${MAX_IFNAME} characters; use a shorter prefix`);
    return name;
  }

  /**
   * Creates a namespace with `lo` up and returns its name. A fixed `name` (the lab's documented
   * names) must be free; without one a unique name is picked.
   */
  async createNamespace(name?: string): Promise<string> {
    if (name !== undefined) {
      await run('ip', ['netns', 'add', name]);
      this.namespaces.push(name);
      await run('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
      return name;
    }
    for (;;) {
      const name = this.uniqueName();
      // A name can exist already when a crashed run with a recycled pid leaked it: take the next.
      const added = await run('ip', ['netns', 'add', name], { allowFailure: true });
      if (added.code !== 0) {
        if (/exists/i.test(added.stderr) && this.counter < 1000) continue;
        throw new Error(`ip netns add ${name} failed: ${added.stderr}`);
      }
      this.namespaces.push(name);
      await run('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
      return name;
    }
  }

  /**
   * Creates a veth pair, brings both ends up and assigns the addresses. Each end is created
   * directly in its namespace, so equal names in different namespaces never clash on the host.
   */
  async connect(a: VethEnd, b: VethEnd): Promise<void> {
    for (const end of [a, b]) {
      if (end.name.length > MAX_IFNAME) throw new Error(`interface name "${end.name}" is longer than ${MAX_IFNAME} characters`);
    }
    const where = (end: VethEnd) => (end.netns ? ['-n', end.netns] : []);
    await run('ip', [...where(a), 'link', 'add', a.name, 'type', 'veth', 'peer', 'name', b.name, ...(b.netns ? ['netns', b.netns] : [])]);
    // Deleting a namespace destroys its veth ends (and their peers); host-side ends need their own delete.
    if (!a.netns) this.hostLinks.push(a.name);
    else if (!b.netns) this.hostLinks.push(b.name);
    for (const end of [a, b]) {
      if (end.address) await run('ip', [...where(end), 'addr', 'add', end.address, 'dev', end.name]);
      await run('ip', [...where(end), 'link', 'set', end.name, 'up']);
    }
    // The carrier comes up asynchronously (linkwatch, up to ~1 s later); keepalived started
    // before that enters FAULT ("interface down"), so wait for it.
    for (const end of [a, b]) await this.waitForCarrier(end.netns, end.name);
  }

  /** Waits until an interface has carrier (LOWER_UP) and its operational state is UP. */
  async waitForCarrier(netns: string | undefined, name: string, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const link = await run('ip', [...(netns ? ['-n', netns] : []), '-o', 'link', 'show', 'dev', name]);
      if (/[<,]LOWER_UP[,>].* state UP /.test(link.stdout)) return;
      if (Date.now() > deadline) throw new Error(`${name} in ${netns ?? 'the host'} has no carrier after ${timeoutMs} ms:\n${link.stdout}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Runs a program inside a namespace (`ip netns exec`); undefined runs it on the host. */
  exec(netns: string | undefined, file: string, args: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    return netns ? run('ip', ['netns', 'exec', netns, file, ...args], options) : run(file, args, options);
  }

  /** Starts a long-running program inside a namespace, in its own process group; cleanup() kills it. */
  spawn(netns: string, file: string, args: readonly string[], options: SpawnOptions = {}): SpawnedProcess {
    const out = options.logFile ? openSync(options.logFile, 'a') : 'ignore';
    let child: ChildProcess;
    try {
      // `ip netns exec` execs the program, so child.pid is the program itself.
      child = spawn('ip', ['netns', 'exec', netns, file, ...args], { env: SBIN_ENV, detached: true, stdio: ['ignore', out, out] });
    } finally {
      if (typeof out === 'number') closeSync(out);
    }
    let done = false;
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      child.on('exit', (code, signal) => ((done = true), resolve({ code, signal })));
      child.on('error', () => ((done = true), resolve({ code: null, signal: null })));
    });
    if (child.pid === undefined) throw new Error(`cannot spawn ${file} in ${netns}`);
    const pid = child.pid;
    const spawned: SpawnedProcess = {
      child,
      pid,
      exited,
      hasExited: () => done,
      signalGroup: (signal) => {
        try {
          process.kill(-pid, signal);
        } catch {
          // the group is gone already
        }
      },
    };
    this.processes.push(spawned);
    return spawned;
  }

  /** A fresh 0755 temp directory, removed by cleanup(). */
  async tempDir(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), `eip-${this.prefix}-`));
    await chmod(dir, 0o755);
    this.dirs.push(dir);
    return dir;
  }

  /** writeFixtureScript, with the directory removed by cleanup(). */
  async fixtureScript(name: string, body: string): Promise<FixtureScript> {
    const script = await writeFixtureScript(name, body);
    this.dirs.push(script.dir);
    return script;
  }

  /**
   * Kills every spawned process and every process still inside the namespaces, then deletes the
   * namespaces, host-side links and directories. Idempotent and safe after a half-done setup;
   * throws only if a namespace survives.
   */
  async cleanup(): Promise<void> {
    for (const p of this.processes.splice(0)) {
      p.signalGroup('SIGKILL');
      await settlesWithin(p.exited, 5000);
    }
    const leftovers: string[] = [];
    for (const ns of this.namespaces.splice(0)) {
      // Processes not started by spawn() (forked daemons, scripts) would keep the namespace alive.
      const pids = await run('ip', ['netns', 'pids', ns], { allowFailure: true });
      for (const pid of pids.stdout.split(/\s+/).filter(Boolean)) {
        try {
          process.kill(Number(pid), 'SIGKILL');
        } catch {
          // already gone
        }
      }
      const del = await run('ip', ['netns', 'delete', ns], { allowFailure: true });
      if (del.code !== 0 && !/No such file/i.test(del.stderr)) leftovers.push(`${ns}: ${del.stderr.trim()}`);
    }
    for (const link of this.hostLinks.splice(0)) await run('ip', ['link', 'delete', link], { allowFailure: true });
    for (const dir of this.dirs.splice(0)) await rm(dir, { recursive: true, force: true });
    if (leftovers.length > 0) throw new Error(`could not delete namespaces:\n${leftovers.join('\n')}`);
  }
}
