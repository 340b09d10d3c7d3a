/**
 * The product's metrics as the alarms and the dashboard read them: names, dimensions and namespace
 * from lib/metrics/catalog.ts only, so a rename there cannot leave an alarm watching nothing.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { CONTROLLER_METRIC, DIMENSION, METRIC_NAMESPACE, PAIR_TARGET, PROBE_NODE_METRIC, PROBE_PAIR_METRIC } from '../../metrics/catalog';

/** Every alarm and graph uses one-minute periods (the metrics are standard resolution). */
export const PERIOD = Duration.minutes(1);

export type Statistic = 'Minimum' | 'Maximum' | 'Sum' | 'Average';

/** One metric of the catalog with its dimensions and the statistic read from it. Plain data. */
export interface CatalogMetric {
  readonly metricName: string;
  readonly dimensions: Readonly<Record<string, string>>;
  readonly statistic: Statistic;
}

type NodeMetric = (typeof PROBE_NODE_METRIC)[keyof typeof PROBE_NODE_METRIC];
type PairMetric = (typeof PROBE_PAIR_METRIC)[keyof typeof PROBE_PAIR_METRIC];
type ControllerMetric = (typeof CONTROLLER_METRIC)[keyof typeof CONTROLLER_METRIC];

/** A per-node probe metric (ClusterName, Target = node id). */
export const nodeMetric = (clusterName: string, nodeId: string, metricName: NodeMetric, statistic: Statistic): CatalogMetric => ({
  metricName,
  dimensions: { [DIMENSION.cluster]: clusterName, [DIMENSION.target]: nodeId },
  statistic,
});

/** A pair-level probe metric (ClusterName, Target = eip). */
export const pairMetric = (clusterName: string, metricName: PairMetric, statistic: Statistic): CatalogMetric => ({
  metricName,
  dimensions: { [DIMENSION.cluster]: clusterName, [DIMENSION.target]: PAIR_TARGET },
  statistic,
});

/** A controller metric (ClusterName only). */
export const controllerMetric = (clusterName: string, metricName: ControllerMetric, statistic: Statistic): CatalogMetric => ({
  metricName,
  dimensions: { [DIMENSION.cluster]: clusterName },
  statistic,
});

export function toCloudWatch(m: CatalogMetric, label?: string): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: METRIC_NAMESPACE,
    metricName: m.metricName,
    dimensionsMap: { ...m.dimensions },
    statistic: m.statistic,
    period: PERIOD,
    ...(label ? { label } : {}),
  });
}

/**
 * A dashboard search over every value of one dimension (e.g. ProbeFailures by Reason and Target),
 * so reasons the probe adds later show up without a change here. Dashboards only: alarms cannot
 * use SEARCH.
 */
export function searchExpression(clusterName: string, metricName: string, dimensionNames: readonly string[], statistic: Statistic, label: string): cloudwatch.MathExpression {
  const schema = [METRIC_NAMESPACE, DIMENSION.cluster, ...dimensionNames].join(',');
  return new cloudwatch.MathExpression({
    expression: `SEARCH('{${schema}} MetricName="${metricName}" ${DIMENSION.cluster}="${clusterName}"', '${statistic}', ${PERIOD.toSeconds()})`,
    usingMetrics: {},
    label,
    period: PERIOD,
  });
}
