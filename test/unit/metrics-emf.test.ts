import { DIMENSION, METRIC_NAMESPACE, PROBE_NODE_METRIC } from '../../lib/metrics/catalog';
import { EmfError, emfLine } from '../../lib/metrics/emf';

const dims = { [DIMENSION.cluster]: 'orders-db', [DIMENSION.target]: 'db-a' };

test('one document: namespace, one dimension set, metric definitions and values at the top level', () => {
  const line = emfLine({
    dimensions: dims,
    timestampMs: 1_800_000_000_000,
    metrics: [
      { name: PROBE_NODE_METRIC.up, unit: 'Count', value: 1 },
      { name: PROBE_NODE_METRIC.connectMs, unit: 'Milliseconds', value: 3.5 },
    ],
    properties: { round: 7 },
  });
  expect(line).not.toContain('\n');
  expect(JSON.parse(line)).toEqual({
    _aws: {
      Timestamp: 1_800_000_000_000,
      CloudWatchMetrics: [
        {
          Namespace: METRIC_NAMESPACE,
          Dimensions: [['ClusterName', 'Target']],
          Metrics: [
            { Name: 'NodeUp', Unit: 'Count' },
            { Name: 'ConnectMs', Unit: 'Milliseconds' },
          ],
        },
      ],
    },
    ClusterName: 'orders-db',
    Target: 'db-a',
    NodeUp: 1,
    ConnectMs: 3.5,
    round: 7,
  });
});

test('a repeated metric becomes a value array, defined once', () => {
  const doc = JSON.parse(emfLine({ dimensions: dims, timestampMs: 0, metrics: [1, 2, 3].map((value) => ({ name: 'QueryMs', unit: 'Milliseconds', value })) }));
  expect(doc.QueryMs).toEqual([1, 2, 3]);
  expect(doc._aws.CloudWatchMetrics[0].Metrics).toEqual([{ Name: 'QueryMs', Unit: 'Milliseconds' }]);
});

test.each([
  ['a non-finite value', { metrics: [{ name: 'X', unit: 'Count' as const, value: Number.NaN }] }, /finite/],
  ['a metric named like a dimension', { metrics: [{ name: 'Target', unit: 'Count' as const, value: 1 }] }, /dimension/],
  ['one metric in two units', { metrics: [{ name: 'X', unit: 'Count' as const, value: 1 }, { name: 'X', unit: 'Seconds' as const, value: 1 }] }, /Count and Seconds/],
  ['a property that shadows a metric', { metrics: [{ name: 'X', unit: 'Count' as const, value: 1 }], properties: { X: 2 } }, /clashes/],
  ['more than 100 metrics', { metrics: Array.from({ length: 101 }, (_, i) => ({ name: `M${i}`, unit: 'Count' as const, value: 1 })) }, /100/],
])('refuses %s', (_what, partial, message) => {
  expect(() => emfLine({ dimensions: dims, timestampMs: 0, ...partial })).toThrow(EmfError);
  expect(() => emfLine({ dimensions: dims, timestampMs: 0, ...partial })).toThrow(message);
});
