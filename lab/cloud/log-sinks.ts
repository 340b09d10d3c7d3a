/**
 * The controller's Notifier, MetricsSink and DecisionLog for the lab: JSON lines in the cloud
 * log. Metrics are Embedded Metric Format documents, as the Lambda writes them to CloudWatch Logs.
 */
import { appendFileSync } from 'node:fs';
import type { MetricDatum } from '../../lambda/failover/core/types';
import type { NoticeText } from '../../lambda/failover/core/notice-text';
import type { DecisionLog, MetricsSink, Notifier } from '../../lambda/failover/ports';

export class LabLog implements DecisionLog {
  constructor(
    private readonly file: string,
    private readonly onLine?: (level: string, message: string, fields: Record<string, unknown>) => void,
  ) {}

  write(level: string, message: string, fields: Record<string, unknown>): void {
    appendFileSync(this.file, `${JSON.stringify({ time: new Date().toISOString(), level, message, ...fields })}\n`);
    this.onLine?.(level, message, fields);
  }
  info(message: string, fields: Record<string, unknown>): void {
    this.write('INFO', message, fields);
  }
  warn(message: string, fields: Record<string, unknown>): void {
    this.write('WARN', message, fields);
  }
  error(message: string, fields: Record<string, unknown>): void {
    this.write('ERROR', message, fields);
  }
}

export class LogNotifier implements Notifier {
  constructor(private readonly log: LabLog) {}
  async publish(text: NoticeText): Promise<void> {
    this.log.write('NOTICE', text.subject, { body: text.body });
  }
}

export class EmfMetricsSink implements MetricsSink {
  private pending: MetricDatum[] = [];
  constructor(
    private readonly log: LabLog,
    private readonly clusterName: string,
    private readonly namespace = 'EipFailover',
  ) {}

  record(datum: MetricDatum): void {
    this.pending.push(datum);
  }

  /** One EMF document per metric (dimensions differ between metrics). */
  flush(): void {
    for (const m of this.pending.splice(0)) {
      const dims = { ClusterName: this.clusterName, ...m.dimensions };
      const emf = {
        _aws: { Timestamp: Date.now(), CloudWatchMetrics: [{ Namespace: this.namespace, Dimensions: [Object.keys(dims)], Metrics: [{ Name: m.name, Unit: m.unit }] }] },
        ...dims,
        [m.name]: m.value,
      };
      this.log.write('METRIC', m.name, emf);
    }
  }
}
