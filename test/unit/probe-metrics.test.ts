/** A round's summary as EMF lines: parsed back, every document's namespace, dimensions, metrics, units and values. */
import { emfLine } from '../../lib/metrics/emf';
import { roundDocuments } from '../../lambda/probe/core/metrics';
import { summarizeRound } from '../../lambda/probe/core/summarize';
import { EMPTY_MEMORY, type RawRound } from '../../lambda/probe/core/types';
import { A, AT_MS, B, config, healthyRound, passiveAnswer, up } from './probe-fixtures';

interface Parsed {
  dims: Record<string, string>;
  metrics: Record<string, { unit: string; value: unknown }>;
  doc: Record<string, unknown>;
}

function lines(raw: RawRound): Parsed[] {
  const { summary } = summarizeRound(config, raw, EMPTY_MEMORY);
  return roundDocuments(config.clusterName, summary).map((d) => {
    const doc = JSON.parse(emfLine(d)) as Record<string, unknown> & { _aws: { Timestamp: number; CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string; Unit: string }> }> } };
    const cw = doc._aws.CloudWatchMetrics[0]!;
    expect(doc._aws.Timestamp).toBe(AT_MS);
    expect(cw.Namespace).toBe('EipFailover');
    expect(cw.Dimensions).toHaveLength(1);
    return {
      dims: Object.fromEntries(cw.Dimensions[0]!.map((k) => [k, doc[k] as string])),
      metrics: Object.fromEntries(cw.Metrics.map((m) => [m.Name, { unit: m.Unit, value: doc[m.Name] }])),
      doc,
    };
  });
}

const values = (p: Parsed) => Object.fromEntries(Object.entries(p.metrics).map(([k, v]) => [k, v.value]));

test('healthy round: one document per node and one for the pair, every metric with its unit', () => {
  const [a, b, pair, ...rest] = lines(healthyRound());
  expect(rest).toEqual([]);
  expect(a!.dims).toEqual({ ClusterName: 'orders-db', Target: A.id });
  expect(a!.metrics).toEqual({
    NodeUp: { unit: 'Count', value: 1 },
    ConnectMs: { unit: 'Milliseconds', value: 1.3 },
    QueryMs: { unit: 'Milliseconds', value: 0.7 },
    ReadOnly: { unit: 'Count', value: 0 },
    ReplicationIoRunning: { unit: 'Count', value: 1 },
    ReplicationSqlRunning: { unit: 'Count', value: 1 },
    ConnectionsUsedPercent: { unit: 'Percent', value: 5 },
    UptimeSeconds: { unit: 'Seconds', value: 86_400 },
    HoldsEip: { unit: 'Count', value: 1 },
  });
  expect(b!.dims).toEqual({ ClusterName: 'orders-db', Target: B.id });
  expect(values(b!)).toEqual({ NodeUp: 1, ConnectMs: 1.3, QueryMs: 0.7, ReadOnly: 1, ReplicationIoRunning: 1, ReplicationSqlRunning: 1, ReplicationLagSeconds: 0.812, ErrantTransactions: 0, ConnectionsUsedPercent: 1.5, UptimeSeconds: 7_200, HoldsEip: 0 });
  expect(b!.metrics.ReplicationLagSeconds!.unit).toBe('Seconds');
  expect(pair!.dims).toEqual({ ClusterName: 'orders-db', Target: 'eip' });
  expect(pair!.metrics).toEqual({
    WritableNodes: { unit: 'Count', value: 1 },
    WriterConsistent: { unit: 'Count', value: 1 },
    WriterReachable: { unit: 'Count', value: 1 },
    ReplicationE2eMs: { unit: 'Milliseconds', value: 4 },
    ProbeRuns: { unit: 'Count', value: 1 },
  });
  // For people reading the log: the node's and the pair's summary ride along (not metrics).
  expect(b!.doc.node).toMatchObject({ serverId: 2, lagMs: 812.3 });
  expect(pair!.doc.pair).toMatchObject({ writer: { eipNode: A.id, consistent: true } });
});

test('a node that failed: NodeUp 0, nothing it could not measure, and a ProbeFailures document with the reason', () => {
  const timeout = { ok: false as const, connectMs: null, failure: { reason: 'timeout' as const, message: '10.0.2.10:3306: no answer within 2000 ms while connecting' } };
  const docs = lines(healthyRound({ nodes: { ...healthyRound().nodes, [B.id]: timeout }, e2e: null }));
  const b = docs.filter((d) => d.dims.Target === B.id);
  expect(b.map((d) => d.dims)).toEqual([
    { ClusterName: 'orders-db', Target: B.id },
    { ClusterName: 'orders-db', Target: B.id, Reason: 'timeout' },
  ]);
  expect(values(b[0]!)).toEqual({ NodeUp: 0, HoldsEip: 0 }); // EC2 still answered: it does not hold the EIP
  expect(b[1]!.metrics).toEqual({ ProbeFailures: { unit: 'Count', value: 1 } });
  const pair = docs.find((d) => d.dims.Target === 'eip')!;
  expect(values(pair)).toEqual({ WritableNodes: 1, WriterConsistent: 1, WriterReachable: 1, ProbeRuns: 1 }); // no e2e without the peer
});

test('EC2 unanswered: WriterConsistent, WriterReachable and HoldsEip left out (unknown), ProbeRuns still 1', () => {
  const docs = lines(healthyRound({ eip: { ok: false, error: 'TimeoutError' }, eipTarget: null }));
  expect(values(docs.find((d) => d.dims.Target === 'eip')!)).toEqual({ WritableNodes: 1, ReplicationE2eMs: 4, ProbeRuns: 1 });
  for (const node of [A.id, B.id]) expect(docs.find((d) => d.dims.Target === node)!.metrics).not.toHaveProperty('HoldsEip');
});

test('EIP not associated: HoldsEip 0 on both nodes (measured, not unknown)', () => {
  const docs = lines(healthyRound({ eip: { ok: true, association: null }, eipTarget: null }));
  for (const node of [A.id, B.id]) expect(docs.find((d) => d.dims.Target === node)!.metrics.HoldsEip).toEqual({ unit: 'Count', value: 0 });
});

test('errant and passive writes are reported on the read-only node only', () => {
  const raw = healthyRound({ nodes: { ...healthyRound().nodes, [B.id]: up(passiveAnswer({ gtidBinlogState: '0-1-120,0-2-41' })) } });
  const first = summarizeRound(config, healthyRound(), EMPTY_MEMORY);
  const { summary } = summarizeRound(config, raw, first.memory);
  const docs = roundDocuments(config.clusterName, summary).map((d) => JSON.parse(emfLine(d)) as Record<string, unknown>);
  expect(docs[0]).not.toHaveProperty('ErrantTransactions');
  expect(docs[1]).toMatchObject({ Target: B.id, ErrantTransactions: 1, PassiveWrites: 1 });
});
