/**
 * The supervisor's handle on the probe process: bundled (esbuild, like the agent) and started in
 * the gateway namespace once the pair is up, where a Lambda in the pair's VPC would run; stopped
 * with the lab. A bundle, not tsx: it starts in a fraction of the time and memory.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import type { LabLayout } from '../layout';
import { settlesWithin, type NetnsLab, type SpawnedProcess } from '../netns';
import type { PidRegistry } from '../pid-registry';
import { probeFiles } from './files';
import { LAB_PROBE_CONNECT_TIMEOUT_MS, LAB_PROBE_EVERY_MS } from './settings';

export class LabProbeProcess {
  private proc: SpawnedProcess | undefined;

  constructor(
    private readonly lab: NetnsLab,
    private readonly layout: LabLayout,
    private readonly pids: PidRegistry,
    readonly everyMs = LAB_PROBE_EVERY_MS,
  ) {}

  get running(): boolean {
    return this.proc !== undefined && !this.proc.hasExited();
  }

  async start(): Promise<void> {
    if (this.running) return;
    const binDir = join(this.layout.dir, 'bin');
    mkdirSync(binDir, { recursive: true });
    const bundle = join(binDir, 'eip-lab-probe.cjs');
    await build({ entryPoints: [resolve(__dirname, 'main.ts')], outfile: bundle, bundle: true, platform: 'node', target: 'node20', format: 'cjs', legalComments: 'none', logLevel: 'warning' });
    // The bundle's path names the lab directory: `eip-lab down` finds the process by it after a crash.
    const args = [bundle, '--lab-dir', this.layout.dir, '--every-ms', String(this.everyMs), '--connect-timeout-ms', String(LAB_PROBE_CONNECT_TIMEOUT_MS)];
    this.proc = this.lab.spawn(this.layout.namespaces.gateway, process.execPath, args, { logFile: probeFiles(this.layout).log });
    this.pids.record('probe', this.proc.pid);
  }

  /** SIGTERM ends the loop after the round in flight (a few seconds at most); SIGKILL if it does not. */
  async stop(): Promise<void> {
    const p = this.proc;
    if (!p || p.hasExited()) return;
    p.child.kill('SIGTERM');
    if (!(await settlesWithin(p.exited, 4 * LAB_PROBE_CONNECT_TIMEOUT_MS + 2_000))) p.signalGroup('SIGKILL');
  }
}
