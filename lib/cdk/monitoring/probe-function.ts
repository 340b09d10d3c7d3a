/**
 * The probe Lambda (lambda/probe/handler.ts; its metrics: docs/metrics.md):
 * in the pair's VPC with the probe security group (MySQL to the nodes, HTTPS to the endpoints),
 * invoked every minute, probing every `intervalMs` inside one invocation, metrics as EMF lines in
 * its own log group. Bundled by the local esbuild with `buildProbe` of lambda/build-options.cjs,
 * never Docker. Its role can read the config parameter, the probe secret and EIP associations,
 * and manage its network interfaces; nothing else.
 */
import { join } from 'node:path';
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { checkEnvironmentSize, configEnvironment, requireConfigFrom, type ConfigFrom } from '../function-config-env';
import { locallyBundledCode, REPO_ROOT } from '../local-bundle';
import { PROBE_ENV, ProbeSettingsError, probeSettingsFromEnv } from '../../../lambda/probe/settings';
import type { ClusterDocument } from '../cluster-document';
import { PropError, requireIntIn } from '../validate';
import { ProbeEndpoints } from './probe-endpoints';


/** The probe's timing knobs. */
export interface ProbeSettingsProps {
  /**
   * Milliseconds between probe rounds inside one invocation (EIP_FAILOVER_PROBE_EVERY_MS).
   * @default 10000
   */
  readonly intervalMs?: number;
  /**
   * Connect timeout of one probe connection (EIP_FAILOVER_PROBE_CONNECT_TIMEOUT_MS); a
   * blackholed node costs no more than this. Must be below `intervalMs`.
   * @default 2000
   */
  readonly connectTimeoutMs?: number;
  /**
   * Where the probe reads the cluster config. `environment` (inline) needs no SSM endpoint.
   * @default 'environment'
   */
  readonly configFrom?: ConfigFrom;
}

export interface ProbeFunctionProps extends ProbeSettingsProps {
  readonly clusterName: string;
  readonly vpc: ec2.IVpc;
  /** The pair's two subnets: the function runs in either (and the endpoints live there). */
  readonly subnets: readonly [ec2.ISubnet, ec2.ISubnet];
  /** The probe security group (PairSecurityGroups.probe): MySQL to the nodes only. */
  readonly securityGroup: ec2.SecurityGroup;
  /** The nodes' security group, admitted to the endpoints (private DNS is VPC-wide). */
  readonly nodesSecurityGroup: ec2.ISecurityGroup;
  readonly config: ClusterDocument;
  /** The probe user's password (PairSecrets.secrets.probe). */
  readonly secret: secretsmanager.ISecret;
  /**
   * Create interface endpoints for Secrets Manager and EC2, and SSM with `configFrom: 'ssm'`
   * (shared by every pair in the VPC).
   * Set false when the VPC already has endpoints with private DNS for them, or routes the pair's
   * subnets through a NAT: the probe then sends HTTPS to any address.
   * @default true
   */
  readonly vpcEndpoints?: boolean;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /** @default 256 */
  readonly memorySize?: number;
}

/** The probe's log group (a literal, so alarm texts can name it). */
export const probeLogGroupName = (clusterName: string): string => `/eip-failover/${clusterName}/probe`;

/** The invocation's limit: one invocation a minute, rounds until shortly before this. */
export const PROBE_TIMEOUT = Duration.seconds(70);

export class ProbeFunction extends Construct {
  public readonly function: lambda.Function;
  public readonly role: iam.Role;
  public readonly logGroup: logs.LogGroup;
  public readonly schedule: events.Rule;
  /** undefined with `vpcEndpoints: false`. */
  public readonly endpoints?: ProbeEndpoints;

  constructor(scope: Construct, id: string, props: ProbeFunctionProps) {
    super(scope, id);
    const owner = `ProbeFunction ${this.node.path}`;
    const settingsEnv = {
      [PROBE_ENV.secretArn]: props.secret.secretArn,
      [PROBE_ENV.everyMs]: String(props.intervalMs ?? 10_000),
      [PROBE_ENV.connectTimeoutMs]: String(props.connectTimeoutMs ?? 2_000),
    };
    try {
      // The probe's own validation, at synth time.
      probeSettingsFromEnv(settingsEnv);
    } catch (err) {
      if (err instanceof ProbeSettingsError) throw new PropError(owner, 'intervalMs/connectTimeoutMs', `are invalid: ${err.message}`, 'fix the values named above (docs/metrics.md)');
      throw err;
    }
    const memorySize = props.memorySize ?? 256;
    requireIntIn(owner, 'memorySize', memorySize, 128, 10_240);

    const configFrom = requireConfigFrom(owner, 'configFrom', props.configFrom ?? 'environment');
    const stack = Stack.of(this);
    const environment: Record<string, string> = { ...configEnvironment(stack, props.config, configFrom), ...settingsEnv };
    checkEnvironmentSize({
      owner,
      environment,
      document: props.config.document,
      tokenMaxBytes: { [PROBE_ENV.secretArn]: 200 },
      configFromProp: 'monitoring.probe.configFrom',
      settingsFix: 'check the probe settings',
    });

    if (props.vpcEndpoints ?? true) {
      this.endpoints = ProbeEndpoints.of({ vpc: props.vpc, subnets: props.subnets });
      this.endpoints.require(configFrom === 'ssm' ? ['Ssm', 'SecretsManager', 'Ec2'] : ['SecretsManager', 'Ec2']);
      this.endpoints.admit(props.securityGroup, `HTTPS from the probe of ${props.clusterName}`);
      this.endpoints.admit(props.nodesSecurityGroup, `HTTPS from the nodes of ${props.clusterName}`);
      props.securityGroup.addEgressRule(this.endpoints.securityGroup, ec2.Port.tcp(443), 'HTTPS to the VPC endpoints');
    } else {
      props.securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS to Secrets Manager, EC2 and with configFrom ssm SSM (your endpoints or NAT)');
    }

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName: probeLogGroupName(props.clusterName),
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `eip-failover ${props.clusterName} probe`,
    });
    this.role.addToPolicy(new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [this.logGroup.logGroupArn] }));
    // What Lambda needs to attach the function to the VPC (the EC2 part of the AWS managed
    // AWSLambdaVPCAccessExecutionRole); these actions take no resource-level permissions.
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['ec2:CreateNetworkInterface', 'ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets', 'ec2:DeleteNetworkInterface', 'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses'],
        resources: ['*'],
      }),
    );
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['ec2:DescribeAddresses'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:RequestedRegion': stack.region } },
      }),
    );
    if (configFrom === 'ssm') props.config.grantRead(this.role);
    this.role.addToPolicy(new iam.PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [props.secret.secretArn] }));
    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Lambda VPC attachment (Create/Describe/Delete network interfaces, Describe subnets, Assign/Unassign private IPs) and ec2:DescribeAddresses support no resource-level permissions; DescribeAddresses is limited to this region.',
    });

    this.function = new lambda.Function(this, 'Function', {
      code: probeCode(),
      handler: 'index.handler',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize,
      timeout: PROBE_TIMEOUT,
      role: this.role,
      logGroup: this.logGroup,
      vpc: props.vpc,
      vpcSubnets: { subnets: [...props.subnets] },
      // The pair's subnets are public; the function needs no internet, only the endpoints and the nodes.
      allowPublicSubnet: true,
      securityGroups: [props.securityGroup],
      description: `eip-failover ${props.clusterName}: probes both nodes and the writer from inside the VPC`,
      environment,
    });
    // A missed minute is better than a late, overlapping one; ProbeNotReporting watches the gaps.
    this.function.configureAsyncInvoke({ retryAttempts: 0, maxEventAge: Duration.seconds(60) });
    this.schedule = new events.Rule(this, 'Schedule', {
      description: `eip-failover ${props.clusterName}: probe every minute`,
      schedule: events.Schedule.rate(Duration.minutes(1)),
      targets: [new targets.LambdaFunction(this.function, { retryAttempts: 0, maxEventAge: Duration.seconds(60) })],
    });
  }
}

/** The bundle, built by `buildProbe(outDir)` of lambda/build-options.cjs. */
export function probeCode(): lambda.Code {
  const buildOptions = join(REPO_ROOT, 'lambda/build-options.cjs');
  const script = [
    `const b = require(${JSON.stringify(buildOptions)});`,
    `if (typeof b.buildProbe !== 'function') { console.error('lambda/build-options.cjs exports no buildProbe: the probe runtime (lambda/probe/) is missing'); process.exit(1); }`,
    `b.buildProbe(process.argv[1]).catch((err) => { console.error(err); process.exit(1); });`,
  ].join('\n');
  return locallyBundledCode(join(REPO_ROOT, 'lambda/probe'), ['-e', script]);
}
