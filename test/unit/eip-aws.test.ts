import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DescribeAddressesCommand, type Address } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { ClusterConfigSchema } from '../../lib/config/schema';
import { AwsEipOwnership, createEc2Client } from '../../node-agent/eip/aws';

const ALLOC = 'eipalloc-0123456789abcdef0';
const SELF = { networkInterfaceId: 'eni-0aaaaaaaaaaaaaaaa', instanceId: 'i-0aaaaaaaaaaaaaaaa' };
const PEER = { networkInterfaceId: 'eni-0bbbbbbbbbbbbbbbb', instanceId: 'i-0bbbbbbbbbbbbbbbb' };
const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };

const ec2 = createEc2Client({ region: 'eu-west-1', credentials });
const ec2Mock = mockClient(ec2);
const ownership = new AwsEipOwnership({ ec2, allocationId: ALLOC, self: SELF, peer: PEER });

const associated = (over: Partial<Address>): Address => ({ AllocationId: ALLOC, PublicIp: '203.0.113.10', Domain: 'vpc', AssociationId: 'eipassoc-0123456789abcdef0', ...over });
const throttled = () => Object.assign(new Error('Request limit exceeded.'), { name: 'RequestLimitExceeded', $fault: 'client' });

beforeEach(() => ec2Mock.reset());

describe('AwsEipOwnership', () => {
  test('asks DescribeAddresses for exactly the cluster allocation id, nothing else', async () => {
    ec2Mock.on(DescribeAddressesCommand).resolves({ Addresses: [associated({ NetworkInterfaceId: SELF.networkInterfaceId })] });
    await ownership.holder();
    const calls = ec2Mock.commandCalls(DescribeAddressesCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.args[0].input).toEqual({ AllocationIds: [ALLOC] });
    expect(ec2Mock.calls()).toHaveLength(1); // read-only: no other EC2 call
  });

  type Row = [string, { Addresses?: Address[] } | Error, string, RegExp];
  const table: Row[] = [
    ['on this node ENI', { Addresses: [associated({ NetworkInterfaceId: SELF.networkInterfaceId, InstanceId: SELF.instanceId })] }, 'self', /on this node/],
    ['on the peer ENI', { Addresses: [associated({ NetworkInterfaceId: PEER.networkInterfaceId, InstanceId: PEER.instanceId })] }, 'other', /on the peer/],
    ['on an ENI outside the pair', { Addresses: [associated({ NetworkInterfaceId: 'eni-0cccccccccccccccc' })] }, 'other', /outside the pair/],
    ['ENI decides even if the instance id says otherwise', { Addresses: [associated({ NetworkInterfaceId: PEER.networkInterfaceId, InstanceId: SELF.instanceId })] }, 'other', /peer/],
    ['only an instance id (ours)', { Addresses: [associated({ InstanceId: SELF.instanceId })] }, 'self', /this node/],
    ['not associated', { Addresses: [{ AllocationId: ALLOC, PublicIp: '203.0.113.10', Domain: 'vpc' }] }, 'none', /not associated/],
    ['association without ENI or instance', { Addresses: [associated({})] }, 'unknown', /no ENI, instance or private IP/],
    ['allocation missing from the answer', { Addresses: [] }, 'unknown', /did not return/],
    ['no Addresses field', {}, 'unknown', /did not return/],
    ['another allocation only', { Addresses: [associated({ AllocationId: 'eipalloc-0ffffffffffffffff', NetworkInterfaceId: SELF.networkInterfaceId })] }, 'unknown', /did not return/],
    ['throttled (RequestLimitExceeded)', throttled(), 'unknown', /RequestLimitExceeded/],
    ['allocation not found', Object.assign(new Error('The allocation ID does not exist'), { name: 'InvalidAllocationID.NotFound' }), 'unknown', /InvalidAllocationID\.NotFound/],
    ['access denied', Object.assign(new Error('not authorized'), { name: 'UnauthorizedOperation' }), 'unknown', /UnauthorizedOperation/],
  ];
  test.each(table)('%s', async (_name, answer, holder, detail) => {
    const stub = ec2Mock.on(DescribeAddressesCommand);
    if (answer instanceof Error) stub.rejects(answer);
    else stub.resolves(answer);
    const seen = await ownership.observe();
    expect(seen.holder).toBe(holder);
    expect(seen.detail).toMatch(detail);
    await expect(ownership.holder()).resolves.toBe(holder);
  });

  describe('with the EIP address of each node (nodes[].eipPrivateIp)', () => {
    const withIp = new AwsEipOwnership({ ec2, allocationId: ALLOC, self: { ...SELF, eipPrivateIp: '10.0.1.11' }, peer: { ...PEER, eipPrivateIp: '10.0.2.11' } });
    const rows: Array<[string, Partial<Address>, string, RegExp]> = [
      ['our ENI, our EIP address', { NetworkInterfaceId: SELF.networkInterfaceId, PrivateIpAddress: '10.0.1.11' }, 'self', /on this node: .* on 10\.0\.1\.11/],
      ['our ENI, no private IP in the answer', { NetworkInterfaceId: SELF.networkInterfaceId }, 'self', /on this node/],
      ['our ENI but our primary address: never self', { NetworkInterfaceId: SELF.networkInterfaceId, PrivateIpAddress: '10.0.1.10' }, 'other', /this node's ENI but not on its EIP address 10\.0\.1\.11/],
      ["the peer's ENI on its EIP address", { NetworkInterfaceId: PEER.networkInterfaceId, PrivateIpAddress: '10.0.2.11' }, 'other', /on the peer/],
      ['only a private IP: ours', { PrivateIpAddress: '10.0.1.11' }, 'self', /on this node: no ENI on 10\.0\.1\.11/],
      ["only a private IP: the peer's", { PrivateIpAddress: '10.0.2.11' }, 'other', /on the peer/],
      ['only a private IP: unknown', { PrivateIpAddress: '10.0.9.9' }, 'other', /outside the pair/],
    ];
    test.each(rows)('%s', async (_name, over, holder, detail) => {
      ec2Mock.on(DescribeAddressesCommand).resolves({ Addresses: [associated(over)] });
      const seen = await withIp.observe();
      expect(seen.holder).toBe(holder);
      expect(seen.detail).toMatch(detail);
    });
  });

  test('fromConfig picks this node and its peer from the cluster config', async () => {
    const config = ClusterConfigSchema.parse({
      clusterName: 'orders-db',
      region: 'eu-west-1',
      eip: { allocationId: ALLOC, publicIp: '203.0.113.10' },
      vrrp: { virtualRouterId: 51 },
      eventBus: { name: 'eip-failover-orders' },
      nodes: [
        { id: 'db-a', instanceId: SELF.instanceId, privateIp: '10.0.1.10', availabilityZone: 'eu-west-1a', networkInterfaceId: SELF.networkInterfaceId, priority: 150 },
        { id: 'db-b', instanceId: PEER.instanceId, privateIp: '10.0.2.10', availabilityZone: 'eu-west-1b', networkInterfaceId: PEER.networkInterfaceId, priority: 100 },
      ],
    });
    ec2Mock.on(DescribeAddressesCommand).resolves({ Addresses: [associated({ NetworkInterfaceId: SELF.networkInterfaceId })] });
    await expect(AwsEipOwnership.fromConfig(config, 'db-a', ec2).holder()).resolves.toBe('self');
    await expect(AwsEipOwnership.fromConfig(config, 'db-b', ec2).holder()).resolves.toBe('other');
    expect(() => AwsEipOwnership.fromConfig(config, 'db-x', ec2)).toThrow(/db-x.*db-a, db-b/);
    // Without eipPrivateIp the EIP belongs on the primary address; with it, on the secondary one.
    ec2Mock.on(DescribeAddressesCommand).resolves({ Addresses: [associated({ NetworkInterfaceId: SELF.networkInterfaceId, PrivateIpAddress: '10.0.1.11' })] });
    await expect(AwsEipOwnership.fromConfig(config, 'db-a', ec2).holder()).resolves.toBe('other');
    const secondary = ClusterConfigSchema.parse({ ...config, nodes: config.nodes.map((n, i) => ({ ...n, eipPrivateIp: ['10.0.1.11', '10.0.2.11'][i] })) });
    await expect(AwsEipOwnership.fromConfig(secondary, 'db-a', ec2).holder()).resolves.toBe('self');
    await expect(AwsEipOwnership.fromConfig(secondary, 'db-b', ec2).holder()).resolves.toBe('other');
  });

  test('the client retries in standard mode, at most 3 attempts', async () => {
    const client = createEc2Client({ region: 'eu-west-1', credentials });
    expect(((await client.config.retryStrategy()) as { mode?: string }).mode).toBe('standard');
    expect(await client.config.maxAttempts()).toBe(3);
  });
});

describe('AwsEipOwnership against a real HTTP endpoint', () => {
  let server: Server;
  let endpoint: string;
  let requests = 0;
  let respond: 'hang' | 'throttle' = 'hang';

  beforeAll(async () => {
    server = createServer((req, res) => {
      requests++;
      req.resume();
      if (respond === 'throttle') {
        res.writeHead(503, { 'content-type': 'text/xml' });
        res.end('<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message></Error></Errors><RequestID>x</RequestID></Response>');
      } // 'hang': never answer
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
  beforeEach(() => (requests = 0));

  test('a hanging endpoint gives unknown within the deadline', async () => {
    respond = 'hang';
    const real = new AwsEipOwnership({ ec2: createEc2Client({ region: 'eu-west-1', endpoint, credentials }), allocationId: ALLOC, self: SELF, peer: PEER, deadlineMs: 700 });
    const started = Date.now();
    const seen = await real.observe();
    const took = Date.now() - started;
    expect(seen).toEqual({ holder: 'unknown', detail: `DescribeAddresses ${ALLOC} failed: no answer within 700 ms` });
    expect(took).toBeGreaterThanOrEqual(650);
    expect(took).toBeLessThan(1500);
  });

  test('RequestLimitExceeded is retried by the SDK (3 attempts), then unknown', async () => {
    respond = 'throttle';
    const real = new AwsEipOwnership({ ec2: createEc2Client({ region: 'eu-west-1', endpoint, credentials }), allocationId: ALLOC, self: SELF, peer: PEER, deadlineMs: 10000 });
    const seen = await real.observe();
    expect(seen.holder).toBe('unknown');
    expect(seen.detail).toMatch(/RequestLimitExceeded/);
    expect(requests).toBe(3);
  });
});
