/** cdk-nag AwsSolutions: zero unacknowledged findings, in every shape of the app. */
import { App, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { AwsSolutionsChecks } from 'cdk-nag';
import { buildApp } from '../../lib/cdk/app';
import { NO_BUNDLING, stubAgentPackage, synthPair, synthPairs } from './cdk-fixture';

const findings = (app: App) =>
  new AwsSolutionsChecks(app).validateScope(app).violations.map((v) => `${v.ruleName} ${v.violatingResources.map((r) => r.constructPath).join(' ')}`);

test('the app as cdk.json builds it', () => {
  const app = new App({ context: { ...NO_BUNDLING, clusterName: 'orders-db' } });
  buildApp(app, { assemblePackage: false, agentPackageDir: stubAgentPackage(), nag: false });
  expect(findings(app)).toEqual([]);
});

test('adopted instances, an existing VPC, client CIDRs, emails', () => {
  const { app } = synthPair(
    {
      clientCidrs: ['198.51.100.0/24'],
      alertEmails: ['dba@example.com'],
      adoptInstances: [
        { instanceId: 'i-0123456789abcdef0', networkInterfaceId: 'eni-0123456789abcdef0', privateIp: '10.0.1.10', availabilityZone: 'eu-west-1a' },
        { instanceId: 'i-0fedcba9876543210', networkInterfaceId: 'eni-0fedcba9876543210', privateIp: '10.0.2.10', availabilityZone: 'eu-west-1b' },
      ],
    },
    { existingVpc: { vpcId: 'vpc-0123456789abcdef0', publicSubnetIds: ['subnet-0aaaaaaaaaaaaaaaa', 'subnet-0bbbbbbbbbbbbbbbb'], availabilityZones: ['eu-west-1a', 'eu-west-1b'] } },
  );
  expect(findings(app)).toEqual([]);
});

test('two pairs in one stack', () => {
  expect(findings(synthPairs([{ clusterName: 'orders-db' }, { clusterName: 'billing-db' }]).app)).toEqual([]);
});

test('monitoring shapes: pairs sharing an existing VPC (one set of endpoints), a pair without endpoints, custom thresholds', () => {
  const existingVpc = { vpcId: 'vpc-0123456789abcdef0', publicSubnetIds: ['subnet-0aaaaaaaaaaaaaaaa', 'subnet-0bbbbbbbbbbbbbbbb'], availabilityZones: ['eu-west-1a', 'eu-west-1b'] };
  const { app } = synthPairs(
    [
      { clusterName: 'orders-db', monitoring: { thresholds: { lagWarningSec: 30, lagCriticalSec: 60 } } },
      { clusterName: 'billing-db' },
    ],
    { existingVpc },
  );
  expect(findings(app)).toEqual([]);
  expect(findings(synthPair({ monitoring: { vpcEndpoints: false } }).app)).toEqual([]);
});

test('the checks do find what is not acknowledged (world-open SG without the flag is refused earlier; termination protection off is acknowledged)', () => {
  const { app } = synthPair({ terminationProtection: false });
  expect(findings(app)).toEqual([]);
  // Without the construct's acknowledgement the same instance would be a finding:
  const raw = new App({ context: NO_BUNDLING });
  new ec2.CfnInstance(new Stack(raw, 'Raw'), 'I', { imageId: 'ami-12345678', instanceType: 't4g.small' });
  expect(findings(raw).some((f) => f.startsWith('AwsSolutions-EC29'))).toBe(true);
});
