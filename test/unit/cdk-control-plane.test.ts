/** Control plane: the rule (shared pattern), targets, async config, the controller function, table, queue. */
import { Match } from 'aws-cdk-lib/assertions';
import { parseClusterConfig } from '../../lib/config/parse';
import { agentEventPattern, agentEventPatternFor } from '../../lib/events/pattern';
import { fakeIntrinsics, resourceOf, synthPair } from './cdk-fixture';

const { template } = synthPair({ controllerSettings: { flapDampingSec: 300, maxReplicaLagSec: 5 } });
const fn = resourceOf(template, 'AWS::Lambda::Function', 'ControllerFunction');
const dlq = resourceOf(template, 'AWS::SQS::Queue', 'DeadLetters');
const bus = resourceOf(template, 'AWS::Events::EventBus');
const param = resourceOf(template, 'AWS::SSM::Parameter');
const config = parseClusterConfig(JSON.parse(fakeIntrinsics(template)(param.props.Value) as string));

test('the agent rule on the pair bus uses the shared pattern, exactly', () => {
  const rule = resourceOf(template, 'AWS::Events::Rule', 'AgentEvents');
  expect(rule.props.EventBusName).toEqual({ Ref: bus.id });
  expect(rule.props.EventPattern).toEqual(agentEventPatternFor(config));
  expect(rule.props.EventPattern).toEqual(agentEventPattern(['eip-failover.orders-db.db-a', 'eip-failover.orders-db.db-b']));
});

test('both rules target the controller with a maximum event age, retries and the dead-letter queue', () => {
  for (const part of ['AgentEvents', 'Reconcile']) {
    expect(resourceOf(template, 'AWS::Events::Rule', part).props.Targets).toEqual([
      {
        Arn: { 'Fn::GetAtt': [fn.id, 'Arn'] },
        Id: 'Target0',
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [dlq.id, 'Arn'] } },
        RetryPolicy: { MaximumEventAgeInSeconds: 60, MaximumRetryAttempts: 2 },
      },
    ]);
  }
  expect(resourceOf(template, 'AWS::Events::Rule', 'Reconcile').props.ScheduleExpression).toBe('rate(1 minute)');
});

test('Lambda async invocation: maximum age, retries, on-failure destination', () => {
  template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
    FunctionName: { Ref: fn.id },
    Qualifier: '$LATEST',
    MaximumEventAgeInSeconds: 60,
    MaximumRetryAttempts: 1,
    DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [dlq.id, 'Arn'] } } },
  });
});

test('the controller: arm64, Node.js 24, reserved concurrency 1, own log group, config and settings in its environment', () => {
  expect(fn.props).toMatchObject({
    Architectures: ['arm64'],
    Runtime: 'nodejs24.x',
    Handler: 'index.handler',
    ReservedConcurrentExecutions: 1,
    Timeout: 30,
    LoggingConfig: { LogGroup: { Ref: resourceOf(template, 'AWS::Logs::LogGroup', 'ControllerLogs').id } },
  });
  const env = (fn.props.Environment as { Variables: Record<string, unknown> }).Variables;
  expect(env).toMatchObject({
    // The config itself (test/unit/cdk-controller-function.test.ts); nothing to read at cold start.
    EIP_FAILOVER_CONFIG: expect.anything(),
    EIP_FAILOVER_TABLE_NAME: { Ref: resourceOf(template, 'AWS::DynamoDB::Table').id },
    EIP_FAILOVER_TOPIC_ARN: { Ref: resourceOf(template, 'AWS::SNS::Topic').id },
    EIP_FAILOVER_FLAP_DAMPING_SEC: '300',
    EIP_FAILOVER_MAX_REPLICA_LAG_SEC: '5',
  });
  // The document changes with the ids: a replaced instance makes Lambda start fresh instances.
  expect(JSON.stringify(env.EIP_FAILOVER_CONFIG)).toContain(resourceOf(template, 'AWS::EC2::Instance', 'NodeA').id);
  template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
});

test('invalid controller settings fail synth with the controller\'s own message', () => {
  expect(() => synthPair({ controllerSettings: { maxEventAgeSec: 1 } })).toThrow(/settings are invalid: .*EIP_FAILOVER_MAX_EVENT_AGE_SEC="1": expected a whole number from 5/s);
});

test('the state table: pk string key, on demand, point-in-time recovery', () => {
  template.hasResourceProperties('AWS::DynamoDB::Table', {
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
    BillingMode: 'PAY_PER_REQUEST',
    PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
  });
});

test('the dead-letter queue is encrypted and SSL-only', () => {
  expect(dlq.props).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 1209600 });
  template.hasResourceProperties('AWS::SQS::QueuePolicy', {
    PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
  });
});

test('the bus is named after the cluster, as the config says', () => {
  expect(bus.props.Name).toBe('eip-failover-orders-db');
  expect(config.eventBus.name).toBe('eip-failover-orders-db');
});
