/**
 * eipctl against a lab (`--lab [name]`). Reads: `eip-lab status` (the nft "EIP", keepalived's own
 * state, the agents, active faults), each node's database through its socket with the agent's own
 * view code (read_only, replication threads, GTID, heartbeat lag), each agent's status file
 * (fencing, switchover), the controller's state file and the lab journal (moves, decisions).
 * Acts through the agents (lab-agent.ts) and measures with the lab's client (write-load.ts).
 */
import { readFileSync } from 'node:fs';
import { labStatus } from '../../lab/control';
import { FileStateStore } from '../../lab/cloud/file-state-store';
import { Journal, readJournal } from '../../lab/journal';
import { labLayout, LabNameError, type LabLayout, type LabNodeId } from '../../lab/layout';
import type { LabNodeStatus } from '../../lab/status';
import { loadClusterConfig } from '../../lib/config/load';
import type { ClusterConfig } from '../../lib/config/schema';
import { MariaDbLocalDatabase } from '../../node-agent/db/mariadb';
import { switchoverState } from '../../node-agent/switchover/files';
import { withSession } from '../../node-agent/db/session';
import { describeSwitchover } from '../core/agent-view';
import { controllerView, historyFromJournal, movesFromJournal } from '../core/history';
import type { NodeView, PairView } from '../core/view';
import { EipctlError, UsageError } from '../errors';
import type { PairTarget, WriteLoad } from '../ports';
import { LabNodeAgent } from './lab-agent';
import { labSocket, LabWriteLoad } from './write-load';

const LAST_MOVES = 5;

export class LabTarget implements PairTarget {
  readonly layout: LabLayout;
  readonly agent: LabNodeAgent;
  readonly probeEveryMs = 25;
  private config: Promise<ClusterConfig> | undefined;

  constructor(name: string, root?: string) {
    try {
      this.layout = labLayout(name, root);
    } catch (err) {
      if (err instanceof LabNameError) throw new UsageError(`--lab: ${err.message}`);
      throw err;
    }
    this.agent = new LabNodeAgent(this.layout);
  }

  private clusterConfig(): Promise<ClusterConfig> {
    this.config ??= loadClusterConfig(this.layout.node('db-a').config).catch((err: Error) => {
      this.config = undefined;
      throw new EipctlError(`cannot read lab ${this.layout.name}'s cluster config: ${err.message}`);
    });
    return this.config;
  }

  private rootDb(nodeId: string) {
    return { user: 'root', password: '', socket: labSocket(this.layout, nodeId) };
  }

  private async nodeView(config: ClusterConfig, id: LabNodeId, ls: LabNodeStatus, nowMs: number): Promise<NodeView> {
    const n = config.nodes.find((x) => x.id === id)!;
    const db = await new MariaDbLocalDatabase({ endpoint: this.rootDb(id), callDeadlineMs: 2000 }).view();
    const off = ls.power === 'off';
    return {
      id,
      privateIp: n.privateIp,
      priority: n.priority,
      reachable: !off,
      problem: off ? 'powered off (lab fault)' : null,
      agentRunning: ls.agent.running,
      keepalivedRunning: ls.vrrpState !== 'STOPPED',
      vrrpState: ls.vrrpState,
      db: {
        up: db.up,
        readOnly: db.readOnly,
        ioRunning: db.replication?.ioRunning ?? (db.up ? false : null),
        sqlRunning: db.replication?.sqlRunning ?? (db.up ? false : null),
        lagSeconds: db.lagSeconds,
        gtidCurrentPos: db.gtidCurrentPos,
        error: db.error,
      },
      fencing: ls.agent.running ? ls.agent.fencing : null,
      switchover: describeSwitchover(switchoverState(this.layout.node(id).stateDir), nowMs),
    };
  }

  async view(): Promise<PairView> {
    const s = await labStatus(this.layout);
    if (!s.up) throw new EipctlError(`lab ${this.layout.name} is not up (${s.phase}); start it with: eip-lab up --name ${this.layout.name}`);
    const config = await this.clusterConfig();
    const nowMs = Date.now();
    const nodes = await Promise.all(config.nodes.map((n) => this.nodeView(config, n.id as LabNodeId, s.nodes[n.id as LabNodeId], nowMs)));
    const state = (await new FileStateStore(this.layout.files.controllerState).get())?.state ?? null;
    const faults = s.faults.map((f) => `fault: ${f.fault}${f.node ? ` on ${f.node}` : ''} since ${new Date(f.sinceMs).toISOString()}`);
    return {
      source: 'lab',
      target: `lab ${this.layout.name}`,
      clusterName: config.clusterName,
      nopreempt: config.vrrp.nopreempt,
      eip: { publicIp: s.eip.publicIp, holder: s.eipHolder, foreign: null },
      nodes,
      lastMoves: movesFromJournal(readJournal(this.layout.files.journal), LAST_MOVES),
      alarms: null,
      controller: controllerView(state, nowMs),
      notes: [...faults, ...(s.eip.propagationDelayMs ? [`emulated EIP propagation delay: ${s.eip.propagationDelayMs} ms`] : [])],
      observedAtMs: nowMs,
    };
  }

  async history(limit: number) {
    return { entries: historyFromJournal(readJournal(this.layout.files.journal), limit), source: `lab journal ${this.layout.files.journal}` };
  }

  readonly probe = {
    /** The lab's EC2 (the agents' EIP file, written right after the nft map swap). */
    eipHolder: async (): Promise<string | null> => {
      try {
        return (JSON.parse(readFileSync(this.layout.files.eipFile, 'utf8')) as { holderNodeId: string | null }).holderNodeId;
      } catch {
        return null;
      }
    },
    readOnly: async (nodeId: string): Promise<boolean | null> => {
      try {
        const [row] = await withSession(this.rootDb(nodeId), 2000, `${nodeId} read_only`, (s) => s.rows<{ ro: unknown }>('SELECT @@GLOBAL.read_only AS ro'));
        return Number(row?.ro) === 1;
      } catch {
        return null;
      }
    },
  };

  writeLoad(): WriteLoad {
    const lab = JSON.parse(readFileSync(this.layout.files.state, 'utf8')) as { semiSync: boolean; propagationDelayMs: number };
    return new LabWriteLoad(this.layout, lab.semiSync, lab.propagationDelayMs);
  }

  record(fields: Record<string, unknown>): void {
    new Journal(this.layout.files.journal).add('switchover', fields);
  }
}
