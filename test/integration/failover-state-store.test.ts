/**
 * The StateStore contract (conditional writes, optimistic concurrency) against dynalite, a
 * DynamoDB-compatible engine running in this process, and against the in-memory store the lab
 * uses. Then the controller itself, two invocations at once over one dynalite table.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { AssociateAddressCommand, DescribeAddressesCommand, DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import { PublishCommand } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoDbStateStore, createControllerDynamoClient } from '../../lambda/failover/adapters/aws/dynamodb-state-store';
import { AwsEc2, createControllerEc2Client } from '../../lambda/failover/adapters/aws/ec2';
import { SnsNotifier, createControllerSnsClient } from '../../lambda/failover/adapters/aws/sns-notifier';
import { MemoryLog } from '../../lambda/failover/adapters/memory/log';
import { MemoryMetricsSink } from '../../lambda/failover/adapters/memory/metrics';
import { MemoryStateStore } from '../../lambda/failover/adapters/memory/state-store';
import { systemClock } from '../../lambda/failover/adapters/system-clock';
import { FailoverController } from '../../lambda/failover/controller';
import { EMPTY_STATE, type ClusterState } from '../../lambda/failover/core/types';
import type { StateStore } from '../../lambda/failover/ports';
import { A, B, config, envelopeOf, REPLICA, settings, stored, WRITER } from '../unit/failover-fixtures';

// dynalite ships no type declarations.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dynalite = require('dynalite') as (options: Record<string, number>) => Server;

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };
const TABLE = 'eip-failover-state';
let server: Server;
let endpoint: string;

beforeAll(async () => {
  server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const ddb = new DynamoDBClient({ region: config.region, endpoint, credentials });
  // The table design of docs/controller.md: partition key pk (S), nothing else.
  await ddb.send(
    new CreateTableCommand({
      TableName: TABLE,
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  ddb.destroy();
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
});

let clusterSeq = 0;
const dynamoStore = (): StateStore =>
  new DynamoDbStateStore(createControllerDynamoClient({ region: config.region, endpoint, credentials }), TABLE, `cluster-${++clusterSeq}`);

const withReport = (seq: number): ClusterState => ({ ...EMPTY_STATE, nodes: { [A.id]: stored({ ...WRITER, seq }) } });

describe.each([
  ['dynalite', dynamoStore],
  ['memory', () => new MemoryStateStore()],
])('StateStore contract: %s', (_name, makeStore) => {
  test('absent, then created at version 1; a second create conflicts', async () => {
    const store = makeStore();
    await expect(store.get()).resolves.toBeNull();
    await expect(store.put(withReport(1), null)).resolves.toEqual({ version: 1 });
    await expect(store.put(withReport(2), null)).resolves.toBe('conflict');
    await expect(store.get()).resolves.toEqual({ version: 1, state: withReport(1) });
  });

  test('a write over the version read succeeds once; a write over an old version conflicts and changes nothing', async () => {
    const store = makeStore();
    await store.put(withReport(1), null);
    await expect(store.put(withReport(2), 1)).resolves.toEqual({ version: 2 });
    await expect(store.put(withReport(3), 1)).resolves.toBe('conflict');
    await expect(store.get()).resolves.toEqual({ version: 2, state: withReport(2) });
  });

  test('the whole state round-trips: nulls, empty lists and maps, nested reports, a pending move, alerts', async () => {
    const store = makeStore();
    const state: ClusterState = {
      nodes: { [A.id]: stored({ ...WRITER, db: { error: null, gtidCurrentPos: '' } }), [B.id]: { ...stored(REPLICA), recentKeys: [] } },
      holder: { nodeId: A.id, sinceMs: 1_760_000_000_123 },
      lastMoveAtMs: 1_760_000_000_123,
      moveCount: 3,
      pendingMove: { moveId: 'm-1', targetNodeId: B.id, fromNodeId: null, reason: 'no-holder', startedAtMs: 1, leaseUntilMs: 2 },
      failedMove: null,
      alerts: { splitBrain: { sinceMs: 5, notified: true } },
    };
    await store.put(state, null);
    await expect(store.get()).resolves.toEqual({ version: 1, state });
  });

  test('two concurrent writers over the same version: exactly one wins', async () => {
    const store = makeStore();
    await store.put(withReport(1), null);
    for (let round = 0; round < 10; round++) {
      const read = (await store.get())!;
      const results = await Promise.all([store.put(withReport(100 + round), read.version), store.put(withReport(200 + round), read.version)]);
      const winners = results.filter((r) => r !== 'conflict');
      expect(winners).toEqual([{ version: read.version + 1 }]);
      const after = (await store.get())!;
      const winnerSeq = results[0] === 'conflict' ? 200 + round : 100 + round;
      expect(after.state.nodes[A.id]!.report.seq).toBe(winnerSeq);
    }
  });

  test('eight writers racing from version 1, each retrying on conflict: every write lands once, versions 2..9', async () => {
    const store = makeStore();
    await store.put(withReport(0), null);
    const conflicts: number[] = [];
    const writer = async (n: number) => {
      for (;;) {
        const read = (await store.get())!;
        const next = { ...read.state, moveCount: read.state.moveCount + 1, nodes: { ...read.state.nodes, [`w${n}`]: stored({ seq: n }) } };
        const r = await store.put(next, read.version);
        if (r !== 'conflict') return r.version;
        conflicts.push(n);
      }
    };
    const versions = await Promise.all([1, 2, 3, 4, 5, 6, 7, 8].map(writer));
    expect([...versions].sort((x, y) => x - y)).toEqual([2, 3, 4, 5, 6, 7, 8, 9]);
    const final = (await store.get())!;
    expect(final.state.moveCount).toBe(8);
    expect(Object.keys(final.state.nodes).sort()).toEqual([A.id, 'w1', 'w2', 'w3', 'w4', 'w5', 'w6', 'w7', 'w8'].sort());
    expect(conflicts.length).toBeGreaterThan(0);
  });
});

describe('FailoverController over dynalite: concurrent invocations', () => {
  const ec2Client = createControllerEc2Client({ region: config.region, credentials });
  const snsClient = createControllerSnsClient({ region: config.region, credentials });
  const ec2Mock = mockClient(ec2Client);
  const snsMock = mockClient(snsClient);
  afterAll(() => {
    ec2Mock.restore();
    snsMock.restore();
  });

  test('the MASTER event delivered three times at once (at-least-once): one AssociateAddress', async () => {
    const now = Date.now();
    const cluster = `race-${++clusterSeq}`;
    const makeController = () =>
      new FailoverController({
        config,
        settings,
        ec2: new AwsEc2(ec2Client),
        // Separate clients, as separate Lambda instances would have.
        store: new DynamoDbStateStore(createControllerDynamoClient({ region: config.region, endpoint, credentials }), TABLE, cluster),
        notifier: new SnsNotifier(snsClient, 'arn:aws:sns:eu-west-1:111122223333:t'),
        metrics: new MemoryMetricsSink(),
        clock: systemClock,
        log: new MemoryLog(),
      });
    const initial: ClusterState = {
      ...EMPTY_STATE,
      nodes: {
        [A.id]: stored({ ...WRITER, state: 'FAULT', transitionAtMs: now - 3_000, sentAtMs: now - 3_000, db: { readOnly: true, lagSeconds: null } }, now - 20_000),
        [B.id]: stored({ ...REPLICA, priority: B.priority, sentAtMs: now - 4_000 }),
      },
    };
    await new DynamoDbStateStore(createControllerDynamoClient({ region: config.region, endpoint, credentials }), TABLE, cluster).put(initial, null);
    const addr = (n: typeof A) => ({ AllocationId: config.eip.allocationId, AssociationId: 'eipassoc-0123456789abcdef0', NetworkInterfaceId: n.networkInterfaceId, PrivateIpAddress: n.privateIp });
    let moved = false;
    ec2Mock.on(DescribeAddressesCommand).callsFake(async () => ({ Addresses: [addr(moved ? B : A)] }));
    ec2Mock.on(DescribeInstancesCommand).resolves({
      Reservations: [A, B].map((n) => ({ Instances: [{ InstanceId: n.instanceId, State: { Name: 'running' as const }, NetworkInterfaces: [{ NetworkInterfaceId: n.networkInterfaceId }] }] })),
    });
    ec2Mock.on(AssociateAddressCommand).callsFake(async () => {
      moved = true;
      return { AssociationId: 'eipassoc-0fedcba9876543210' };
    });
    snsMock.on(PublishCommand).resolves({});
    const raw = envelopeOf({ node: 'db-b', seq: 11, state: 'MASTER', transitionAtMs: now - 1_500, sentAtMs: now - 1_400, db: { ioRunning: false, lagSeconds: 2 } });
    const outcomes = await Promise.all([1, 2, 3].map(() => makeController().handle({ kind: 'event', raw }, Date.now() + 10_000)));
    expect(ec2Mock.commandCalls(AssociateAddressCommand)).toHaveLength(1);
    expect(outcomes.filter((o) => o.kind === 'decided' && o.moved)).toHaveLength(1);
    const final = (await new DynamoDbStateStore(createControllerDynamoClient({ region: config.region, endpoint, credentials }), TABLE, cluster).get())!;
    expect(final.state).toMatchObject({ holder: { nodeId: B.id }, moveCount: 1, pendingMove: null });
  });
});
