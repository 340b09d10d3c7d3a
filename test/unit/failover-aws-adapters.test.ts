/** The controller's AWS adapters: the exact requests they send and how they read the answers (EMF metrics: lambda-emf-metrics.test.ts). */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { AssociateAddressCommand, DescribeAddressesCommand, DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import { PublishCommand } from '@aws-sdk/client-sns';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoDbStateStore, StateItemError, createControllerDynamoClient } from '../../lambda/failover/adapters/aws/dynamodb-state-store';
import { AllocationNotFoundError, AwsEc2, createControllerEc2Client } from '../../lambda/failover/adapters/aws/ec2';
import { SnsNotifier, createControllerSnsClient } from '../../lambda/failover/adapters/aws/sns-notifier';
import { EMPTY_STATE } from '../../lambda/failover/core/types';
import { A, B, config, T } from './failover-fixtures';

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };
const ALLOC = config.eip.allocationId;
const signal = () => new AbortController().signal;

describe('AwsEc2 (aws-sdk-client-mock)', () => {
  const client = createControllerEc2Client({ region: config.region, credentials });
  const mock = mockClient(client);
  const ec2 = new AwsEc2(client);
  beforeEach(() => mock.reset());

  test('describeEip asks for exactly the allocation and maps the association', async () => {
    mock.on(DescribeAddressesCommand).resolves({
      Addresses: [
        { AllocationId: ALLOC, PublicIp: config.eip.publicIp, AssociationId: 'eipassoc-0123456789abcdef0', NetworkInterfaceId: B.networkInterfaceId, InstanceId: B.instanceId, PrivateIpAddress: B.privateIp },
      ],
    });
    const s = signal();
    await expect(ec2.describeEip(ALLOC, s)).resolves.toEqual({
      associationId: 'eipassoc-0123456789abcdef0',
      networkInterfaceId: B.networkInterfaceId,
      instanceId: B.instanceId,
      privateIpAddress: B.privateIp,
    });
    const calls = mock.commandCalls(DescribeAddressesCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.args[0].input).toEqual({ AllocationIds: [ALLOC] });
    expect((calls[0]!.args as unknown[])[1]).toEqual({ abortSignal: s });
  });

  test('describeEip: not associated is null; a missing allocation throws', async () => {
    mock.on(DescribeAddressesCommand).resolvesOnce({ Addresses: [{ AllocationId: ALLOC, PublicIp: config.eip.publicIp, Domain: 'vpc' }] }).resolvesOnce({ Addresses: [] });
    await expect(ec2.describeEip(ALLOC, signal())).resolves.toBeNull();
    await expect(ec2.describeEip(ALLOC, signal())).rejects.toBeInstanceOf(AllocationNotFoundError);
  });

  test('describeEip: an answer naming only a private IP is an association, not "not associated"', async () => {
    mock.on(DescribeAddressesCommand).resolves({ Addresses: [{ AllocationId: ALLOC, PublicIp: config.eip.publicIp, PrivateIpAddress: '10.0.2.11' }] });
    await expect(ec2.describeEip(ALLOC, signal())).resolves.toEqual({ associationId: null, networkInterfaceId: null, instanceId: null, privateIpAddress: '10.0.2.11' });
  });

  test('describeInstances filters by id (a vanished instance is absent, not an error), follows pages', async () => {
    mock
      .on(DescribeInstancesCommand)
      .resolvesOnce({
        Reservations: [{ Instances: [{ InstanceId: A.instanceId, State: { Name: 'running' }, NetworkInterfaces: [{ NetworkInterfaceId: A.networkInterfaceId }] }] }],
        NextToken: 'page-2',
      })
      .resolvesOnce({ Reservations: [{ Instances: [{ InstanceId: B.instanceId, State: { Name: 'stopped' }, NetworkInterfaces: [] }] }] });
    await expect(ec2.describeInstances([A.instanceId, B.instanceId], signal())).resolves.toEqual([
      { instanceId: A.instanceId, state: 'running', networkInterfaceIds: [A.networkInterfaceId] },
      { instanceId: B.instanceId, state: 'stopped', networkInterfaceIds: [] },
    ]);
    expect(mock.commandCalls(DescribeInstancesCommand).map((c) => c.args[0].input)).toEqual([
      { Filters: [{ Name: 'instance-id', Values: [A.instanceId, B.instanceId] }], NextToken: undefined },
      { Filters: [{ Name: 'instance-id', Values: [A.instanceId, B.instanceId] }], NextToken: 'page-2' },
    ]);
  });

  test('associate: AllocationId, the ENI and its private IP, reassociation allowed, one call', async () => {
    mock.on(AssociateAddressCommand).resolves({ AssociationId: 'eipassoc-0fedcba9876543210' });
    await expect(ec2.associate({ allocationId: ALLOC, networkInterfaceId: B.networkInterfaceId, privateIpAddress: B.privateIp }, signal())).resolves.toEqual({
      associationId: 'eipassoc-0fedcba9876543210',
    });
    const calls = mock.commandCalls(AssociateAddressCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.args[0].input).toEqual({ AllocationId: ALLOC, NetworkInterfaceId: B.networkInterfaceId, PrivateIpAddress: B.privateIp, AllowReassociation: true });
  });

  test('the client retries in standard mode, 5 attempts', async () => {
    const c = createControllerEc2Client({ region: config.region, credentials });
    expect(((await c.config.retryStrategy()) as { mode?: string }).mode).toBe('standard');
    expect(await c.config.maxAttempts()).toBe(5);
  });
});

/**
 * aws-sdk-client-mock replaces Client#send, so the SDK's retry middleware never runs under it.
 * Throttling is therefore tested against a local HTTP endpoint speaking EC2's query protocol.
 */
describe('AwsEc2 against a local EC2 endpoint (real SDK retries)', () => {
  let server: Server;
  let endpoint: string;
  let answers: Array<'throttle' | 'addresses' | 'associate'> = [];
  const seen: string[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push(new URLSearchParams(body).get('Action') ?? '?');
        const answer = answers.shift() ?? 'throttle';
        if (answer === 'throttle') {
          res.writeHead(503, { 'content-type': 'text/xml' });
          return res.end('<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message></Error></Errors><RequestID>r</RequestID></Response>');
        }
        res.writeHead(200, { 'content-type': 'text/xml' });
        if (answer === 'associate') return res.end('<AssociateAddressResponse><requestId>r</requestId><return>true</return><associationId>eipassoc-0aaaaaaaaaaaaaaaa</associationId></AssociateAddressResponse>');
        res.end(
          `<DescribeAddressesResponse><requestId>r</requestId><addressesSet><item><publicIp>${config.eip.publicIp}</publicIp><allocationId>${ALLOC}</allocationId>` +
            `<domain>vpc</domain><associationId>eipassoc-0aaaaaaaaaaaaaaaa</associationId><networkInterfaceId>${A.networkInterfaceId}</networkInterfaceId>` +
            `<instanceId>${A.instanceId}</instanceId><privateIpAddress>${A.privateIp}</privateIpAddress></item></addressesSet></DescribeAddressesResponse>`,
        );
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
  beforeEach(() => (seen.length = 0));

  test('RequestLimitExceeded twice, then success: DescribeAddresses answers', async () => {
    answers = ['throttle', 'throttle', 'addresses'];
    const ec2 = new AwsEc2(createControllerEc2Client({ region: config.region, endpoint, credentials }));
    await expect(ec2.describeEip(ALLOC, signal())).resolves.toMatchObject({ networkInterfaceId: A.networkInterfaceId, privateIpAddress: A.privateIp });
    expect(seen).toEqual(['DescribeAddresses', 'DescribeAddresses', 'DescribeAddresses']);
  });

  test('RequestLimitExceeded, then success: one logical AssociateAddress', async () => {
    answers = ['throttle', 'associate'];
    const ec2 = new AwsEc2(createControllerEc2Client({ region: config.region, endpoint, credentials }));
    await expect(ec2.associate({ allocationId: ALLOC, networkInterfaceId: A.networkInterfaceId, privateIpAddress: A.privateIp }, signal())).resolves.toEqual({
      associationId: 'eipassoc-0aaaaaaaaaaaaaaaa',
    });
    expect(seen).toEqual(['AssociateAddress', 'AssociateAddress']);
  });

  test('throttled until the invocation deadline: the retries stop with the signal', async () => {
    answers = [];
    const ec2 = new AwsEc2(createControllerEc2Client({ region: config.region, endpoint, credentials, maxAttempts: 50 }));
    const started = Date.now();
    await expect(ec2.describeEip(ALLOC, AbortSignal.timeout(400))).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(seen.length).toBeGreaterThanOrEqual(1);
    expect(seen.length).toBeLessThan(50);
  });
});

describe('DynamoDbStateStore (aws-sdk-client-mock)', () => {
  const doc = createControllerDynamoClient({ region: config.region, credentials });
  const mock = mockClient(doc);
  const store = new DynamoDbStateStore(doc, 'eip-failover-state', 'orders-db', () => T);
  beforeEach(() => mock.reset());

  test('get: one strongly consistent read of the cluster item', async () => {
    mock.on(GetCommand).resolves({ Item: { pk: 'cluster#orders-db', version: 7, schema: 1, state: EMPTY_STATE } });
    await expect(store.get()).resolves.toEqual({ version: 7, state: EMPTY_STATE });
    expect(mock.commandCalls(GetCommand)[0]!.args[0].input).toEqual({ TableName: 'eip-failover-state', Key: { pk: 'cluster#orders-db' }, ConsistentRead: true });
  });

  test('get: no item is null; an item of another schema is refused', async () => {
    mock.on(GetCommand).resolvesOnce({}).resolvesOnce({ Item: { pk: 'cluster#orders-db', version: 1, schema: 2, state: {} } });
    await expect(store.get()).resolves.toBeNull();
    await expect(store.get()).rejects.toBeInstanceOf(StateItemError);
  });

  test('put: creates only if absent, then only over the version read', async () => {
    mock.on(PutCommand).resolves({});
    await expect(store.put(EMPTY_STATE, null)).resolves.toEqual({ version: 1 });
    await expect(store.put(EMPTY_STATE, 4)).resolves.toEqual({ version: 5 });
    const [create, update] = mock.commandCalls(PutCommand).map((c) => c.args[0].input);
    expect(create).toEqual({
      TableName: 'eip-failover-state',
      Item: { pk: 'cluster#orders-db', version: 1, schema: 1, updatedAtMs: T, state: EMPTY_STATE },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
    expect(update).toEqual({
      TableName: 'eip-failover-state',
      Item: { pk: 'cluster#orders-db', version: 5, schema: 1, updatedAtMs: T, state: EMPTY_STATE },
      ConditionExpression: '#version = :expected',
      ExpressionAttributeNames: { '#version': 'version' },
      ExpressionAttributeValues: { ':expected': 4 },
    });
  });

  test('put: a failed condition is a conflict; any other error propagates', async () => {
    mock
      .on(PutCommand)
      .rejectsOnce(new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }))
      .rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'ProvisionedThroughputExceededException' }));
    await expect(store.put(EMPTY_STATE, 3)).resolves.toBe('conflict');
    await expect(store.put(EMPTY_STATE, 3)).rejects.toThrow('Rate exceeded');
  });
});

describe('SnsNotifier (aws-sdk-client-mock)', () => {
  const sns = createControllerSnsClient({ region: config.region, credentials });
  const mock = mockClient(sns);
  test('one Publish with the subject and the body', async () => {
    mock.on(PublishCommand).resolves({ MessageId: 'm-1' });
    const topic = 'arn:aws:sns:eu-west-1:111122223333:eip-failover-orders-db';
    await new SnsNotifier(sns, topic).publish({ subject: 'subject line', body: 'line 1\nline 2' });
    expect(mock.commandCalls(PublishCommand).map((c) => c.args[0].input)).toEqual([{ TopicArn: topic, Subject: 'subject line', Message: 'line 1\nline 2' }]);
  });
});
