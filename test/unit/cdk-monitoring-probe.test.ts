/**
 * The probe Lambda as synthesized: VPC placement, security group rules (MySQL to the nodes, HTTPS
 * to the endpoints, nothing else), the interface endpoints, environment, every IAM statement,
 * the schedule and its retry settings.
 */
import type { Template } from 'aws-cdk-lib/assertions';
import { fakeIntrinsics, resourceOf, synthPair, synthPairs } from './cdk-fixture';

type Props = Record<string, unknown>;
const { template } = synthPair();
const resolve = fakeIntrinsics(template);
const fn = resourceOf(template, 'AWS::Lambda::Function', 'MonitoringProbeFunction');
const sg = (part: string, t: Template = template) => ({ 'Fn::GetAtt': [resourceOf(t, 'AWS::EC2::SecurityGroup', part).id, 'GroupId'] });
const probeSg = sg('SecurityGroupsProbe');
const nodesSg = sg('SecurityGroupsNodes');
const endpointSg = sg('ProbeEndpointsSecurityGroup');
const subnets = (t: Template = template) => Object.keys(t.findResources('AWS::EC2::Subnet')).sort().map((id) => ({ Ref: id }));
const rulesOf = (t: Template, type: string, group: unknown) =>
  Object.values(t.findResources(type))
    .map((r) => r.Properties as Props)
    .filter((p) => JSON.stringify(p.GroupId) === JSON.stringify(group));

describe('the function', () => {
  test('arm64, Node.js 24, 70 s timeout, its own log group, no reserved concurrency', () => {
    expect(fn.props).toMatchObject({
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      Timeout: 70,
      MemorySize: 256,
      LoggingConfig: { LogGroup: { Ref: resourceOf(template, 'AWS::Logs::LogGroup', 'MonitoringProbeLogs').id } },
    });
    expect(fn.props.ReservedConcurrentExecutions).toBeUndefined();
    template.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: '/eip-failover/orders-db/probe', RetentionInDays: 30 });
  });

  test('runs in the pair\'s two subnets with the probe security group only', () => {
    expect(fn.props.VpcConfig).toEqual({ SubnetIds: subnets(), SecurityGroupIds: [probeSg] });
  });

  test('environment: exactly the contract\'s variables; the config inline, the SSM parameter\'s document (no read at cold start)', () => {
    const env = (fn.props.Environment as { Variables: Props }).Variables;
    const intrinsics = fakeIntrinsics(template);
    expect(intrinsics(env.EIP_FAILOVER_CONFIG)).toEqual(intrinsics(resourceOf(template, 'AWS::SSM::Parameter').props.Value));
    expect(env).toEqual({
      EIP_FAILOVER_CONFIG: env.EIP_FAILOVER_CONFIG,
      EIP_FAILOVER_PROBE_SECRET_ARN: { Ref: resourceOf(template, 'AWS::SecretsManager::Secret', 'SecretsProbe').id },
      EIP_FAILOVER_PROBE_EVERY_MS: '10000',
      EIP_FAILOVER_PROBE_CONNECT_TIMEOUT_MS: '2000',
    });
  });

  test('every minute from a schedule; no retries of a late or failed invocation', () => {
    const rule = resourceOf(template, 'AWS::Events::Rule', 'MonitoringProbeSchedule');
    expect(rule.props).toMatchObject({ ScheduleExpression: 'rate(1 minute)', State: 'ENABLED' });
    expect(rule.props.Targets).toEqual([{ Arn: { 'Fn::GetAtt': [fn.id, 'Arn'] }, Id: 'Target0', RetryPolicy: { MaximumEventAgeInSeconds: 60, MaximumRetryAttempts: 0 } }]);
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { FunctionName: { Ref: fn.id }, Qualifier: '$LATEST', MaximumEventAgeInSeconds: 60, MaximumRetryAttempts: 0 });
  });

  test('probe settings reach the environment; a connect timeout not below the interval is refused', () => {
    const custom = synthPair({ monitoring: { probe: { intervalMs: 5000, connectTimeoutMs: 1500 } } }).template;
    const env = (resourceOf(custom, 'AWS::Lambda::Function', 'MonitoringProbeFunction').props.Environment as { Variables: Props }).Variables;
    expect(env).toMatchObject({ EIP_FAILOVER_PROBE_EVERY_MS: '5000', EIP_FAILOVER_PROBE_CONNECT_TIMEOUT_MS: '1500' });
    // The probe's own validation (lambda/probe/settings.ts) runs at synth.
    expect(() => synthPair({ monitoring: { probe: { intervalMs: 2000, connectTimeoutMs: 2000 } } })).toThrow(
      /ProbeFunction Test\/OrdersDb\/Monitoring\/Probe: intervalMs\/connectTimeoutMs are invalid: .*EIP_FAILOVER_PROBE_CONNECT_TIMEOUT_MS \(2000\) must be below EIP_FAILOVER_PROBE_EVERY_MS \(2000\)/s,
    );
    expect(() => synthPair({ monitoring: { probe: { intervalMs: 500 } } })).toThrow(/EIP_FAILOVER_PROBE_EVERY_MS="500": expected a whole number of milliseconds from 1000 to 60000/);
  });
});

describe("configFrom: 'ssm'", () => {
  const t = synthPair({ monitoring: { probe: { configFrom: 'ssm' } } }).template;
  const env = (resourceOf(t, 'AWS::Lambda::Function', 'MonitoringProbeFunction').props.Environment as { Variables: Props }).Variables;

  test('the ssm: ref and a version that changes with the ids; GetParameter on that parameter; the SSM endpoint', () => {
    expect(env).toMatchObject({ EIP_FAILOVER_CONFIG_REF: 'ssm:/eip-failover/orders-db/config' });
    expect(env.EIP_FAILOVER_CONFIG).toBeUndefined();
    // A replaced instance changes the version, so Lambda starts fresh instances that reread SSM.
    expect(JSON.stringify(env.EIP_FAILOVER_CONFIG_VERSION)).toContain(resourceOf(t, 'AWS::EC2::Instance', 'NodeA').id);
    const role = resourceOf(t, 'AWS::IAM::Role', 'MonitoringProbeRole').id;
    const actions = Object.values(t.findResources('AWS::IAM::Policy'))
      .filter((p) => (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref === role))
      .flatMap((p) => (p.Properties.PolicyDocument.Statement as Array<{ Action: string | string[] }>).flatMap((st) => [st.Action].flat()));
    expect(actions).toContain('ssm:GetParameter');
    expect(Object.values(t.findResources('AWS::EC2::VPCEndpoint')).map((r) => JSON.stringify(r.Properties.ServiceName))).toEqual([
      expect.stringContaining('.ssm'),
      expect.stringContaining('secretsmanager'),
      expect.stringContaining('.ec2'),
    ]);
  });

  test('a config too large for the probe\'s environment fails synth naming the prop that fixes it', () => {
    const socket = `/run/${'m'.repeat(4096)}/mysqld.sock`;
    expect(() => synthPair({ mysql: { socket }, controllerSettings: { configFrom: 'ssm' } })).toThrow(/ProbeFunction .*: config would make the function's environment up to \d+ bytes .* or set monitoring\.probe\.configFrom to 'ssm'/);
  });
});

describe('IAM', () => {
  const role = resourceOf(template, 'AWS::IAM::Role', 'MonitoringProbeRole');
  const statements = Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((p) => (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref === role.id))
    .flatMap((p) => resolve(p.Properties.PolicyDocument.Statement) as unknown[]);

  test('exactly: its logs, the VPC attachment, DescribeAddresses in the region, the probe secret', () => {
    expect(statements).toEqual([
      { Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: resolve({ 'Fn::GetAtt': [resourceOf(template, 'AWS::Logs::LogGroup', 'MonitoringProbeLogs').id, 'Arn'] }) },
      {
        Effect: 'Allow',
        Action: ['ec2:CreateNetworkInterface', 'ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets', 'ec2:DeleteNetworkInterface', 'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses'],
        Resource: '*',
      },
      { Effect: 'Allow', Action: 'ec2:DescribeAddresses', Resource: '*', Condition: { StringEquals: { 'aws:RequestedRegion': 'eu-west-1' } } },
      { Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: resolve({ Ref: resourceOf(template, 'AWS::SecretsManager::Secret', 'SecretsProbe').id }) },
    ]);
  });

  test('no managed policy (not even AWSLambdaVPCAccessExecutionRole), assumed by Lambda only', () => {
    expect(role.props.ManagedPolicyArns).toBeUndefined();
    expect(role.props.AssumeRolePolicyDocument).toEqual({ Version: '2012-10-17', Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } }] });
  });
});

describe('network', () => {
  test('the probe group: MySQL to the nodes and HTTPS to the endpoints, nothing else; no ingress', () => {
    expect(rulesOf(template, 'AWS::EC2::SecurityGroupEgress', probeSg)).toEqual([
      { GroupId: probeSg, IpProtocol: 'tcp', FromPort: 3306, ToPort: 3306, DestinationSecurityGroupId: nodesSg, Description: 'MySQL to the nodes' },
      { GroupId: probeSg, IpProtocol: 'tcp', FromPort: 443, ToPort: 443, DestinationSecurityGroupId: endpointSg, Description: 'HTTPS to the VPC endpoints' },
    ]);
    expect(rulesOf(template, 'AWS::EC2::SecurityGroupIngress', probeSg)).toEqual([]);
    expect(resourceOf(template, 'AWS::EC2::SecurityGroup', 'SecurityGroupsProbe').props.SecurityGroupEgress).toBeUndefined();
  });

  test('the MySQL port follows the config', () => {
    const t = synthPair({ mysql: { port: 3307 } }).template;
    expect(rulesOf(t, 'AWS::EC2::SecurityGroupEgress', sg('SecurityGroupsProbe', t))[0]).toMatchObject({ FromPort: 3307, ToPort: 3307 });
  });

  test('interface endpoints for Secrets Manager and EC2 (no SSM: the config is inline) with private DNS in both subnets; HTTPS in from the probe and the nodes only', () => {
    const endpoints = Object.values(template.findResources('AWS::EC2::VPCEndpoint')).map((r) => r.Properties as Props);
    expect(endpoints.map((e) => resolve(e.ServiceName))).toEqual(['com.amazonaws.eu-west-1.secretsmanager', 'com.amazonaws.eu-west-1.ec2']);
    for (const e of endpoints) {
      expect(e).toMatchObject({ VpcEndpointType: 'Interface', PrivateDnsEnabled: true, SecurityGroupIds: [endpointSg] });
      expect([...(e.SubnetIds as unknown[])].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))).toEqual(subnets());
    }
    expect(rulesOf(template, 'AWS::EC2::SecurityGroupIngress', endpointSg)).toEqual([
      { GroupId: endpointSg, IpProtocol: 'tcp', FromPort: 443, ToPort: 443, SourceSecurityGroupId: probeSg, Description: 'HTTPS from the probe of orders-db' },
      { GroupId: endpointSg, IpProtocol: 'tcp', FromPort: 443, ToPort: 443, SourceSecurityGroupId: nodesSg, Description: 'HTTPS from the nodes of orders-db' },
    ]);
  });

  test('vpcEndpoints: false creates none and lets the probe send HTTPS out (your endpoints or NAT)', () => {
    const t = synthPair({ monitoring: { vpcEndpoints: false } }).template;
    t.resourceCountIs('AWS::EC2::VPCEndpoint', 0);
    expect(rulesOf(t, 'AWS::EC2::SecurityGroupEgress', sg('SecurityGroupsProbe', t))).toEqual([expect.objectContaining({ FromPort: 3306, DestinationSecurityGroupId: sg('SecurityGroupsNodes', t) })]);
    expect(resourceOf(t, 'AWS::EC2::SecurityGroup', 'SecurityGroupsProbe').props.SecurityGroupEgress).toEqual([
      { IpProtocol: 'tcp', FromPort: 443, ToPort: 443, CidrIp: '0.0.0.0/0', Description: 'HTTPS to Secrets Manager, EC2 and with configFrom ssm SSM (your endpoints or NAT)' },
    ]);
  });

  test('pairs sharing a VPC share one set of endpoints (two with private DNS cannot coexist)', () => {
    const existingVpc = { vpcId: 'vpc-0123456789abcdef0', publicSubnetIds: ['subnet-0aaaaaaaaaaaaaaaa', 'subnet-0bbbbbbbbbbbbbbbb'], availabilityZones: ['eu-west-1a', 'eu-west-1b'] };
    const t = synthPairs([{ clusterName: 'orders-db' }, { clusterName: 'billing-db' }], { existingVpc }).template;
    t.resourceCountIs('AWS::EC2::VPCEndpoint', 2);
    const shared = { 'Fn::GetAtt': [resourceOf(t, 'AWS::EC2::SecurityGroup', 'ProbeEndpoints').id, 'GroupId'] };
    expect(rulesOf(t, 'AWS::EC2::SecurityGroupIngress', shared).map((r) => r.Description)).toEqual([
      'HTTPS from the probe of orders-db',
      'HTTPS from the nodes of orders-db',
      'HTTPS from the probe of billing-db',
      'HTTPS from the nodes of billing-db',
    ]);
    // Pairs with their own VPCs get their own endpoints.
    synthPairs([{ clusterName: 'orders-db' }, { clusterName: 'billing-db' }]).template.resourceCountIs('AWS::EC2::VPCEndpoint', 4);
    // A pair whose probe reads SSM adds the SSM endpoint to the shared set, once.
    const mixed = synthPairs([{ clusterName: 'orders-db' }, { clusterName: 'billing-db', monitoring: { probe: { configFrom: 'ssm' } } }], { existingVpc }).template;
    expect(Object.values(mixed.findResources('AWS::EC2::VPCEndpoint')).map((r) => JSON.stringify(r.Properties.ServiceName))).toEqual([
      expect.stringContaining('secretsmanager'),
      expect.stringContaining('.ec2'),
      expect.stringContaining('.ssm'),
    ]);
  });
});
