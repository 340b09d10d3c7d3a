/**
 * The pair's CloudWatch dashboard, `eip-failover-<clusterName>`: alarm states; who is the writer,
 * EIP moves and failover latency; per-node health; replication; probe failures by reason; the
 * controller. Metric names and dimensions from the catalog only (metrics.ts).
 */
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { CONTROLLER_METRIC, DIMENSION, PROBE_NODE_METRIC, PROBE_PAIR_METRIC } from '../../metrics/catalog';
import { PERIOD, type Statistic, controllerMetric, nodeMetric, pairMetric, searchExpression, toCloudWatch } from './metrics';
import type { ResolvedThresholds } from './thresholds';

export interface PairDashboardProps {
  readonly clusterName: string;
  readonly nodeIds: readonly [string, string];
  readonly thresholds: ResolvedThresholds;
  /** Alarms shown in the status widget (the ones that notify). */
  readonly alarms: readonly cloudwatch.IAlarm[];
  readonly controller: lambda.IFunction;
  readonly deadLetterQueue: sqs.IQueue;
  /** Where docs/alarms.md is (shown in the header). */
  readonly runbookUrl: string;
}

const N = PROBE_NODE_METRIC;
const P = PROBE_PAIR_METRIC;
const C = CONTROLLER_METRIC;
const W = 8;
const H = 6;

export class PairDashboard extends Construct {
  public readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: PairDashboardProps) {
    super(scope, id);
    const c = props.clusterName;
    const perNode = (name: (typeof N)[keyof typeof N], stat: Statistic, what: string) =>
      props.nodeIds.map((node) => toCloudWatch(nodeMetric(c, node, name, stat), `${node} ${what}`));
    const graph = (title: string, left: cloudwatch.IMetric[], more: Partial<cloudwatch.GraphWidgetProps> = {}) =>
      new cloudwatch.GraphWidget({ title, left, width: W, height: H, period: PERIOD, ...more });
    const line = (value: number, label: string, color?: string): cloudwatch.HorizontalAnnotation => ({ value, label, ...(color ? { color } : {}) });

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: `eip-failover-${c}`,
      widgets: [
        [
          new cloudwatch.TextWidget({
            markdown: `# eip-failover ${c}\nWho is the writer, whether the EIP reaches it, both nodes and replication as the probe sees them from inside the VPC, and the failover controller. What each alarm means and what to do: ${props.runbookUrl}`,
            width: 24,
            height: 2,
          }),
        ],
        [new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: [...props.alarms], width: 24, height: 4, sortBy: cloudwatch.AlarmStatusWidgetSortBy.STATE_UPDATED_TIMESTAMP })],
        [
          graph('Writer through the EIP', [
            toCloudWatch(pairMetric(c, P.writerReachable, 'Minimum'), 'WriterReachable (min)'),
            toCloudWatch(pairMetric(c, P.writerConsistent, 'Minimum'), 'WriterConsistent (min)'),
            toCloudWatch(pairMetric(c, P.writableNodes, 'Maximum'), 'WritableNodes (max; must be 1)'),
          ], { leftYAxis: { min: 0, max: 2 } }),
          graph('EIP holder (1 = EC2 maps the EIP to it)', perNode(N.holdsEip, 'Maximum', 'HoldsEip'), { leftYAxis: { min: 0, max: 1 } }),
          graph('EIP moves and failover latency', [toCloudWatch(controllerMetric(c, C.eipMoves, 'Sum'), 'EipMoves')], {
            right: [toCloudWatch(controllerMetric(c, C.failoverLatencyMs, 'Maximum'), 'FailoverLatencyMs (max)')],
          }),
        ],
        [
          graph('Nodes up (share of probes answered)', perNode(N.up, 'Average', 'NodeUp'), { leftYAxis: { min: 0, max: 1 } }),
          graph('Connect and query time (ms)', [...perNode(N.connectMs, 'Average', 'ConnectMs'), ...perNode(N.queryMs, 'Average', 'QueryMs')]),
          graph('Connections used (% of max) and uptime', perNode(N.connectionsUsedPercent, 'Maximum', 'ConnectionsUsedPercent'), {
            leftAnnotations: [line(props.thresholds.connectionsPercent, 'ConnectionSaturation')],
            right: perNode(N.uptimeSec, 'Minimum', 'UptimeSeconds (a drop = restart)'),
          }),
        ],
        [
          graph('Replication lag (s, heartbeat age)', perNode(N.replicationLagSec, 'Maximum', 'ReplicationLagSeconds'), {
            leftAnnotations: [line(props.thresholds.lagWarningSec, 'LagWarning', '#ff7f0e'), line(props.thresholds.lagCriticalSec, 'LagCritical', '#d62728')],
          }),
          graph('Replication threads running', [...perNode(N.replicationIoRunning, 'Minimum', 'IO'), ...perNode(N.replicationSqlRunning, 'Minimum', 'SQL')], {
            leftYAxis: { min: 0, max: 1 },
          }),
          graph('End-to-end replication (ms) and errant GTIDs', [toCloudWatch(pairMetric(c, P.replicationE2eMs, 'Maximum'), 'ReplicationE2eMs (max)')], {
            right: perNode(N.errantTransactions, 'Maximum', 'ErrantTransactions'),
          }),
        ],
        [
          graph('Probe failures by reason', [searchExpression(c, N.failures, [DIMENSION.reason, DIMENSION.target], 'Sum', 'ProbeFailures')], {
            right: [toCloudWatch(pairMetric(c, P.probeRuns, 'Sum'), 'ProbeRuns')],
          }),
          graph('Controller', [
            props.controller.metricInvocations({ period: PERIOD, label: 'Invocations' }),
            props.controller.metricErrors({ period: PERIOD, label: 'Errors' }),
            toCloudWatch(controllerMetric(c, C.moveFailures, 'Sum'), 'MoveFailures'),
            toCloudWatch(controllerMetric(c, C.stateConflicts, 'Sum'), 'StateConflicts'),
            toCloudWatch(controllerMetric(c, C.notificationFailures, 'Sum'), 'NotificationFailures'),
          ], { right: [toCloudWatch(controllerMetric(c, C.invocationMs, 'Maximum'), 'InvocationMs (max)')] }),
          graph('Dead-letter queue and controller signals', [props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, label: 'dead letters' })], {
            right: [
              toCloudWatch(controllerMetric(c, C.noHealthyWriter, 'Maximum'), 'NoHealthyWriter'),
              toCloudWatch(controllerMetric(c, C.splitBrain, 'Maximum'), 'SplitBrain (controller)'),
            ],
          }),
        ],
      ],
    });
  }
}
