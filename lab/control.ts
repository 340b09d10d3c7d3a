/** The CLI's side of the supervisor's unix-socket API, plus starting and tearing down a lab. */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, statSync } from 'node:fs';
import * as http from 'node:http';
import { resolve } from 'node:path';
import type { FaultRequest } from './faults';
import { labLayout, type LabLayout } from './layout';
import { run } from './netns';
import { processGone } from './node';
import { cmdline, PidRegistry } from './pid-registry';
import type { LabStatus } from './status';
import type { LabState } from './supervisor';

export class LabControlError extends Error {
  override readonly name = 'LabControlError';
}

const LAUNCHER = resolve(__dirname, '..', 'bin', 'eip-lab.cjs');
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function readLabState(layout: LabLayout): LabState | undefined {
  try {
    return JSON.parse(readFileSync(layout.files.state, 'utf8')) as LabState;
  } catch {
    return undefined;
  }
}

export function call<T>(layout: LabLayout, method: 'GET' | 'POST', path: string, body?: unknown, timeoutMs = 120_000): Promise<T> {
  return new Promise((resolvePromise, reject) => {
    const req = http.request({ socketPath: layout.files.controlSocket, method, path, timeout: timeoutMs, headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => {
        try {
          const value = JSON.parse(text) as T & { error?: string };
          if (res.statusCode !== 200) reject(new LabControlError(value.error ?? text));
          else resolvePromise(value);
        } catch {
          reject(new LabControlError(`bad answer from the lab: ${text}`));
        }
      });
    });
    req.on('timeout', () => req.destroy(new LabControlError(`the lab did not answer ${method} ${path} within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

export const fail = (layout: LabLayout, req: FaultRequest) => call<{ atMs: number }>(layout, 'POST', '/fail', req);
export const heal = (layout: LabLayout) => call<{ healed: boolean }>(layout, 'POST', '/heal');

/** The live status, or the shape with `up: false` when no supervisor answers. */
export async function labStatus(layout: LabLayout): Promise<LabStatus> {
  try {
    return await call<LabStatus>(layout, 'GET', '/status', undefined, 20_000);
  } catch {
    const state = readLabState(layout);
    return {
      name: layout.name,
      labDir: layout.dir,
      up: false,
      phase: state && !processGone(state.supervisorPid) ? state.phase : 'down',
      supervisorPid: state?.supervisorPid ?? null,
      eipHolder: null,
      eip: { publicIp: '203.0.113.10', propagationDelayMs: state?.propagationDelayMs ?? 0 },
      cloud: { eventsEndpoint: state?.eventsEndpoint ?? null, reconcileIntervalMs: state?.reconcileIntervalMs ?? null, throttledCallsLeft: 0 },
      gateway: { namespace: layout.namespaces.gateway },
      client: { namespace: layout.namespaces.client, address: '198.51.100.2' },
      faults: [],
      nodes: {} as LabStatus['nodes'],
    };
  }
}

export interface UpOptions {
  readonly name: string;
  readonly root?: string;
  readonly propagationDelayMs: number;
  readonly reconcileIntervalMs: number;
  readonly semiSync: boolean;
  readonly timeoutMs?: number;
  /** Progress lines (the supervisor's log as it grows). */
  readonly progress?: (line: string) => void;
}

/** Starts the supervisor detached and waits until the lab is ready. Idempotent: a ready lab is left as is. */
export async function up(o: UpOptions): Promise<{ alreadyUp: boolean }> {
  const layout = labLayout(o.name, o.root);
  const state = readLabState(layout);
  if (state && !processGone(state.supervisorPid) && state.phase === 'ready') return { alreadyUp: true };
  if (existsSync(layout.dir) || state) await down(o.name, o.root, o.progress); // a half-made or crashed lab
  mkdirSync(layout.dir, { recursive: true, mode: 0o755 });
  const log = openSync(layout.files.supervisorLog, 'a');
  const args = [LAUNCHER, '_supervise', '--name', o.name, '--propagation-delay-ms', String(o.propagationDelayMs), '--reconcile-interval-ms', String(o.reconcileIntervalMs), ...(o.semiSync ? [] : ['--async'])];
  if (o.root) args.push('--root', o.root);
  const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', log, log] });
  closeSync(log);
  child.unref();
  let shown = 0;
  const deadline = Date.now() + (o.timeoutMs ?? 300_000);
  for (;;) {
    await sleep(250);
    const text = readFileSync(layout.files.supervisorLog, 'utf8');
    for (const line of text.slice(shown).split('\n').filter(Boolean)) o.progress?.(line);
    shown = text.length;
    const s = readLabState(layout);
    if (s?.phase === 'ready') return { alreadyUp: false };
    const dead = child.pid === undefined || processGone(child.pid);
    if (s?.phase === 'failed' || dead || Date.now() > deadline) {
      const why = s?.error ?? (dead ? `the supervisor exited; see ${layout.files.supervisorLog}` : 'timed out');
      await down(o.name, o.root);
      throw new LabControlError(`eip-lab up failed: ${why}\n--- supervisor log tail:\n${text.trimEnd().split('\n').slice(-20).join('\n')}`);
    }
  }
}

/**
 * Removes everything of the lab, also after a crash: SIGTERM to the supervisor (it stops what it
 * owns), then SIGKILL to any registered pid still naming the lab, every namespace with the lab's
 * prefix (and whatever runs in it), the host link and the lab directory.
 */
export async function down(name: string, root?: string, progress?: (line: string) => void): Promise<{ removed: string[] }> {
  const layout = labLayout(name, root);
  const removed: string[] = [];
  const registry = new PidRegistry(layout.files.pids);
  const ours = (pid: number) => {
    const cmd = cmdline(pid);
    return cmd.includes(layout.dir) || (cmd.includes('_supervise') && cmd.includes(`--name ${name} `));
  };
  const entries = existsSync(layout.files.pids) ? registry.entries() : [];
  const sup = entries.find((e) => e.label === 'supervisor');
  if (sup && !processGone(sup.pid) && ours(sup.pid)) {
    progress?.(`stopping the supervisor (pid ${sup.pid})`);
    process.kill(sup.pid, 'SIGTERM');
    const deadline = Date.now() + 30_000;
    while (!processGone(sup.pid) && Date.now() < deadline) await sleep(100);
    removed.push(`supervisor ${sup.pid}`);
  }
  for (const e of entries) {
    if (!processGone(e.pid) && ours(e.pid)) {
      try {
        process.kill(e.pid, 'SIGKILL');
        removed.push(`${e.label} ${e.pid}`);
      } catch {
        // gone meanwhile
      }
    }
  }
  const list = await run('ip', ['netns', 'list'], { allowFailure: true });
  for (const ns of list.stdout.split('\n').map((l) => l.split(' ')[0]!).filter((n) => n.startsWith(`${name}-`))) {
    const pids = await run('ip', ['netns', 'pids', ns], { allowFailure: true });
    for (const pid of pids.stdout.split(/\s+/).filter(Boolean)) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // gone
      }
    }
    await run('ip', ['netns', 'delete', ns], { allowFailure: true });
    removed.push(`namespace ${ns}`);
  }
  const link = await run('ip', ['link', 'delete', layout.hostLink], { allowFailure: true });
  if (link.code === 0) removed.push(`link ${layout.hostLink}`);
  if (existsSync(layout.dir) && statSync(layout.dir).isDirectory()) {
    rmSync(layout.dir, { recursive: true, force: true });
    removed.push(`dir ${layout.dir}`);
  }
  return { removed };
}
