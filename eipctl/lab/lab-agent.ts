/**
 * The agent's switchover commands on a lab node: the lab's own agent build (`<labDir>/bin/eip-agent`,
 * the one its daemons run) inside the node's namespace with the node's config, as SSM Run Command
 * does on AWS. `ip netns exec` and the wrapper both exec, so a signal reaches the agent itself.
 */
import { spawn } from 'node:child_process';
import type { LabLayout, LabNodeId } from '../../lab/layout';
import type { TakeoverReport } from '../../node-agent/switchover/takeover';
import type { YieldReport } from '../../node-agent/switchover/yield';
import { EipctlError } from '../errors';
import type { NodeAgentPort, Progress, YieldRequest } from '../ports';

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export class LabNodeAgent implements NodeAgentPort {
  constructor(private readonly layout: LabLayout) {}

  private run(nodeId: string, args: readonly string[], o: { abort?: AbortSignal; progress?: Progress } = {}): Promise<Run> {
    const id = nodeId as LabNodeId;
    const ns = this.layout.namespaces.nodes[id];
    if (!ns) throw new EipctlError(`no lab node "${nodeId}"`);
    const node = this.layout.node(id);
    const child = spawn('ip', ['netns', 'exec', ns, this.layout.files.agentBin, ...args, '--config', node.config, '--node', nodeId, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let partial = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
      const lines = (partial + c.toString()).split('\n');
      partial = lines.pop()!;
      for (const line of lines) if (line) o.progress?.(`  [${nodeId}] ${line}`);
    });
    const onAbort = () => child.kill('SIGINT');
    o.abort?.addEventListener('abort', onAbort, { once: true });
    return new Promise((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code) => {
        o.abort?.removeEventListener('abort', onAbort);
        if (partial) o.progress?.(`  [${nodeId}] ${partial}`);
        resolve({ code, stdout, stderr });
      });
    });
  }

  private async json<T>(nodeId: string, what: string, run: Promise<Run>): Promise<T> {
    const out = await run;
    const line = out.stdout.split('\n').find((l) => l.startsWith('{'));
    if (!line) {
      const said = out.stdout.trim() || out.stderr.trim() || 'no output';
      const hint = /unknown command|unknown option/.test(said) ? ' (the lab runs an older agent build: eip-lab down, then eip-lab up)' : '';
      throw new EipctlError(`eip-agent ${what} on ${nodeId} gave no report (exit ${out.code}): ${said}${hint}`);
    }
    return JSON.parse(line) as T;
  }

  prepareTakeover(nodeId: string, forMs: number): Promise<TakeoverReport> {
    return this.json(nodeId, 'prepare-takeover', this.run(nodeId, ['prepare-takeover', '--for-ms', String(forMs)]));
  }

  async cancelTakeover(nodeId: string): Promise<void> {
    await this.json<TakeoverReport>(nodeId, 'prepare-takeover --cancel', this.run(nodeId, ['prepare-takeover', '--cancel']));
  }

  yieldWriter(nodeId: string, req: YieldRequest, abort: AbortSignal, progress: Progress): Promise<YieldReport> {
    const args = ['yield', '--catch-up-timeout-ms', String(req.catchUpTimeoutMs), '--handover-timeout-ms', String(req.handoverTimeoutMs)];
    return this.json(nodeId, 'yield', this.run(nodeId, args, { abort, progress }));
  }
}
