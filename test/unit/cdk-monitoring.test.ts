/**
 * The pair's alarms, composite alarms and dashboard as synthesized: every alarm's metric
 * (namespace, name, dimensions, statistic, period), threshold, comparison, M of N, missing data and
 * actions; the composite rules; the dashboard's widgets; the topic they notify.
 */
import { Lazy } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { CONTROLLER_METRIC as C, METRIC_NAMESPACE, PROBE_NODE_METRIC as N, PROBE_PAIR_METRIC as P } from '../../lib/metrics/catalog';
import { resourceOf, synthPair } from './cdk-fixture';

type Props = Record<string, unknown>;
const { template, stack } = synthPair();
const topic = { Ref: resourceOf(template, 'AWS::SNS::Topic').id };
const controllerFn = resourceOf(template, 'AWS::Lambda::Function', 'ControllerFunction').id;
const dlq = resourceOf(template, 'AWS::SQS::Queue', 'DeadLetters').id;

/** Alarm properties by alarm name. */
function alarmsByName(t: Template, type = 'AWS::CloudWatch::Alarm'): Map<string, Props & { logicalId: string }> {
  return new Map(Object.entries(t.findResources(type)).map(([id, r]) => [r.Properties.AlarmName as string, { ...(r.Properties as Props), logicalId: id }]));
}
const alarms = alarmsByName(template);
const composites = alarmsByName(template, 'AWS::CloudWatch::CompositeAlarm');
const name = (severity: string, id: string) => `eip-failover orders-db ${severity}: ${id}`;

const dims = (target?: string) => [{ Name: 'ClusterName', Value: 'orders-db' }, ...(target ? [{ Name: 'Target', Value: target }] : [])];
const product = (metricName: string, target: string | undefined, stat: string) => ({ Namespace: METRIC_NAMESPACE, MetricName: metricName, Dimensions: dims(target), Statistic: stat, Period: 60 });
const stat = (id: string, metricName: string, target: string | undefined, statistic: string) => ({
  Id: id,
  MetricStat: { Metric: { Namespace: METRIC_NAMESPACE, MetricName: metricName, Dimensions: dims(target) }, Period: 60, Stat: statistic },
  ReturnData: false,
});
const mails = { AlarmActions: [topic], OKActions: [topic] };
const mailsOnAlarmOnly = { AlarmActions: [topic], OKActions: undefined };
const silent = { AlarmActions: undefined, OKActions: undefined };
const when = (ComparisonOperator: string, Threshold: number, EvaluationPeriods: number, DatapointsToAlarm: number, TreatMissingData: string) => ({
  ComparisonOperator,
  Threshold,
  EvaluationPeriods,
  DatapointsToAlarm,
  TreatMissingData,
});

/** Every alarm of the default pair, written out: [severity, id, metric, condition, actions]. */
const EXPECTED: Array<[string, string, Props, Props, Props]> = [
  ...['db-a', 'db-b'].flatMap((node): Array<[string, string, Props, Props, Props]> => [
    ['warning', `NodeDown-${node}`, product(N.up, node, 'Maximum'), when('LessThanThreshold', 1, 2, 2, 'missing'), mails],
    [
      'warning',
      `ReplicationStopped-${node}`,
      { Metrics: [{ Id: 'expr_1', Expression: 'MIN([io, sql])', Label: `replication threads running on ${node}`, ReturnData: true }, stat('io', N.replicationIoRunning, node, 'Maximum'), stat('sql', N.replicationSqlRunning, node, 'Maximum')] },
      when('LessThanThreshold', 1, 3, 3, 'notBreaching'),
      mails,
    ],
    ['signal', `ReplicationIoDown-${node}`, product(N.replicationIoRunning, node, 'Minimum'), when('LessThanThreshold', 1, 2, 1, 'notBreaching'), silent],
    ['warning', `LagWarning-${node}`, product(N.replicationLagSec, node, 'Maximum'), when('GreaterThanThreshold', 5, 3, 3, 'notBreaching'), mails],
    ['critical', `LagCritical-${node}`, product(N.replicationLagSec, node, 'Maximum'), when('GreaterThanThreshold', 10, 3, 3, 'notBreaching'), mails],
    ['warning', `ErrantWrites-${node}`, product(N.passiveWrites, node, 'Sum'), when('GreaterThanOrEqualToThreshold', 1, 1, 1, 'notBreaching'), mailsOnAlarmOnly],
    ['critical', `GtidDiverged-${node}`, product(N.errantTransactions, node, 'Minimum'), when('GreaterThanThreshold', 0, 2, 2, 'notBreaching'), mails],
    ['warning', `ConnectionSaturation-${node}`, product(N.connectionsUsedPercent, node, 'Maximum'), when('GreaterThanThreshold', 80, 5, 5, 'notBreaching'), mails],
  ]),
  ['signal', 'WriterUnreachable', product(P.writerReachable, 'eip', 'Maximum'), when('LessThanThreshold', 1, 2, 2, 'missing'), silent],
  [
    'signal',
    'NoWritableNode',
    {
      Metrics: [
        { Id: 'expr_1', Expression: 'MAX([up0, up1]) - writable', Label: 'answering but no writable node', ReturnData: true },
        stat('up0', N.up, 'db-a', 'Maximum'),
        stat('up1', N.up, 'db-b', 'Maximum'),
        stat('writable', P.writableNodes, 'eip', 'Maximum'),
      ],
    },
    when('GreaterThanOrEqualToThreshold', 1, 2, 1, 'missing'),
    silent,
  ],
  ['signal', 'ControllerNoHealthyWriter', product(C.noHealthyWriter, undefined, 'Maximum'), when('GreaterThanOrEqualToThreshold', 1, 2, 1, 'notBreaching'), silent],
  ['critical', 'SplitBrain', product(P.writableNodes, 'eip', 'Maximum'), when('GreaterThanThreshold', 1, 3, 2, 'missing'), mails],
  ['warning', 'WriterInconsistent', product(P.writerConsistent, 'eip', 'Maximum'), when('LessThanThreshold', 1, 2, 2, 'missing'), mails],
  ['warning', 'ProbeNotReporting', product(P.probeRuns, 'eip', 'Sum'), when('LessThanThreshold', 1, 3, 3, 'breaching'), mails],
  [
    'warning',
    'ControllerErrors',
    { Namespace: 'AWS/Lambda', MetricName: 'Errors', Dimensions: [{ Name: 'FunctionName', Value: { Ref: controllerFn } }], Statistic: 'Sum', Period: 60 },
    when('GreaterThanOrEqualToThreshold', 1, 3, 2, 'notBreaching'),
    mails,
  ],
  [
    'warning',
    'ControllerSilent',
    { Namespace: 'AWS/Lambda', MetricName: 'Invocations', Dimensions: [{ Name: 'FunctionName', Value: { Ref: controllerFn } }], Statistic: 'Sum', Period: 60 },
    when('LessThanThreshold', 1, 5, 5, 'breaching'),
    mails,
  ],
  ['critical', 'MoveFailures', product(C.moveFailures, undefined, 'Sum'), when('GreaterThanOrEqualToThreshold', 1, 1, 1, 'notBreaching'), mails],
  ['warning', 'StateConflicts', product(C.stateConflicts, undefined, 'Sum'), when('GreaterThanOrEqualToThreshold', 1, 3, 2, 'notBreaching'), mails],
  ['warning', 'NotificationFailures', product(C.notificationFailures, undefined, 'Sum'), when('GreaterThanOrEqualToThreshold', 1, 1, 1, 'notBreaching'), mails],
  [
    'warning',
    'DeadLetters',
    { Namespace: 'AWS/SQS', MetricName: 'ApproximateNumberOfMessagesVisible', Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlq, 'QueueName'] } }], Statistic: 'Maximum', Period: 60 },
    when('GreaterThanOrEqualToThreshold', 1, 1, 1, 'notBreaching'),
    mails,
  ],
  ['info', 'EipMoved', product(C.eipMoves, undefined, 'Sum'), when('GreaterThanOrEqualToThreshold', 1, 1, 1, 'notBreaching'), mailsOnAlarmOnly],
];

describe('alarms', () => {
  test('exactly the expected alarms exist', () => {
    expect([...alarms.keys()].sort()).toEqual(EXPECTED.map(([sev, id]) => name(sev, id)).sort());
  });

  test.each(EXPECTED.map((e) => [e[1], e] as const))('%s: metric, condition, M of N, missing data, actions', (_id, [sev, id, metric, condition, actions]) => {
    const a = alarms.get(name(sev, id))!;
    const metricKeys = ['Namespace', 'MetricName', 'Dimensions', 'Statistic', 'Period', 'Metrics', 'ExtendedStatistic', 'Unit'];
    const picked = Object.fromEntries(metricKeys.filter((k) => a[k] !== undefined).map((k) => [k, a[k]]));
    expect(picked).toEqual(metric);
    expect(a).toMatchObject(condition);
    expect({ AlarmActions: a.AlarmActions, OKActions: a.OKActions }).toEqual(actions);
  });

  test('each description is the runbook text for that alarm, linking its docs/alarms.md section', () => {
    const text = (id: string) => JSON.stringify(alarms.get(id)!.AlarmDescription);
    expect(text(name('warning', 'NodeDown-db-b'))).toMatch(/^"Node db-b of orders-db answered none of the probe's MySQL connections for 2 min\..*\\nLikely: .*\\nFirst: aws logs tail \/eip-failover\/orders-db\/probe --since 15m .*\\nRunbook: docs\/alarms.md#nodedown"$/);
    // A deploy-time name stays a reference, resolved by CloudFormation.
    const deadLetters = alarms.get(name('warning', 'DeadLetters'))!.AlarmDescription as { 'Fn::Join': [string, unknown[]] };
    expect(deadLetters['Fn::Join'][1]).toContainEqual({ Ref: dlq });
    expect(text(name('signal', 'WriterUnreachable'))).toContain('No mail of its own');
  });
});

describe('composite alarms', () => {
  /** The rule as text, alarm ARNs replaced by the alarms' names. */
  const ruleOf = (props: Props) => {
    const byLogicalId = new Map([...alarms.values()].map((a) => [a.logicalId, a.AlarmName as string]));
    const [, parts] = (props.AlarmRule as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
    return parts.map((p) => (typeof p === 'string' ? p : byLogicalId.get((p as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0]))).join('');
  };
  const sig = (id: string) => `ALARM("eip-failover orders-db signal: ${id}")`;
  const pairAgrees = `${sig('ReplicationIoDown-db-a')} OR ${sig('ReplicationIoDown-db-b')} OR ${sig('ControllerNoHealthyWriter')} OR ${sig('NoWritableNode')}`;

  test('WriterDown pages when the probe lost the writer and the pair agrees', () => {
    const down = composites.get(name('critical', 'WriterDown'))!;
    expect(ruleOf(down)).toBe(`(${sig('WriterUnreachable')} AND (${pairAgrees}))`);
    expect(down).toMatchObject({ AlarmActions: [topic], OKActions: [topic] });
    expect(JSON.stringify(down.AlarmDescription)).toContain('PAGE. Writes through the Elastic IP of orders-db reach no writable database for 2 min');
  });

  test('WriterUnreachableProbeOnly warns when only the probe lost it, held while WriterDown fires', () => {
    const probeOnly = composites.get(name('warning', 'WriterUnreachableProbeOnly'))!;
    expect(ruleOf(probeOnly)).toBe(`(${sig('WriterUnreachable')} AND (NOT ((${pairAgrees}))))`);
    expect(probeOnly).toMatchObject({
      AlarmActions: [topic],
      OKActions: [topic],
      ActionsSuppressor: { 'Fn::GetAtt': [composites.get(name('critical', 'WriterDown'))!.logicalId, 'Arn'] },
      ActionsSuppressorWaitPeriod: 120,
      ActionsSuppressorExtensionPeriod: 60,
    });
  });
});

describe('thresholds and runbook link from props', () => {
  const custom = synthPair({
    monitoring: { thresholds: { lagWarningSec: 30, lagCriticalSec: 120, nodeDownMinutes: 4 }, runbookUrl: 'https://example.com/eip/alarms.md' },
  }).template;
  const customAlarms = alarmsByName(custom);

  test('reach the alarms', () => {
    expect(customAlarms.get(name('warning', 'LagWarning-db-a'))).toMatchObject({ Threshold: 30 });
    expect(customAlarms.get(name('critical', 'LagCritical-db-b'))).toMatchObject({ Threshold: 120 });
    expect(customAlarms.get(name('warning', 'NodeDown-db-a'))).toMatchObject({ EvaluationPeriods: 4, DatapointsToAlarm: 4 });
    expect(JSON.stringify(customAlarms.get(name('warning', 'NodeDown-db-a'))!.AlarmDescription)).toContain('for 4 min');
    expect(JSON.stringify(customAlarms.get(name('critical', 'MoveFailures'))!.AlarmDescription)).toContain('Runbook: https://example.com/eip/alarms.md#movefailures');
  });

  test('bad values fail synth naming the prop', () => {
    expect(() => synthPair({ monitoring: { thresholds: { lagCriticalSec: 0 } } })).toThrow(
      'PairMonitoring Test/OrdersDb/Monitoring: thresholds.lagCriticalSec is 0; use a whole number from 1 to 86400',
    );
    expect(() => synthPair({ monitoring: { runbookUrl: 'see the wiki' } })).toThrow('runbookUrl is "see the wiki"; use an https URL of docs/alarms.md');
  });
});

describe('the topic the alarms notify', () => {
  test('is KMS-encrypted and SSL-only', () => {
    const key = resourceOf(template, 'AWS::KMS::Key');
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [key.id, 'Arn'] } });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [topic],
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Action: 'sns:Publish', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });
});

describe('dashboard', () => {
  const dashboard = resourceOf(template, 'AWS::CloudWatch::Dashboard');
  // The body with references replaced by <LogicalId>, parsed.
  const [, parts] = (dashboard.props.DashboardBody as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
  const bodyText = parts.map((p) => (typeof p === 'string' ? p : `<${Object.values(p as Record<string, unknown>).flat()[0]}>`)).join('');
  const body = JSON.parse(bodyText) as { widgets: Array<{ type: string; properties: Record<string, unknown> }> };
  const graph = (title: string) => body.widgets.find((w) => w.properties.title === title)?.properties as { metrics: unknown[][]; annotations?: unknown } | undefined;

  test('is named after the cluster', () => {
    expect(dashboard.props.DashboardName).toBe('eip-failover-orders-db');
  });

  test('shows every alarm that mails, and no signal', () => {
    const status = body.widgets.find((w) => w.type === 'alarm')!.properties.alarms as string[];
    const mailing = [...alarms.values(), ...composites.values()].filter((a) => !(a.AlarmName as string).includes(' signal: '));
    expect(status.sort()).toEqual(mailing.map((a) => `<${a.logicalId}>`).sort());
  });

  test('the writer, EIP moves and failover latency', () => {
    expect(JSON.stringify(graph('Writer through the EIP')!.metrics)).toBe(
      JSON.stringify([
        [METRIC_NAMESPACE, P.writerReachable, 'ClusterName', 'orders-db', 'Target', 'eip', { label: 'WriterReachable (min)', period: 60, stat: 'Minimum' }],
        [METRIC_NAMESPACE, P.writerConsistent, 'ClusterName', 'orders-db', 'Target', 'eip', { label: 'WriterConsistent (min)', period: 60, stat: 'Minimum' }],
        [METRIC_NAMESPACE, P.writableNodes, 'ClusterName', 'orders-db', 'Target', 'eip', { label: 'WritableNodes (max; must be 1)', period: 60, stat: 'Maximum' }],
      ]),
    );
    const moves = JSON.stringify(graph('EIP moves and failover latency')!.metrics);
    expect(moves).toContain(`["${METRIC_NAMESPACE}","${C.eipMoves}","ClusterName","orders-db",{"label":"EipMoves","period":60,"stat":"Sum"}]`);
    expect(moves).toContain(`["${METRIC_NAMESPACE}","${C.failoverLatencyMs}","ClusterName","orders-db",{"label":"FailoverLatencyMs (max)","period":60,"stat":"Maximum","yAxis":"right"}]`);
    expect(JSON.stringify(graph('EIP holder (1 = EC2 maps the EIP to it)')!.metrics)).toBe(
      JSON.stringify(['db-a', 'db-b'].map((node) => [METRIC_NAMESPACE, N.holdsEip, 'ClusterName', 'orders-db', 'Target', node, { label: `${node} HoldsEip`, period: 60, stat: 'Maximum' }])),
    );
  });

  test('per-node health and lag with the thresholds drawn', () => {
    const up = JSON.stringify(graph('Nodes up (share of probes answered)')!.metrics);
    for (const node of ['db-a', 'db-b']) expect(up).toContain(`["${METRIC_NAMESPACE}","${N.up}","ClusterName","orders-db","Target","${node}"`);
    const lag = graph('Replication lag (s, heartbeat age)')!;
    expect(JSON.stringify(lag.metrics)).toContain(`"${N.replicationLagSec}","ClusterName","orders-db","Target","db-b"`);
    expect(lag.annotations).toEqual({ horizontal: [{ value: 5, label: 'LagWarning', color: '#ff7f0e', yAxis: 'left' }, { value: 10, label: 'LagCritical', color: '#d62728', yAxis: 'left' }] });
  });

  test('probe failures by reason, through a search over the Reason and Target dimensions', () => {
    expect(JSON.stringify(graph('Probe failures by reason')!.metrics)).toContain(
      JSON.stringify(`SEARCH('{EipFailover,ClusterName,Reason,Target} MetricName="${N.failures}" ClusterName="orders-db"', 'Sum', 60)`),
    );
  });
});

describe('the alarm factory refuses a description CloudWatch would refuse (1024 characters)', () => {
  const pair = stack.pairs[0]!;
  const props = (description: string) => ({
    metric: new cloudwatch.Metric({ namespace: METRIC_NAMESPACE, metricName: 'X' }),
    threshold: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    evaluationPeriods: 1,
    severity: 'warning' as const,
    description,
  });

  test('literal text', () => {
    expect(() => pair.alerting.addAlarm(pair, 'Long', props('x'.repeat(1025)))).toThrow('Alerting alarm Long: description is about 1025 characters');
    expect(() => pair.alerting.addAlarm(pair, 'Fits', props('x'.repeat(1024)))).not.toThrow();
  });

  test('a deploy-time value counts as 200 characters', () => {
    const token = Lazy.string({ produce: () => 'name' });
    expect(() => pair.alerting.addAlarm(pair, 'WithToken', props(`${'x'.repeat(900)}${token}`))).toThrow('description is about 1100 characters (deploy-time values counted as 200)');
    expect(() => pair.alerting.addCompositeAlarm(pair, 'LongComposite', { rule: cloudwatch.AlarmRule.fromBoolean(true), severity: 'critical', description: 'x'.repeat(2000) })).toThrow(
      'Alerting composite alarm LongComposite: description is about 2000 characters',
    );
  });
});
