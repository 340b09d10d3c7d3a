/** `eip-agent yield`: loaded only when the command runs. */
import { loadClusterConfig } from '../../lib/config/load';
import { localDbEndpoint } from '../db/endpoint';
import { abortRequestedByFile, clearAbort, holdActive, readHold, requestAbort } from '../switchover/files';
import { yieldWriter, type YieldReport } from '../switchover/yield';
import { yieldPorts } from '../switchover/yield-wiring';
import type { YieldFlags } from './yield';
import { identifyNode } from './node-identity';

const progress = (line: string) => process.stderr.write(`eip-agent yield: ${line}\n`);

function describe(r: YieldReport): string {
  const after = (ms: number | null) => (ms === null || r.fencedAtMs === null ? '-' : `+${ms - r.fencedAtMs} ms`);
  const head = r.outcome === 'handed-over' ? `${r.node} handed over to ${r.peer}` : `${r.node}: ${r.outcome}: ${r.reason}`;
  return [
    head,
    `fenced at ${r.fencedAtMs === null ? '-' : new Date(r.fencedAtMs).toISOString()} (binlog ${r.binlogPos ?? '-'}); ${r.peer} caught up ${after(r.caughtUpAtMs)}; ` +
      `yielded ${after(r.yieldedAtMs)}; left MASTER ${after(r.leftMasterAtMs)}; EIP left ${after(r.eipLeftAtMs)}`,
  ].join('\n');
}

/** Runs the yield (or --abort); true when the node handed over (or the abort request was written). */
export async function runYield(flags: YieldFlags): Promise<boolean> {
  const config = await loadClusterConfig(flags.config);
  const stateDir = flags.stateDir ?? config.agent.stateDir;
  if (flags.abort) {
    if (!holdActive(readHold(stateDir), Date.now())) {
      console.log('no switchover in progress on this node: nothing to abort');
      return true;
    }
    requestAbort(stateDir);
    console.log('abort requested: the running yield rolls back if it has not stepped down yet');
    return true;
  }
  const nodeId = await identifyNode(config, flags);
  const peer = config.nodes.find((n) => n.id !== nodeId)!;
  clearAbort(stateDir); // a request left over from an earlier run is not for this one
  let interrupted = false;
  const onSignal = (signal: string) => {
    if (!interrupted) progress(`${signal}: rolling back if the step-down has not begun, else finishing it`);
    interrupted = true;
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const ports = await yieldPorts({ config, nodeId, stateDir, local: await localDbEndpoint(config, flags), progress, interrupted: () => interrupted });
    const report = await yieldWriter(ports, { nodeId, peerId: peer.id, catchUpTimeoutMs: flags.catchUpTimeoutMs, handoverTimeoutMs: flags.handoverTimeoutMs });
    console.log(flags.json ? JSON.stringify(report) : describe(report));
    return report.outcome === 'handed-over';
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (abortRequestedByFile(stateDir)) clearAbort(stateDir);
  }
}
