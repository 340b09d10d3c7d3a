/**
 * The outside view of a pair: the probe Lambda (and the VPC endpoints it needs), the alarms and
 * composite alarms on the pair's topic, and the dashboard. Built from the rest of the pair.
 */
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { Alerting } from '../alerting';
import type { ClusterDocument } from '../cluster-document';
import type { ControlPlane } from '../control-plane';
import { PropError } from '../validate';
import { alarmPlan } from './alarm-specs';
import { PairAlarms } from './pair-alarms';
import { PairDashboard } from './dashboard';
import { ProbeFunction, type ProbeSettingsProps, probeLogGroupName } from './probe-function';
import type { AlarmThresholds, ResolvedThresholds } from './thresholds';
import { resolveThresholds } from './thresholds';

/** What a user may set (EipFailoverPairProps.monitoring). */
export interface MonitoringProps {
  /** Alarm thresholds (docs/alarms.md). @default DEFAULT_THRESHOLDS */
  readonly thresholds?: AlarmThresholds;
  /** The probe's timing and where it reads the config. @default 10 s rounds, 2 s connect timeout, config inline */
  readonly probe?: ProbeSettingsProps;
  /**
   * Create interface endpoints (Secrets Manager, EC2; SSM with `probe.configFrom: 'ssm'`) for the
   * probe in the pair's VPC. Set false if the VPC already has them with private DNS, or routes the
   * subnets through a NAT.
   * @default true
   */
  readonly vpcEndpoints?: boolean;
  /**
   * Where docs/alarms.md is published (an https URL, e.g. your fork's), for the links in alarm
   * mails and on the dashboard.
   * @default 'docs/alarms.md' (the path in the eip-failover repository)
   */
  readonly runbookUrl?: string;
}

export interface PairMonitoringProps extends MonitoringProps {
  readonly clusterName: string;
  readonly nodeIds: readonly [string, string];
  readonly vpc: ec2.IVpc;
  readonly subnets: readonly [ec2.ISubnet, ec2.ISubnet];
  readonly probeSecurityGroup: ec2.SecurityGroup;
  readonly nodesSecurityGroup: ec2.ISecurityGroup;
  readonly config: ClusterDocument;
  readonly probeSecret: secretsmanager.ISecret;
  readonly alerting: Alerting;
  readonly controlPlane: ControlPlane;
  /** @default ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
}

export const DEFAULT_RUNBOOK_URL = 'docs/alarms.md';

export class PairMonitoring extends Construct {
  public readonly thresholds: ResolvedThresholds;
  public readonly probe: ProbeFunction;
  public readonly alarms: PairAlarms;
  public readonly dashboard: PairDashboard;

  constructor(scope: Construct, id: string, props: PairMonitoringProps) {
    super(scope, id);
    const owner = `PairMonitoring ${this.node.path}`;
    this.thresholds = resolveThresholds(owner, props.thresholds);
    const runbookUrl = props.runbookUrl ?? DEFAULT_RUNBOOK_URL;
    if (!/^(https:\/\/\S+|[\w./-]+\.md)$/.test(runbookUrl)) throw new PropError(owner, 'runbookUrl', `is ${JSON.stringify(runbookUrl)}`, 'use an https URL of docs/alarms.md, e.g. "https://github.com/you/eip-failover/blob/main/docs/alarms.md"');

    this.probe = new ProbeFunction(this, 'Probe', {
      clusterName: props.clusterName,
      vpc: props.vpc,
      subnets: props.subnets,
      securityGroup: props.probeSecurityGroup,
      nodesSecurityGroup: props.nodesSecurityGroup,
      config: props.config,
      secret: props.probeSecret,
      vpcEndpoints: props.vpcEndpoints,
      logRetention: props.logRetention,
      ...props.probe,
    });
    const controller = props.controlPlane.controller;
    this.alarms = new PairAlarms(this, 'Alarms', {
      alerting: props.alerting,
      plan: alarmPlan({ clusterName: props.clusterName, nodeIds: props.nodeIds, thresholds: this.thresholds }),
      controller: controller.function,
      deadLetterQueue: props.controlPlane.deadLetterQueue,
      runbook: {
        clusterName: props.clusterName,
        thresholds: this.thresholds,
        runbookUrl,
        probeLogGroup: probeLogGroupName(props.clusterName),
        probeFunctionName: this.probe.function.functionName,
        controllerLogGroup: controller.logGroup.logGroupName,
        controllerFunctionName: controller.function.functionName,
        deadLetterQueueUrl: props.controlPlane.deadLetterQueue.queueUrl,
      },
    });
    this.dashboard = new PairDashboard(this, 'Dashboard', {
      clusterName: props.clusterName,
      nodeIds: props.nodeIds,
      thresholds: this.thresholds,
      alarms: this.alarms.notifying,
      controller: controller.function,
      deadLetterQueue: props.controlPlane.deadLetterQueue,
      runbookUrl,
    });
  }
}
