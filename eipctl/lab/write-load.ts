/**
 * The lab's writer client during a switchover, measured as `eip-lab demo` measures a failover:
 * the same client (`eip-lab _client`: a numbered INSERT every 50 ms through the EIP, reconnect on
 * any error) and the same tally (lab/demo/report.ts: the longest gap between acknowledged writes
 * around the event; acknowledged ids missing on the new writer are lost).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildReport } from '../../lab/demo/report';
import type { WriteAttempt } from '../../lab/demo/writer-client';
import { readJournal } from '../../lab/journal';
import type { LabLayout, LabNodeId } from '../../lab/layout';
import { withSession } from '../../node-agent/db/session';
import { EipctlError } from '../errors';
import type { Progress, WriteLoad, WriteLoadResult } from '../ports';

const LAB_LAUNCHER = resolve(__dirname, '..', '..', 'bin', 'eip-lab.cjs');
const WARM_UP_WRITES = 20;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export const labSocket = (layout: LabLayout, nodeId: string) => join(layout.node(nodeId as LabNodeId).mysqlDir, 'mysqld.sock');

export class LabWriteLoad implements WriteLoad {
  private readonly runId = `eipctl-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  private readonly out: string;
  private client: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();

  constructor(
    private readonly layout: LabLayout,
    private readonly semiSync: boolean,
    private readonly propagationDelayMs: number,
  ) {
    const dir = join(layout.dir, 'eipctl', this.runId);
    mkdirSync(dir, { recursive: true });
    this.out = join(dir, 'client.jsonl');
  }

  private attempts(): WriteAttempt[] {
    return readFileSync(this.out, 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as WriteAttempt);
  }

  private async waitFor(what: string, timeoutMs: number, done: (a: WriteAttempt[]) => boolean): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done(this.attempts())) {
      if (Date.now() > deadline) throw new EipctlError(`the lab's writer client: timed out after ${timeoutMs} ms waiting for ${what} (see ${this.out})`);
      await sleep(50);
    }
  }

  async start(progress: Progress): Promise<void> {
    writeFileSync(this.out, '');
    const fd = openSync(this.out, 'a');
    const client = spawn('ip', ['netns', 'exec', this.layout.namespaces.client, process.execPath, LAB_LAUNCHER, '_client', '--run', this.runId], { stdio: ['ignore', fd, 'inherit'] });
    closeSync(fd);
    this.client = client;
    this.exited = new Promise((r) => client.on('exit', () => r()));
    progress(`client writing through the EIP from ${this.layout.namespaces.client} (run ${this.runId}); warming up`);
    await this.waitFor(`${WARM_UP_WRITES} acknowledged writes`, 30_000, (a) => {
      if (!this.running) throw new EipctlError(`the lab's writer client exited during its warm-up (see ${this.out})`);
      return a.filter((x) => x.ok).length >= WARM_UP_WRITES;
    });
  }

  async finish(o: { fencedAtMs: number; from: string; to: string; writer: string }): Promise<WriteLoadResult> {
    // Writes are back once one is acknowledged after the move (or, rolled back, after the fence).
    const moved = () => readJournal(this.layout.files.journal, o.fencedAtMs).find((e) => e.kind === 'eip-moved')?.atMs ?? o.fencedAtMs;
    // A client that died (Ctrl-C reaches its process group too) is tallied as far as it got.
    await this.waitFor('a write acknowledged after the switchover', 15_000, (a) => !this.running || a.some((x) => x.ok && x.atMs > moved()));
    await sleep(300);
    await this.stop();
    const present = new Set<number>();
    const rows = await withSession({ user: 'root', password: '', socket: labSocket(this.layout, o.writer) }, 5000, 'acknowledged ids on the new writer', (s) =>
      s.rows<{ id: unknown }>('SELECT id FROM app.writes WHERE run = ?', [this.runId]),
    );
    for (const r of rows) present.add(Number(r.id));
    const report = buildReport({
      fault: 'switchover',
      failedNode: o.from,
      attempts: this.attempts(),
      journal: readJournal(this.layout.files.journal, o.fencedAtMs - 60_000),
      faultAtMs: o.fencedAtMs,
      presentIds: present,
      newWriter: o.writer,
      propagationDelayMs: this.propagationDelayMs,
      semiSync: this.semiSync,
    });
    return { downtimeMs: report.downtimeMs, ackedWrites: report.ackedWrites, lostAckedWrites: report.lostAckedWrites, lostAckedIds: report.lostAckedIds };
  }

  private get running(): boolean {
    return this.client !== undefined && this.client.exitCode === null && this.client.signalCode === null;
  }

  async stop(): Promise<void> {
    if (!this.client || !this.running) return;
    this.client.kill('SIGTERM');
    await Promise.race([this.exited, sleep(5000)]);
  }
}
