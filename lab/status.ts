/**
 * `eip-lab status --json`: the stable, documented shape (docs/lab.md). Keys only get added.
 * VRRP state comes from keepalived's own log (independent of the agent); the database view from
 * a root query over the node's socket; the spool depth from the agent's status file.
 */
import { readFileSync } from 'node:fs';
import { ADDR, LAB_NODE_IDS, type LabNodeId } from './layout';
import { labProbeStatus, type LabProbeStatus } from './probe/status';
import type { LabDbView } from './node';
import type { Supervisor } from './supervisor';

export interface LabNodeStatus {
  readonly namespace: string;
  readonly privateIp: string;
  readonly power: 'on' | 'off';
  /** keepalived's latest state (MASTER, BACKUP, FAULT, ...), 'STOPPED' when it does not run. */
  readonly vrrpState: string;
  readonly db: LabDbView;
  readonly agent: { readonly running: boolean; readonly spoolDepth: number | null; readonly vrrpState: string | null; readonly eipHolder: string | null; readonly fencing: string | null };
}

export interface LabStatus {
  readonly name: string;
  readonly labDir: string;
  readonly up: boolean;
  readonly phase: string;
  readonly supervisorPid: number | null;
  readonly eipHolder: LabNodeId | null;
  readonly eip: { readonly publicIp: string; readonly propagationDelayMs: number };
  readonly cloud: { readonly eventsEndpoint: string | null; readonly reconcileIntervalMs: number | null; readonly throttledCallsLeft: number };
  readonly gateway: { readonly namespace: string };
  readonly client: { readonly namespace: string; readonly address: string };
  readonly faults: ReadonlyArray<{ fault: string; node: string | null; sinceMs: number }>;
  readonly nodes: Record<LabNodeId, LabNodeStatus>;
  /** The probe's latest round (absent when the lab is down). */
  readonly probe?: LabProbeStatus;
}

const LOG_STATE = /\) Entering (\w+) STATE/g;

function lastKeepalivedState(logFile: string): string | null {
  let text = '';
  try {
    text = readFileSync(logFile, 'utf8');
  } catch {
    return null;
  }
  // Only the latest run counts (the log is appended across restarts).
  const lastRun = text.slice(text.lastIndexOf('--- keepalived start'));
  return [...lastRun.matchAll(LOG_STATE)].at(-1)?.[1] ?? null;
}

export async function collectStatus(sup: Supervisor): Promise<LabStatus> {
  const { layout } = sup;
  const nodes = {} as Record<LabNodeId, LabNodeStatus>;
  await Promise.all(
    LAB_NODE_IDS.map(async (id) => {
      const n = sup.nodes[id];
      const agent = n.daemonRunning ? n.agentStatus() : undefined;
      nodes[id] = {
        namespace: n.netns,
        privateIp: n.privateIp,
        power: n.powered ? 'on' : 'off',
        vrrpState: n.keepalivedRunning ? (lastKeepalivedState(n.files.keepalivedLog) ?? 'INIT') : 'STOPPED',
        db: await n.dbView(),
        agent: {
          running: n.daemonRunning,
          spoolDepth: agent?.events.spoolDepth ?? null,
          vrrpState: agent?.vrrp.state ?? null,
          eipHolder: agent?.eip.holder ?? null,
          fencing: agent?.fencing.reason ?? null,
        },
      };
    }),
  );
  return {
    name: layout.name,
    labDir: layout.dir,
    up: true,
    phase: 'ready',
    supervisorPid: process.pid,
    eipHolder: (await sup.cloud.ec2.holderNodeId()) as LabNodeId | null,
    eip: { publicIp: ADDR.eip, propagationDelayMs: sup.cloud.propagationDelayMs },
    cloud: { eventsEndpoint: sup.cloud.eventsEndpoint, reconcileIntervalMs: sup.cloud.reconcileIntervalMs, throttledCallsLeft: sup.cloud.ec2.throttledCallsLeft },
    gateway: { namespace: layout.namespaces.gateway },
    client: { namespace: layout.namespaces.client, address: ADDR.client },
    faults: sup.faults.activeFaults(),
    nodes,
    probe: labProbeStatus(layout, sup.probe),
  };
}
