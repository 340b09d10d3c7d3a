/**
 * The failover controller Lambda (lambda/failover/handler.ts): bundled by the local esbuild with
 * the project's one set of controller build options (lambda/build-options.cjs: SDK bundled and
 * tree-shaken by its plugin, which NodejsFunction cannot run), never Docker; arm64, Node.js 24,
 * reserved concurrency 1, its own log group, and a role that can do exactly what
 * docs/controller.md lists and nothing more. The cluster config goes into the function's
 * environment (no SSM read at cold start), unless `configFrom: 'ssm'`.
 */
import { join } from 'node:path';
import { Duration, RemovalPolicy, Stack, StringConcat, Tokenization, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { SettingsError, settingsFromEnv } from '../../lambda/failover/settings';
import { CONFIG_ENV, CONFIG_REF_ENV } from '../config/env-source';
import type { Alerting } from './alerting';
import type { ClusterDocument } from './cluster-document';
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
   * `environment`: the config document in EIP_FAILOVER_CONFIG, nothing to read at cold start.
   * `ssm`: read from the pair's SSM parameter at every cold start (GetParameter: about 15 ms more
   * and one more permission), for a document too large for Lambda's 4 KB of environment.
   * @default 'environment'
   */
  readonly configFrom?: 'environment' | 'ssm';
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

/** Lambda's limit on a function's environment: every variable's name and value together. */
export const LAMBDA_ENVIRONMENT_LIMIT_BYTES = 4096;

/**
 * The most a CloudFormation token can stand for in each variable: the ids, addresses, zone and
 * region in the config (at most 26 characters: `eipalloc-` + 17), a DynamoDB table name (255),
 * an SNS topic ARN (12 + region + 12-digit account + name up to 256).
 */
const TOKEN_MAX_BYTES: Readonly<Record<string, number>> = { EIP_FAILOVER_TABLE_NAME: 255, EIP_FAILOVER_TOPIC_ARN: 300 };
const CONFIG_TOKEN_MAX_BYTES = 32;

/** Bytes of `value` once deployed, with every token at the longest value it can stand for. */
export function deployedBytes(value: string, tokenMaxBytes: number): number {
  const standIn = 'x'.repeat(tokenMaxBytes);
  const text = Tokenization.reverseString(value)
    .mapTokens({ mapToken: () => standIn })
    .join(new StringConcat()) as string;
  return Buffer.byteLength(text, 'utf8');
}

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
    const { configFrom = 'environment', ...knobs } = props.settings ?? {};
    if (configFrom !== 'environment' && configFrom !== 'ssm') {
      throw new PropError(owner, 'settings.configFrom', `is ${JSON.stringify(configFrom)}`, `use 'environment' (the default) or 'ssm'`);
    }
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
    // The document as the SSM parameter holds it (defaults left to the reader, which validates it again).
    const configEnv: Record<string, string> =
      configFrom === 'ssm'
        ? { [CONFIG_REF_ENV]: `ssm:${props.config.parameterName}`, EIP_FAILOVER_CONFIG_VERSION: props.config.version }
        : { [CONFIG_ENV]: stack.toJsonString(props.config.document) };
    const environment: Record<string, string> = {
      ...configEnv,
      EIP_FAILOVER_TABLE_NAME: props.table.tableName,
      EIP_FAILOVER_TOPIC_ARN: props.alerting.topic.topicArn,
      ...settingsEnv,
    };
    checkEnvironmentSize(owner, environment, props.config.document);

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

/**
 * Refuses, at synth time, an environment Lambda would refuse at deploy time (4 KB for all
 * variables). Tokens count at the longest value they can stand for; the config is measured from
 * its document, whose ids and addresses are tokens until deployment.
 */
function checkEnvironmentSize(owner: string, environment: Readonly<Record<string, string>>, document: unknown): void {
  const configBytes = deployedBytes(JSON.stringify(document), CONFIG_TOKEN_MAX_BYTES);
  let total = 0;
  for (const [name, value] of Object.entries(environment)) {
    const valueBytes = name === CONFIG_ENV ? configBytes : deployedBytes(value, TOKEN_MAX_BYTES[name] ?? CONFIG_TOKEN_MAX_BYTES);
    total += Buffer.byteLength(name) + valueBytes;
  }
  if (total > LAMBDA_ENVIRONMENT_LIMIT_BYTES) {
    const inline = CONFIG_ENV in environment;
    throw new PropError(
      owner,
      inline ? 'config' : 'settings',
      `would make the function's environment up to ${total} bytes${inline ? ` (the config document ${configBytes})` : ''}, over Lambda's limit of ${LAMBDA_ENVIRONMENT_LIMIT_BYTES}`,
      inline
        ? `shorten the config (long paths or hosts in the mysql or agent overrides), or set controllerSettings.configFrom to 'ssm' so the controller reads it from SSM Parameter Store`
        : 'remove controller settings that repeat the defaults',
    );
  }
}

/** The bundle, built by `node lambda/build-options.cjs <outDir>`. */
export function controllerCode(): lambda.Code {
  return locallyBundledCode(join(REPO_ROOT, 'lambda'), [join(REPO_ROOT, 'lambda/build-options.cjs')]);
}
