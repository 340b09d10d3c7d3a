/**
 * The failover controller Lambda (lambda/failover/handler.ts): bundled by the local esbuild with
 * the project's one set of controller build options (lambda/build-options.cjs: SDK bundled and
 * tree-shaken by its plugin, which NodejsFunction cannot run), never Docker; arm64, Node.js 24,
 * reserved concurrency 1, its own log group, and a role that can do exactly what
 * docs/controller.md lists and nothing more. The cluster config goes into the function's
 * environment (no SSM read at cold start), unless `configFrom: 'ssm'`.
 */
import { join } from 'node:path';
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { SettingsError, settingsFromEnv } from '../../lambda/failover/settings';
import type { Alerting } from './alerting';
import type { ClusterDocument } from './cluster-document';
import { checkEnvironmentSize, configEnvironment, requireConfigFrom, type ConfigFrom } from './function-config-env';
import { locallyBundledCode, REPO_ROOT } from './local-bundle';
import { TAG_CLUSTER } from './names';
import type { PairNode } from './nodes';
import { PropError } from './validate';


/**
 * The controller's timing knobs (docs/controller.md, Configuration), unset ones take the
 * controller's defaults; and where it reads the cluster config.
 */
export interface ControllerSettingsProps {
  /**
   * Where the controller reads the cluster config (see ConfigFrom).
   * @default 'environment'
   */
  readonly configFrom?: ConfigFrom;
  readonly maxEventAgeSec?: number;
  readonly maxClockSkewSec?: number;
  readonly heartbeatTimeoutSec?: number;
  readonly flapDampingSec?: number;
  readonly maxReplicaLagSec?: number;
  readonly noWriterGraceSec?: number;
  readonly moveSettleSec?: number;
  readonly confirmTimeoutMs?: number;
  readonly confirmIntervalMs?: number;
  readonly maxStateAttempts?: number;
  readonly safetyMarginMs?: number;
}

type TimingKnob = Exclude<keyof ControllerSettingsProps, 'configFrom'>;

const SETTING_ENV: Readonly<Record<TimingKnob, string>> = {
  maxEventAgeSec: 'EIP_FAILOVER_MAX_EVENT_AGE_SEC',
  maxClockSkewSec: 'EIP_FAILOVER_MAX_CLOCK_SKEW_SEC',
  heartbeatTimeoutSec: 'EIP_FAILOVER_HEARTBEAT_TIMEOUT_SEC',
  flapDampingSec: 'EIP_FAILOVER_FLAP_DAMPING_SEC',
  maxReplicaLagSec: 'EIP_FAILOVER_MAX_REPLICA_LAG_SEC',
  noWriterGraceSec: 'EIP_FAILOVER_NO_WRITER_GRACE_SEC',
  moveSettleSec: 'EIP_FAILOVER_MOVE_SETTLE_SEC',
  confirmTimeoutMs: 'EIP_FAILOVER_CONFIRM_TIMEOUT_MS',
  confirmIntervalMs: 'EIP_FAILOVER_CONFIRM_INTERVAL_MS',
  maxStateAttempts: 'EIP_FAILOVER_MAX_STATE_ATTEMPTS',
  safetyMarginMs: 'EIP_FAILOVER_SAFETY_MARGIN_MS',
};

export interface ControllerFunctionProps {
  readonly clusterName: string;
  readonly config: ClusterDocument;
  readonly table: dynamodb.ITable;
  readonly alerting: Alerting;
  readonly nodes: readonly [PairNode, PairNode];
  readonly allocationId: string;
  /** @default {} (the controller's defaults) */
  readonly settings?: ControllerSettingsProps;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /** @default 256 */
  readonly memorySize?: number;
}

export class ControllerFunction extends Construct {
  public readonly function: lambda.Function;
  public readonly role: iam.Role;
  public readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: ControllerFunctionProps) {
    super(scope, id);
    const owner = `ControllerFunction ${this.node.path}`;
    const settingsEnv: Record<string, string> = {};
    const { configFrom: from = 'environment', ...knobs } = props.settings ?? {};
    const configFrom = requireConfigFrom(owner, 'settings.configFrom', from);
    for (const [key, value] of Object.entries(knobs)) {
      const name = SETTING_ENV[key as TimingKnob];
      if (!name) throw new PropError(owner, `settings.${key}`, 'is not a controller setting', `use one of configFrom, ${Object.keys(SETTING_ENV).join(', ')}`);
      if (value !== undefined) settingsEnv[name] = String(value);
    }
    try {
      // The controller's own validation, at synth time.
      settingsFromEnv(settingsEnv, props.config.validated);
    } catch (err) {
      if (err instanceof SettingsError) throw new PropError(owner, 'settings', `are invalid: ${err.message}`, 'fix the values named above (docs/controller.md)');
      throw err;
    }

    const stack = Stack.of(this);
    const environment: Record<string, string> = {
      ...configEnvironment(stack, props.config, configFrom),
      EIP_FAILOVER_TABLE_NAME: props.table.tableName,
      EIP_FAILOVER_TOPIC_ARN: props.alerting.topic.topicArn,
      ...settingsEnv,
    };
    checkEnvironmentSize({
      owner,
      environment,
      document: props.config.document,
      // A DynamoDB table name (255), an SNS topic ARN (12 + region + 12-digit account + name up to 256).
      tokenMaxBytes: { EIP_FAILOVER_TABLE_NAME: 255, EIP_FAILOVER_TOPIC_ARN: 300 },
      configFromProp: 'controllerSettings.configFrom',
      settingsFix: 'remove controller settings that repeat the defaults',
    });

    this.logGroup = new logs.LogGroup(this, 'Logs', { retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `eip-failover ${props.clusterName} failover controller`,
    });
    // Logs: its own log group only (no CreateLogGroup: the group exists).
    this.role.addToPolicy(new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [this.logGroup.logGroupArn] }));
    // EC2 reads: Describe* has no resource-level permissions; limited to this region.
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['ec2:DescribeAddresses', 'ec2:DescribeInstances'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:RequestedRegion': stack.region } },
      }),
    );
    // The one write: this EIP onto the pair's instances/interfaces, all tagged as this cluster.
    const ec2Arn = (resource: string, name: string) => stack.formatArn({ service: 'ec2', resource, resourceName: name });
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['ec2:AssociateAddress'],
        resources: [
          ec2Arn('elastic-ip', props.allocationId),
          ...props.nodes.map((n) => ec2Arn('network-interface', n.networkInterfaceId)),
          ...props.nodes.map((n) => ec2Arn('instance', n.instanceId)),
        ],
        conditions: { StringEquals: { [`aws:ResourceTag/${TAG_CLUSTER}`]: props.clusterName } },
      }),
    );
    this.role.addToPolicy(new iam.PolicyStatement({ actions: ['dynamodb:GetItem', 'dynamodb:PutItem'], resources: [props.table.tableArn] }));
    if (configFrom === 'ssm') props.config.grantRead(this.role);
    props.alerting.grantPublish(this.role);
    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'ec2:DescribeAddresses and ec2:DescribeInstances support no resource-level permissions; the statement is limited to this region (aws:RequestedRegion).',
    });

    this.function = new lambda.Function(this, 'Function', {
      code: controllerCode(),
      handler: 'index.handler',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout: Duration.seconds(30),
      reservedConcurrentExecutions: 1,
      role: this.role,
      logGroup: this.logGroup,
      description: `eip-failover ${props.clusterName}: keeps the Elastic IP on the healthy writer`,
      environment,
    });
  }
}

/** The bundle, built by `node lambda/build-options.cjs <outDir>`. */
export function controllerCode(): lambda.Code {
  return locallyBundledCode(join(REPO_ROOT, 'lambda'), [join(REPO_ROOT, 'lambda/build-options.cjs')]);
}
