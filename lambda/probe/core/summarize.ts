/**
 * One round's conclusions from what it observed: per node health, replication, lag, errant
 * transactions and connection use; for the pair, how many nodes are writable, whether the three
 * views of the writer agree, and the end-to-end replication time. Pure: the memory of the previous
 * round comes in and the next one goes out.
 */
import type { ClusterConfig } from '../../../lib/config/schema';
import { locateEip } from '../../failover/core/locate';
import { parseGtidState } from '../../../lib/mysql/gtid';
import { errantGtids, ownSequences, passiveWriteGtids } from './gtid';
import { e2ePlan, nodeOfServerId, writableNodeIds } from './pair';
import type { GtidStreamPos, NodeAnswer, NodeProbe, NodeSummary, PairSummary, ProbeMemory, RawRound, RoundSummary, WriterView } from './types';

const round1 = (x: number) => Math.round(x * 10) / 10;
const ms = (x: number | null) => (x === null ? null : round1(x));

function gtidsOf(answer: NodeAnswer): GtidStreamPos[] | null {
  try {
    return parseGtidState(answer.gtidBinlogState);
  } catch {
    return null; // no verdict rather than a wrong one; the raw state is in the summary's log line
  }
}

function baseNodeSummary(p: NodeProbe): NodeSummary {
  if (!p.ok) {
    return { up: false, failure: p.failure, connectMs: ms(p.connectMs), queryMs: null, serverId: null, readOnly: null, replication: null, lagMs: null, errant: null, passiveWrites: null, connections: null, uptimeSec: null };
  }
  const a = p.answer;
  const s = a.slave;
  return {
    up: true,
    failure: null,
    connectMs: ms(p.connectMs),
    queryMs: ms(p.queryMs),
    serverId: a.serverId,
    readOnly: a.readOnly,
    replication: {
      ioRunning: s?.ioRunning === 'Yes',
      sqlRunning: s?.sqlRunning === 'Yes',
      secondsBehindMaster: s?.secondsBehindMaster ?? null,
      lastError: s ? s.lastIoError || s.lastSqlError || null : 'no replication channel configured',
    },
    lagMs: null,
    errant: null,
    passiveWrites: null,
    connections: a.maxConnections > 0 ? { used: a.threadsConnected, max: a.maxConnections, percent: round1((a.threadsConnected / a.maxConnections) * 100) } : null,
    uptimeSec: a.uptimeSec,
  };
}

function writerView(config: ClusterConfig, raw: RawRound, writableNode: string | null): WriterView {
  if (!raw.eip.ok) return { eipNode: null, writableNode, answeringNode: null, consistent: null, eipPrivateIp: null, problem: `EC2 did not answer: ${raw.eip.error}` };
  const association = raw.eip.association;
  const location = locateEip(association, config);
  const eipNode = location.kind === 'node' ? location.nodeId : null;
  const eipPrivateIp = association?.privateIpAddress ?? null;
  const problems: string[] = [];
  if (location.kind === 'none') problems.push(`${config.eip.publicIp} is not associated`);
  if (location.kind === 'foreign') problems.push(location.detail);
  let answeringNode: string | null = null;
  const target = raw.eipTarget;
  if (target?.ok) {
    answeringNode = nodeOfServerId(config, target.serverId);
    if (!answeringNode) problems.push(`server id ${target.serverId} (${target.hostname}) answered on ${eipPrivateIp}: not a node of the pair`);
  } else if (target) {
    problems.push(`nobody answered on ${eipPrivateIp}: ${target.failure.message}`);
  }
  const consistent = eipNode !== null && eipNode === writableNode && eipNode === answeringNode;
  if (!consistent && problems.length === 0) problems.push(`EIP maps to ${eipNode}, writable is ${writableNode ?? 'none'}, answering is ${answeringNode}`);
  return { eipNode, writableNode, answeringNode, consistent, eipPrivateIp, problem: problems.length ? problems.join('; ') : null };
}

function pairSummary(config: ClusterConfig, raw: RawRound): PairSummary {
  const writable = writableNodeIds(raw.nodes);
  const writer = writerView(config, raw, writable.length === 1 ? writable[0]! : null);
  const target = raw.eipTarget;
  const plan = e2ePlan(config, raw.nodes);
  const e2e = raw.e2e;
  return {
    writableNodes: writable.length,
    writableNodeIds: writable,
    writer,
    writerReachable: raw.eip.ok ? target?.ok === true && !target.readOnly : null,
    e2e: {
      replicationMs: e2e?.ok ? ms(e2e.replicatedMs) : null,
      writeMs: e2e?.ok ? ms(e2e.writeMs) : null,
      skipped: 'skip' in plan ? plan.skip : null,
      failure: e2e && !e2e.ok ? `${e2e.stage}: ${e2e.failure.reason}: ${e2e.failure.message}` : null,
    },
  };
}

export function summarizeRound(config: ClusterConfig, raw: RawRound, memory: ProbeMemory): { summary: RoundSummary; memory: ProbeMemory } {
  const writable = writableNodeIds(raw.nodes);
  const writerProbe = writable.length === 1 ? raw.nodes[writable[0]!] : undefined;
  const writer = writerProbe?.ok ? writerProbe.answer : undefined;
  const writerGtids = writer ? gtidsOf(writer) : null;
  const nextOwnSeq: Record<string, Readonly<Record<number, string>>> = { ...memory.readOnlyOwnSeq };
  const nodes: Record<string, NodeSummary> = {};
  for (const n of config.nodes) {
    const p = raw.nodes[n.id] ?? { ok: false, connectMs: null, failure: { reason: 'other', message: 'not probed' } };
    let s = baseNodeSummary(p);
    if (p.ok && !p.answer.readOnly) delete nextOwnSeq[n.id]; // its own writes are legitimate now
    if (p.ok && p.answer.readOnly) {
      const gtids = gtidsOf(p.answer);
      const errant = gtids && writerGtids && writer ? errantGtids(gtids, writerGtids, writer.serverId) : null;
      let passive: string[] | null = null;
      if (gtids) {
        const own = ownSequences(gtids, p.answer.serverId);
        const before = memory.readOnlyOwnSeq[n.id];
        if (before) passive = passiveWriteGtids(before, own, p.answer.serverId);
        nextOwnSeq[n.id] = own;
      }
      s = {
        ...s,
        lagMs: ms(p.answer.peerHeartbeatAgeMs),
        errant: errant ? { transactions: errant.length, gtids: errant } : null,
        passiveWrites: passive ? { count: passive.length, gtids: passive } : null,
      };
    }
    nodes[n.id] = s;
  }
  return {
    summary: { atMs: raw.atMs, durationMs: raw.durationMs, nodes, pair: pairSummary(config, raw) },
    memory: { readOnlyOwnSeq: nextOwnSeq },
  };
}
