/**
 * Test harness: the node side of the pair, for real, on one machine. Two network namespaces
 * (db-a, db-b) joined by a veth pair carry VRRP and replication; each runs a real MariaDB
 * (bootstrapped master-master with `mysql-bootstrap`'s core), a real keepalived with the rendered
 * config whose track script is the real `eip-agent check-mysql`, and the real bundled
 * `eip-agent run` daemon. Only AWS is emulated: a LocalEventBridge on the host (each namespace
 * reaches it over its own veth "uplink") and an EIP ownership file the test writes, playing the
 * failover controller.
 *
 * ```ts
 * const lab = await AgentLab.create('agev');
 * afterAll(() => lab.cleanup());
 * await lab.startDaemon('db-a');
 * await lab.startKeepalived('db-a');
 * await lab.waitForTransition('db-a', 'MASTER');
 * ```
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import example from '../../examples/cluster.json';
import { parseClusterConfig } from '../../lib/config/parse';
import type { ClusterConfig } from '../../lib/config/schema';
import { compareEventOrder, DETAIL_TYPE, parseClusterEvent, type HeartbeatDetail, type StateChangeDetail } from '../../lib/events';
import type { AgentStatus } from '../../node-agent/daemon/status';
import { markerAddress, renderKeepalivedConf } from '../../node-agent/keepalived/render';
import { runBootstrap } from '../../node-agent/mysql/bootstrap';
import { writeLabPasswordFiles } from '../../lab/node';
import { AgentBundle, bundleAgent } from './agent-bundle';
import { envelopeOfAccepted, LocalEventBridge } from './events-endpoint';
import { KeepalivedNode, waitFor } from './keepalived';
import { MariaDbInstance, startMariaDb } from './mariadb';
import { NetnsLab, settlesWithin, SpawnedProcess, unusedSubnet24 } from './netns';

export const NODE_IDS = ['db-a', 'db-b'] as const;
export type NodeId = (typeof NODE_IDS)[number];

/** VRRP and replication network; it exists only inside the two namespaces, so it never collides. */
const PRIVATE_IPS = ['10.97.0.1', '10.97.0.2'] as const;
const MYSQL_PORT = 3306;
export const APP_USER = 'app';
const APP_PASSWORD = 'app-pw';
const ENVELOPE_META = { account: '111122223333', region: example.region };

export type AgentSettings = ClusterConfig['agent'];

export interface AgentLabOptions {
  /** Overrides of the config's agent section (paths are set per node by the lab). */
  readonly agent?: Partial<Omit<AgentSettings, 'notifyFifo' | 'stateDir' | 'keepalivedPidFile'>>;
}

/** One accepted event, as the controller would receive and validate it. */
export interface SeenEvent {
  readonly nodeId: NodeId;
  readonly detailType: string;
  readonly transition: boolean;
  readonly detail: StateChangeDetail | HeartbeatDetail;
  /** Position among all accepted entries (both nodes). */
  readonly index: number;
  readonly acceptedAtMs: number;
}

export interface KeepalivedRun {
  readonly node: KeepalivedNode;
  /** How the run ended: a graceful stop writes STOP to the FIFO, a kill writes nothing. */
  end: 'running' | 'stopped' | 'killed';
}

export interface LabNode {
  readonly id: NodeId;
  readonly netns: string;
  readonly privateIp: string;
  /** The host's end of the node's uplink (the namespace's way to the event endpoint). */
  readonly hostIp: string;
  readonly dir: string;
  readonly configPath: string;
  readonly config: ClusterConfig;
  readonly fifo: string;
  readonly stateDir: string;
  readonly pidFile: string;
  readonly keepalivedConf: string;
  readonly daemonLog: string;
  readonly db: MariaDbInstance;
  readonly keepalivedRuns: KeepalivedRun[];
  daemon: SpawnedProcess | undefined;
}

export interface DaemonStatus extends AgentStatus {
  readonly running: boolean;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const tail = (text: string, lines: number) => text.trimEnd().split('\n').slice(-lines).join('\n');

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

export class AgentLab {
  readonly nodes: Record<NodeId, LabNode>;
  /** The emulated controller's EIP association: `{"holderNodeId": ...}`. */
  readonly eipFile: string;
  private readonly dbs: MariaDbInstance[];

  private constructor(
    readonly lab: NetnsLab,
    readonly bundle: AgentBundle,
    readonly endpoint: LocalEventBridge,
    readonly workDir: string,
    nodes: LabNode[],
    /** Where both namespaces reach the endpoint. */
    readonly endpointHost: string,
  ) {
    this.nodes = { 'db-a': nodes[0]!, 'db-b': nodes[1]! };
    this.eipFile = join(workDir, 'eip.json');
    this.dbs = nodes.map((n) => n.db);
  }

  /**
   * Builds the agent, the namespaces, both databases (bootstrapped, replicating both ways, both
   * read_only), the configs and keepalived confs, the endpoint and an EIP file saying "nowhere".
   * Starts no daemon and no keepalived. On failure everything made so far is removed.
   */
  static async create(prefix: string, options: AgentLabOptions = {}): Promise<AgentLab> {
    const lab = new NetnsLab(prefix);
    let endpoint: LocalEventBridge | undefined;
    const bundling = bundleAgent();
    bundling.catch(() => undefined); // awaited below, or in the clean-up
    const dbs: MariaDbInstance[] = [];
    try {
      const namespaces = [await lab.createNamespace(), await lab.createNamespace()];
      await lab.connect(
        { netns: namespaces[0], name: 'eth-a', address: `${PRIVATE_IPS[0]}/24` },
        { netns: namespaces[1], name: 'eth-b', address: `${PRIVATE_IPS[1]}/24` },
      );
      // Two /30 uplinks in a free 10.98.x.0/24: node i gets host .(4i+1) and namespace .(4i+2).
      const uplinkNet = await unusedSubnet24('10.98');
      const hostIps = [`${uplinkNet}.1`, `${uplinkNet}.5`];
      for (const [i, netns] of namespaces.entries()) {
        await lab.connect({ name: lab.uniqueName(), address: `${hostIps[i]}/30` }, { netns, name: 'uplink', address: `${uplinkNet}.${4 * i + 2}/30` });
      }
      // The endpoint listens on db-a's uplink address only; db-b reaches it through its own uplink.
      await lab.exec(namespaces[1], 'ip', ['route', 'add', `${hostIps[0]}/32`, 'via', hostIps[1]!]);
      endpoint = new LocalEventBridge({ host: hostIps[0] });
      const workDir = await lab.tempDir();
      const passwords = writeLabPasswordFiles(workDir);
      const dropIns = NODE_IDS.map((id) => join(workDir, `${id}-60-eip-failover.cnf`));
      for (const f of dropIns) writeFileSync(f, '[mariadb]\n');
      const started = await Promise.allSettled(
        NODE_IDS.map((id, i) =>
          startMariaDb({ name: `${prefix}-${id}`, netns: namespaces[i], bindAddress: PRIVATE_IPS[i], port: MYSQL_PORT, defaultsFile: dropIns[i] }),
        ),
      );
      for (const s of started) if (s.status === 'fulfilled') dbs.push(s.value);
      for (const s of started) if (s.status === 'rejected') throw s.reason;

      // The track script: the real check-mysql of the bundle, through a root-owned 0755 wrapper
      // (keepalived's script security refuses anything others could replace).
      const bundle = await bundling;
      const agentWrapper = await lab.fixtureScript('eip-agent', `#!/bin/sh\nexec ${process.execPath} ${bundle.file} "$@"\n`);

      const nodes: LabNode[] = [];
      for (const [i, id] of NODE_IDS.entries()) {
        const dir = join(workDir, id);
        mkdirSync(dir);
        const doc = structuredClone(example) as Record<string, unknown> & typeof example;
        const node = {
          id,
          netns: namespaces[i]!,
          privateIp: PRIVATE_IPS[i]!,
          hostIp: hostIps[i]!,
          dir,
          configPath: join(dir, 'cluster.json'),
          fifo: join(dir, 'run', 'keepalived.fifo'),
          stateDir: join(dir, 'state'),
          pidFile: join(dir, 'keepalived.pid'),
          keepalivedConf: join(dir, 'keepalived.conf'),
          daemonLog: join(dir, 'agent.log'),
          db: dbs[i]!,
          keepalivedRuns: [],
          daemon: undefined,
        };
        mkdirSync(join(dir, 'run'));
        // Each node's copy of the cluster config differs only where one machine must tell the
        // two nodes apart (socket, FIFO, state dir, pid file).
        const nodeDoc = {
          ...doc,
          nodes: doc.nodes.map((n, j) => ({ ...n, privateIp: PRIVATE_IPS[j], interface: j === 0 ? 'eth-a' : 'eth-b' })),
          // A tolerant track script: `eip-agent check-mysql` is a fresh node process every second
          // per node (about 0.6 s of CPU each); on a loaded 2-core machine single runs were seen
          // to exceed the default 3 s timeout and even 9 s, and a FAULT from a slow health check
          // is not what these tests are about (test/integration/vrrp-pair.test.ts covers FAULT).
          // keepalived's timeout is the deadline + 1 s; FAULT needs `fall` failures in a row.
          vrrp: { ...doc.vrrp, healthCheckFall: 10 },
          mysql: { ...doc.mysql, port: MYSQL_PORT, socket: node.db.socket, ...passwords, semiSyncTimeoutMs: 1000, healthCheckDeadlineMs: 15000 },
          agent: {
            ...doc.agent,
            heartbeatIntervalSec: 2,
            eipPollIntervalMs: 200,
            dbHeartbeatIntervalMs: 250,
            fencingEipWaitMs: 1000,
            fencingCatchUpWaitMs: 3000,
            ...options.agent,
            notifyFifo: node.fifo,
            stateDir: node.stateDir,
            keepalivedPidFile: node.pidFile,
          },
        };
        const config = parseClusterConfig(nodeDoc);
        writeFileSync(node.configPath, JSON.stringify(nodeDoc, null, 2));
        writeFileSync(node.keepalivedConf, renderKeepalivedConf(config, id, { agentPath: agentWrapper.path, configPath: node.configPath }));
        nodes.push({ ...node, config });
      }

      for (const [i, node] of nodes.entries()) {
        await runBootstrap({
          config: node.config,
          nodeId: node.id,
          admin: { socket: node.db.socket },
          dropInPath: dropIns[i]!,
          overrides: { bindAddress: node.privateIp },
          restartServer: () => node.db.restart(),
        });
      }
      await endpoint.start();
      const agentLab = new AgentLab(lab, bundle, endpoint, workDir, nodes, hostIps[0]!);
      agentLab.setEip(null);
      for (const node of nodes) {
        await waitFor(`replication into ${node.id}`, () => agentLab.replicating(node.id), 20000, () => node.db.logTail());
      }
      return agentLab;
    } catch (err) {
      await endpoint?.close();
      await Promise.all(dbs.map((db) => db.cleanup()));
      await lab.cleanup().catch(() => undefined);
      (await bundling.catch(() => undefined))?.cleanup();
      throw err;
    }
  }

  private async replicating(id: NodeId): Promise<boolean> {
    const [s] = await this.nodes[id].db.query<Record<string, string>>('SHOW SLAVE STATUS').catch(() => []);
    return s?.Slave_IO_Running === 'Yes' && s.Slave_SQL_Running === 'Yes';
  }

  peerOf(id: NodeId): NodeId {
    return id === 'db-a' ? 'db-b' : 'db-a';
  }

  // ---- keepalived -------------------------------------------------------------------------

  /** Starts the node's keepalived (never reading its FIFO: the daemon must be the only reader). */
  async startKeepalived(id: NodeId): Promise<KeepalivedNode> {
    const n = this.nodes[id];
    if (n.keepalivedRuns.at(-1)?.end === 'running') throw new Error(`${id}: keepalived is already running`);
    const node = await KeepalivedNode.start({
      lab: this.lab,
      netns: n.netns,
      confPath: n.keepalivedConf,
      notifyFifo: n.fifo,
      workDir: n.dir,
      label: `${id}-keepalived`,
      marker: markerAddress(n.config),
      readFifo: false,
      pidFile: n.pidFile,
      startTimeoutMs: 15000,
    });
    n.keepalivedRuns.push({ node, end: 'running' });
    return node;
  }

  keepalived(id: NodeId): KeepalivedNode {
    const last = this.nodes[id].keepalivedRuns.at(-1);
    if (!last || last.end !== 'running') throw new Error(`${id}: keepalived is not running`);
    return last.node;
  }

  /** Graceful stop (SIGTERM): keepalived writes STOP to the FIFO and sends a priority-0 advert. */
  async stopKeepalived(id: NodeId): Promise<void> {
    const runEntry = this.nodes[id].keepalivedRuns.at(-1)!;
    await this.keepalived(id).stop();
    runEntry.end = 'stopped';
  }

  /** Crash: SIGKILL to keepalived's whole process group; nothing reaches the FIFO. */
  async killKeepalived(id: NodeId): Promise<void> {
    const runEntry = this.nodes[id].keepalivedRuns.at(-1)!;
    await this.keepalived(id).kill();
    runEntry.end = 'killed';
  }

  /**
   * The FIFO lines keepalived wrote for this node so far, reconstructed independently of the
   * daemon from keepalived's own logs: every "Entering X STATE", plus STOP for a graceful stop.
   */
  keepalivedStates(id: NodeId): string[] {
    return this.nodes[id].keepalivedRuns.flatMap((r) => [...r.node.logStates(), ...(r.end === 'stopped' ? ['STOP'] : [])]);
  }

  // ---- the agent daemon -------------------------------------------------------------------

  /** Starts `eip-agent run` inside the node's namespace and waits for its first status file. */
  async startDaemon(id: NodeId): Promise<SpawnedProcess> {
    const n = this.nodes[id];
    if (n.daemon && !n.daemon.hasExited()) throw new Error(`${id}: the daemon is already running`);
    writeFileSync(n.daemonLog, `--- daemon start ${new Date().toISOString()}\n`, { flag: 'a' });
    const env = [
      '-u',
      'AWS_PROFILE',
      '-u',
      'AWS_ENDPOINT_URL',
      '-u',
      'AWS_CONFIG_FILE',
      '-u',
      'AWS_SHARED_CREDENTIALS_FILE',
      'AWS_ACCESS_KEY_ID=AKIDLOCALTEST',
      'AWS_SECRET_ACCESS_KEY=local-secret',
      'AWS_EC2_METADATA_DISABLED=true',
      `AWS_ENDPOINT_URL_EVENTBRIDGE=http://${this.endpointHost}:${this.endpoint.port}`,
    ];
    const args = ['run', '--config', n.configPath, '--node', id, '--eip-source', `file:${this.eipFile}`];
    const daemon = this.lab.spawn(n.netns, 'env', [...env, process.execPath, this.bundle.file, ...args], { logFile: n.daemonLog });
    n.daemon = daemon;
    await waitFor(
      `${id}: the daemon's first status`,
      () => {
        if (daemon.hasExited()) throw new Error(`${id}: the daemon exited during start\n${this.describe()}`);
        return this.statusFile(id)?.pid === daemon.pid;
      },
      15000,
      () => this.describe(),
    );
    return daemon;
  }

  /** SIGTERM, as `systemctl stop` sends; resolves with the exit once the daemon is gone. */
  async stopDaemon(id: NodeId, timeoutMs = 10000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    const daemon = this.nodes[id].daemon;
    if (!daemon || daemon.hasExited()) throw new Error(`${id}: the daemon is not running`);
    daemon.child.kill('SIGTERM');
    if (!(await settlesWithin(daemon.exited, timeoutMs))) {
      daemon.signalGroup('SIGKILL');
      throw new Error(`${id}: the daemon did not exit within ${timeoutMs} ms of SIGTERM\n${this.describe()}`);
    }
    return daemon.exited;
  }

  /** status.json as the daemon last wrote it (undefined before the first). */
  statusFile(id: NodeId): AgentStatus | undefined {
    const text = readText(join(this.nodes[id].stateDir, 'status.json'));
    try {
      return text ? (JSON.parse(text) as AgentStatus) : undefined;
    } catch {
      return undefined; // never half-written (atomic rename), but be safe
    }
  }

  /** `eip-agent status --json`, run in the node's namespace like an operator would. */
  async status(id: NodeId): Promise<{ code: number | null; status: DaemonStatus; stderr: string }> {
    const n = this.nodes[id];
    const out = await this.lab.exec(n.netns, process.execPath, [this.bundle.file, 'status', '--config', n.configPath, '--json'], {
      allowFailure: true,
      timeoutMs: 20000,
    });
    let status: DaemonStatus;
    try {
      status = JSON.parse(out.stdout) as DaemonStatus;
    } catch {
      throw new Error(`${id}: eip-agent status --json printed no JSON (exit ${out.code}):\n${out.stdout}${out.stderr}`);
    }
    return { code: out.code, status, stderr: out.stderr };
  }

  /** The daemon's JSON log lines (all runs), parsed. */
  daemonLogLines(id: NodeId): Record<string, unknown>[] {
    return readText(this.nodes[id].daemonLog)
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  }

  // ---- the emulated controller: the EIP --------------------------------------------------

  /** Moves the emulated EIP (atomically: the daemons never read half a file). */
  setEip(holder: NodeId | null): void {
    const tmp = `${this.eipFile}.tmp`;
    writeFileSync(tmp, JSON.stringify({ holderNodeId: holder }));
    renameSync(tmp, this.eipFile);
  }

  // ---- events ------------------------------------------------------------------------------

  /**
   * Every accepted entry, validated as the controller validates it (schema, cluster, node,
   * instance, source). A single invalid entry fails the test.
   */
  events(nodeId?: NodeId): SeenEvent[] {
    const config = this.nodes['db-a'].config;
    const all = this.endpoint.accepted.map((entry, index): SeenEvent => {
      const parsed = parseClusterEvent(envelopeOfAccepted(entry, ENVELOPE_META), config);
      if (!parsed.ok) throw new Error(`accepted entry ${index} is not a valid agent event (${parsed.reason}: ${parsed.message}): ${entry.detail}`);
      if (entry.eventBusName !== config.eventBus.name) throw new Error(`entry ${index} went to bus ${entry.eventBusName}`);
      const { detail, detailType } = parsed.event;
      return {
        nodeId: detail.nodeId as NodeId,
        detailType,
        transition: detailType === DETAIL_TYPE.stateChange,
        detail,
        index,
        acceptedAtMs: entry.acceptedAtMs,
      };
    });
    return nodeId ? all.filter((e) => e.nodeId === nodeId) : all;
  }

  transitions(nodeId: NodeId): SeenEvent[] {
    return this.events(nodeId).filter((e) => e.transition);
  }

  /** The states of the node's accepted transitions, in arrival order. */
  transitionStates(nodeId: NodeId): string[] {
    return this.transitions(nodeId).map((e) => e.detail.state);
  }

  /** Resolves with the first accepted transition to `state` after `after` accepted transitions of the node. */
  waitForTransition(nodeId: NodeId, state: string, options: { after?: number; timeoutMs?: number } = {}): Promise<SeenEvent> {
    const after = options.after ?? 0;
    return waitFor(
      `${nodeId}: an accepted ${state} event (after ${after} transitions)`,
      () => this.transitions(nodeId).slice(after).find((e) => e.detail.state === state),
      options.timeoutMs ?? 15000,
      () => this.describe(),
    );
  }

  /**
   * The ordering contract of docs/events.md, checked on what the endpoint accepted for one node:
   * transitions arrive exactly once, in (epoch, seq) order, and each travels alone: every event
   * of the node accepted before a transition is older than it, every one accepted after is newer.
   * Returns a list of violations (empty when the contract holds).
   */
  orderViolations(nodeId: NodeId): string[] {
    const events = this.events(nodeId);
    const problems: string[] = [];
    const key = (e: SeenEvent) => `(${e.detail.epoch}, ${e.detail.seq}) ${e.detail.state}`;
    events.forEach((e, i) => {
      if (!e.transition) return;
      if (events.some((o, j) => j !== i && compareEventOrder(o.detail, e.detail) === 0)) problems.push(`transition ${key(e)} accepted more than once`);
      for (const before of events.slice(0, i)) {
        if (compareEventOrder(before.detail, e.detail) > 0) problems.push(`${key(before)} was accepted before the older transition ${key(e)}`);
      }
      for (const later of events.slice(i + 1)) {
        if (compareEventOrder(later.detail, e.detail) < 0) problems.push(`${key(later)} was accepted after the newer transition ${key(e)}`);
      }
    });
    return problems;
  }

  // ---- the databases -----------------------------------------------------------------------

  async readOnly(id: NodeId): Promise<boolean> {
    const [row] = await this.nodes[id].db.query<{ ro: unknown }>('SELECT @@GLOBAL.read_only AS ro');
    return Number(row?.ro) === 1;
  }

  /** Creates the application's account and table on the writer (replicated to the peer). */
  async createApp(writer: NodeId): Promise<void> {
    const db = this.nodes[writer].db;
    await db.query('CREATE DATABASE IF NOT EXISTS app');
    await db.query('CREATE TABLE IF NOT EXISTS app.items (id INT AUTO_INCREMENT PRIMARY KEY, origin VARCHAR(8) NOT NULL)');
    await db.query(`CREATE USER IF NOT EXISTS ${APP_USER}@localhost IDENTIFIED BY '${APP_PASSWORD}'`);
    await db.query(`GRANT SELECT, INSERT ON app.* TO ${APP_USER}@localhost`);
  }

  /**
   * A write by the application's account (no READ ONLY ADMIN, so read_only stops it). Resolves
   * 'ok' or the MariaDB errno (1290: read_only).
   */
  async appInsert(id: NodeId): Promise<'ok' | number> {
    const db = this.nodes[id].db;
    const conn = await mysql.createConnection({ socketPath: db.socket, user: APP_USER, password: APP_PASSWORD, connectTimeout: 5000 }).catch(async (err: Error) => {
      const accounts = await db.query(`SELECT User, Host, plugin FROM mysql.global_priv WHERE User = ?`, [APP_USER]).catch((e: Error) => e.message);
      throw new Error(`${id}: the application cannot log in (${err.message}); its accounts there: ${JSON.stringify(accounts)}\n${this.describe()}`);
    });
    try {
      await conn.query({ sql: 'INSERT INTO app.items (origin) VALUES (?)', values: [id], timeout: 5000 });
      return 'ok';
    } catch (err) {
      const errno = (err as { errno?: number }).errno;
      if (typeof errno !== 'number') throw err;
      return errno;
    } finally {
      conn.destroy();
    }
  }

  // ---- diagnostics and cleanup -------------------------------------------------------------

  /** Everything worth reading when a wait fails: keepalived, daemon and MariaDB log tails, the endpoint. */
  describe(lines = 15): string {
    const parts: string[] = [];
    for (const n of Object.values(this.nodes)) {
      for (const r of n.keepalivedRuns.slice(-2)) parts.push(`${r.node.describe(lines)} (${r.end})`);
      parts.push(`--- daemon ${n.id} (${n.daemon ? (n.daemon.hasExited() ? 'exited' : `pid ${n.daemon.pid}`) : 'never started'}), log tail:\n${tail(readText(n.daemonLog), lines)}`);
      parts.push(`--- mariadb ${n.id}, log tail:\n${n.db.logTail(8)}`);
    }
    const byNode = NODE_IDS.map((id) => {
      try {
        return `${id}: [${this.events(id).map((e) => `${e.detail.seq}${e.transition ? e.detail.state : 'h'}`).join(' ')}]`;
      } catch (err) {
        return `${id}: ${(err as Error).message}`;
      }
    });
    const outcomes = this.endpoint.requests.slice(-8).map((r) => r.outcome);
    parts.push(`--- endpoint (${this.endpoint.listening ? `listening, mode ${this.endpoint.mode.kind}` : 'stopped'}), last outcomes [${outcomes.join(', ')}], accepted:\n${byNode.join('\n')}`);
    return parts.join('\n');
  }

  /** Stops every process, removes the databases, namespaces and files. Safe after a failed setup. */
  async cleanup(): Promise<void> {
    for (const n of Object.values(this.nodes)) {
      if (n.daemon && !n.daemon.hasExited()) await this.stopDaemon(n.id).catch(() => undefined);
      for (const r of n.keepalivedRuns) await r.node.close().catch(() => undefined);
    }
    await this.endpoint.close();
    await Promise.all(this.dbs.map((db) => db.cleanup()));
    try {
      await this.lab.cleanup();
    } finally {
      this.bundle.cleanup();
    }
  }

  /** Polls `probe` for `ms` and returns every value it gave (for "stays so" checks). */
  static async sample<T>(ms: number, probe: () => Promise<T>, everyMs = 200): Promise<T[]> {
    const values: T[] = [];
    const end = Date.now() + ms;
    do {
      values.push(await probe());
      await sleep(everyMs);
    } while (Date.now() < end);
    return values;
  }
}
