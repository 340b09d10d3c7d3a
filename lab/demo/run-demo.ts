/**
 * One measured failover: the client writes through the EIP, the writer fails, the report says
 * what the client saw and when each stage happened. Used by `eip-lab demo`, the e2e tests and
 * the bench. The lab must be up; the writer is whoever holds the EIP.
 */
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import mysql from 'mysql2/promise';
import { fail, heal, labStatus } from '../control';
import type { Fault } from '../faults';
import { pairHealthProblems } from '../invariants';
import { readJournal } from '../journal';
import type { LabLayout, LabNodeId } from '../layout';
import { waitUntil } from '../node';
import { buildReport, type DemoReport } from './report';
import { timelineSvg } from './svg';
import type { WriteAttempt } from './writer-client';

const LAUNCHER = resolve(__dirname, '..', '..', 'bin', 'eip-lab.cjs');
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class DemoError extends Error {
  override readonly name = 'DemoError';
}

export interface DemoOptions {
  readonly fault: Fault;
  readonly healAfter?: boolean;
  readonly progress?: (line: string) => void;
  /** How long to wait for the first write after the fault. @default 60000 */
  readonly recoveryTimeoutMs?: number;
}

export interface DemoResult {
  readonly report: DemoReport;
  readonly dir: string;
}

function readAttempts(file: string): WriteAttempt[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as WriteAttempt);
}

/** Waits until the pair is healthy (see pairHealthProblems); on timeout says what was still wrong. */
export async function waitHealthy(layout: LabLayout, timeoutMs = 90_000): Promise<LabNodeId> {
  let last: string[] = [];
  try {
    return await waitUntil(
      'a healthy pair',
      async () => {
        const s = await labStatus(layout);
        last = pairHealthProblems(s);
        return last.length === 0 ? (s.eipHolder ?? undefined) : undefined;
      },
      timeoutMs,
      500,
    );
  } catch (err) {
    throw new DemoError(`${(err as Error).message}; still wrong: ${last.join('; ')}`);
  }
}

export async function runDemo(layout: LabLayout, o: DemoOptions): Promise<DemoResult> {
  const say = o.progress ?? (() => undefined);
  const status = await labStatus(layout);
  if (!status.up) throw new DemoError(`lab ${layout.name} is not up`);
  if (status.faults.length) await heal(layout);
  say('waiting for a healthy pair');
  const writer = await waitHealthy(layout);
  const semiSync = JSON.parse(readFileSync(layout.files.state, 'utf8')).semiSync as boolean;
  const runId = `demo-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  const dir = join(layout.dir, 'demo', runId);
  mkdirSync(dir, { recursive: true });
  const clientOut = join(dir, 'client.jsonl');
  writeFileSync(clientOut, '');
    const fd = openSync(clientOut, 'a');
  const client = spawn('ip', ['netns', 'exec', layout.namespaces.client, process.execPath, LAUNCHER, '_client', '--run', runId], { stdio: ['ignore', fd, 'inherit'] });
  closeSync(fd);
  const clientExited = new Promise<void>((r) => client.on('exit', () => r()));
  try {
    say(`client writing through the EIP from ${layout.namespaces.client}; warming up`);
    await waitUntil('20 acknowledged writes before the fault', () => readAttempts(clientOut).filter((a) => a.ok).length >= 20, 60_000, 100);
    say(`failing the writer ${writer}: ${o.fault}`);
    const { atMs: faultAtMs } = await fail(layout, { fault: o.fault, node: writer });
    await waitUntil(
      'the EIP to move and a write to be acknowledged after that',
      () => {
        const moved = readJournal(layout.files.journal, faultAtMs).find((e) => e.kind === 'eip-moved');
        return moved !== undefined && readAttempts(clientOut).some((a) => a.ok && a.atMs > moved.atMs);
      },
      o.recoveryTimeoutMs ?? 60_000,
      100,
    );
    say('writes are flowing again; a little more traffic, then the tally');
    await sleep(1500);
  } finally {
    client.kill('SIGTERM');
    await Promise.race([clientExited, sleep(5000)]);
  }
  const after = await labStatus(layout);
  const newWriter = after.eipHolder;
  const attempts = readAttempts(clientOut);
  const faultAtMs = readJournal(layout.files.journal).filter((e) => e.kind === 'fault').at(-1)!.atMs;
  const presentIds = new Set<number>();
  if (newWriter) {
    // Rows on the new writer (over its socket, as root): an acked id missing there is lost.
    const conn = await mysql.createConnection({ socketPath: join(layout.node(newWriter).mysqlDir, 'mysqld.sock'), user: 'root' });
    try {
      const [rows] = await conn.query('SELECT id FROM app.writes WHERE run = ?', [runId]);
      for (const r of rows as Array<{ id: number | string }>) presentIds.add(Number(r.id));
    } finally {
      conn.destroy();
    }
  }
  const report = buildReport({ fault: o.fault, failedNode: writer, attempts, journal: readJournal(layout.files.journal, faultAtMs - 60_000), faultAtMs, presentIds, newWriter, propagationDelayMs: after.eip.propagationDelayMs, semiSync });
  writeFileSync(join(dir, 'report.json'), JSON.stringify(report, null, 2));
  writeFileSync(join(dir, 'timeline.svg'), timelineSvg(report));
  if (o.healAfter ?? true) {
    say('healing the failed node');
    await heal(layout);
  }
  return { report, dir };
}
