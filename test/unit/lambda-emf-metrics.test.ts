/**
 * EmfMetricsSink, the controller's metrics as EMF lines: namespace and dimension sets exactly as
 * lib/metrics/catalog.ts gives them to the alarms (ClusterName; RejectedEvents adds Reason; no
 * `service` or other dimension), plain metrics of an invocation in one document at flush().
 */
import { EmfMetricsSink } from '../../lambda/failover/adapters/aws/emf-metrics';
import { CONTROLLER_METRIC, METRIC_NAMESPACE } from '../../lib/metrics/catalog';

interface Emf {
  _aws: { Timestamp: number; CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string; Unit: string }> }> };
  [key: string]: unknown;
}

function sink() {
  const lines: string[] = [];
  const metrics = new EmfMetricsSink((l) => lines.push(l), 'orders-db', () => 1_800_000_000_000);
  return { metrics, docs: () => lines.map((l) => JSON.parse(l) as Emf), lines };
}

test('plain metrics wait for flush() and go out as one document with ClusterName as the only dimension', () => {
  const { metrics, docs } = sink();
  metrics.record({ name: CONTROLLER_METRIC.eipMoves, unit: 'Count', value: 1 });
  metrics.record({ name: CONTROLLER_METRIC.failoverLatencyMs, unit: 'Milliseconds', value: 1234 });
  metrics.record({ name: 'StageObserveMs', unit: 'Milliseconds', value: 12.5 });
  expect(docs()).toEqual([]);
  metrics.flush();
  expect(docs()).toEqual([
    {
      _aws: {
        Timestamp: 1_800_000_000_000,
        CloudWatchMetrics: [
          {
            Namespace: METRIC_NAMESPACE,
            Dimensions: [['ClusterName']],
            Metrics: [
              { Name: 'EipMoves', Unit: 'Count' },
              { Name: 'FailoverLatencyMs', Unit: 'Milliseconds' },
              { Name: 'StageObserveMs', Unit: 'Milliseconds' },
            ],
          },
        ],
      },
      ClusterName: 'orders-db',
      EipMoves: 1,
      FailoverLatencyMs: 1234,
      StageObserveMs: 12.5,
    },
  ]);
  metrics.flush();
  expect(docs()).toHaveLength(1); // nothing pending, nothing written
});

test('RejectedEvents goes out at once, alone, with exactly ClusterName and Reason', () => {
  const { metrics, docs } = sink();
  metrics.record({ name: CONTROLLER_METRIC.splitBrain, unit: 'Count', value: 0 });
  metrics.record({ name: CONTROLLER_METRIC.rejectedEvents, unit: 'Count', value: 1, dimensions: { Reason: 'source-mismatch' } });
  expect(docs()).toHaveLength(1);
  const [rejected] = docs();
  expect(rejected!._aws.CloudWatchMetrics).toEqual([{ Namespace: 'EipFailover', Dimensions: [['ClusterName', 'Reason']], Metrics: [{ Name: 'RejectedEvents', Unit: 'Count' }] }]);
  expect(rejected).toMatchObject({ ClusterName: 'orders-db', Reason: 'source-mismatch', RejectedEvents: 1 });
  expect(rejected).not.toHaveProperty('SplitBrain');
  metrics.flush();
  expect(docs()[1]!._aws.CloudWatchMetrics[0]!.Dimensions).toEqual([['ClusterName']]);
  expect(docs()[1]).toMatchObject({ SplitBrain: 0 });
});

test('a metric repeated in one invocation becomes a value array (one datum each)', () => {
  const { metrics, docs } = sink();
  metrics.record({ name: CONTROLLER_METRIC.stateConflicts, unit: 'Count', value: 1 });
  metrics.record({ name: CONTROLLER_METRIC.stateConflicts, unit: 'Count', value: 1 });
  metrics.flush();
  expect(docs()[0]).toMatchObject({ StateConflicts: [1, 1] });
});

test('the cluster can be given later (the handler knows it once the config is loaded); before that, recording is a bug', () => {
  const lines: string[] = [];
  const metrics = new EmfMetricsSink((l) => lines.push(l));
  expect(() => metrics.record({ name: 'RejectedEvents', unit: 'Count', value: 1, dimensions: { Reason: 'too-old' } })).toThrow(/RejectedEvents recorded before useCluster/);
  metrics.flush(); // nothing pending: fine
  metrics.useCluster('billing-db');
  metrics.record({ name: 'EipMoves', unit: 'Count', value: 1 });
  metrics.flush();
  expect(JSON.parse(lines[0]!)).toMatchObject({ ClusterName: 'billing-db', EipMoves: 1 });
});
