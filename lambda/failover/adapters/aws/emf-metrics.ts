/**
 * MetricsSink as CloudWatch Embedded Metric Format lines (lib/metrics/emf.ts) in the function's
 * log: metrics with no API call and no network route. Every metric carries exactly the dimension
 * set the alarms read (lib/metrics/catalog.ts): ClusterName, plus the datum's own (RejectedEvents:
 * Reason). Plain metrics of an invocation go out together at flush(); a dimensioned one at once,
 * in its own document (one document has one dimension set).
 */
import { DIMENSION } from '../../../../lib/metrics/catalog';
import { emfLine, type MetricPoint } from '../../../../lib/metrics/emf';
import type { MetricDatum } from '../../core/types';
import type { MetricsSink } from '../../ports';

export class EmfMetricsSink implements MetricsSink {
  private pending: MetricPoint[] = [];
  private clusterName: string | undefined;

  /** `write` gets one line (no newline); `clusterName` may come later, through useCluster(). */
  constructor(
    private readonly write: (line: string) => void,
    clusterName?: string,
    private readonly nowMs: () => number = Date.now,
  ) {
    this.clusterName = clusterName;
  }

  /** The ClusterName of every metric from now on (the handler knows it once the config is loaded). */
  useCluster(clusterName: string): void {
    this.clusterName = clusterName;
  }

  record(datum: MetricDatum): void {
    const point = { name: datum.name, unit: datum.unit, value: datum.value };
    if (datum.dimensions && Object.keys(datum.dimensions).length > 0) this.emit([point], datum.dimensions);
    else this.pending.push(point);
  }

  flush(): void {
    if (this.pending.length === 0) return;
    const points = this.pending;
    this.pending = [];
    this.emit(points, {});
  }

  private emit(metrics: MetricPoint[], extra: Readonly<Record<string, string>>): void {
    // The handler records nothing before the config is loaded; a metric without its cluster would be one no alarm reads.
    if (this.clusterName === undefined) throw new Error(`EmfMetricsSink: metric ${metrics[0]!.name} recorded before useCluster()`);
    this.write(emfLine({ dimensions: { [DIMENSION.cluster]: this.clusterName, ...extra }, metrics, timestampMs: this.nowMs() }));
  }
}
