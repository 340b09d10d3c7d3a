/** Alerting hook-up points: encrypted SSL-only topic, email subscriptions, the alarm factory. */
import { App, Duration } from 'aws-cdk-lib';
import { EipFailoverStack } from '../../lib/cdk/stack';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { NO_BUNDLING, resourceOf, stubAgentPackage, synthPair } from './cdk-fixture';

test('the topic is KMS-encrypted and refuses publishing without TLS', () => {
  const { template } = synthPair();
  const key = resourceOf(template, 'AWS::KMS::Key');
  expect(key.props.EnableKeyRotation).toBe(true);
  template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [key.id, 'Arn'] } });
  template.hasResourceProperties('AWS::SNS::TopicPolicy', {
    PolicyDocument: { Statement: [Match.objectLike({ Effect: 'Deny', Action: 'sns:Publish', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })] },
  });
  // CloudWatch may use the key to publish alarms to the topic.
  expect(JSON.stringify(key.props.KeyPolicy)).toContain('cloudwatch.amazonaws.com');
  template.resourceCountIs('AWS::SNS::Subscription', 0);
});

test('email subscriptions from props; a malformed address is refused', () => {
  const { template } = synthPair({ alertEmails: ['dba@example.com', 'oncall@example.com'] });
  template.resourceCountIs('AWS::SNS::Subscription', 2);
  template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'dba@example.com' });
  expect(() => synthPair({ alertEmails: ['not-an-address'] })).toThrow(/emails\[0\] is "not-an-address"/);
});

test('the alarm factory: M of N, missing data, alarm and OK actions on the topic', () => {
  const app = new App({ context: NO_BUNDLING });
  const stack = new EipFailoverStack(app, 'Alarms', { pairs: [{ clusterName: 'orders-db', agentPackageDir: stubAgentPackage() }] });
  const pair = stack.pairs[0]!;
  pair.alerting.addAlarm(pair, 'WriterUnreachable', {
    metric: new cloudwatch.Metric({ namespace: 'EipFailover', metricName: 'WriterReachable', period: Duration.seconds(60), statistic: 'Minimum' }),
    threshold: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
    evaluationPeriods: 3,
    datapointsToAlarm: 2,
    treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    severity: 'critical',
    description: 'The EIP does not reach a writer.',
  });
  const t = Template.fromStack(stack);
  const topic = resourceOf(t, 'AWS::SNS::Topic').id;
  t.hasResourceProperties('AWS::CloudWatch::Alarm', {
    AlarmName: 'eip-failover orders-db critical: WriterUnreachable',
    EvaluationPeriods: 3,
    DatapointsToAlarm: 2,
    TreatMissingData: 'breaching',
    AlarmActions: [{ Ref: topic }],
    OKActions: [{ Ref: topic }],
  });
  expect(() =>
    pair.alerting.addAlarm(pair, 'Bad', {
      metric: new cloudwatch.Metric({ namespace: 'X', metricName: 'Y' }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      datapointsToAlarm: 2,
      severity: 'warning',
      description: 'x',
    }),
  ).toThrow(/datapointsToAlarm is 2 of 1; use M <= N/);
});
