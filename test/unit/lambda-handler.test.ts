/**
 * The real Lambda handler (module-scope wiring, AWS clients answered by aws-sdk-client-mock) with
 * its config in EIP_FAILOVER_CONFIG, as CDK deploys it: a missing or bad config fails the
 * invocation loudly and never reaches EC2, a fixed one is picked up by the next invocation, and
 * what the function writes is JSON log lines and EMF lines with exactly the catalog's dimensions.
 * One module instance for the whole file, so the tests run in order (a loaded config is kept).
 */
import { AssociateAddressCommand, DescribeAddressesCommand, DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import type { Outcome } from '../../lambda/failover/controller';
import { EMPTY_STATE, type ClusterState } from '../../lambda/failover/core/types';
import { ConfigError } from '../../lib/config/parse';
import { ConfigUnavailableError } from '../../lib/config/source';
import { CONTROLLER_METRIC, METRIC_NAMESPACE } from '../../lib/metrics/catalog';
import example from '../../examples/cluster.json';
import { A, B, config, envelopeOf, REPLICA, stored, WRITER } from './failover-fixtures';

const ec2Mock = mockClient(EC2Client);
const ddbMock = mockClient(DynamoDBDocumentClient);
const snsMock = mockClient(SNSClient);

type Handler = (event: unknown, context?: { getRemainingTimeInMillis(): number }) => Promise<Outcome>;
let handler: Handler;
const context = { getRemainingTimeInMillis: () => 10_000 };

beforeAll(async () => {
  delete process.env.EIP_FAILOVER_CONFIG;
  delete process.env.EIP_FAILOVER_CONFIG_REF;
  delete process.env.AWS_LAMBDA_LOG_LEVEL;
  process.env.EIP_FAILOVER_TABLE_NAME = 'eip-failover-state';
  process.env.EIP_FAILOVER_TOPIC_ARN = 'arn:aws:sns:eu-west-1:111122223333:eip-failover';
  ({ handler } = (await import('../../lambda/failover/handler')) as { handler: Handler });
});
afterAll(() => {
  delete process.env.EIP_FAILOVER_CONFIG;
});

/** db-a holds the EIP and has failed; db-b is a caught-up replica: a valid db-b MASTER event moves the EIP. */
function failedWriterState(now: number): ClusterState {
  return {
    ...EMPTY_STATE,
    nodes: {
      [A.id]: stored({ ...WRITER, epoch: 1000, seq: 1000, state: 'FAULT', transitionAtMs: now - 3_000, sentAtMs: now - 3_000, db: { readOnly: true, lagSeconds: null } }, now - 20_000),
      [B.id]: stored({ ...REPLICA, epoch: 1000, seq: 1000, priority: B.priority, sentAtMs: now - 4_000 }),
    },
  };
}

const masterEvent = (seq: number) =>
  envelopeOf({ node: 'db-b', epoch: 1000, seq, state: 'MASTER', transitionAtMs: Date.now() - 1_500, sentAtMs: Date.now() - 1_000, db: { ioRunning: false, lagSeconds: 2 } });

function awsWouldMove(): void {
  ddbMock.reset();
  ec2Mock.reset();
  snsMock.reset();
  ddbMock.on(GetCommand).resolves({ Item: { pk: `cluster#${config.clusterName}`, version: 5, schema: 1, state: failedWriterState(Date.now()) } });
  ddbMock.on(PutCommand).resolves({});
  snsMock.on(PublishCommand).resolves({});
  const addr = (n: typeof A) => ({ AllocationId: config.eip.allocationId, AssociationId: 'eipassoc-0123456789abcdef0', NetworkInterfaceId: n.networkInterfaceId, PrivateIpAddress: n.privateIp });
  ec2Mock.on(DescribeAddressesCommand).resolvesOnce({ Addresses: [addr(A)] }).resolves({ Addresses: [addr(B)] });
  ec2Mock.on(DescribeInstancesCommand).resolves({
    Reservations: [A, B].map((n) => ({ Instances: [{ InstanceId: n.instanceId, State: { Name: 'running' as const }, NetworkInterfaces: [{ NetworkInterfaceId: n.networkInterfaceId }] }] })),
  });
  ec2Mock.on(AssociateAddressCommand).resolves({});
}

/** Runs one invocation with stdout and stderr captured, line by line. */
async function invoke(event: unknown): Promise<{ result: Outcome | Error; stdout: string[]; stderr: string[] }> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const capture = (into: string[]) => (chunk: string | Uint8Array) => {
    into.push(...String(chunk).split('\n').filter(Boolean));
    return true;
  };
  const out = jest.spyOn(process.stdout, 'write').mockImplementation(capture(stdout));
  const err = jest.spyOn(process.stderr, 'write').mockImplementation(capture(stderr));
  try {
    const result = await handler(event, context).catch((e: Error) => e);
    return { result, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

const noAwsCallBeyondConfig = () => {
  expect(ec2Mock.calls()).toHaveLength(0);
  expect(ddbMock.calls()).toHaveLength(0);
  expect(snsMock.calls()).toHaveLength(0);
};

test('no config variable: the invocation fails with what to set, logged as JSON on stderr; no AWS call, no metric', async () => {
  awsWouldMove();
  const { result, stdout, stderr } = await invoke(masterEvent(1001));
  expect(result).toBeInstanceOf(ConfigUnavailableError);
  expect((result as Error).message).toMatch(/EIP_FAILOVER_CONFIG_REF is not set \(nor EIP_FAILOVER_CONFIG\); set EIP_FAILOVER_CONFIG to the config document/);
  expect(stdout).toEqual([]);
  expect(stderr.map((l) => JSON.parse(l))).toEqual([
    expect.objectContaining({ level: 'ERROR', message: 'invocation failed; Lambda will retry', errorName: 'ConfigUnavailableError', service: 'eip-failover-controller' }),
  ]);
  noAwsCallBeyondConfig();
});

test('an invalid config in EIP_FAILOVER_CONFIG: ConfigError naming the field; the EIP is not moved although the event would move it', async () => {
  awsWouldMove();
  process.env.EIP_FAILOVER_CONFIG = JSON.stringify({ ...example, eip: { ...example.eip, allocationId: 'eipalloc-XYZ' } });
  const { result, stderr } = await invoke(masterEvent(1001));
  expect(result).toBeInstanceOf(ConfigError);
  expect((result as ConfigError).source).toBe('environment variable EIP_FAILOVER_CONFIG');
  expect((result as ConfigError).problems.map((p) => p.path)).toEqual(['eip.allocationId']);
  expect(JSON.parse(stderr[0]!)).toMatchObject({ level: 'ERROR', errorName: 'ConfigError', error: expect.stringContaining('eip.allocationId') });
  noAwsCallBeyondConfig();
  // Not cached: the next invocation reads the variable again, and fails again.
  expect((await invoke(masterEvent(1001))).result).toBeInstanceOf(ConfigError);
  noAwsCallBeyondConfig();
});

test('the fixed config is picked up by the next invocation, which moves the EIP; log and metric lines as the alarms expect', async () => {
  awsWouldMove();
  process.env.EIP_FAILOVER_CONFIG = JSON.stringify(example);
  const { result, stdout, stderr } = await invoke(masterEvent(1001));
  expect(result).toMatchObject({ kind: 'decided', moved: true });
  expect(ec2Mock.commandCalls(AssociateAddressCommand).map((c) => c.args[0].input)).toEqual([
    { AllocationId: config.eip.allocationId, NetworkInterfaceId: B.networkInterfaceId, PrivateIpAddress: B.privateIp, AllowReassociation: true },
  ]);
  expect(stderr).toEqual([]);
  const lines = stdout.map((l) => JSON.parse(l) as Record<string, unknown> & { _aws?: { CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][] }> } });
  const emf = lines.filter((l) => l._aws);
  const logs = lines.filter((l) => !l._aws);
  expect(logs.length).toBeGreaterThan(0);
  for (const l of logs) expect(l).toMatchObject({ level: 'INFO', service: 'eip-failover-controller', cluster: 'orders-db' });
  expect(logs.map((l) => l.message)).toEqual(expect.arrayContaining(['decision: associate (holder-unhealthy)', 'move confirmed']));
  expect(emf).toHaveLength(1);
  expect(emf[0]!._aws!.CloudWatchMetrics).toEqual([expect.objectContaining({ Namespace: METRIC_NAMESPACE, Dimensions: [['ClusterName']] })]);
  expect(emf[0]).toMatchObject({ ClusterName: 'orders-db', [CONTROLLER_METRIC.eipMoves]: 1, [CONTROLLER_METRIC.failoverLatencyMs]: expect.any(Number) });
  expect(emf[0]).not.toHaveProperty('service');
});

test('a rejected event: one RejectedEvents document with exactly ClusterName and Reason, a WARN line on stderr', async () => {
  awsWouldMove();
  const { result, stdout, stderr } = await invoke(masterEvent(5)); // older than the stored seq
  expect(result).toMatchObject({ kind: 'rejected', reason: 'not-newer' });
  const emf = stdout.map((l) => JSON.parse(l) as { _aws?: { CloudWatchMetrics: Array<{ Dimensions: string[][]; Metrics: Array<{ Name: string }> }> } }).filter((l) => l._aws);
  const rejected = emf.filter((d) => d._aws!.CloudWatchMetrics[0]!.Metrics.some((m) => m.Name === CONTROLLER_METRIC.rejectedEvents));
  expect(rejected).toEqual([expect.objectContaining({ ClusterName: 'orders-db', Reason: 'not-newer', RejectedEvents: 1 })]);
  expect(rejected[0]!._aws!.CloudWatchMetrics[0]!.Dimensions).toEqual([['ClusterName', 'Reason']]);
  for (const d of emf.filter((x) => !rejected.includes(x))) expect(d._aws!.CloudWatchMetrics[0]!.Dimensions).toEqual([['ClusterName']]);
  expect(stderr.map((l) => JSON.parse(l))).toEqual([expect.objectContaining({ level: 'WARN', message: 'event rejected', reason: 'not-newer', cluster: 'orders-db' })]);
  expect(ec2Mock.commandCalls(AssociateAddressCommand)).toHaveLength(0);
});
