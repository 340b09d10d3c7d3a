/**
 * FailoverController end to end over the real AWS adapters (EC2 and SNS answered by
 * aws-sdk-client-mock) and the in-memory state store: the exact EC2 calls of a move, confirmation
 * under eventual consistency, failures, rejections that never reach EC2, concurrency.
 */
import { AssociateAddressCommand, DescribeAddressesCommand, DescribeInstancesCommand, type Address } from '@aws-sdk/client-ec2';
import { PublishCommand } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { AwsEc2, createControllerEc2Client } from '../../lambda/failover/adapters/aws/ec2';
import { SnsNotifier, createControllerSnsClient } from '../../lambda/failover/adapters/aws/sns-notifier';
import { MemoryLog } from '../../lambda/failover/adapters/memory/log';
import { MemoryMetricsSink } from '../../lambda/failover/adapters/memory/metrics';
import { MemoryStateStore } from '../../lambda/failover/adapters/memory/state-store';
import { systemClock } from '../../lambda/failover/adapters/system-clock';
import { FailoverController } from '../../lambda/failover/controller';
import { EMPTY_STATE, type ClusterState } from '../../lambda/failover/core/types';
import { MoveFailedError, MoveUnconfirmedError, ObservationError } from '../../lambda/failover/errors';
import { A, B, config, envelopeOf, REPLICA, secondaryIpConfig, settings, stored, WRITER, type EventSpec } from './failover-fixtures';

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };
const ec2Client = createControllerEc2Client({ region: config.region, credentials });
const snsClient = createControllerSnsClient({ region: config.region, credentials });
const ec2Mock = mockClient(ec2Client);
const snsMock = mockClient(snsClient);
const TOPIC = 'arn:aws:sns:eu-west-1:111122223333:eip-failover';

const on = (node: typeof A, privateIp = node.privateIp): Address => ({
  AllocationId: config.eip.allocationId,
  PublicIp: config.eip.publicIp,
  AssociationId: 'eipassoc-0123456789abcdef0',
  NetworkInterfaceId: node.networkInterfaceId,
  InstanceId: node.instanceId,
  PrivateIpAddress: privateIp,
});
const instances = (aState = 'running', bState = 'running') => ({
  Reservations: [
    { Instances: [{ InstanceId: A.instanceId, State: { Name: aState as 'running' }, NetworkInterfaces: [{ NetworkInterfaceId: A.networkInterfaceId }] }] },
    { Instances: [{ InstanceId: B.instanceId, State: { Name: bState as 'running' }, NetworkInterfaces: [{ NetworkInterfaceId: B.networkInterfaceId }] }] },
  ],
});

/** The times of the fixtures are relative to now, here. */
const now = () => Date.now();
function harness(initial: ClusterState | null, clusterConfig = config) {
  const store = new MemoryStateStore();
  const metrics = new MemoryMetricsSink();
  const log = new MemoryLog();
  const ready = initial ? store.put(initial, null) : Promise.resolve();
  let ids = 0;
  const controller = new FailoverController({
    config: clusterConfig,
    settings,
    ec2: new AwsEc2(ec2Client),
    store,
    notifier: new SnsNotifier(snsClient, TOPIC),
    metrics,
    clock: systemClock,
    log,
    newMoveId: () => `move-${++ids}`,
  });
  return { store, metrics, log, controller, ready, deadline: () => now() + 10_000 };
}

/** db-a holds the EIP but went FAULT; db-b is BACKUP. A db-b MASTER event should move the EIP. */
function failedWriterState(t = now()): ClusterState {
  return {
    ...EMPTY_STATE,
    nodes: {
      [A.id]: stored({ ...WRITER, priority: A.priority, state: 'FAULT', transitionAtMs: t - 3_000, sentAtMs: t - 3_000, db: { readOnly: true, lagSeconds: null } }, t - 20_000),
      [B.id]: stored({ ...REPLICA, priority: B.priority, sentAtMs: t - 4_000 }),
    },
  };
}
const masterB = (over: EventSpec = {}): Record<string, unknown> =>
  envelopeOf({ node: 'db-b', seq: 11, state: 'MASTER', transitionAtMs: now() - 1_500, sentAtMs: now() - 1_400, db: { ioRunning: false, lagSeconds: 2 }, ...over });

beforeEach(() => {
  ec2Mock.reset();
  snsMock.reset();
  snsMock.on(PublishCommand).resolves({ MessageId: 'm' });
  ec2Mock.on(DescribeInstancesCommand).resolves(instances());
});

describe('FailoverController: a move', () => {
  test('one AssociateAddress with the exact input; confirmed after two stale reads; recorded; metrics; one message', async () => {
    const h = harness(failedWriterState());
    await h.ready;
    ec2Mock
      .on(DescribeAddressesCommand)
      .resolvesOnce({ Addresses: [on(A)] }) // observe
      .resolvesOnce({ Addresses: [on(A)] }) // confirm: stale read
      .resolvesOnce({ Addresses: [on(A)] }) // confirm: stale read
      .resolves({ Addresses: [on(B)] });
    ec2Mock.on(AssociateAddressCommand).resolves({ AssociationId: 'eipassoc-0fedcba9876543210' });

    const outcome = await h.controller.handle({ kind: 'event', raw: masterB() }, h.deadline());

    expect(outcome).toMatchObject({ kind: 'decided', moved: true, action: { kind: 'associate', targetNodeId: B.id, reason: 'holder-unhealthy' } });
    const associates = ec2Mock.commandCalls(AssociateAddressCommand);
    expect(associates.map((c) => c.args[0].input)).toEqual([
      { AllocationId: config.eip.allocationId, NetworkInterfaceId: B.networkInterfaceId, PrivateIpAddress: B.privateIp, AllowReassociation: true },
    ]);
    expect(ec2Mock.commandCalls(DescribeAddressesCommand)).toHaveLength(4);
    const after = (await h.store.get())!;
    expect(after.state).toMatchObject({ holder: { nodeId: B.id }, moveCount: 1, pendingMove: null });
    expect(after.state.lastMoveAtMs).toBe(after.state.holder!.sinceMs);
    expect(h.metrics.sum('EipMoves')).toBe(1);
    const latency = h.metrics.recorded.find((m) => m.name === 'FailoverLatencyMs')!;
    expect(latency.value).toBeGreaterThanOrEqual(1_500);
    expect(latency.value).toBeLessThan(5_000);
    for (const stage of ['StageValidateMs', 'StageStateReadMs', 'StageObserveMs', 'StageDecideMs', 'StageStateWriteMs', 'StageAssociateMs', 'StageConfirmMs', 'StageRecordMs', 'InvocationMs']) {
      expect(h.metrics.recorded.map((m) => m.name)).toContain(stage);
    }
    const published = snsMock.commandCalls(PublishCommand).map((c) => c.args[0].input);
    expect(published).toHaveLength(1);
    expect(published[0]!.Subject).toBe(`[eip-failover orders-db] ${config.eip.publicIp} moved db-a -> db-b`);
    expect(published[0]!.Message).toContain(`now points at db-b (${B.instanceId}, ${B.availabilityZone}, ${B.privateIp})`);
    expect(published[0]!.Message).toContain(`It was on db-a (${A.instanceId}, ${A.availabilityZone}`);
    expect(published[0]!.Message).toMatch(/Check next:/);
    const decisionLine = h.log.lines.find((l) => l.message.startsWith('decision:'))!;
    expect(decisionLine.fields).toMatchObject({ decision: 'associate', reason: 'holder-unhealthy', storedVersion: 1, event: { nodeId: B.id, seq: 11 } });
    expect(decisionLine.fields).toHaveProperty('observation.eip', { kind: 'node', nodeId: A.id });
    expect(decisionLine.fields).toHaveProperty('stateBefore.nodes.db-a.report.state', 'FAULT');
    expect(decisionLine.fields).toHaveProperty('settings.flapDampingMs', settings.flapDampingMs);
  });

  test('with nodes[].eipPrivateIp: the EIP goes to the target ENI on its secondary IP and is confirmed there', async () => {
    const [a, b] = secondaryIpConfig.nodes;
    const h = harness(failedWriterState(), secondaryIpConfig);
    await h.ready;
    ec2Mock
      .on(DescribeAddressesCommand)
      .resolvesOnce({ Addresses: [on(a, a.eipPrivateIp)] }) // observe
      .resolvesOnce({ Addresses: [on(b, b.privateIp)] }) // confirm: on db-b's primary address is not a confirmation
      .resolves({ Addresses: [on(b, b.eipPrivateIp)] });
    ec2Mock.on(AssociateAddressCommand).resolves({ AssociationId: 'eipassoc-0fedcba9876543210' });

    const outcome = await h.controller.handle({ kind: 'event', raw: masterB() }, h.deadline());

    expect(outcome).toMatchObject({ kind: 'decided', moved: true, action: { kind: 'associate', targetNodeId: b.id } });
    expect(ec2Mock.commandCalls(AssociateAddressCommand).map((c) => c.args[0].input)).toEqual([
      { AllocationId: config.eip.allocationId, NetworkInterfaceId: b.networkInterfaceId, PrivateIpAddress: '10.0.2.11', AllowReassociation: true },
    ]);
    expect(ec2Mock.commandCalls(DescribeAddressesCommand)).toHaveLength(3);
    expect((await h.store.get())!.state).toMatchObject({ holder: { nodeId: b.id }, moveCount: 1 });
  });

  test('with nodes[].eipPrivateIp: the EIP on a node\'s primary address is foreign, never moved', async () => {
    const [a] = secondaryIpConfig.nodes;
    const h = harness(failedWriterState(), secondaryIpConfig);
    await h.ready;
    ec2Mock.on(DescribeAddressesCommand).resolves({ Addresses: [on(a, a.privateIp)] });
    const outcome = await h.controller.handle({ kind: 'event', raw: masterB() }, h.deadline());
    expect(outcome).toMatchObject({ kind: 'decided', moved: false, action: { kind: 'none', reason: 'foreign-association' } });
    expect(ec2Mock.commandCalls(AssociateAddressCommand)).toHaveLength(0);
  });

  test('never confirmed: exactly one AssociateAddress, claim released, MoveUnconfirmedError, a failure message', async () => {
    const h = harness(failedWriterState());
    await h.ready;
    ec2Mock.on(DescribeAddressesCommand).resolves({ Addresses: [on(A)] });
    ec2Mock.on(AssociateAddressCommand).resolves({ AssociationId: 'eipassoc-0fedcba9876543210' });
    await expect(h.controller.handle({ kind: 'event', raw: masterB() }, h.deadline())).rejects.toBeInstanceOf(MoveUnconfirmedError);
    expect(ec2Mock.commandCalls(AssociateAddressCommand)).toHaveLength(1);
    expect(ec2Mock.commandCalls(DescribeAddressesCommand).length).toBeGreaterThan(5);
    const after = (await h.store.get())!.state;
    expect(after.pendingMove).toBeNull();
    expect(after.moveCount).toBe(0);
    expect(h.metrics.sum('MoveFailures')).toBe(1);
    expect(snsMock.commandCalls(PublishCommand)[0]!.args[0].input.Subject).toMatch(/FAILED to move/);
  });

  test("AssociateAddress fails for good: MoveFailedError, claim released, and Lambda's retry of the event moves", async () => {
    const h = harness(failedWriterState());
    await h.ready;
    ec2Mock.on(DescribeAddressesCommand).resolves({ Addresses: [on(A)] });
    ec2Mock.on(AssociateAddressCommand).rejects(Object.assign(new Error('Request limit exceeded.'), { name: 'RequestLimitExceeded' }));
    const raw = masterB();
    await expect(h.controller.handle({ kind: 'event', raw }, h.deadline())).rejects.toBeInstanceOf(MoveFailedError);
    expect((await h.store.get())!.state.pendingMove).toBeNull();
    expect((await h.store.get())!.state.failedMove).toMatchObject({ targetNodeId: B.id, error: expect.stringMatching(/RequestLimitExceeded/) });
    // Lambda's retry of the same event: already applied, but the failed move makes it decide again.
    ec2Mock.reset(); // sinon's "once" answers count calls since the last reset
    ec2Mock.on(DescribeInstancesCommand).resolves(instances());
    ec2Mock.on(AssociateAddressCommand).resolves({});
    ec2Mock.on(DescribeAddressesCommand).resolvesOnce({ Addresses: [on(A)] }).resolves({ Addresses: [on(B)] });
    await expect(h.controller.handle({ kind: 'event', raw }, h.deadline())).resolves.toMatchObject({ moved: true });
    expect(ec2Mock.commandCalls(AssociateAddressCommand)).toHaveLength(1);
    expect((await h.store.get())!.state).toMatchObject({ failedMove: null, moveCount: 1 });
    // From now on the same event is a plain duplicate again.
    await expect(h.controller.handle({ kind: 'event', raw }, h.deadline())).resolves.toMatchObject({ kind: 'duplicate' });
  });

  test('EC2 unreadable: ObservationError, no AssociateAddress, nothing written', async () => {
    const h = harness(failedWriterState());
    await h.ready;
    ec2Mock.on(DescribeAddressesCommand).rejects(Object.assign(new Error('Request limit exceeded.'), { name: 'RequestLimitExceeded' }));
    await expect(h.controller.handle({ kind: 'event', raw: masterB() }, h.deadline())).rejects.toBeInstanceOf(ObservationError);
    expect(ec2Mock.commandCalls(AssociateAddressCommand)).toHaveLength(0);
    expect((await h.store.get())!.version).toBe(1);
  });

  test('SNS down does not undo a move: counted and logged', async () => {
    const h = harness(failedWriterState());
    await h.ready;
    snsMock.on(PublishCommand).rejects(new Error('SNS unavailable'));
    ec2Mock.on(DescribeAddressesCommand).resolvesOnce({ Addresses: [on(A)] }).resolves({ Addresses: [on(B)] });
    ec2Mock.on(AssociateAddressCommand).resolves({});
    await expect(h.controller.handle({ kind: 'event', raw: masterB() }, h.deadline())).resolves.toMatchObject({ moved: true });
    expect(h.metrics.sum('NotificationFailures')).toBe(1);
    expect((await h.store.get())!.state.moveCount).toBe(1);
  });
});

describe('FailoverController: no EC2 for what it rejects', () => {
  test('a malformed event: RejectedEvents by reason, no state read, no EC2 call', async () => {
    const h = harness(failedWriterState());
    await h.ready;
    const raw = masterB();
    (raw.detail as Record<string, unknown>).seq = -1;
    await expect(h.controller.handle({ kind: 'event', raw }, h.deadline())).resolves.toMatchObject({ kind: 'rejected', reason: 'malformed-detail' });
    expect(ec2Mock.calls()).toHaveLength(0);
    expect(h.metrics.sum('RejectedEvents', { Reason: 'malformed-detail' })).toBe(1);
  });

  test.each([
    ['source of the other node', { source: config.nodes[0].eventSource }, 'source-mismatch'],
    ['unknown cluster', { detail: { cluster: 'other-db' } }, 'unknown-cluster'],
    ['instance of the other node', { detail: { instanceId: A.instanceId } }, 'instance-mismatch'],
  ])('%s: rejected before EC2', async (_name, over, reason) => {
    const h = harness(failedWriterState());
    await h.ready;
    const raw = masterB();
    const hostile = { ...raw, ...(over as object), detail: { ...(raw.detail as object), ...((over as { detail?: object }).detail ?? {}) } };
    await expect(h.controller.handle({ kind: 'event', raw: hostile }, h.deadline())).resolves.toMatchObject({ kind: 'rejected', reason });
    expect(ec2Mock.calls()).toHaveLength(0);
  });

  test('a replayed event: rejected after reading the state, before EC2', async () => {
    const h = harness(failedWriterState());
    await h.ready;
    await expect(h.controller.handle({ kind: 'event', raw: masterB({ seq: 3 }) }, h.deadline())).resolves.toMatchObject({ kind: 'rejected', reason: 'not-newer' });
    await expect(h.controller.handle({ kind: 'event', raw: masterB({ seq: 12, sentAtMs: now() - 70_000 }) }, h.deadline())).resolves.toMatchObject({
      kind: 'rejected',
      reason: 'too-old',
    });
    expect(ec2Mock.calls()).toHaveLength(0);
    expect(h.metrics.sum('RejectedEvents', { Reason: 'not-newer' })).toBe(1);
    expect(h.metrics.sum('RejectedEvents', { Reason: 'too-old' })).toBe(1);
  });

  test('the same event twice: the second is a logged no-op', async () => {
    const h = harness({ ...EMPTY_STATE, nodes: { [A.id]: stored({ ...WRITER, priority: A.priority, sentAtMs: now() - 2_000 }) } });
    await h.ready;
    ec2Mock.on(DescribeAddressesCommand).resolves({ Addresses: [on(A)] });
    const raw = envelopeOf({ node: 'db-b', seq: 11, state: 'BACKUP', sentAtMs: now() - 1_000 });
    await expect(h.controller.handle({ kind: 'event', raw }, h.deadline())).resolves.toMatchObject({ kind: 'decided', moved: false });
    const calls = ec2Mock.calls().length;
    await expect(h.controller.handle({ kind: 'event', raw }, h.deadline())).resolves.toMatchObject({ kind: 'duplicate' });
    expect(ec2Mock.calls()).toHaveLength(calls);
    expect(h.metrics.sum('DuplicateEvents')).toBe(1);
    expect(h.log.lines.map((l) => l.message)).toContain('duplicate event ignored');
  });

  test('a reconcile tick that changes nothing writes nothing', async () => {
    const h = harness({ ...EMPTY_STATE, nodes: { [A.id]: stored({ ...WRITER, priority: A.priority, sentAtMs: now() - 2_000 }), [B.id]: stored({ ...REPLICA, sentAtMs: now() - 2_000 }) } });
    await h.ready;
    ec2Mock.on(DescribeAddressesCommand).resolves({ Addresses: [on(A)] });
    await expect(h.controller.handle({ kind: 'reconcile', scheduledAt: '2025-10-09T09:50:00Z' }, h.deadline())).resolves.toMatchObject({
      action: { kind: 'none', reason: 'holder-healthy' },
    });
    expect((await h.store.get())!.version).toBe(1);
    expect(h.log.lines.find((l) => l.message.startsWith('decision:'))!.fields).toMatchObject({ reconcile: { scheduledAt: '2025-10-09T09:50:00Z' } });
  });
});

describe('FailoverController: concurrency', () => {
  test('two invocations with the same MASTER event at once: exactly one AssociateAddress', async () => {
    const h = harness(failedWriterState());
    await h.ready;
    ec2Mock.on(DescribeAddressesCommand).resolvesOnce({ Addresses: [on(A)] }).resolvesOnce({ Addresses: [on(A)] }).resolves({ Addresses: [on(B)] });
    ec2Mock.on(AssociateAddressCommand).resolves({});
    const raw = masterB();
    const outcomes = await Promise.all([h.controller.handle({ kind: 'event', raw }, h.deadline()), h.controller.handle({ kind: 'event', raw }, h.deadline())]);
    expect(ec2Mock.commandCalls(AssociateAddressCommand)).toHaveLength(1);
    expect(outcomes.map((o) => o.kind).sort()).toEqual(['decided', 'duplicate']);
    expect(h.metrics.sum('StateConflicts')).toBeGreaterThanOrEqual(1);
  });

  test('a heartbeat of the other node during a move: it waits for the claim, the move stands', async () => {
    const h = harness(failedWriterState());
    await h.ready;
    ec2Mock.on(DescribeAddressesCommand).resolves({ Addresses: [on(A)] });
    ec2Mock.on(AssociateAddressCommand).callsFake(async () => {
      // While AssociateAddress is in flight, db-a's heartbeat arrives.
      const hb = envelopeOf({ node: 'db-a', seq: 20, state: 'FAULT', detailType: 'VRRP Heartbeat', transitionAtMs: now() - 3_000, sentAtMs: now() - 100, db: { readOnly: true, lagSeconds: null } });
      const other = await h.controller.handle({ kind: 'event', raw: hb }, h.deadline());
      expect(other).toMatchObject({ action: { kind: 'none', reason: 'move-in-progress' } });
      ec2Mock.on(DescribeAddressesCommand).resolves({ Addresses: [on(B)] });
      return {};
    });
    await expect(h.controller.handle({ kind: 'event', raw: masterB() }, h.deadline())).resolves.toMatchObject({ moved: true });
    expect(ec2Mock.commandCalls(AssociateAddressCommand)).toHaveLength(1);
    const state = (await h.store.get())!.state;
    expect(state.nodes[A.id]!.report.seq).toBe(20);
    expect(state).toMatchObject({ holder: { nodeId: B.id }, pendingMove: null, moveCount: 1 });
  });
});
