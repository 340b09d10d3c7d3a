/** MetricsSink that keeps what it is given (the lab shows it; tests read it). */
import type { MetricDatum } from '../../core/types';
import type { MetricsSink } from '../../ports';

export class MemoryMetricsSink implements MetricsSink {
  readonly recorded: MetricDatum[] = [];
  flushes = 0;

  record(datum: MetricDatum): void {
    this.recorded.push(datum);
  }

  flush(): void {
    this.flushes++;
  }

  /** Sum of the values recorded under `name` (and `dimensions`, when given). */
  sum(name: string, dimensions?: Record<string, string>): number {
    return this.recorded
      .filter((m) => m.name === name && (!dimensions || Object.entries(dimensions).every(([k, v]) => m.dimensions?.[k] === v)))
      .reduce((total, m) => total + m.value, 0);
  }
}
