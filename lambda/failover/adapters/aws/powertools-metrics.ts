/**
 * MetricsSink through Powertools Metrics: Embedded Metric Format lines in the function's log, so
 * metrics need no API call and no network route. Metrics with their own dimensions (RejectedEvents
 * by Reason) go out at once as single-metric documents; the rest are flushed together.
 */
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import type { MetricDatum } from '../../core/types';
import type { MetricsSink } from '../../ports';

const UNIT = { Count: MetricUnit.Count, Milliseconds: MetricUnit.Milliseconds } as const;

export class PowertoolsMetricsSink implements MetricsSink {
  constructor(private readonly metrics: Metrics) {}

  record(datum: MetricDatum): void {
    if (datum.dimensions && Object.keys(datum.dimensions).length > 0) {
      const single = this.metrics.singleMetric();
      for (const [name, value] of Object.entries(datum.dimensions)) single.addDimension(name, value);
      single.addMetric(datum.name, UNIT[datum.unit], datum.value);
      return;
    }
    this.metrics.addMetric(datum.name, UNIT[datum.unit], datum.value);
  }

  flush(): void {
    this.metrics.publishStoredMetrics();
  }
}
