/**
 * A round's summary as Embedded Metric Format documents (lib/metrics/emf.ts builds the lines):
 * one per node (Target = node id), one per failed node probe (adds Reason), one for the pair
 * (Target = eip). A metric is left out when the round could not measure it, never sent as 0:
 * 0 means "measured, and it is 0". Pure.
 */
import { DIMENSION, PAIR_TARGET, PROBE_NODE_METRIC as N, PROBE_PAIR_METRIC as P } from '../../../lib/metrics/catalog';
import type { EmfDocument, MetricPoint, MetricUnit } from '../../../lib/metrics/emf';
import type { NodeSummary, RoundSummary } from './types';

const flag = (b: boolean) => (b ? 1 : 0);

function points(list: ReadonlyArray<[string, MetricUnit, number | boolean | null | undefined]>): MetricPoint[] {
  return list.flatMap(([name, unit, v]) => (v === null || v === undefined ? [] : [{ name, unit, value: typeof v === 'boolean' ? flag(v) : v }]));
}

/** HoldsEip of `nodeId`: null when EC2 did not answer (consistency unknown), else whether the EIP maps to it. */
export function holdsEip(s: RoundSummary, nodeId: string): boolean | null {
  return s.pair.writer.consistent === null ? null : s.pair.writer.eipNode === nodeId;
}

export function nodeMetricPoints(s: NodeSummary, holds: boolean | null = null): MetricPoint[] {
  return points([
    [N.up, 'Count', s.up],
    [N.connectMs, 'Milliseconds', s.connectMs],
    [N.queryMs, 'Milliseconds', s.queryMs],
    [N.readOnly, 'Count', s.readOnly],
    [N.replicationIoRunning, 'Count', s.replication?.ioRunning],
    [N.replicationSqlRunning, 'Count', s.replication?.sqlRunning],
    [N.replicationLagSec, 'Seconds', s.lagMs === null ? null : Math.round(s.lagMs) / 1000],
    [N.errantTransactions, 'Count', s.errant?.transactions],
    [N.passiveWrites, 'Count', s.passiveWrites?.count],
    [N.connectionsUsedPercent, 'Percent', s.connections?.percent],
    [N.uptimeSec, 'Seconds', s.uptimeSec],
    [N.holdsEip, 'Count', holds],
  ]);
}

export function pairMetricPoints(s: RoundSummary): MetricPoint[] {
  const p = s.pair;
  return points([
    [P.writableNodes, 'Count', p.writableNodes],
    [P.writerConsistent, 'Count', p.writer.consistent],
    [P.writerReachable, 'Count', p.writerReachable],
    [P.replicationE2eMs, 'Milliseconds', p.e2e.replicationMs],
    [P.probeRuns, 'Count', 1],
  ]);
}

export function roundDocuments(clusterName: string, s: RoundSummary): EmfDocument[] {
  const dims = (target: string) => ({ [DIMENSION.cluster]: clusterName, [DIMENSION.target]: target });
  const docs: EmfDocument[] = [];
  for (const [id, node] of Object.entries(s.nodes)) {
    docs.push({ dimensions: dims(id), metrics: nodeMetricPoints(node, holdsEip(s, id)), timestampMs: s.atMs, properties: { node } });
    if (node.failure) {
      docs.push({ dimensions: { ...dims(id), [DIMENSION.reason]: node.failure.reason }, metrics: [{ name: N.failures, unit: 'Count', value: 1 }], timestampMs: s.atMs });
    }
  }
  docs.push({ dimensions: dims(PAIR_TARGET), metrics: pairMetricPoints(s), timestampMs: s.atMs, properties: { pair: s.pair, roundMs: s.durationMs } });
  return docs;
}
