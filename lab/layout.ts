/**
 * The lab's stable names: namespaces, addresses and the files in the lab directory. Everything
 * here is documented in docs/lab.md; scripts build on it, so change both together.
 */
import { join } from 'node:path';

export const LAB_NODE_IDS = ['db-a', 'db-b'] as const;
export type LabNodeId = (typeof LAB_NODE_IDS)[number];

export const DEFAULT_LAB_NAME = 'eiplab';
export const LAB_ROOT = '/run/eip-lab';

/** Addresses inside the namespaces only, so two labs never collide (the host never routes them). */
export const ADDR = {
  /** The "VPC": a bridge in the gateway namespace, the nodes' eth0 on it. */
  vpcGateway: '10.97.0.254',
  vpcPrefix: 24,
  nodes: { 'db-a': '10.97.0.1', 'db-b': '10.97.0.2' } as Record<LabNodeId, string>,
  /** Each node's second address on eth0: the EIP maps here (the config's `eipPrivateIp`), as on AWS. */
  eipTargets: { 'db-a': '10.97.0.11', 'db-b': '10.97.0.12' } as Record<LabNodeId, string>,
  /** The "internet" between the client and the gateway. */
  publicGateway: '198.51.100.1',
  client: '198.51.100.2',
  publicPrefix: 24,
  /** The lab's Elastic IP (the example config's publicIp), on the gateway. */
  eip: '203.0.113.10',
  mysqlPort: 3306,
} as const;

export class LabNameError extends Error {
  override readonly name = 'LabNameError';
}

export interface LabLayout {
  readonly name: string;
  readonly dir: string;
  readonly namespaces: { readonly gateway: string; readonly client: string; readonly nodes: Record<LabNodeId, string> };
  /** Host end of the gateway's link to the cloud (host namespace); ≤ 15 characters. */
  readonly hostLink: string;
  readonly files: {
    readonly state: string;
    readonly pids: string;
    readonly controlSocket: string;
    readonly supervisorLog: string;
    readonly cloudLog: string;
    readonly journal: string;
    readonly eipFile: string;
    readonly controllerState: string;
    readonly agentBin: string;
  };
  node(id: LabNodeId): NodeFiles;
}

export interface NodeFiles {
  readonly dir: string;
  readonly config: string;
  readonly keepalivedConf: string;
  readonly keepalivedPid: string;
  readonly keepalivedVrrpPid: string;
  readonly keepalivedLog: string;
  readonly fifo: string;
  readonly stateDir: string;
  readonly agentLog: string;
  readonly mysqlDir: string;
  readonly dropIn: string;
}

export function labLayout(name = DEFAULT_LAB_NAME, root = LAB_ROOT): LabLayout {
  // Short, so `<name>-client` and the host link name stay within Linux limits.
  if (!/^[a-z][a-z0-9]{0,9}$/.test(name)) throw new LabNameError(`lab name must be 1-10 lower-case letters/digits starting with a letter, got "${name}"`);
  const dir = join(root, name);
  return {
    name,
    dir,
    namespaces: { gateway: `${name}-gw`, client: `${name}-client`, nodes: { 'db-a': `${name}-db-a`, 'db-b': `${name}-db-b` } },
    hostLink: `el-${name}`.slice(0, 15),
    files: {
      state: join(dir, 'lab.json'),
      pids: join(dir, 'pids'),
      controlSocket: join(dir, 'control.sock'),
      supervisorLog: join(dir, 'supervisor.log'),
      cloudLog: join(dir, 'cloud', 'cloud.log'),
      journal: join(dir, 'cloud', 'journal.jsonl'),
      eipFile: join(dir, 'cloud', 'eip.json'),
      controllerState: join(dir, 'cloud', 'controller-state.json'),
      agentBin: join(dir, 'bin', 'eip-agent'),
    },
    node(id) {
      const d = join(dir, 'nodes', id);
      return {
        dir: d,
        config: join(d, 'cluster.json'),
        keepalivedConf: join(d, 'keepalived.conf'),
        keepalivedPid: join(d, 'keepalived.pid'),
        keepalivedVrrpPid: join(d, 'keepalived-vrrp.pid'),
        keepalivedLog: join(d, 'keepalived.log'),
        fifo: join(d, 'run', 'keepalived.fifo'),
        stateDir: join(d, 'agent-state'),
        agentLog: join(d, 'agent.log'),
        mysqlDir: join(d, 'mysql'),
        dropIn: join(d, '60-eip-failover.cnf'),
      };
    },
  };
}
