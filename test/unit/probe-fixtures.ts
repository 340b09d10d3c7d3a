/** Raw probe rounds for the probe's unit tests: a healthy pair (db-a writes, db-b replicates), varied per test. */
import example from '../../examples/cluster.json';
import { parseClusterConfig } from '../../lib/config/parse';
import type { EipAssociation } from '../../lambda/failover/core/types';
import type { NodeAnswer, NodeProbe, RawRound } from '../../lambda/probe/core/types';

export const config = parseClusterConfig(example);
export const [A, B] = config.nodes;

export const AT_MS = 1_800_000_000_000;

/** db-a's server (id 1): the writer. */
export const writerAnswer = (over: Partial<NodeAnswer> = {}): NodeAnswer => ({
  serverId: 1,
  hostname: 'ip-10-0-1-10',
  readOnly: false,
  gtidBinlogState: '0-1-120,0-2-40',
  maxConnections: 200,
  threadsConnected: 10,
  uptimeSec: 86_400,
  slave: { ioRunning: 'Yes', sqlRunning: 'Yes', secondsBehindMaster: 0, lastIoError: '', lastSqlError: '' },
  peerHeartbeatAgeMs: 3_600_000,
  ...over,
});

/** db-b's server (id 2): read-only, replicating, heartbeat 0.8 s old. */
export const passiveAnswer = (over: Partial<NodeAnswer> = {}): NodeAnswer => ({
  serverId: 2,
  hostname: 'ip-10-0-2-10',
  readOnly: true,
  gtidBinlogState: '0-1-120,0-2-40',
  maxConnections: 200,
  threadsConnected: 3,
  uptimeSec: 7_200,
  slave: { ioRunning: 'Yes', sqlRunning: 'Yes', secondsBehindMaster: 0, lastIoError: '', lastSqlError: '' },
  peerHeartbeatAgeMs: 812.345,
  ...over,
});

export const up = (answer: NodeAnswer, connectMs = 1.26, queryMs = 0.71): NodeProbe => ({ ok: true, connectMs, queryMs, answer });

export const eipOn = (node: typeof A): EipAssociation => ({ associationId: 'eipassoc-1', networkInterfaceId: node.networkInterfaceId, instanceId: node.instanceId, privateIpAddress: node.privateIp });

export function healthyRound(over: Partial<RawRound> = {}): RawRound {
  return {
    atMs: AT_MS,
    durationMs: 42,
    nodes: { [A.id]: up(writerAnswer()), [B.id]: up(passiveAnswer()) },
    eip: { ok: true, association: eipOn(A) },
    eipTarget: { ok: true, serverId: 1, hostname: 'ip-10-0-1-10', readOnly: false },
    e2e: { ok: true, writeMs: 2.04, replicatedMs: 3.96 },
    ...over,
  };
}
