/**
 * Test harness: one real keepalived (VRRP only) inside a network namespace, observed through its
 * `vrrp_notify_fifo` (ordered `INSTANCE "<name>" <STATE> <prio>` lines) and the marker address it
 * puts on `lo` while MASTER. Several instances can run on one host: each gets its own pid files,
 * log file and FIFO.
 *
 * ```ts
 * const node = await KeepalivedNode.start({ lab, netns, confPath, notifyFifo, workDir, label: 'db-a' });
 * await node.waitForState('MASTER', { timeoutMs: 8000 });
 * await node.stop(); // SIGTERM: keepalived sends a priority-0 advert and writes STOP
 * ```
 */
import { constants, existsSync, openSync, readFileSync, rmSync } from 'node:fs';
import { Socket } from 'node:net';
import { join } from 'node:path';
import { NetnsLab, SpawnedProcess, run, settlesWithin } from './netns';

/** One line of the notify FIFO, stamped when the test read it. */
export interface VrrpTransition {
  readonly instance: string;
  /** BACKUP, MASTER, FAULT, STOP or MASTER_RX_LOWER_PRI. */
  readonly state: string;
  readonly priority: number;
  /** Date.now() when the line arrived. */
  readonly atMs: number;
}

export interface KeepalivedStartOptions {
  readonly lab: NetnsLab;
  readonly netns: string;
  readonly confPath: string;
  /** The `vrrp_notify_fifo` of that conf. Created here when missing, so reading never races startup. */
  readonly notifyFifo: string;
  /** Where pid files and the log go. */
  readonly workDir: string;
  /** Names files and error messages, e.g. the node id. */
  readonly label: string;
  /** The address keepalived adds to `lo` while MASTER (render.ts markerAddress), e.g. '169.254.255.51/32'. */
  readonly marker?: string;
  /** How long start() waits for the first transition. @default 10000 */
  readonly startTimeoutMs?: number;
  /**
   * Read the notify FIFO to observe transitions. @default true. Pass false when another process
   * (the agent daemon) must be the FIFO's only reader: the FIFO is then left alone (keepalived
   * creates it if it is missing), `transitions` stays empty, and start() waits for keepalived's
   * log to report a first state instead (`logStates()` lists them).
   */
  readonly readFifo?: boolean;
  /**
   * keepalived's main pid file. @default a new file per start under workDir. Give a fixed path
   * when something watches it across restarts (the agent daemon's --keepalived-pid-file).
   */
  readonly pidFile?: string;
}

export interface WaitOptions {
  /** @default 10000 */
  readonly timeoutMs?: number;
  /** Only transitions at this index or later count (pass `node.transitions.length` taken before acting). */
  readonly after?: number;
  /** More text for the failure message, e.g. the peer's `describe()`. */
  readonly context?: () => string;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const FIFO_LINE = /^INSTANCE "([^"]+)" (\S+) (\d+)$/;
/** keepalived's log line for a state change, e.g. `(eip_orders_db) Entering MASTER STATE (init)`. */
const LOG_STATE = /\) Entering (\w+) STATE/g;
let starts = 0;

/**
 * Polls `probe` every 50 ms until it returns a value other than undefined/false. On timeout it
 * rejects with `what` and the text from `context()` (e.g. keepalived log tails).
 */
export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs: number,
  context: () => string = () => '',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() >= deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${context()}`);
    await sleep(50);
  }
}

/** True when the process no longer exists or is a zombie (a zombie holds no sockets). */
function processGone(pid: number): boolean {
  try {
    return /^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

export class KeepalivedNode {
  /** Every FIFO transition so far, in the order keepalived wrote them. */
  readonly transitions: VrrpTransition[] = [];
  readonly logPath: string;
  /** keepalived's main pid file (what `eip-agent apply --keepalived-pid-file` signals). */
  readonly pidFile: string;
  private readonly vrrpPidFile: string;
  private process: SpawnedProcess | undefined;
  private fifo: Socket | undefined;
  private createdFifo = false;

  private constructor(readonly options: KeepalivedStartOptions) {
    const base = join(options.workDir, `${options.label}-${++starts}`);
    this.logPath = `${base}.log`;
    this.pidFile = options.pidFile ?? `${base}.pid`;
    this.vrrpPidFile = `${base}.vrrp.pid`;
  }

  /** Starts keepalived and resolves once it has written its first state (normally BACKUP). */
  static async start(options: KeepalivedStartOptions): Promise<KeepalivedNode> {
    const node = new KeepalivedNode(options);
    try {
      const readFifo = options.readFifo ?? true;
      if (readFifo) await node.openFifo();
      node.process = options.lab.spawn(
        options.netns,
        'keepalived',
        // Foreground parent (--dont-fork), VRRP child only, own pid files, log to the console (our file).
        ['-f', options.confPath, '--dont-fork', '--log-console', '--log-detail', '--no-syslog', '--vrrp', '-p', node.pidFile, '-r', node.vrrpPidFile],
        { logFile: node.logPath },
      );
      const firstState = readFifo ? () => node.transitions[0]?.state : () => node.logStates()[0];
      await node.waitFor<string>('a first VRRP state', firstState, options.startTimeoutMs ?? 10000);
      return node;
    } catch (err) {
      await node.close();
      throw err;
    }
  }

  /** The latest state keepalived reported; undefined before the first line. */
  get state(): string | undefined {
    return this.transitions.at(-1)?.state;
  }

  /** The states reported since index `after`, e.g. ['BACKUP', 'MASTER']. */
  statesSince(after = 0): string[] {
    return this.transitions.slice(after).map((t) => t.state);
  }

  get running(): boolean {
    return this.process !== undefined && !this.process.hasExited();
  }

  /** Resolves with the first transition to `state` (at index `after` or later). */
  waitForState(state: string, options: WaitOptions = {}): Promise<VrrpTransition> {
    const after = options.after ?? 0;
    const found = () => this.transitions.slice(after).find((t) => t.state === state);
    return this.waitFor(`state ${state}`, found, options.timeoutMs ?? 10000, options.context);
  }

  /** Whether the marker address is on `lo` in this node's namespace right now. */
  async hasMarker(): Promise<boolean> {
    const marker = this.options.marker;
    if (!marker) throw new Error(`${this.options.label}: no marker address was given to start()`);
    const out = await run('ip', ['-n', this.options.netns, '-4', '-o', 'addr', 'show', 'dev', 'lo']);
    return out.stdout.includes(` ${marker} `);
  }

  /** keepalived's log (console output) so far; '' before it exists. */
  log(): string {
    try {
      return readFileSync(this.logPath, 'utf8');
    } catch {
      return '';
    }
  }

  /** The states keepalived's log reports entering, in order (BACKUP, MASTER, FAULT; not STOP). */
  logStates(): string[] {
    return [...this.log().matchAll(LOG_STATE)].map((m) => m[1]!);
  }

  /** The last lines of keepalived's log and the FIFO states, for failure messages. */
  describe(lines = 25): string {
    const log = this.log().trimEnd().split('\n').slice(-lines).join('\n') || '(no log)';
    const states = this.options.readFifo === false ? `log states [${this.logStates().join(', ')}]` : `states [${this.statesSince().join(', ')}]`;
    return `--- keepalived ${this.options.label}: ${states}, log tail:\n${log}`;
  }

  /** Graceful stop: SIGTERM to the parent, as `systemctl stop` does; waits for it to exit. */
  async stop(timeoutMs = 10000): Promise<void> {
    const p = this.process;
    if (!p || p.hasExited()) return;
    p.child.kill('SIGTERM');
    if (!(await settlesWithin(p.exited, timeoutMs))) {
      p.signalGroup('SIGKILL');
      throw new Error(`${this.options.label}: keepalived ignored SIGTERM for ${timeoutMs} ms\n${this.describe()}`);
    }
  }

  /**
   * Crash: SIGKILL to the whole process group at once. Killing only the parent is NOT a crash:
   * the VRRP child gets SIGTERM from the parent-death signal and still sends its priority-0 advert.
   */
  async kill(): Promise<void> {
    const p = this.process;
    if (!p) return;
    const vrrpPid = this.readPid(this.vrrpPidFile);
    p.signalGroup('SIGKILL');
    await p.exited;
    if (vrrpPid !== undefined) {
      await waitFor(`${this.options.label}: VRRP child ${vrrpPid} to die`, () => processGone(vrrpPid), 5000, () => this.describe());
    }
  }

  /** Kills keepalived if still running and releases the FIFO; idempotent, for afterEach. */
  async close(): Promise<void> {
    try {
      if (this.running) await this.kill();
    } finally {
      // An open FIFO handle would keep jest from exiting.
      this.fifo?.destroy();
      this.fifo = undefined;
      if (this.createdFifo) rmSync(this.options.notifyFifo, { force: true });
      this.createdFifo = false;
    }
  }

  private readPid(file: string): number | undefined {
    try {
      return Number(readFileSync(file, 'utf8').trim()) || undefined;
    } catch {
      return undefined;
    }
  }

  private waitFor<T>(what: string, probe: () => T | undefined | false, timeoutMs: number, context?: () => string): Promise<T> {
    return waitFor(
      `${this.options.label}: ${what}`,
      () => {
        const value = probe();
        if (value === undefined || value === false) {
          if (this.process?.hasExited()) throw new Error(`${this.options.label}: keepalived exited while waiting for ${what}\n${this.describe()}`);
        }
        return value;
      },
      timeoutMs,
      () => [this.describe(), context?.()].filter(Boolean).join('\n'),
    );
  }

  /**
   * keepalived opens the FIFO read-write and keeps it open, so lines queue until read. We open
   * it read-write and non-blocking too: the open never blocks and we never see EOF when
   * keepalived stops, so one reader follows the node across restarts.
   */
  private async openFifo(): Promise<void> {
    const path = this.options.notifyFifo;
    if (!existsSync(path)) {
      await run('mkfifo', ['-m', '0600', path]);
      this.createdFifo = true;
    }
    const fd = openSync(path, constants.O_RDWR | constants.O_NONBLOCK);
    this.fifo = new Socket({ fd, readable: true, writable: false });
    let pending = '';
    this.fifo.setEncoding('utf8');
    this.fifo.on('data', (chunk: string) => {
      const lines = (pending + chunk).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        const m = FIFO_LINE.exec(line.trim());
        if (m) this.transitions.push({ instance: m[1]!, state: m[2]!, priority: Number(m[3]), atMs: Date.now() });
      }
    });
    this.fifo.on('error', () => undefined); // destroy() during close may surface EBADF/EAGAIN
  }
}
