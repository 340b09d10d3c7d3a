/**
 * Runs the real bundled agent (`eip-agent run`) against a LocalEventBridge, writes VRRP
 * transition lines into its notify FIFO and times each line to the moment the endpoint accepts
 * the matching event. No keepalived, no database (mysql.socket points nowhere: its view is "down").
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, constants, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseClusterConfig } from '../lib/config/parse';
import type { ClusterConfig } from '../lib/config/schema';
import { DETAIL_TYPE, type StateChangeDetail } from '../lib/events/schema';
import { vrrpInstanceName } from '../node-agent/keepalived/render';
import { bundleAgent } from '../test/helpers/agent-bundle';
import { LocalEventBridge, type AcceptedEntry } from '../test/helpers/events-endpoint';
import { AcceptedFeed } from './accepted-feed';
import type { BenchContext } from './types';

export const NODE_ID = 'db-a';
const EXAMPLE_CONFIG = join(__dirname, '../examples/cluster.json');
const LOG_DIR = join(__dirname, 'out');

export interface TransitionSample {
  readonly state: 'MASTER' | 'BACKUP';
  readonly seq: number;
  /** FIFO write to endpoint acceptance (performance clock). */
  readonly totalMs: number;
  /** FIFO write to the agent reading the line (its transitionAtMs; whole ms, wall clock). */
  readonly readMs: number;
}

export interface FifoRun {
  readonly samples: TransitionSample[];
  /** The last transition as the agent sent it: the CLI baseline posts exactly this. */
  readonly lastEntry: AcceptedEntry;
  readonly config: ClusterConfig;
  readonly logFile: string;
  /** File system of the state dir (the spool fsyncs every event there), e.g. "ext4". */
  readonly stateFsType: string;
}

function benchConfig(dir: string): ClusterConfig {
  const doc = JSON.parse(readFileSync(EXAMPLE_CONFIG, 'utf8')) as Record<string, Record<string, unknown>>;
  doc.mysql = { ...doc.mysql, socket: join(dir, 'no-such-mysqld.sock') };
  doc.agent = { ...doc.agent, notifyFifo: join(dir, 'keepalived.fifo'), stateDir: join(dir, 'state'), keepalivedPidFile: join(dir, 'keepalived.pid') };
  writeFileSync(join(dir, 'cluster.json'), JSON.stringify(doc, null, 2));
  return parseClusterConfig(doc, 'bench config');
}

/** Env for an AWS client that must only talk to the local endpoint with dummy credentials. */
export function localAwsEnv(dir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: dir,
    AWS_ACCESS_KEY_ID: 'AKIDBENCHDUMMY000000',
    AWS_SECRET_ACCESS_KEY: 'bench-dummy-secret',
    AWS_CONFIG_FILE: join(dir, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(dir, 'no-aws-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    ...extra,
  };
}

function fsTypeOf(dir: string): string {
  try {
    return execFileSync('df', ['--output=fstype', dir], { encoding: 'utf8' }).trim().split('\n').at(-1)!.trim();
  } catch {
    return 'unknown';
  }
}

async function stopDaemon(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

export async function measureFifoToAccepted(ctx: BenchContext, count: number): Promise<FifoRun> {
  const dir = mkdtempSync(join(tmpdir(), 'eip-bench-agent-'));
  mkdirSync(LOG_DIR, { recursive: true });
  const logFile = join(LOG_DIR, 'agent-daemon.log');
  const feed = new AcceptedFeed();
  const endpoint = new LocalEventBridge({ onEntries: feed.record });
  const bundle = await bundleAgent();
  let child: ChildProcess | undefined;
  let fifoFd: number | undefined;
  try {
    await endpoint.start();
    const config = benchConfig(dir);
    const eipFile = join(dir, 'eip.json');
    writeFileSync(eipFile, JSON.stringify({ holderNodeId: NODE_ID }));
    // A live pid stands in for keepalived, so the daemon runs as on a node where keepalived is up.
    writeFileSync(config.agent.keepalivedPidFile, `${process.pid}\n`);
    const logFd = openSync(logFile, 'w');
    const args = [bundle.file, 'run', '--config', join(dir, 'cluster.json'), '--node', NODE_ID, '--eip-source', `file:${eipFile}`];
    child = spawn(process.execPath, args, { env: localAwsEnv(dir, { AWS_ENDPOINT_URL_EVENTBRIDGE: endpoint.url }), stdio: ['ignore', logFd, logFd] });
    closeSync(logFd);
    const died = new Promise<never>((_, reject) => child!.once('exit', (code, sig) => reject(new Error(`eip-agent exited (${code ?? sig}) early; see ${logFile}`))));
    died.catch(() => undefined);
    ctx.progress(`agent started (pid ${child.pid}), waiting for its first heartbeat at ${endpoint.url}`);
    await Promise.race([feed.next((e) => e.detailType === DETAIL_TYPE.heartbeat, 15_000, 'first heartbeat'), died]);

    fifoFd = openSync(config.agent.notifyFifo, constants.O_WRONLY | constants.O_NONBLOCK);
    const instance = vrrpInstanceName(config);
    const priority = config.nodes.find((n) => n.id === NODE_ID)!.priority;
    const samples: TransitionSample[] = [];
    let lastSeq = 0;
    let lastEntry: AcceptedEntry | undefined;
    for (let i = 0; i < count; i++) {
      const state = i % 2 === 0 ? 'MASTER' : 'BACKUP';
      const line = `INSTANCE "${instance}" ${state} ${priority}\n`;
      const wallMs = Date.now();
      const t0 = performance.now();
      writeSync(fifoFd, line);
      const isNext = (e: AcceptedEntry) => e.detailType === DETAIL_TYPE.stateChange && (JSON.parse(e.detail) as StateChangeDetail).seq > lastSeq;
      const got = await Promise.race([feed.next(isNext, 5000, `transition ${i + 1} (${state})`), died]);
      const detail = JSON.parse(got.entry.detail) as StateChangeDetail;
      if (detail.state !== state) throw new Error(`transition ${i + 1}: wrote ${state}, the next accepted event says ${detail.state} (seq ${detail.seq})`);
      samples.push({ state, seq: detail.seq, totalMs: got.atPerfMs - t0, readMs: detail.transitionAtMs - wallMs });
      lastSeq = detail.seq;
      lastEntry = got.entry;
      if ((i + 1) % 25 === 0) ctx.progress(`${i + 1}/${count} transitions timed`);
      await sleep(50 + Math.random() * 50); // transitions are seconds apart in life; jitter avoids locking to the agent's 1 s timers
    }
    const transitions = endpoint.accepted.filter((e) => e.detailType === DETAIL_TYPE.stateChange).length;
    if (transitions !== count) throw new Error(`the endpoint accepted ${transitions} transitions for ${count} lines written`);
    return { samples, lastEntry: lastEntry!, config, logFile, stateFsType: fsTypeOf(dir) };
  } finally {
    if (fifoFd !== undefined) closeSync(fifoFd);
    if (child) await stopDaemon(child);
    await endpoint.close();
    bundle.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
}
