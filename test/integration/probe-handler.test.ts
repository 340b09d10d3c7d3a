/**
 * The probe Lambda's handler as Lambda runs it: the environment CDK sets, the config from SSM, the
 * password from Secrets Manager and the EIP from EC2 (aws-sdk-client-mock, exact inputs asserted),
 * MySQL for real against a local MariaDB pair, EMF lines on stdout parsed back.
 */
import type * as Ec2Sdk from '@aws-sdk/client-ec2';
import type * as SecretsSdk from '@aws-sdk/client-secrets-manager';
import * as SsmSdk from '@aws-sdk/client-ssm';
import { mockClient, type AwsStub } from 'aws-sdk-client-mock';
import { PROBE_PASSWORD, startProbePair, type ProbePair } from './probe-pair';

jest.setTimeout(180_000);

const PARAMETER = '/eip-failover/probe-prbh/config';
const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:eip-failover-probe-prbh-probe-AbCdEf';
let pair: ProbePair;
const savedEnv = { ...process.env };

type Handler = (event: unknown, context?: { getRemainingTimeInMillis(): number }) => Promise<void>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Stub = AwsStub<any, any, any>;
interface ColdStart {
  readonly handler: Handler;
  readonly secrets: Stub;
  readonly ec2: Stub;
  readonly sdk: { secrets: typeof SecretsSdk; ec2: typeof Ec2Sdk };
}

/**
 * lib/config/env-source.ts loads the SSM reader with import(), which jest resolves after
 * isolateModules has returned, in this file's registry: SSM is mocked there.
 */
const ssm = mockClient(SsmSdk.SSMClient);
const ssmCalls = () => ssm.commandCalls(SsmSdk.GetParameterCommand).map((c) => c.args[0].input);

/**
 * A fresh module registry: a cold start. The SDK clients are mocked in that registry (the classes
 * the handler constructs), answering as AWS would for this pair.
 */
function coldStart(): ColdStart {
  let c!: ColdStart;
  jest.isolateModules(() => {
    /* eslint-disable @typescript-eslint/no-require-imports */
    const sdk = { secrets: require('@aws-sdk/client-secrets-manager') as typeof SecretsSdk, ec2: require('@aws-sdk/client-ec2') as typeof Ec2Sdk };
    const secrets = mockClient(sdk.secrets.SecretsManagerClient);
    const ec2 = mockClient(sdk.ec2.EC2Client);
    const a = pair.config.nodes[0];
    secrets.on(sdk.secrets.GetSecretValueCommand).resolves({ SecretString: PROBE_PASSWORD });
    ec2.on(sdk.ec2.DescribeAddressesCommand).resolves({
      Addresses: [{ AllocationId: pair.config.eip.allocationId, AssociationId: 'eipassoc-0123', PublicIp: pair.config.eip.publicIp, NetworkInterfaceId: a.networkInterfaceId, InstanceId: a.instanceId, PrivateIpAddress: a.privateIp }],
    });
    const handler = (require('../../lambda/probe/handler') as { handler: Handler }).handler;
    /* eslint-enable @typescript-eslint/no-require-imports */
    c = { handler, secrets, ec2, sdk };
  });
  return c;
}

const scheduled = { version: '0', id: 'e1', 'detail-type': 'Scheduled Event', source: 'aws.events', account: '111122223333', time: '2026-11-26T10:00:00Z', region: 'eu-west-1', resources: [], detail: {} };

/** Runs the handler and returns what it wrote: stdout lines (EMF) and stderr lines (logs). */
async function invoke(handler: Handler, remainingMs: number): Promise<{ out: string[]; err: string[]; error?: Error }> {
  const out: string[] = [];
  const err: string[] = [];
  const o = jest.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => (out.push(...String(c).split('\n').filter(Boolean)), true));
  const e = jest.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => (err.push(...String(c).split('\n').filter(Boolean)), true));
  const started = Date.now();
  try {
    await handler(scheduled, { getRemainingTimeInMillis: () => remainingMs - (Date.now() - started) });
    return { out, err };
  } catch (error) {
    return { out, err, error: error as Error };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

beforeAll(async () => {
  pair = await startProbePair('prbh', 72);
}, 180_000);

afterAll(async () => {
  process.env = savedEnv;
  await pair?.cleanup();
});

beforeEach(() => {
  ssm.reset();
  ssm.on(SsmSdk.GetParameterCommand).resolves({ Parameter: { Name: PARAMETER, Value: JSON.stringify(pair.input) } });
  process.env = {
    ...savedEnv,
    AWS_REGION: 'eu-west-1',
    // Node 20 here: the SDK's notice about future versions would land in the logs under test.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    EIP_FAILOVER_CONFIG_REF: `ssm:${PARAMETER}`,
    EIP_FAILOVER_PROBE_SECRET_ARN: SECRET_ARN,
    EIP_FAILOVER_PROBE_EVERY_MS: '1000',
    EIP_FAILOVER_PROBE_CONNECT_TIMEOUT_MS: '500',
  };
});

test('a cold start reads SSM and Secrets Manager once, each round asks EC2 once and emits EMF for both nodes and the pair', async () => {
  const { handler, secrets, ec2, sdk } = coldStart();
  // Budget 1 s a round (the interval), 1 s safety margin: rounds at 0 and 1 s fit in 3.5 s, one at 2 s would not.
  const first = await invoke(handler, 3_500);
  expect(first.error).toBeUndefined();
  expect(ssmCalls()).toEqual([{ Name: PARAMETER, WithDecryption: true }]);
  expect(secrets.commandCalls(sdk.secrets.GetSecretValueCommand).map((c) => c.args[0].input)).toEqual([{ SecretId: SECRET_ARN }]);
  expect(ec2.commandCalls(sdk.ec2.DescribeAddressesCommand).map((c) => c.args[0].input)).toEqual([{ AllocationIds: [pair.config.eip.allocationId] }, { AllocationIds: [pair.config.eip.allocationId] }]);

  const docs = first.out.map((l) => JSON.parse(l) as Record<string, unknown>);
  expect(docs.map((d) => d.Target)).toEqual(['db-a', 'db-b', 'eip', 'db-a', 'db-b', 'eip']);
  for (const d of docs) {
    expect(d).toMatchObject({ ClusterName: 'probe-prbh', _aws: { CloudWatchMetrics: [{ Namespace: 'EipFailover', Dimensions: [['ClusterName', 'Target']] }] } });
  }
  expect(docs[0]).toMatchObject({ NodeUp: 1, ReadOnly: 0 });
  expect(docs[1]).toMatchObject({ NodeUp: 1, ReadOnly: 1, ReplicationIoRunning: 1, ReplicationSqlRunning: 1, ErrantTransactions: 0 });
  expect(docs[2]).toMatchObject({ WritableNodes: 1, WriterConsistent: 1, WriterReachable: 1, ProbeRuns: 1 });
  expect(docs[2]!.ReplicationE2eMs).toEqual(expect.any(Number));
  expect(first.err).toEqual([]);

  // Warm: nothing loaded again; the memory carried over (PassiveWrites needs a previous round).
  const second = await invoke(handler, 2_500);
  expect(ssmCalls()).toHaveLength(1);
  expect(secrets.commandCalls(sdk.secrets.GetSecretValueCommand)).toHaveLength(1);
  expect(second.out.map((l) => JSON.parse(l).Target)).toEqual(['db-a', 'db-b', 'eip']);
  expect(JSON.parse(second.out[1]!)).toMatchObject({ PassiveWrites: 0 });
});

test('an unreadable secret fails the invocation loudly, with a hint; the next invocation tries again', async () => {
  const { handler, secrets, sdk } = coldStart();
  secrets
    .on(sdk.secrets.GetSecretValueCommand)
    .rejectsOnce(Object.assign(new Error('User is not authorized'), { name: 'AccessDeniedException' }))
    .resolves({ SecretString: PROBE_PASSWORD });
  const failed = await invoke(handler, 3_500);
  expect(failed.error?.message).toMatch(/cannot read secret .*AccessDeniedException.*secretsmanager:GetSecretValue/);
  expect(failed.out).toEqual([]);
  expect(JSON.parse(failed.err[0]!)).toMatchObject({ level: 'ERROR', message: 'probe not started: cannot load its config or password; no metrics this minute' });
  const retried = await invoke(handler, 2_500);
  expect(retried.error).toBeUndefined();
  expect(retried.out.map((l) => JSON.parse(l).Target)).toEqual(['db-a', 'db-b', 'eip']);
});

test('bad settings fail the cold start naming the variable', async () => {
  process.env.EIP_FAILOVER_PROBE_CONNECT_TIMEOUT_MS = '5000';
  const failed = await invoke(coldStart().handler, 3_500);
  expect(failed.error?.message).toMatch(/EIP_FAILOVER_PROBE_CONNECT_TIMEOUT_MS \(5000\) must be below EIP_FAILOVER_PROBE_EVERY_MS \(1000\)/);
});
