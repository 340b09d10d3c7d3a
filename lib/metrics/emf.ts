/**
 * CloudWatch Embedded Metric Format: one JSON log line that CloudWatch Logs turns into metrics, so a
 * Lambda publishes metrics with no API call and no network route. Pure: builds the line, the caller
 * writes it (stdout in Lambda, a file or memory in the lab and tests).
 * Spec: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
 */
import { METRIC_NAMESPACE } from './catalog';

export type MetricUnit = 'Count' | 'Milliseconds' | 'Seconds' | 'Percent' | 'None';

export interface MetricPoint {
  readonly name: string;
  readonly unit: MetricUnit;
  readonly value: number;
}

export interface EmfDocument {
  /** Dimension name -> value; all of them form the one dimension set of the document. */
  readonly dimensions: Readonly<Record<string, string>>;
  readonly metrics: readonly MetricPoint[];
  readonly timestampMs: number;
  /** @default METRIC_NAMESPACE */
  readonly namespace?: string;
  /** Extra fields for people reading the log (not metrics). Must not reuse a metric or dimension name. */
  readonly properties?: Readonly<Record<string, unknown>>;
}

export class EmfError extends Error {
  override readonly name = 'EmfError';
}

/** CloudWatch's limits per document. */
const MAX_METRICS = 100;
const MAX_DIMENSIONS = 30;

/** The document as one line. Repeated metric names become a value array (one datum each). */
export function emfLine(doc: EmfDocument): string {
  const dimensionNames = Object.keys(doc.dimensions);
  if (dimensionNames.length > MAX_DIMENSIONS) throw new EmfError(`${dimensionNames.length} dimensions; EMF allows ${MAX_DIMENSIONS}`);
  const values = new Map<string, { unit: MetricUnit; values: number[] }>();
  for (const m of doc.metrics) {
    if (!Number.isFinite(m.value)) throw new EmfError(`metric ${m.name} has value ${m.value}; EMF needs a finite number`);
    if (m.name in doc.dimensions) throw new EmfError(`metric ${m.name} has the name of a dimension`);
    const entry = values.get(m.name);
    if (entry && entry.unit !== m.unit) throw new EmfError(`metric ${m.name} given in ${entry.unit} and ${m.unit}`);
    if (entry) entry.values.push(m.value);
    else values.set(m.name, { unit: m.unit, values: [m.value] });
  }
  if (values.size > MAX_METRICS) throw new EmfError(`${values.size} metrics; EMF allows ${MAX_METRICS} per document`);
  for (const key of Object.keys(doc.properties ?? {})) {
    if (values.has(key) || key in doc.dimensions || key === '_aws') throw new EmfError(`property ${key} clashes with a metric, a dimension or _aws`);
  }
  const body: Record<string, unknown> = {
    _aws: {
      Timestamp: doc.timestampMs,
      CloudWatchMetrics: [
        {
          Namespace: doc.namespace ?? METRIC_NAMESPACE,
          Dimensions: [dimensionNames],
          Metrics: [...values].map(([name, v]) => ({ Name: name, Unit: v.unit })),
        },
      ],
    },
    ...doc.properties,
    ...doc.dimensions,
  };
  for (const [name, v] of values) body[name] = v.values.length === 1 ? v.values[0] : v.values;
  return JSON.stringify(body);
}
