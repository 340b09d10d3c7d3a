/**
 * eipctl's AWS adapter with aws-sdk-client-mock: the exact CloudFormation, SSM, EC2, CloudWatch and
 * DynamoDB requests of status, history and a switchover, and how their answers are read.
 */
import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeAddressesCommand } from '@aws-sdk/client-ec2';
import { GetCommandInvocationCommand, GetParameterCommand, SendCommandCommand, type CommandInvocationStatus, type GetCommandInvocationCommandOutput } from '@aws-sdk/client-ssm';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { awsTarget, createAwsClients } from '../../eipctl/aws/aws-target';
import { EipctlError, UsageError } from '../../eipctl/errors';
import { runSwitchover } from '../../eipctl/switchover';
import { EMPTY_STATE } from '../../lambda/failover/core/types';
import type { AgentStatus } from '../../node-agent/daemon/status';
import { A, B, config } from './failover-fixtures';

const EXAMPLE = readFileSync(join(__dirname, '../../examples/cluster.json'), 'utf8');
const TABLE = 'EipFailover-orders-db-StateTable-1ABC';
const PARAM = '/eip-failover/orders-db/config';
const AGENT = '/usr/local/bin/eip-agent';

const clients = createAwsClients({ region: 'eu-west-1' });
const cfn = mockClient(clients.cfn);
const ssm = mockClient(clients.ssm);
const ec2 = mockClient(clients.ec2);
const cw = mockClient(clients.cloudwatch);
const ddb = mockClient(clients.dynamo);

const noWait = { sleep: async () => undefined, pollMs: 1 };
const target = () => awsTarget({ stack: 'EipFailover-orders-db', progress: () => undefined, clients, ssm: noWait });

function agentStatus(id: 'db-a' | 'db-b', over: Partial<AgentStatus['db']> = {}): AgentStatus & { running: boolean } {
  const writer = id === 'db-a';
  return {
    running: true,
    cluster: 'orders-db',
    nodeId: id,
    pid: 10,
    startedAtMs: 0,
    updatedAtMs: Date.now(),
    vrrp: { state: writer ? 'MASTER' : 'BACKUP', priority: writer ? 150 : 100, transitionAtMs: 0, source: 'fifo', keepalivedRunning: true },
    events: { epoch: 1, lastSeq: 1 } as AgentStatus['events'],
    db: { up: true, readOnly: !writer, ioRunning: true, sqlRunning: true, gtidCurrentPos: '0-1-5', lagSeconds: writer ? null : 0.3, error: null, role: writer ? 'writer' : 'read-only', ...over },
    eip: { holder: writer ? 'self' : 'other', ageMs: 0, lastError: null },
    fencing: { reason: writer ? 'already-writable' : 'vrrp-not-master', detail: '', warning: null, error: null },
  };
}

const invocation = (stdout: string, status: CommandInvocationStatus = 'Success', code = 0): GetCommandInvocationCommandOutput => ({ $metadata: {}, Status: status, StatusDetails: status, ResponseCode: code, StandardOutputContent: stdout, StandardErrorContent: '' });
const notYet = () => Object.assign(new Error('invocation does not exist yet'), { name: 'InvocationDoesNotExist' });
const associatedWith = (n: typeof A) => ({ Addresses: [{ AllocationId: config.eip.allocationId, PublicIp: config.eip.publicIp, AssociationId: 'eipassoc-1', NetworkInterfaceId: n.networkInterfaceId, InstanceId: n.instanceId, PrivateIpAddress: n.privateIp }] });

beforeEach(() => {
  for (const m of [cfn, ssm, ec2, cw, ddb]) m.reset();
  cfn.on(DescribeStacksCommand).resolves({
    Stacks: [{ StackName: 'EipFailover-orders-db', CreationTime: new Date(), StackStatus: 'CREATE_COMPLETE', Outputs: [
      { OutputKey: 'OrdersDbEipPublicIp', OutputValue: config.eip.publicIp },
      { OutputKey: 'OrdersDbConfigParameterName', OutputValue: PARAM },
      { OutputKey: 'OrdersDbStateTableName', OutputValue: TABLE },
    ] }],
  });
  ssm.on(GetParameterCommand).resolves({ Parameter: { Name: PARAM, Value: EXAMPLE } });
});

describe('finding the pair', () => {
  test('DescribeStacks names the config parameter and the table; the config comes from SSM', async () => {
    const t = await target();
    expect(cfn.commandCalls(DescribeStacksCommand).map((c) => c.args[0].input)).toEqual([{ StackName: 'EipFailover-orders-db' }]);
    expect(ssm.commandCalls(GetParameterCommand).map((c) => c.args[0].input)).toEqual([{ Name: PARAM, WithDecryption: true }]);
    expect(t.config.clusterName).toBe('orders-db');
  });

  test('--cluster alone picks the default stack name; a stack with two pairs needs --cluster', async () => {
    await awsTarget({ cluster: 'orders-db', progress: () => undefined, clients });
    expect(cfn.commandCalls(DescribeStacksCommand)[0]!.args[0].input).toEqual({ StackName: 'EipFailover-orders-db' });
    cfn.on(DescribeStacksCommand).resolves({ Stacks: [{ StackName: 's', CreationTime: new Date(), StackStatus: 'CREATE_COMPLETE', Outputs: [{ OutputKey: 'OneConfigParameterName', OutputValue: 'a' }, { OutputKey: 'TwoConfigParameterName', OutputValue: 'b' }] }] });
    await expect(awsTarget({ stack: 's', progress: () => undefined, clients })).rejects.toThrow(new UsageError('stack s holds 2 pairs (One, Two): pick one with --cluster'));
  });

  test('a missing stack says what to check', async () => {
    cfn.on(DescribeStacksCommand).rejects(Object.assign(new Error('Stack with id nope does not exist'), { name: 'ValidationError' }));
    await expect(awsTarget({ stack: 'nope', progress: () => undefined, clients })).rejects.toThrow(new EipctlError('stack nope does not exist in eu-west-1: check --stack, --region and --profile'));
  });
});

describe('eipctl status on AWS', () => {
  test('exact reads: DescribeAddresses, the state item, alarms in ALARM by prefix (all pages), one SSM status command for both nodes', async () => {
    ec2.on(DescribeAddressesCommand).resolves(associatedWith(A));
    ddb.on(GetCommand).resolves({ Item: { pk: 'cluster#orders-db', version: 3, schema: 1, state: { ...EMPTY_STATE, holder: { nodeId: 'db-a', sinceMs: 5 }, lastMoveAtMs: 5, moveCount: 2 } } });
    cw.on(DescribeAlarmsCommand)
      .resolvesOnce({ MetricAlarms: [{ AlarmName: 'eip-failover orders-db critical: NoWriter', StateReason: 'Threshold Crossed: 1 datapoint', StateUpdatedTimestamp: new Date(1000) }], NextToken: 'page2' })
      .resolvesOnce({ CompositeAlarms: [{ AlarmName: 'eip-failover orders-db warning: Lag', StateReason: 'x' }] });
    ssm.on(SendCommandCommand).resolves({ Command: { CommandId: 'cmd-status' } });
    ssm.on(GetCommandInvocationCommand, { InstanceId: A.instanceId }).rejectsOnce(notYet()).resolves(invocation(JSON.stringify(agentStatus('db-a'), null, 2)));
    ssm.on(GetCommandInvocationCommand, { InstanceId: B.instanceId }).resolvesOnce({ Status: 'InProgress' }).resolves(invocation(JSON.stringify(agentStatus('db-b'), null, 2)));

    const view = await (await target()).view();
    expect(ec2.commandCalls(DescribeAddressesCommand).map((c) => c.args[0].input)).toEqual([{ AllocationIds: [config.eip.allocationId] }]);
    expect(ddb.commandCalls(GetCommand).map((c) => c.args[0].input)).toEqual([{ TableName: TABLE, Key: { pk: 'cluster#orders-db' }, ConsistentRead: true }]);
    expect(cw.commandCalls(DescribeAlarmsCommand).map((c) => c.args[0].input)).toEqual([
      { AlarmNamePrefix: 'eip-failover orders-db ', StateValue: 'ALARM' },
      { AlarmNamePrefix: 'eip-failover orders-db ', StateValue: 'ALARM', NextToken: 'page2' },
    ]);
    expect(ssm.commandCalls(SendCommandCommand).map((c) => c.args[0].input)).toEqual([
      { DocumentName: 'AWS-RunShellScript', InstanceIds: [A.instanceId, B.instanceId], Parameters: { commands: [`${AGENT} status --json`], executionTimeout: ['60'] }, TimeoutSeconds: 30, Comment: 'eipctl status' },
    ]);
    expect(ssm.commandCalls(GetCommandInvocationCommand).map((c) => c.args[0].input)).toEqual(
      expect.arrayContaining([{ CommandId: 'cmd-status', InstanceId: A.instanceId }, { CommandId: 'cmd-status', InstanceId: B.instanceId }]),
    );
    expect(view.eip).toEqual({ publicIp: config.eip.publicIp, holder: 'db-a', foreign: null });
    expect(view.nodes.map((n) => [n.id, n.vrrpState, n.db.readOnly, n.db.lagSeconds])).toEqual([['db-a', 'MASTER', false, null], ['db-b', 'BACKUP', true, 0.3]]);
    expect(view.alarms).toEqual([
      { name: 'eip-failover orders-db critical: NoWriter', reason: 'Threshold Crossed: 1 datapoint', sinceMs: 1000 },
      { name: 'eip-failover orders-db warning: Lag', reason: 'x', sinceMs: null },
    ]);
    expect(view.controller).toMatchObject({ moveCount: 2 });
    expect(view.lastMoves).toEqual([{ atMs: 5, from: null, to: 'db-a', reason: null, tookMs: null }]);
  });

  test('a node whose SSM command failed is unreachable, with what SSM said', async () => {
    ec2.on(DescribeAddressesCommand).resolves(associatedWith(A));
    ddb.on(GetCommand).resolves({});
    cw.on(DescribeAlarmsCommand).resolves({});
    ssm.on(SendCommandCommand).resolves({ Command: { CommandId: 'c' } });
    ssm.on(GetCommandInvocationCommand, { InstanceId: A.instanceId }).resolves(invocation(JSON.stringify(agentStatus('db-a'))));
    ssm.on(GetCommandInvocationCommand, { InstanceId: B.instanceId }).resolves({ Status: 'TimedOut', StatusDetails: 'DeliveryTimedOut', ResponseCode: -1 });
    const view = await (await target()).view();
    expect(view.nodes[1]).toMatchObject({ reachable: false, problem: 'SSM TimedOut (DeliveryTimedOut): no output' });
  });
});

test('SSM refuses the command for both (an instance it does not manage): asked one by one, to tell which', async () => {
  ec2.on(DescribeAddressesCommand).resolves(associatedWith(A));
  ddb.on(GetCommand).resolves({});
  cw.on(DescribeAlarmsCommand).resolves({});
  const invalid = Object.assign(new Error('Instances [[i-0b1c2d3e4f5a60718]] not in a valid state for account'), { name: 'InvalidInstanceId' });
  ssm.on(SendCommandCommand).rejects(invalid);
  ssm.on(SendCommandCommand, { InstanceIds: [A.instanceId] }).resolves({ Command: { CommandId: 'a' } });
  ssm.on(GetCommandInvocationCommand).resolves(invocation(JSON.stringify(agentStatus('db-a'))));
  const view = await (await target()).view();
  expect(ssm.commandCalls(SendCommandCommand).map((c) => c.args[0].input.InstanceIds)).toEqual([[A.instanceId, B.instanceId], [A.instanceId], [B.instanceId]]);
  expect(view.nodes[0]).toMatchObject({ reachable: true, vrrpState: 'MASTER' });
  expect(view.nodes[1]).toMatchObject({ reachable: false, problem: `SSM: ${invalid.message}` });
});

describe('eipctl history on AWS', () => {
  test("reads the controller's state item and says that is all it read", async () => {
    ddb.on(GetCommand).resolves({ Item: { pk: 'cluster#orders-db', version: 1, schema: 1, state: { ...EMPTY_STATE, holder: { nodeId: 'db-b', sinceMs: 9 }, lastMoveAtMs: 9, moveCount: 4 } } });
    const h = await (await target()).history(10);
    expect(h.entries.map((e) => e.summary)).toEqual(['EIP moved to db-b (move 4 in total)']);
    expect(h.source).toMatch(/DynamoDB table EipFailover-orders-db-StateTable-1ABC .*CloudWatch Logs/);
  });
});

describe('eipctl switchover on AWS (through SSM Run Command)', () => {
  function stage() {
    // The EIP is on db-a until the yield ran, then on db-b.
    let yielded = false;
    ec2.on(DescribeAddressesCommand).callsFake(() => associatedWith(yielded ? B : A));
    ddb.on(GetCommand).resolves({});
    cw.on(DescribeAlarmsCommand).resolves({});
    const ids: Record<string, string> = {};
    let n = 0;
    ssm.on(SendCommandCommand).callsFake((input: { Parameters: { commands: string[] } }) => {
      const id = `cmd-${++n}`;
      ids[id] = input.Parameters.commands[0]!;
      return { Command: { CommandId: id } };
    });
    ssm.on(GetCommandInvocationCommand).callsFake((input: { CommandId: string; InstanceId: string }) => {
      const command = ids[input.CommandId]!;
      const node = input.InstanceId === A.instanceId ? 'db-a' : 'db-b';
      if (command.endsWith('status --json')) {
        const s = agentStatus(node, yielded ? { readOnly: node === 'db-a', role: node === 'db-a' ? 'read-only' : 'writer' } : {});
        return invocation(JSON.stringify(s, null, 2));
      }
      if (command.includes('prepare-takeover')) return invocation(JSON.stringify({ node, peer: 'db-a', outcome: 'prepared', reason: null, untilMs: 1 }));
      if (command.includes(' yield --json')) {
        yielded = true;
        const t = 1000;
        return invocation(JSON.stringify({ node, peer: 'db-b', outcome: 'handed-over', reason: null, interrupted: false, startedAtMs: t, fencedAtMs: t, binlogPos: '0-1-5', peerAppliedPos: '0-1-5', caughtUpAtMs: t + 10, yieldedAtMs: t + 11, leftMasterAtMs: t + 12, eipLeftAtMs: t + 300, finishedAtMs: t + 320 }));
      }
      throw new Error(`unexpected command ${command}`);
    });
  }

  test('prepare-takeover on the target, yield on the writer, then DescribeAddresses and the target status until it writes', async () => {
    stage();
    const r = await runSwitchover(await target(), { to: 'db-b', maxLagSeconds: 5, catchUpTimeoutMs: 4000, handoverTimeoutMs: 12_000, confirmTimeoutMs: 20_000, dryRun: false, withLoad: true, progress: () => undefined, signal: new AbortController().signal, sleep: async () => undefined });
    const sent = ssm.commandCalls(SendCommandCommand).map((c) => c.args[0].input);
    expect(sent.map((i) => [i.InstanceIds, i.Parameters!.commands![0], i.Parameters!.executionTimeout![0], i.Comment])).toEqual([
      [[A.instanceId, B.instanceId], `${AGENT} status --json`, '60', 'eipctl status'],
      [[B.instanceId], `${AGENT} prepare-takeover --json --for-ms 46000`, '60', 'eipctl switchover: prepare db-b'],
      [[A.instanceId], `${AGENT} yield --json --catch-up-timeout-ms 4000 --handover-timeout-ms 12000`, '76', 'eipctl switchover: yield on db-a'],
      [[B.instanceId], `${AGENT} status --json`, '60', 'eipctl switchover: confirm'],
      [[A.instanceId], `${AGENT} status --json`, '60', 'eipctl switchover: confirm'],
    ]);
    expect(sent.every((i) => i.DocumentName === 'AWS-RunShellScript' && i.TimeoutSeconds === 30)).toBe(true);
    expect(r).toMatchObject({ outcome: 'switched', from: 'db-a', to: 'db-b', eipMoved: true, newWriterWritable: true, oldWriterReadOnly: true, downtimeSource: 'fence-to-writable', lostAckedWrites: null });
  });

  test('Ctrl-C while the yield runs: a second command asks it to roll back (a signal cannot reach a remote process)', async () => {
    stage();
    const ac = new AbortController();
    const t = await target();
    const pending = t.agent.yieldWriter('db-a', { catchUpTimeoutMs: 5000, handoverTimeoutMs: 15_000 }, ac.signal, () => undefined);
    ac.abort();
    await pending;
    const commands = ssm.commandCalls(SendCommandCommand).map((c) => [c.args[0].input.InstanceIds, c.args[0].input.Parameters!.commands![0]]);
    expect(commands).toContainEqual([[A.instanceId], `${AGENT} yield --abort`]);
  });

  test('a node that prints no report: the error carries what SSM and the node said', async () => {
    ssm.on(SendCommandCommand).resolves({ Command: { CommandId: 'c' } });
    ssm.on(GetCommandInvocationCommand).resolves({ Status: 'Failed', StatusDetails: 'Failed', ResponseCode: 127, StandardOutputContent: '', StandardErrorContent: 'sh: 1: /usr/local/bin/eip-agent: not found' });
    await expect((await target()).agent.prepareTakeover('db-b', 1000)).rejects.toThrow(/eip-agent prepare-takeover on db-b \(i-0b1c2d3e4f5a60718\) gave no report: SSM Failed \(Failed\), exit 127: sh: 1: \/usr\/local\/bin\/eip-agent: not found/);
  });
});
