/**
 * 1,200 generated malformed or hostile events through the real Lambda handler (module-scope
 * wiring, AWS clients answered by aws-sdk-client-mock): every one is rejected, and EC2 is never
 * called, let alone AssociateAddress. A control event proves the same wiring does move the EIP.
 */
import { join } from 'node:path';
import { AssociateAddressCommand, DescribeAddressesCommand, DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import type { Outcome } from '../../lambda/failover/controller';
import { EMPTY_STATE, type ClusterState } from '../../lambda/failover/core/types';
import { A, B, config, envelopeOf, REPLICA, stored, WRITER } from './failover-fixtures';

const ec2Mock = mockClient(EC2Client);
const ddbMock = mockClient(DynamoDBDocumentClient);
const snsMock = mockClient(SNSClient);

type Handler = (event: unknown, context?: { getRemainingTimeInMillis(): number }) => Promise<Outcome>;
let handler: Handler;
const STORED_EPOCH = 1000;
const STORED_SEQ = 1000;

beforeAll(async () => {
  process.env.EIP_FAILOVER_CONFIG_REF = join(__dirname, '../../examples/cluster.json');
  process.env.EIP_FAILOVER_TABLE_NAME = 'eip-failover-state';
  process.env.EIP_FAILOVER_TOPIC_ARN = 'arn:aws:sns:eu-west-1:111122223333:eip-failover';
  ({ handler } = (await import('../../lambda/failover/handler')) as { handler: Handler });
});

/** db-a holds the EIP and has failed; db-b is a caught-up replica: one valid db-b MASTER event would move the EIP. */
function storedState(now: number): ClusterState {
  const fresh = { epoch: STORED_EPOCH, seq: STORED_SEQ };
  return {
    ...EMPTY_STATE,
    nodes: {
      [A.id]: stored({ ...WRITER, ...fresh, state: 'FAULT', transitionAtMs: now - 3_000, sentAtMs: now - 3_000, db: { readOnly: true, lagSeconds: null } }, now - 20_000),
      [B.id]: stored({ ...REPLICA, ...fresh, priority: B.priority, sentAtMs: now - 4_000 }),
    },
  };
}

/** Small deterministic PRNG (mulberry32), so a failure names a reproducible case. */
function prng(seed: number) {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!, int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)) };
}

const LONG = 'x'.repeat(5_000);
/** For each field, values that can never be valid there (or name another cluster, node, source). */
const HOSTILE: Record<string, readonly unknown[]> = {
  source: ['', 5, null, config.nodes[0].eventSource, 'eip-failover.other-db.db-b', 'aws.events', LONG],
  'detail-type': ['VRRP State Changed', '', null, 7, 'Scheduled Event', ['VRRP State Change']],
  detail: [null, 'detail', 42, [], true],
  'detail.schemaVersion': [0, 2, '1', null, 1.5],
  'detail.cluster': ['other-db', 'Orders-DB', '', 5, null, LONG],
  'detail.nodeId': ['db-c', 'DB-B', '', null, 7, '__proto__'],
  'detail.instanceId': [A.instanceId, 'i-0123', 'i-ffffffffffffffff0', '', null],
  'detail.state': ['master', 'PRIMARY', '', null, 3, 'UNKNOWN'],
  'detail.priority': [-1, 256, 1.5, '100', null],
  'detail.transitionAtMs': [-1, 1.5, '1760000000000', {}],
  'detail.sentAtMs': [-1, 1.5, '1760000000000', null],
  'detail.epoch': [0, -1, 1.5, '2000', null],
  'detail.seq': [0, -1, 2.5, '2000', null],
  'detail.db': [null, 'up', [], 5],
  'detail.db.up': ['true', 1, null],
  'detail.db.readOnly': ['false', 0],
  'detail.db.ioRunning': ['Yes', null],
  'detail.db.sqlRunning': ['Yes', 1],
  'detail.db.gtidCurrentPos': [5, null, 'x'.repeat(2_001)],
  'detail.db.lagSeconds': [-1, '0', {}],
  'detail.db.error': [5, 'e'.repeat(1_001)],
  'detail.lastError': [5, false, 'e'.repeat(1_001)],
};

function setPath(target: Record<string, unknown>, path: string, value: unknown, remove: boolean) {
  const keys = path.split('.');
  let obj = target;
  for (const k of keys.slice(0, -1)) {
    if (typeof obj[k] !== 'object' || obj[k] === null || Array.isArray(obj[k])) return;
    obj[k] = { ...(obj[k] as object) };
    obj = obj[k] as Record<string, unknown>;
  }
  if (remove) delete obj[keys.at(-1)!];
  else obj[keys.at(-1)!] = value;
}

/** Every generated event is hostile in at least one way that the controller must refuse. */
function generate(count: number, now: number): Array<{ label: string; raw: unknown }> {
  const r = prng(20251009);
  const valid = () => envelopeOf({ node: 'db-b', epoch: STORED_EPOCH, seq: STORED_SEQ + 1 + r.int(0, 100), state: 'MASTER', transitionAtMs: now - 1_500, sentAtMs: now - 1_000, db: { ioRunning: false, lagSeconds: 2 } });
  const out: Array<{ label: string; raw: unknown }> = [];
  const junk: unknown[] = [null, undefined, 0, 'VRRP State Change', [], [valid()], true, {}, { detail: {} }, JSON.parse('{"__proto__":{"admin":true},"source":"x"}')];
  for (let i = 0; out.length < count; i++) {
    const kind = r.pick(['junk', 'mutate', 'mutate', 'mutate', 'remove', 'replay', 'too-old', 'future', 'pollute', 'impersonate'] as const);
    const e = valid() as Record<string, unknown>;
    if (kind === 'junk') out.push({ label: `junk #${i}`, raw: r.pick(junk) });
    else if (kind === 'mutate') {
      const fields = Object.keys(HOSTILE);
      const n = r.int(1, 3);
      const labels: string[] = [];
      for (let m = 0; m < n; m++) {
        const field = r.pick(fields);
        const value = r.pick(HOSTILE[field]!);
        setPath(e, field, value, false);
        labels.push(`${field}=${JSON.stringify(value)?.slice(0, 30)}`);
      }
      out.push({ label: `mutate ${labels.join(', ')}`, raw: e });
    } else if (kind === 'remove') {
      const field = r.pick(['source', 'detail-type', 'detail', 'detail.schemaVersion', 'detail.cluster', 'detail.nodeId', 'detail.instanceId', 'detail.state', 'detail.priority', 'detail.transitionAtMs', 'detail.sentAtMs', 'detail.epoch', 'detail.seq', 'detail.db', 'detail.db.up', 'detail.db.lagSeconds', 'detail.lastError']);
      setPath(e, field, undefined, true);
      out.push({ label: `remove ${field}`, raw: e });
    } else if (kind === 'replay') {
      const seq = r.int(1, STORED_SEQ);
      setPath(e, 'detail.seq', seq, false);
      if (r.next() < 0.3) setPath(e, 'detail.epoch', r.int(1, STORED_EPOCH - 1), false);
      out.push({ label: `replay seq ${seq}`, raw: e });
    } else if (kind === 'impersonate') {
      // Well-formed, but not what this cluster's db-b may say about itself.
      const [field, value] = r.pick([
        ['detail.nodeId', 'db-c'],
        ['detail.nodeId', A.id],
        ['source', A.eventSource],
        ['detail.instanceId', A.instanceId],
        ['detail.cluster', 'other-db'],
      ] as const);
      setPath(e, field, value, false);
      out.push({ label: `impersonate ${field}=${value}`, raw: e });
    } else if (kind === 'too-old') {
      setPath(e, 'detail.sentAtMs', now - r.int(61_000, 86_400_000), false);
      out.push({ label: 'too old', raw: e });
    } else if (kind === 'future') {
      setPath(e, 'detail.sentAtMs', now + r.int(31_000, 86_400_000), false);
      out.push({ label: 'from the future', raw: e });
    } else {
      const d = JSON.parse(JSON.stringify(e.detail)) as Record<string, unknown>;
      const polluted = JSON.parse(`{"__proto__":{"cluster":"${config.clusterName}","seq":${STORED_SEQ + 5000}},"constructor":{"prototype":{"x":1}}}`) as Record<string, unknown>;
      const field = r.pick(['cluster', 'seq', 'nodeId']);
      delete d[field];
      out.push({ label: `pollute without ${field}`, raw: { ...e, detail: Object.assign(polluted, d) } });
    }
  }
  return out;
}

test('1,200 malformed or hostile events: all rejected, zero EC2 calls; a valid control event moves', async () => {
  const now = Date.now();
  ddbMock.on(GetCommand).resolves({ Item: { pk: `cluster#${config.clusterName}`, version: 5, schema: 1, state: storedState(now) } });
  ddbMock.on(PutCommand).resolves({});
  snsMock.on(PublishCommand).resolves({});
  const cases = generate(1_200, now);
  const stdout: string[] = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout.push(String(chunk));
    return true;
  });
  const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true); // WARN lines: one per rejection
  const outcomes: Array<{ label: string; outcome: Outcome | string }> = [];
  try {
    for (const c of cases) {
      const outcome = await handler(c.raw, { getRemainingTimeInMillis: () => 10_000 }).catch((err: Error) => `threw ${err.name}: ${err.message}`);
      outcomes.push({ label: c.label, outcome });
    }
  } finally {
    spy.mockRestore();
    stderr.mockRestore();
  }
  const notRejected = outcomes.filter((o) => typeof o.outcome === 'string' || o.outcome.kind !== 'rejected');
  expect(notRejected).toEqual([]);
  expect(ec2Mock.commandCalls(AssociateAddressCommand)).toHaveLength(0);
  expect(ec2Mock.calls()).toHaveLength(0);
  expect(ddbMock.commandCalls(PutCommand)).toHaveLength(0);
  // Every rejection reached CloudWatch as an EMF RejectedEvents line with its reason.
  const rejectedEmf = stdout.flatMap((l) => l.split('\n')).filter((l) => l.includes('"RejectedEvents"')).map((l) => JSON.parse(l) as { Reason: string; RejectedEvents: number });
  expect(rejectedEmf).toHaveLength(cases.length);
  const byReason = new Map<string, number>();
  for (const m of rejectedEmf) byReason.set(m.Reason, (byReason.get(m.Reason) ?? 0) + m.RejectedEvents);
  for (const reason of ['malformed-envelope', 'unknown-detail-type', 'unsupported-schema-version', 'malformed-detail', 'unknown-cluster', 'unknown-node', 'instance-mismatch', 'source-mismatch', 'not-newer', 'too-old', 'from-the-future']) {
    expect([reason, (byReason.get(reason) ?? 0) > 0]).toEqual([reason, true]);
  }

  // Control: the same wiring and stored state, one valid newer MASTER event from db-b: it moves.
  const addr = (n: typeof A) => ({ AllocationId: config.eip.allocationId, AssociationId: 'eipassoc-0123456789abcdef0', NetworkInterfaceId: n.networkInterfaceId, PrivateIpAddress: n.privateIp });
  ec2Mock.on(DescribeAddressesCommand).resolvesOnce({ Addresses: [addr(A)] }).resolves({ Addresses: [addr(B)] });
  ec2Mock.on(DescribeInstancesCommand).resolves({
    Reservations: [A, B].map((n) => ({ Instances: [{ InstanceId: n.instanceId, State: { Name: 'running' as const }, NetworkInterfaces: [{ NetworkInterfaceId: n.networkInterfaceId }] }] })),
  });
  ec2Mock.on(AssociateAddressCommand).resolves({});
  ddbMock.on(PutCommand).resolves({});
  const control = envelopeOf({ node: 'db-b', epoch: STORED_EPOCH, seq: STORED_SEQ + 1, state: 'MASTER', transitionAtMs: Date.now() - 1_500, sentAtMs: Date.now() - 1_000, db: { ioRunning: false, lagSeconds: 2 } });
  const quiet = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  try {
    await expect(handler(control, { getRemainingTimeInMillis: () => 10_000 })).resolves.toMatchObject({ kind: 'decided', moved: true });
  } finally {
    quiet.mockRestore();
  }
  expect(ec2Mock.commandCalls(AssociateAddressCommand)).toHaveLength(1);
});
