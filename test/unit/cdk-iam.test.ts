/** Every IAM statement of the controller and the node roles, and the event bus policy. */
import { fakeIntrinsics, resourceOf, synthPair } from './cdk-fixture';

const { template } = synthPair();
const resolve = fakeIntrinsics(template);
const ids = {
  roleA: resourceOf(template, 'AWS::IAM::Role', 'NodeARole').id,
  roleB: resourceOf(template, 'AWS::IAM::Role', 'NodeBRole').id,
  controllerRole: resourceOf(template, 'AWS::IAM::Role', 'ControllerRole').id,
  bus: resourceOf(template, 'AWS::Events::EventBus').id,
  eip: resourceOf(template, 'AWS::EC2::EIP', 'AddressEip').id, // the writer's EIP, not the nodes' egress EIPs
  eniA: resourceOf(template, 'AWS::EC2::NetworkInterface', 'NodeA').id,
  eniB: resourceOf(template, 'AWS::EC2::NetworkInterface', 'NodeB').id,
  instA: resourceOf(template, 'AWS::EC2::Instance', 'NodeA').id,
  instB: resourceOf(template, 'AWS::EC2::Instance', 'NodeB').id,
  param: resourceOf(template, 'AWS::SSM::Parameter').id,
  table: resourceOf(template, 'AWS::DynamoDB::Table').id,
  topic: resourceOf(template, 'AWS::SNS::Topic').id,
  key: resourceOf(template, 'AWS::KMS::Key').id,
  dlq: resourceOf(template, 'AWS::SQS::Queue').id,
  logs: resourceOf(template, 'AWS::Logs::LogGroup', 'ControllerLogs').id,
};
const r = (id: string, attr?: string) => resolve(attr ? { 'Fn::GetAtt': [id, attr] } : { Ref: id });
const arn = (service: string, rest: string) => `arn:aws:${service}:eu-west-1:123456789012:${rest}`;
const paramArn = `arn:aws:ssm:eu-west-1:123456789012:parameter${r(ids.param)}`;

/** The inline statements of a role (all its AWS::IAM::Policy resources), intrinsics resolved. */
function statementsOf(roleId: string): unknown[] {
  const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((p) =>
    (p.Properties.Roles as { Ref: string }[]).some((x) => x.Ref === roleId),
  );
  return policies.flatMap((p) => resolve(p.Properties.PolicyDocument.Statement) as unknown[]);
}

const actionsOf = (statements: unknown[]) => statements.flatMap((s) => [(s as { Action: string | string[] }).Action].flat());

describe('controller role', () => {
  const statements = statementsOf(ids.controllerRole);

  test('has exactly the statements docs/controller.md lists', () => {
    expect(statements).toEqual([
      { Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: r(ids.logs, 'Arn') },
      {
        Effect: 'Allow',
        Action: ['ec2:DescribeAddresses', 'ec2:DescribeInstances'],
        Resource: '*',
        Condition: { StringEquals: { 'aws:RequestedRegion': 'eu-west-1' } },
      },
      {
        Effect: 'Allow',
        Action: 'ec2:AssociateAddress',
        Resource: [
          arn('ec2', `elastic-ip/${r(ids.eip, 'AllocationId')}`),
          arn('ec2', `network-interface/${r(ids.eniA)}`),
          arn('ec2', `network-interface/${r(ids.eniB)}`),
          arn('ec2', `instance/${r(ids.instA)}`),
          arn('ec2', `instance/${r(ids.instB)}`),
        ],
        Condition: { StringEquals: { 'aws:ResourceTag/eip-failover:cluster': 'orders-db' } },
      },
      { Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:PutItem'], Resource: r(ids.table, 'Arn') },
      // No ssm:GetParameter: the config is in the function's environment (cdk-controller-function.test.ts).
      { Effect: 'Allow', Action: 'sns:Publish', Resource: r(ids.topic) },
      { Effect: 'Allow', Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Resource: r(ids.key, 'Arn') },
      // The Lambda on-failure destination (added by CDK's SqsDestination).
      { Effect: 'Allow', Action: ['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'], Resource: r(ids.dlq, 'Arn') },
    ]);
  });

  test('has no managed policy and no wildcard action', () => {
    expect(template.toJSON().Resources[ids.controllerRole].Properties.ManagedPolicyArns).toBeUndefined();
    expect(actionsOf(statements).filter((a) => a.includes('*'))).toEqual([]);
  });
});

describe('node roles', () => {
  test.each([
    ['A', 'db-a'],
    ['B', 'db-b'],
  ])('node %s has exactly its statements, publishing only as %s', (letter, nodeId) => {
    const statements = statementsOf(letter === 'A' ? ids.roleA : ids.roleB);
    const s3 = statements.find((s) => (s as { Action: string }).Action === 's3:GetObject') as { Resource: string };
    expect(s3.Resource).toMatch(/^arn:aws:s3:::cdk-[a-z0-9]+-assets-123456789012-eu-west-1\/[0-9a-f]{64}\.zip$/);
    expect(statements).toEqual([
      {
        Effect: 'Allow',
        Action: 'ec2:DescribeAddresses',
        Resource: '*',
        Condition: { StringEquals: { 'aws:RequestedRegion': 'eu-west-1' } },
      },
      {
        Effect: 'Allow',
        Action: 'events:PutEvents',
        Resource: r(ids.bus, 'Arn'),
        Condition: {
          StringEquals: { 'events:source': [`eip-failover.orders-db.${nodeId}`], 'events:detail-type': ['VRRP State Change', 'VRRP Heartbeat'] },
        },
      },
      { Effect: 'Allow', Action: 's3:GetObject', Resource: s3.Resource },
      {
        Effect: 'Allow',
        Action: 'secretsmanager:GetSecretValue',
        Resource: [
          r(resourceOf(template, 'AWS::SecretsManager::Secret', 'Replication').id),
          r(resourceOf(template, 'AWS::SecretsManager::Secret', 'HealthCheck').id),
          r(resourceOf(template, 'AWS::SecretsManager::Secret', 'Probe').id),
        ],
      },
      { Effect: 'Allow', Action: 'ssm:GetParameter', Resource: paramArn },
    ]);
  });

  test('have no EC2 write permission at all (inline or managed)', () => {
    for (const role of [ids.roleA, ids.roleB]) {
      const ec2 = actionsOf(statementsOf(role)).filter((a) => a.startsWith('ec2:'));
      expect(ec2).toEqual(['ec2:DescribeAddresses']);
      const managed = resolve(template.toJSON().Resources[role].Properties.ManagedPolicyArns);
      expect(managed).toEqual(['arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore']);
    }
  });

  test('are assumed by EC2 only', () => {
    for (const role of [ids.roleA, ids.roleB]) {
      expect(template.toJSON().Resources[role].Properties.AssumeRolePolicyDocument.Statement).toEqual([
        { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' } },
      ]);
    }
  });
});

describe('event bus policy', () => {
  const statements = Object.values(template.findResources('AWS::Events::EventBusPolicy')).map((p) => resolve(p.Properties.Statement));
  const roleArns = [r(ids.roleA, 'Arn'), r(ids.roleB, 'Arn')];

  test('admits the two node roles and denies every other principal', () => {
    expect(statements).toEqual([
      { Sid: 'cdk-NodeRolesMayPut', Effect: 'Allow', Action: 'events:PutEvents', Principal: { AWS: roleArns }, Resource: r(ids.bus, 'Arn') },
      {
        Sid: 'cdk-OnlyNodeRolesMayPut',
        Effect: 'Deny',
        Action: 'events:PutEvents',
        Principal: { AWS: '*' },
        Resource: r(ids.bus, 'Arn'),
        Condition: { ArnNotEquals: { 'aws:PrincipalArn': roleArns } },
      },
    ]);
  });
});
