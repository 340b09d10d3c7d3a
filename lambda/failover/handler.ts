/**
 * The failover controller's Lambda entry point. Thin: picks the trigger (an agent event or the
 * scheduled reconcile tick), hands it to FailoverController, flushes metrics. The log (JSON lines)
 * and the metrics (EMF lines) live at module scope; the config (lib/config/env-source.ts) and the
 * AWS clients are built once per cold start. Final failures throw, so Lambda's retries and the
 * on-failure destination take over.
 */
import type { Context } from 'aws-lambda';
import { configSourceFromEnv } from '../../lib/config/env-source';
import type { ClusterConfig } from '../../lib/config/schema';
import { awsControllerDeps } from './adapters/aws';
import { EmfMetricsSink } from './adapters/aws/emf-metrics';
import { JsonLog } from './adapters/aws/json-log';
import { FailoverController, type ControllerDeps, type Outcome, type Trigger } from './controller';
import { describeError } from './errors';
import type { ConfigSource, DecisionLog, MetricsSink } from './ports';

const SERVICE = 'eip-failover-controller';
/** Used when there is no Lambda context (local runs): plenty for a decision and a move. */
const DEFAULT_BUDGET_MS = 30_000;

export interface HandlerWiring {
  readonly configSource: ConfigSource;
  readonly metrics: MetricsSink;
  readonly log: DecisionLog;
  /** Builds the rest once the config is known; called once per cold start. */
  readonly build: (config: ClusterConfig) => ControllerDeps;
  /** Called with the cluster name once the config is loaded (metric dimensions, log keys). */
  readonly onConfig?: (config: ClusterConfig) => void;
}

type LambdaLikeContext = Pick<Context, 'getRemainingTimeInMillis'> | undefined;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** EventBridge's scheduled rule event is the reconcile tick; anything else is validated as an agent event. */
export function triggerOf(event: unknown): Trigger {
  if (isObject(event) && event.source === 'aws.events' && event['detail-type'] === 'Scheduled Event') {
    return { kind: 'reconcile', scheduledAt: typeof event.time === 'string' ? event.time : null };
  }
  return { kind: 'event', raw: event };
}

export function createHandler(wiring: HandlerWiring): (event: unknown, context?: LambdaLikeContext) => Promise<Outcome> {
  let controller: Promise<FailoverController> | undefined;
  const controllerOnce = () => {
    controller ??= wiring.configSource.load().then((config) => {
      wiring.onConfig?.(config);
      return new FailoverController(wiring.build(config));
    });
    // A failed load (SSM unreachable) is retried by the next invocation, not cached.
    controller.catch(() => (controller = undefined));
    return controller;
  };
  return async (event, context) => {
    const budgetMs = context?.getRemainingTimeInMillis?.() ?? DEFAULT_BUDGET_MS;
    const deadlineMs = Date.now() + budgetMs;
    try {
      return await (await controllerOnce()).handle(triggerOf(event), deadlineMs);
    } catch (err) {
      wiring.log.error('invocation failed; Lambda will retry', { error: describeError(err), errorName: (err as Error)?.name });
      throw err;
    } finally {
      wiring.metrics.flush();
    }
  };
}

// Raw lines on stdout/stderr: Lambda ships each line as a log event, and CloudWatch reads EMF
// only from a line that is a JSON object (console.log would prefix it in the text log format).
const log = new JsonLog({
  service: SERVICE,
  minLevel: process.env.AWS_LAMBDA_LOG_LEVEL,
  write: (line, level) => (level === 'INFO' ? process.stdout : process.stderr).write(`${line}\n`),
});
const metrics = new EmfMetricsSink((line) => process.stdout.write(`${line}\n`));

export const handler = createHandler({
  // Read at the first invocation, so a missing or bad config fails that invocation loudly, not the import.
  configSource: configSourceFromEnv(process.env),
  metrics,
  log,
  build: (config) => awsControllerDeps(process.env, config, { metrics, log }),
  onConfig: (config) => {
    metrics.useCluster(config.clusterName);
    log.appendKeys({ cluster: config.clusterName });
  },
});
