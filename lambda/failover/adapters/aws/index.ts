/**
 * The controller's dependencies on AWS, from the function's environment (the config itself comes
 * from lib/config/env-source.ts, shared with the probe):
 *   EIP_FAILOVER_TABLE_NAME  DynamoDB table of the state (see dynamodb-state-store.ts)
 *   EIP_FAILOVER_TOPIC_ARN   SNS topic for notices
 *   EIP_FAILOVER_*           timing knobs (settings.ts)
 */
import type { ClusterConfig } from '../../../../lib/config/schema';
import type { ControllerDeps } from '../../controller';
import type { DecisionLog, MetricsSink, Notifier } from '../../ports';
import { settingsFromEnv, SettingsError } from '../../settings';
import { systemClock } from '../system-clock';
import { DynamoDbStateStore, createControllerDynamoClient } from './dynamodb-state-store';
import { AwsEc2, createControllerEc2Client } from './ec2';

type Env = Readonly<Record<string, string | undefined>>;

function required(env: Env, name: string): string {
  const value = env[name];
  if (!value) throw new SettingsError(`environment variable ${name} is not set`);
  return value;
}

export function awsControllerDeps(env: Env, config: ClusterConfig, shared: { metrics: MetricsSink; log: DecisionLog }): ControllerDeps {
  const tableName = required(env, 'EIP_FAILOVER_TABLE_NAME');
  const topicArn = required(env, 'EIP_FAILOVER_TOPIC_ARN');
  const region = config.region;
  return {
    config,
    settings: settingsFromEnv(env, config),
    ec2: new AwsEc2(createControllerEc2Client({ region })),
    store: new DynamoDbStateStore(createControllerDynamoClient({ region }), tableName, config.clusterName),
    notifier: lazySnsNotifier(region, topicArn),
    clock: systemClock,
    ...shared,
  };
}

/**
 * The SNS notifier, with the SNS client (and its SDK module) loaded at the first notice: most
 * invocations send none, and loading it costs a cold start several milliseconds (docs/controller.md,
 * "Bundle and cold start"). A failed load is retried at the next notice.
 */
export function lazySnsNotifier(region: string, topicArn: string): Notifier {
  let notifier: Promise<Notifier> | undefined;
  return {
    publish(text) {
      if (!notifier) {
        const loading = import('./sns-notifier').then(({ SnsNotifier, createControllerSnsClient }) => new SnsNotifier(createControllerSnsClient({ region }), topicArn));
        loading.catch(() => {
          if (notifier === loading) notifier = undefined;
        });
        notifier = loading;
      }
      return notifier.then((n) => n.publish(text));
    },
  };
}
