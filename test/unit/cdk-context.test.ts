/** Context parameters: parsing, defaults, and errors that name the key. */
import { settingsFromContext } from '../../lib/cdk/context';

const from = (ctx: Record<string, unknown>) => settingsFromContext((k) => ctx[k], Object.keys(ctx));

test('the minimum: a cluster name; env-agnostic stack', () => {
  const s = from({ clusterName: 'orders-db' });
  expect(s.stackName).toBe('EipFailover-orders-db');
  expect(s.env).toBeUndefined();
  expect(s.pair.clusterName).toBe('orders-db');
});

test('-c strings and cdk.json JSON types give the same settings', () => {
  const a = from({ clusterName: 'x', clientCidrs: '198.51.100.0/24, 203.0.113.0/24', terminationProtection: 'false', virtualRouterId: '52', alertEmails: 'a@example.com' });
  const b = from({ clusterName: 'x', clientCidrs: ['198.51.100.0/24', '203.0.113.0/24'], terminationProtection: false, virtualRouterId: 52, alertEmails: ['a@example.com'] });
  expect(a).toEqual(b);
  expect(a.pair).toMatchObject({ clientCidrs: ['198.51.100.0/24', '203.0.113.0/24'], terminationProtection: false, virtualRouterId: 52 });
});

test('existing VPC and adopted instances from context', () => {
  const s = from({
    clusterName: 'x',
    vpcId: 'vpc-0123456789abcdef0',
    publicSubnetIds: 'subnet-0aaaaaaaaaaaaaaaa,subnet-0bbbbbbbbbbbbbbbb',
    availabilityZones: 'eu-west-1a,eu-west-1b',
    adoptInstances: JSON.stringify([
      { instanceId: 'i-0123456789abcdef0', networkInterfaceId: 'eni-0123456789abcdef0', privateIp: '10.0.1.10', availabilityZone: 'eu-west-1a' },
      { instanceId: 'i-0fedcba9876543210', networkInterfaceId: 'eni-0fedcba9876543210', privateIp: '10.0.2.10', availabilityZone: 'eu-west-1b', eipPrivateIp: '10.0.2.11' },
    ]),
  });
  expect(s.pair.adoptInstances?.map((a) => a.eipPrivateIp)).toEqual([undefined, '10.0.2.11']);
  expect(s.pair.adoptInstances?.[0]).not.toHaveProperty('eipPrivateIp');
  expect(s.existingVpc).toEqual({ vpcId: 'vpc-0123456789abcdef0', vpcCidr: undefined, publicSubnetIds: ['subnet-0aaaaaaaaaaaaaaaa', 'subnet-0bbbbbbbbbbbbbbbb'], availabilityZones: ['eu-west-1a', 'eu-west-1b'] });
  expect(s.pair.adoptInstances?.[1].instanceId).toBe('i-0fedcba9876543210');
});

test.each([
  [{}, /context key "clusterName" is missing; name the pair, e.g. -c clusterName=orders-db/],
  [{ clusterName: 'Orders' }, /context key "clusterName" is "Orders"/],
  [{ clusterName: 'x', clustername: 'y' }, /context key "clustername" is not a setting of this app; use one of clusterName, /],
  [{ clusterName: 'x', terminationProtection: 'yes' }, /context key "terminationProtection" is "yes"; use true or false/],
  [{ clusterName: 'x', virtualRouterId: '300' }, /context key "virtualRouterId" is "300"; use a whole number from 1 to 255/],
  [{ clusterName: 'x', region: 'eu-west-1' }, /context key "availabilityZones" is needed with region \(eu-west-1\)/],
  [{ clusterName: 'x', account: '42' }, /context key "account" is "42"; use a 12-digit account id/],
  [{ clusterName: 'x', vpcId: 'vpc-0123456789abcdef0' }, /context key "publicSubnetIds" must list two public subnets when vpcId is set/],
  [{ clusterName: 'x', publicSubnetIds: 'subnet-1,subnet-2' }, /context key "publicSubnetIds" is set without vpcId/],
  [{ clusterName: 'x', adoptInstances: '[{' }, /context key "adoptInstances" is not valid JSON/],
  [{ clusterName: 'x', adoptInstances: [{ instanceId: 'i-1' }, {}] }, /context key "adoptInstances" \[0\]\.networkInterfaceId is missing/],
  [{ clusterName: 'x', instanceType: 'big' }, /context key "instanceType" is "big"/],
  [
    { clusterName: 'x', adoptInstances: [0, 1].map(() => ({ instanceId: 'i-1', networkInterfaceId: 'eni-1', privateIp: '10.0.1.10', availabilityZone: 'eu-west-1a', eipPrivateIp: 11 })) },
    /context key "adoptInstances" \[0\]\.eipPrivateIp is 11; give a secondary private IP of the instance as a string, or leave it out/,
  ],
])('%j is refused', (ctx, message) => {
  expect(() => from(ctx)).toThrow(message);
});

test('CDK\'s own keys (feature flags, aws:cdk:*) are not taken for typos', () => {
  expect(() => from({ clusterName: 'x', '@aws-cdk/core:checkSecretUsage': true, 'aws:cdk:bundling-stacks': [] })).not.toThrow();
});
