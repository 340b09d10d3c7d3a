/**
 * The lab's long-running process (`eip-lab up` starts it detached): builds the topology, owns
 * the node processes and the cloud, and answers the CLI over a unix socket in the lab dir
 * (GET /status, POST /fail, POST /heal). SIGTERM stops everything it started.
 */
import { chmodSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import { join } from 'node:path';
import { build, type BuildOptions } from 'esbuild';
import type { ClusterConfig } from '../lib/config/schema';
import { LabCloud } from './cloud/cloud';
import { writeEipFile } from './cloud/lab-ec2';
import { FaultInjector, type FaultRequest } from './faults';
import { GatewayNft } from './gateway-nft';
import { Journal } from './journal';
import { LAB_NODE_IDS, labLayout, type LabLayout, type LabNodeId } from './layout';
import { NetnsLab } from './netns';
import { LabNode, waitUntil, writeNodeConfigs } from './node';
import { PidRegistry } from './pid-registry';
import { LabProbeProcess } from './probe/process';
import { collectStatus, type LabStatus } from './status';
import { buildTopology } from './topology';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const agentBuildOptions = require('../scripts/agent-build-options.cjs') as (outfile: string) => BuildOptions;

export interface SupervisorOptions {
  readonly name: string;
  readonly root?: string;
  readonly propagationDelayMs: number;
  readonly reconcileIntervalMs: number;
  readonly semiSync: boolean;
}

/** lab.json: what `up` waits for and `status` starts from. */
export interface LabState {
  readonly name: string;
  readonly labDir: string;
  readonly supervisorPid: number;
  readonly phase: 'starting' | 'ready' | 'failed' | 'stopping';
  readonly error?: string;
  readonly eventsEndpoint?: string;
  readonly propagationDelayMs: number;
  readonly reconcileIntervalMs: number;
  readonly semiSync: boolean;
}

export const APP = { user: 'app', password: 'app-pw', database: 'app', table: 'writes' } as const;

function writeJson(file: string, value: unknown): void {
  writeFileSync(`${file}.tmp`, JSON.stringify(value, null, 2));
  renameSync(`${file}.tmp`, file);
}

export class Supervisor {
  readonly layout: LabLayout;
  readonly journal: Journal;
  readonly lab = new NetnsLab('lab');
  readonly pids: PidRegistry;
  nodes!: Record<LabNodeId, LabNode>;
  cloud!: LabCloud;
  nft!: GatewayNft;
  faults!: FaultInjector;
  config!: ClusterConfig;
  /** The probe (lab/probe/), in the gateway namespace; started once the pair is up. */
  probe: LabProbeProcess | undefined;
  private server: http.Server | undefined;
  private state: LabState;

  constructor(private readonly o: SupervisorOptions) {
    this.layout = labLayout(o.name, o.root);
    mkdirSync(join(this.layout.dir, 'cloud'), { recursive: true });
    chmodSync(this.layout.dir, 0o755);
    this.journal = new Journal(this.layout.files.journal);
    this.pids = new PidRegistry(this.layout.files.pids);
    this.pids.record('supervisor', process.pid);
    this.state = { name: o.name, labDir: this.layout.dir, supervisorPid: process.pid, phase: 'starting', propagationDelayMs: o.propagationDelayMs, reconcileIntervalMs: o.reconcileIntervalMs, semiSync: o.semiSync };
    this.saveState();
  }

  private saveState(patch: Partial<LabState> = {}): void {
    this.state = { ...this.state, ...patch };
    writeJson(this.layout.files.state, this.state);
  }

  private progress(message: string): void {
    console.log(`[${new Date().toISOString()}] ${message}`);
  }

  async start(): Promise<void> {
    try {
      await this.build();
      this.saveState({ phase: 'ready', eventsEndpoint: this.cloud.eventsEndpoint });
      this.progress('lab ready');
    } catch (err) {
      this.saveState({ phase: 'failed', error: (err as Error).stack ?? String(err) });
      this.progress(`lab failed: ${(err as Error).message}`);
      await this.stop();
      throw err;
    }
  }

  private async build(): Promise<void> {
    const { layout } = this;
    this.progress('building the agent bundle');
    const binDir = join(layout.dir, 'bin');
    mkdirSync(binDir, { recursive: true, mode: 0o755 });
    const bundle = join(binDir, 'eip-agent.cjs');
    await build(agentBuildOptions(bundle));
    // keepalived's script security runs only root-owned scripts in dirs others cannot write.
    writeFileSync(layout.files.agentBin, `#!/bin/sh\nexec ${process.execPath} ${bundle} "$@"\n`, { mode: 0o755 });
    chmodSync(layout.files.agentBin, 0o755);

    this.progress('creating namespaces and links');
    const link = await buildTopology(this.lab, layout);
    this.nft = new GatewayNft(this.lab, layout.namespaces.gateway);
    await this.nft.install(link.hostIp);
    await this.nft.setTarget(null);
    writeEipFile(layout.files.eipFile, null);

    const configs = writeNodeConfigs(layout, join(layout.dir, 'secrets'), { semiSync: this.o.semiSync });
    this.config = configs['db-a'];
    let cloudUrl = '';
    const agent = { bundle, wrapper: layout.files.agentBin, eventsUrl: () => cloudUrl };
    this.nodes = Object.fromEntries(LAB_NODE_IDS.map((id) => [id, new LabNode(id, this.lab, layout, this.pids, agent)])) as Record<LabNodeId, LabNode>;

    this.progress('starting the cloud (PutEvents endpoint, rule, controller, reconcile tick)');
    this.cloud = new LabCloud({
      config: this.config,
      host: link.hostIp,
      nft: this.nft,
      eipFile: layout.files.eipFile,
      stateFile: layout.files.controllerState,
      logFile: layout.files.cloudLog,
      journal: this.journal,
      propagationDelayMs: this.o.propagationDelayMs,
      reconcileIntervalMs: this.o.reconcileIntervalMs,
      instanceState: (id) => (this.nodes[id as LabNodeId]?.powered === false ? 'stopped' : 'running'),
    });
    await this.cloud.start();
    cloudUrl = this.cloud.eventsEndpoint;
    this.faults = new FaultInjector(this.lab, layout, this.nodes, this.nft, this.cloud, this.journal);
    await this.listen();

    this.progress('starting MariaDB on both nodes');
    await Promise.all(LAB_NODE_IDS.map((id) => this.nodes[id].startDb()));
    for (const id of LAB_NODE_IDS) {
      this.progress(`${id}: eip-agent mysql-bootstrap`);
      await this.nodes[id].bootstrap();
    }
    for (const id of LAB_NODE_IDS) {
      await waitUntil(`${id}: replication running`, async () => (await this.nodes[id].dbView()).replicationRunning, 30_000, 250);
    }
    for (const id of LAB_NODE_IDS) {
      this.progress(`${id}: eip-agent apply (keepalived.conf)`);
      await this.nodes[id].applyKeepalived();
    }
    for (const id of LAB_NODE_IDS) {
      this.progress(`${id}: starting the agent daemon and keepalived`);
      await this.nodes[id].startDaemon();
      await this.nodes[id].startKeepalived();
    }
    this.progress('waiting for the first election, the controller to associate the EIP and the holder to unfence');
    const holder = await waitUntil(
      'a writable EIP holder',
      async () => {
        const id = (await this.cloud.ec2.holderNodeId()) as LabNodeId | null;
        return id && (await this.nodes[id].dbView()).readOnly === false ? id : undefined;
      },
      90_000,
      250,
    );
    this.progress(`EIP on ${holder}; creating the application's account and table`);
    const db = this.nodes[holder].db!;
    await db.query(`CREATE DATABASE IF NOT EXISTS ${APP.database}`);
    await db.query(`CREATE TABLE IF NOT EXISTS ${APP.database}.${APP.table} (run VARCHAR(40) NOT NULL, id BIGINT NOT NULL, at_ms BIGINT NOT NULL, PRIMARY KEY (run, id))`);
    await db.query(`CREATE USER IF NOT EXISTS ${APP.user}@'%' IDENTIFIED BY '${APP.password}'`);
    await db.query(`GRANT SELECT, INSERT, DELETE ON ${APP.database}.* TO ${APP.user}@'%'`);
    this.progress('starting the probe in the gateway namespace (every 10 s; eip-lab status shows its latest round)');
    this.probe = new LabProbeProcess(this.lab, layout, this.pids);
    await this.probe.start();
  }

  status(): Promise<LabStatus> {
    return collectStatus(this);
  }

  private async listen(): Promise<void> {
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const reply = (status: number, value: unknown) => {
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(JSON.stringify(value));
        };
        const work = async () => {
          if (req.method === 'GET' && req.url === '/status') return this.status();
          if (this.state.phase !== 'ready') throw new Error(`the lab is ${this.state.phase}`);
          if (req.method === 'POST' && req.url === '/fail') return this.faults.inject(JSON.parse(body) as FaultRequest);
          if (req.method === 'POST' && req.url === '/heal') return this.faults.heal().then(() => ({ healed: true }));
          throw new Error(`no such call: ${req.method} ${req.url}`);
        };
        work().then(
          (v) => reply(200, v),
          (err: Error) => reply(400, { error: err.message }),
        );
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.layout.files.controlSocket, resolve);
    });
    this.server = server;
  }

  /** Stops every process and removes the namespaces (the CLI's `down` removes the files). */
  async stop(): Promise<void> {
    this.saveState({ phase: 'stopping' });
    this.server?.close();
    await this.probe?.stop().catch(() => undefined);
    await this.cloud?.stop().catch(() => undefined);
    if (this.nodes) await Promise.all(Object.values(this.nodes).map((n) => n.close()));
    await this.lab.cleanup().catch((err: Error) => this.progress(`cleanup: ${err.message}`));
  }
}

export async function runSupervisor(options: SupervisorOptions): Promise<void> {
  const sup = new Supervisor(options);
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`[${new Date().toISOString()}] ${signal}: stopping the lab`);
    sup.stop().finally(() => process.exit(0));
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  try {
    await sup.start();
  } catch {
    process.exit(1);
  }
}

