/**
 * The alarms read what the emitters write: every metric an alarm reads (namespace, name and the
 * exact dimension set) appears in the EMF lines of the real probe core and the real controller
 * sink. A renamed metric, a dropped or an extra dimension (such as a `service` dimension) would
 * leave an alarm watching nothing; this catches it without AWS.
 */
import { type AlarmPlan, alarmPlan } from '../../lib/cdk/monitoring/alarm-specs';
import type { CatalogMetric } from '../../lib/cdk/monitoring/metrics';
import { DEFAULT_THRESHOLDS } from '../../lib/cdk/monitoring/thresholds';
import { METRIC_NAMESPACE, PAIR_TARGET } from '../../lib/metrics/catalog';
import { emfLine } from '../../lib/metrics/emf';
import { EmfMetricsSink } from '../../lambda/failover/adapters/aws/emf-metrics';
import { roundDocuments } from '../../lambda/probe/core/metrics';
import { summarizeRound } from '../../lambda/probe/core/summarize';
import { EMPTY_MEMORY } from '../../lambda/probe/core/types';
import { A, B, config, healthyRound, passiveAnswer, up, writerAnswer } from './probe-fixtures';

const nodeIds = [A.id, B.id] as const;
const plan: AlarmPlan = alarmPlan({ clusterName: config.clusterName, nodeIds, thresholds: DEFAULT_THRESHOLDS });

/** "namespace|metric|dimension=value,..." with node ids as <node>, so both nodes' roles compare alike. */
const key = (namespace: string, metric: string, dims: Readonly<Record<string, string>>) =>
  `${namespace}|${metric}|${Object.entries(dims)
    .map(([k, v]) => `${k}=${(nodeIds as readonly string[]).includes(v) ? '<node>' : v}`)
    .sort()
    .join(',')}`;

function keysOfLine(line: string): string[] {
  const doc = JSON.parse(line) as Record<string, unknown> & { _aws: { CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string }> }> } };
  return doc._aws.CloudWatchMetrics.flatMap((d) =>
    d.Metrics.flatMap((m) => d.Dimensions.map((names) => key(d.Namespace, m.Name, Object.fromEntries(names.map((n) => [n, String(doc[n])]))))),
  );
}

/** Two rounds with db-a writing (so db-b's write check has a baseline), then a write on db-b. */
function probeLines(): string[] {
  const first = summarizeRound(config, healthyRound(), EMPTY_MEMORY);
  const written = healthyRound({ nodes: { [A.id]: up(writerAnswer()), [B.id]: up(passiveAnswer({ gtidBinlogState: '0-1-120,0-2-41' })) } });
  const second = summarizeRound(config, written, first.memory);
  return [first.summary, second.summary].flatMap((s) => roundDocuments(config.clusterName, s).map(emfLine));
}

function controllerLines(names: readonly string[]): string[] {
  const lines: string[] = [];
  const sink = new EmfMetricsSink((l) => lines.push(l), config.clusterName, () => 1_800_000_000_000);
  for (const name of names) sink.record({ name, unit: 'Count', value: 1 });
  sink.flush();
  return lines;
}

const alarmMetrics: CatalogMetric[] = plan.alarms.flatMap((a) => (a.source.kind === 'metric' ? [a.source.metric] : a.source.kind === 'expression' ? Object.values(a.source.using) : []));

test('every probe metric an alarm reads is emitted by the probe core with exactly those dimensions', () => {
  const emitted = new Set(probeLines().flatMap(keysOfLine));
  const probeMetrics = alarmMetrics.filter((m) => 'Target' in m.dimensions);
  expect(probeMetrics.length).toBeGreaterThan(10);
  const missing = probeMetrics.map((m) => key(METRIC_NAMESPACE, m.metricName, m.dimensions)).filter((k) => !emitted.has(k));
  expect(missing).toEqual([]);
  // Both kinds of Target occur.
  expect(probeMetrics.some((m) => m.dimensions.Target === PAIR_TARGET)).toBe(true);
});

test('every controller metric an alarm reads carries exactly ClusterName as the controller emits it', () => {
  const controllerMetrics = alarmMetrics.filter((m) => !('Target' in m.dimensions));
  expect(controllerMetrics.map((m) => m.metricName).sort()).toEqual(['EipMoves', 'MoveFailures', 'NoHealthyWriter', 'NotificationFailures', 'StateConflicts']);
  const emitted = new Set(controllerLines(controllerMetrics.map((m) => m.metricName)).flatMap(keysOfLine));
  expect(controllerMetrics.map((m) => key(METRIC_NAMESPACE, m.metricName, m.dimensions)).filter((k) => !emitted.has(k))).toEqual([]);
});
