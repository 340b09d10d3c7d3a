/**
 * One lab node: its MariaDB (bootstrapped by the real `eip-agent mysql-bootstrap`), keepalived
 * (config from the real `eip-agent apply`) and the real `eip-agent run` daemon, all inside the
 * node's namespace. Owned by the supervisor process; faults stop and start these pieces.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import example from '../examples/cluster.json';
import { parseClusterConfig } from '../lib/config/parse';
import type { ClusterConfig } from '../lib/config/schema';
import type { AgentStatus } from '../node-agent/daemon/status';
import { ADDR, LAB_NODE_IDS, type LabLayout, type LabNodeId, type NodeFiles } from './layout';
import { MariaDbInstance, startMariaDb } from './mariadb';
import { NetnsLab, settlesWithin, type SpawnedProcess } from './netns';
import type { PidRegistry } from './pid-registry';

export class LabNodeError extends Error {
  override readonly name = 'LabNodeError';
}

/** Agent and MySQL timings for a loaded 2-core machine (see test/helpers/agent-lab.ts for why). */
export interface LabTuning {
  readonly semiSync: boolean;
  readonly agent?: Record<string, unknown>;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function waitUntil<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs: number, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new LabNodeError(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** The lab's (throw-away) database passwords, as the 0600 files the config names. */
export function writeLabPasswordFiles(dir: string) {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const secret = (name: string, value: string) => {
    const file = `${dir}/${name}`;
    writeFileSync(file, `${value}\n`, { mode: 0o600 });
    return file;
  };
  return {
    healthCheckPasswordFile: secret('health.password', 'health-pw'),
    replicationPasswordFile: secret('repl.password', 'repl-pw'),
    probePasswordFile: secret('probe.password', 'probe-pw'),
  };
}

/** Writes each node's copy of the cluster config (they differ only in socket, FIFO, state dir, pid file). */
export function writeNodeConfigs(layout: LabLayout, secretsDir: string, tuning: LabTuning): Record<LabNodeId, ClusterConfig> {
  const passwords = writeLabPasswordFiles(secretsDir);
  const out = {} as Record<LabNodeId, ClusterConfig>;
  for (const id of LAB_NODE_IDS) {
    const f = layout.node(id);
    mkdirSync(`${f.dir}/run`, { recursive: true });
    const doc = {
      ...example,
      nodes: example.nodes.map((n) => ({ ...n, privateIp: ADDR.nodes[n.id as LabNodeId], eipPrivateIp: ADDR.eipTargets[n.id as LabNodeId], interface: 'eth0' })),
      mysql: {
        ...example.mysql,
        port: ADDR.mysqlPort,
        socket: `${f.mysqlDir}/mysqld.sock`,
        ...passwords,
        semiSync: tuning.semiSync,
        // The first commit on a new writer waits this long for the dead peer before going async: it adds to the downtime.
        semiSyncTimeoutMs: 500,
        // keepalived's track-script timeout follows it; a fresh node process per second per node
        // was seen to exceed 3 s on a loaded 2-core machine, and two misses mean FAULT.
        healthCheckDeadlineMs: 8000,
      },
      agent: {
        ...example.agent,
        heartbeatIntervalSec: 2,
        eipPollIntervalMs: 200,
        dbHeartbeatIntervalMs: 250,
        fencingEipWaitMs: 1000,
        fencingCatchUpWaitMs: 3000,
        ...tuning.agent,
        notifyFifo: f.fifo,
        stateDir: f.stateDir,
        keepalivedPidFile: f.keepalivedPid,
      },
    };
    out[id] = parseClusterConfig(doc);
    writeFileSync(f.config, JSON.stringify(doc, null, 2));
  }
  return out;
}

export class LabNode {
  readonly files: NodeFiles;
  readonly netns: string;
  readonly privateIp: string;
  /** Where MariaDB listens: the primary address (the peer, the probes) and the EIP's address (clients). */
  private readonly bindAddress: string;
  db: MariaDbInstance | undefined;
  private keepalived: SpawnedProcess | undefined;
  private daemon: SpawnedProcess | undefined;
  powered = true;

  constructor(
    readonly id: LabNodeId,
    private readonly lab: NetnsLab,
    private readonly layout: LabLayout,
    private readonly pids: PidRegistry,
    private readonly agent: { readonly bundle: string; readonly wrapper: string; readonly eventsUrl: () => string },
  ) {
    this.files = layout.node(id);
    this.netns = layout.namespaces.nodes[id];
    this.privateIp = ADDR.nodes[id];
    this.bindAddress = `${this.privateIp},${ADDR.eipTargets[id]}`;
  }

  /** The real eip-agent CLI in this node's namespace. */
  async agentCli(args: string[], timeoutMs = 120_000) {
    return this.lab.exec(this.netns, process.execPath, [this.agent.bundle, ...args], { allowFailure: true, timeoutMs });
  }

  async startDb(): Promise<void> {
    if (this.db?.running) return;
    if (!this.db) {
      if (!existsSync(this.files.dropIn)) writeFileSync(this.files.dropIn, '[mariadb]\n');
      this.db = await startMariaDb({ name: this.id, dir: this.files.mysqlDir, netns: this.netns, bindAddress: this.bindAddress, port: ADDR.mysqlPort, defaultsFile: this.files.dropIn,
        // The lab has no DNS server: a reverse lookup of the client's address would hang every login.
        serverOptions: { 'skip-name-resolve': true },
      });
    } else await this.db.start();
    this.pids.record(`${this.id}-mysqld`, this.db.pid);
  }

  async killDb(): Promise<void> {
    await this.db?.kill();
  }

  /** `eip-agent mysql-bootstrap`; when start-only settings changed (exit 3) restart MariaDB and run it again. */
  async bootstrap(): Promise<void> {
    const args = ['mysql-bootstrap', '--config', this.files.config, '--node', this.id, '--socket', this.db!.socket, '--drop-in', this.files.dropIn, '--bind-address', this.bindAddress];
    for (let round = 1; round <= 3; round++) {
      const out = await this.agentCli(args);
      writeFileSync(`${this.files.dir}/mysql-bootstrap.log`, `--- round ${round} exit ${out.code}\n${out.stdout}${out.stderr}`, { flag: 'a' });
      if (out.code === 0) return;
      if (out.code !== 3) throw new LabNodeError(`${this.id}: eip-agent mysql-bootstrap failed (exit ${out.code}):\n${out.stderr}${out.stdout}`);
      await this.db!.restart();
      this.pids.record(`${this.id}-mysqld`, this.db!.pid);
    }
    throw new LabNodeError(`${this.id}: mysql-bootstrap still wants a restart after 3 rounds`);
  }

  /** `eip-agent apply`: renders keepalived.conf with the real check-mysql track script and config-tests it. */
  async applyKeepalived(): Promise<void> {
    const f = this.files;
    const out = await this.agentCli([
      'apply', '--config', f.config, '--node', this.id, '--keepalived-conf', f.keepalivedConf, '--keepalived-pid-file', f.keepalivedPid,
      '--agent-path', this.agent.wrapper, '--node-config-path', f.config,
    ]);
    if (out.code !== 0) throw new LabNodeError(`${this.id}: eip-agent apply failed (exit ${out.code}):\n${out.stderr}${out.stdout}`);
  }

  get keepalivedRunning(): boolean {
    return this.keepalived !== undefined && !this.keepalived.hasExited();
  }

  get daemonRunning(): boolean {
    return this.daemon !== undefined && !this.daemon.hasExited();
  }

  async startKeepalived(): Promise<void> {
    if (this.keepalivedRunning) return;
    const f = this.files;
    for (const p of [f.keepalivedPid, f.keepalivedVrrpPid]) rmSync(p, { force: true });
    writeFileSync(f.keepalivedLog, `--- keepalived start ${new Date().toISOString()}\n`, { flag: 'a' });
    // Foreground parent, VRRP child only, our own pid files, log to the console (our file).
    this.keepalived = this.lab.spawn(
      this.netns,
      'keepalived',
      ['-f', f.keepalivedConf, '--dont-fork', '--log-console', '--log-detail', '--no-syslog', '--vrrp', '-p', f.keepalivedPid, '-r', f.keepalivedVrrpPid],
      { logFile: f.keepalivedLog },
    );
    this.pids.record(`${this.id}-keepalived`, this.keepalived.pid);
  }

  /** Graceful: SIGTERM, keepalived writes STOP and sends a priority-0 advert. */
  async stopKeepalived(): Promise<void> {
    const k = this.keepalived;
    if (!k || k.hasExited()) return;
    k.child.kill('SIGTERM');
    if (!(await settlesWithin(k.exited, 10_000))) k.signalGroup('SIGKILL');
  }

  /**
   * Crash: SIGKILL to keepalived's whole process group. Killing only the parent is not a crash:
   * its VRRP child gets the parent-death signal and still sends its priority-0 advert.
   */
  async killKeepalived(): Promise<void> {
    const k = this.keepalived;
    if (!k || k.hasExited()) return;
    const vrrp = Number(readText(this.files.keepalivedVrrpPid).trim()) || undefined;
    k.signalGroup('SIGKILL');
    await k.exited;
    if (vrrp) await waitUntil(`${this.id}: VRRP child ${vrrp} gone`, () => processGone(vrrp), 5000, 20);
  }

  async startDaemon(): Promise<void> {
    if (this.daemonRunning) return;
    const f = this.files;
    writeFileSync(f.agentLog, `--- daemon start ${new Date().toISOString()}\n`, { flag: 'a' });
    const env = [
      '-u', 'AWS_PROFILE', '-u', 'AWS_ENDPOINT_URL', '-u', 'AWS_CONFIG_FILE', '-u', 'AWS_SHARED_CREDENTIALS_FILE',
      'AWS_ACCESS_KEY_ID=AKIDLOCALLAB', 'AWS_SECRET_ACCESS_KEY=local-lab-secret', 'AWS_EC2_METADATA_DISABLED=true',
      `AWS_ENDPOINT_URL_EVENTBRIDGE=${this.agent.eventsUrl()}`,
    ];
    const args = ['run', '--config', f.config, '--node', this.id, '--eip-source', `file:${this.layout.files.eipFile}`];
    const daemon = this.lab.spawn(this.netns, 'env', [...env, process.execPath, this.agent.bundle, ...args], { logFile: f.agentLog });
    this.daemon = daemon;
    this.pids.record(`${this.id}-agent`, daemon.pid);
    await waitUntil(`${this.id}: the agent's first status`, () => {
      if (daemon.hasExited()) throw new LabNodeError(`${this.id}: the agent exited during start; see ${f.agentLog}`);
      return this.agentStatus()?.pid === daemon.pid;
    }, 20_000);
  }

  async stopDaemon(): Promise<void> {
    const d = this.daemon;
    if (!d || d.hasExited()) return;
    d.child.kill('SIGTERM');
    if (!(await settlesWithin(d.exited, 10_000))) d.signalGroup('SIGKILL');
  }

  async killDaemon(): Promise<void> {
    const d = this.daemon;
    if (!d || d.hasExited()) return;
    d.signalGroup('SIGKILL');
    await d.exited;
  }

  /** Power-off: every process of the node dies at once (the caller also cuts its link). */
  async powerOff(): Promise<void> {
    this.powered = false;
    await Promise.all([this.killKeepalived(), this.killDaemon(), this.killDb()]);
    // Anything else in the namespace (a running track script) dies with the machine too.
    const left = await this.lab.exec(undefined, 'ip', ['netns', 'pids', this.netns], { allowFailure: true });
    for (const pid of left.stdout.split(/\s+/).filter(Boolean)) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // gone already
      }
    }
  }

  /** Starts whatever is not running (database first: the agent and check-mysql need it). */
  async ensureRunning(): Promise<void> {
    this.powered = true;
    await this.startDb();
    await this.startDaemon();
    await this.startKeepalived();
  }

  agentStatus(): AgentStatus | undefined {
    const text = readText(`${this.files.stateDir}/status.json`);
    try {
      return text ? (JSON.parse(text) as AgentStatus) : undefined;
    } catch {
      return undefined;
    }
  }

  async dbView(): Promise<LabDbView> {
    const db = this.db;
    const down: LabDbView = { up: false, readOnly: null, replicationRunning: null, replicationProblem: null };
    if (!db?.running) return down;
    try {
      const [ro] = await db.query<{ ro: unknown }>('SELECT @@GLOBAL.read_only AS ro', [], 2000);
      const [s] = await db.query<Record<string, string>>('SHOW SLAVE STATUS', [], 2000);
      const running = s ? s.Slave_IO_Running === 'Yes' && s.Slave_SQL_Running === 'Yes' : false;
      return { up: true, readOnly: Number(ro?.ro) === 1, replicationRunning: running, replicationProblem: running ? null : replicationProblem(s) };
    } catch {
      return down;
    }
  }

  async close(): Promise<void> {
    await this.stopDaemon().catch(() => undefined);
    await this.killKeepalived().catch(() => undefined);
    await this.db?.stop(15_000).catch(() => undefined);
  }
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** True when the process no longer exists or is a zombie (a zombie holds no sockets). */
export function processGone(pid: number): boolean {
  try {
    return /^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

export interface LabDbView {
  readonly up: boolean;
  readonly readOnly: boolean | null;
  readonly replicationRunning: boolean | null;
  /** Why replication does not run, from SHOW SLAVE STATUS (thread states and last errors). */
  readonly replicationProblem: string | null;
}

function replicationProblem(s: Record<string, string> | undefined): string {
  if (!s) return 'no replication channel';
  const thread = (name: string, running: string, errno: string, error: string) =>
    running === 'Yes' ? null : `${name} ${running}${Number(errno) ? ` (error ${errno}: ${error})` : ''}`;
  return [thread('IO', s.Slave_IO_Running ?? '?', s.Last_IO_Errno ?? '0', s.Last_IO_Error ?? ''), thread('SQL', s.Slave_SQL_Running ?? '?', s.Last_SQL_Errno ?? '0', s.Last_SQL_Error ?? '')]
    .filter((x) => x !== null)
    .join(', ');
}
