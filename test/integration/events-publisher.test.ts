/**
 * The publisher with the real SDK client against a real local PutEvents endpoint: exact entries,
 * then an outage of every kind (failed entries, HTTP 500, a hang, refused connections), an agent
 * restart in the middle of one, and the order and completeness of what finally arrives.
 */
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import example from '../../examples/cluster.json';
import { parseClusterConfig } from '../../lib/config/parse';
import {
  AgentEvent,
  agentEventPatternFor,
  DbView,
  eventTargetFor,
  matchesPattern,
  parseClusterEvent,
  StateChangeDetail,
  toPutEventsEntry,
  TRANSITION_STATES,
} from '../../lib/events';
import { createEventBridgeClient } from '../../node-agent/events/client';
import { EventFactory, identityFor } from '../../node-agent/events/factory';
import { memoryLog } from '../../node-agent/events/log';
import { EventPublisher, PublisherStatus } from '../../node-agent/events/publisher';
import { DEFAULT_SEQ_BLOCK, SeqStore } from '../../node-agent/events/seq-store';
import { Spool } from '../../node-agent/events/spool';
import { envelopeOfAccepted, LocalEventBridge } from '../helpers/events-endpoint';

const config = parseClusterConfig(example);
const target = eventTargetFor(config, 'db-a');
const db: DbView = { up: true, readOnly: true, ioRunning: true, sqlRunning: true, gtidCurrentPos: '0-1-1042', lagSeconds: 0, error: null };
const FAST_BACKOFF = { baseMs: 20, maxMs: 200 };

const savedEnv = { ...process.env };
beforeAll(() => {
  // Dummy credentials: the SDK signs every request (the endpoint records the signature).
  Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'AKIDLOCALTEST', AWS_SECRET_ACCESS_KEY: 'local-secret', AWS_EC2_METADATA_DISABLED: 'true' });
  delete process.env.AWS_PROFILE;
  delete process.env.AWS_ENDPOINT_URL;
  delete process.env.AWS_ENDPOINT_URL_EVENTBRIDGE;
});
afterAll(() => {
  process.env = savedEnv;
});

let stateDir: string;
let endpoint: LocalEventBridge;
const running: { publisher: EventPublisher; client: EventBridgeClient }[] = [];
beforeEach(async () => {
  stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'eip-publisher-'));
  endpoint = new LocalEventBridge();
  await endpoint.start();
});
afterEach(async () => {
  for (const { publisher, client } of running.splice(0)) {
    await publisher.stop();
    client.destroy();
  }
  await endpoint.close();
  fs.rmSync(stateDir, { recursive: true, force: true });
});

/** The agent's events stack over stateDir, as the daemon wires it. */
function startAgent(options: { endpointFromEnv?: boolean; maxBatchSize?: number; requestTimeoutMs?: number; backoff?: typeof FAST_BACKOFF } = {}) {
  const log = memoryLog();
  const spool = Spool.open(stateDir, { maxEntries: 1000, log });
  const seq = SeqStore.open(stateDir, { spooled: spool.newest(), log });
  const factory = new EventFactory(identityFor(config, 'db-a'), seq);
  const client = createEventBridgeClient({ region: 'eu-west-1', endpoint: options.endpointFromEnv ? undefined : endpoint.url, requestTimeoutMs: options.requestTimeoutMs ?? 300, connectTimeoutMs: 300 });
  const publisher = new EventPublisher({ client, spool, target, log, backoff: options.backoff ?? FAST_BACKOFF, maxBatchSize: options.maxBatchSize });
  publisher.start();
  running.push({ publisher, client });
  const stop = async () => {
    running.splice(running.findIndex((r) => r.publisher === publisher), 1);
    await publisher.stop();
    client.destroy();
  };
  return { log, spool, seq, factory, publisher, stop };
}

/** n events, every third a transition (cycling through the states), the rest heartbeats. */
function emit(agent: ReturnType<typeof startAgent>, n: number): AgentEvent[] {
  return Array.from({ length: n }, (_, i) => {
    const event =
      agent.seq.lastSeq % 3 === 0
        ? agent.factory.stateChange({ state: TRANSITION_STATES[i % TRANSITION_STATES.length]!, priority: 150, transitionAtMs: Date.now(), db, lastError: null })
        : agent.factory.heartbeat({ state: 'BACKUP', priority: 150, transitionAtMs: 1, db, lastError: null });
    agent.publisher.enqueue(event);
    return event;
  });
}

async function waitFor(what: string, condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function drained(publisher: EventPublisher, timeoutMs = 10_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`not drained: ${JSON.stringify(publisher.status())}`)), timeoutMs);
  });
  try {
    await Promise.race([publisher.whenDrained(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

type Arrived = { epoch: number; seq: number; transition: boolean };
const arrivals = (): Arrived[] =>
  endpoint.accepted.map((e) => {
    const detail = JSON.parse(e.detail) as StateChangeDetail;
    return { epoch: detail.epoch, seq: detail.seq, transition: e.detailType === 'VRRP State Change' };
  });
const key = (o: { epoch: number; seq: number }) => `${o.epoch}/${o.seq}`;
const isStrictlyIncreasing = (list: Arrived[]) => list.every((a, i) => i === 0 || a.epoch > list[i - 1]!.epoch || (a.epoch === list[i - 1]!.epoch && a.seq > list[i - 1]!.seq));

/** Every event arrived exactly once, and nothing crossed a transition in either direction. */
function expectCompleteAndOrdered(sent: AgentEvent[]): void {
  const got = arrivals();
  expect(got.map(key).sort()).toEqual(sent.map((e) => key(e.detail)).sort());
  got.forEach((a, i) => {
    if (!a.transition) return;
    expect(got.slice(0, i).every((b) => b.epoch < a.epoch || (b.epoch === a.epoch && b.seq < a.seq))).toBe(true);
    expect(got.slice(i + 1).every((b) => b.epoch > a.epoch || (b.epoch === a.epoch && b.seq > a.seq))).toBe(true);
  });
}

describe('publishing to a healthy endpoint', () => {
  test('AWS_ENDPOINT_URL_EVENTBRIDGE alone routes the SDK to the endpoint; entries arrive exactly as built, signed', async () => {
    process.env.AWS_ENDPOINT_URL_EVENTBRIDGE = endpoint.url;
    try {
      const agent = startAgent({ endpointFromEnv: true });
      const sent = emit(agent, 4);
      await drained(agent.publisher);
      expect(endpoint.accepted.map(({ source, detailType, detail, eventBusName }) => ({ Source: source, DetailType: detailType, Detail: detail, EventBusName: eventBusName }))).toEqual(
        sent.map((e) => toPutEventsEntry(e, target)),
      );
      expect(endpoint.accepted[0]).toMatchObject({ source: 'eip-failover.orders-db.db-a', detailType: 'VRRP State Change', eventBusName: 'eip-failover-orders-db' });
      expect(JSON.parse(endpoint.accepted[0]!.detail)).toEqual(sent[0]!.detail);
      // What the controller then receives passes the shared rule pattern and its validation.
      const envelopes = endpoint.accepted.map((e) => envelopeOfAccepted(e, { account: '111122223333', region: 'eu-west-1' }));
      expect(envelopes.every((e) => matchesPattern(agentEventPatternFor(config), e))).toBe(true);
      expect(envelopes.map((e) => parseClusterEvent(e, config))).toEqual(sent.map((e, i) => ({ ok: true, event: { ...e, source: target.source, id: endpoint.accepted[i]!.eventId, time: envelopes[i]!.time } })));
      expect(endpoint.requests[0]!.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDLOCALTEST\/\d{8}\/eu-west-1\/events\/aws4_request/);
      expect(agent.publisher.status()).toMatchObject<Partial<PublisherStatus>>({ lastResult: 'ok', spoolDepth: 0, acceptedCount: 4, consecutiveFailures: 0, lastError: null });
      expect(fs.readdirSync(path.join(stateDir, 'spool'))).toEqual([]);
    } finally {
      delete process.env.AWS_ENDPOINT_URL_EVENTBRIDGE;
    }
  });

  test('a transition is accepted within a few ms of enqueue', async () => {
    const agent = startAgent();
    const latencies: number[] = [];
    for (let i = 0; i < 20; i++) {
      const before = endpoint.accepted.length;
      const start = performance.now();
      agent.publisher.enqueue(agent.factory.stateChange({ state: 'MASTER', priority: 150, transitionAtMs: Date.now(), db, lastError: null }));
      await waitFor('acceptance', () => endpoint.accepted.length > before, 2000);
      latencies.push(performance.now() - start);
    }
    latencies.sort((a, b) => a - b);
    expect(latencies[10]).toBeLessThan(50); // the p50 target, FIFO parsing aside
  });
});

describe('an outage of every kind, then recovery', () => {
  test.each([
    ['heartbeats batched (default)', undefined],
    ['one entry per call', 1],
  ])('%s: nothing is lost, transitions stay in order, failed entries alone are resent', async (_name, maxBatchSize) => {
    const agent = startAgent({ maxBatchSize });
    const sent: AgentEvent[] = [];
    const alreadyFailed = new Set<string>();

    // 1. PutEvents succeeds but refuses every entry whose seq is a multiple of 4, once.
    endpoint.mode = {
      kind: 'fail-entries',
      fail: (entry) => {
        const d = JSON.parse(entry.Detail as string) as StateChangeDetail;
        if (d.seq % 4 !== 0 || alreadyFailed.has(key(d))) return undefined;
        alreadyFailed.add(key(d));
        return { code: 'InternalFailure', message: 'injected' };
      },
    };
    sent.push(...emit(agent, 12));
    await drained(agent.publisher);
    expect(endpoint.requests.filter((r) => r.outcome === 'partial').length).toBeGreaterThan(0);
    // After a partial failure the next call carries exactly the refused entries.
    endpoint.requests.forEach((request, i) => {
      if (request.outcome !== 'partial') return;
      const refused = request.entries.filter((e) => (JSON.parse(e.Detail as string) as StateChangeDetail).seq % 4 === 0);
      expect(endpoint.requests[i + 1]!.entries).toEqual(refused);
    });

    // 2. HTTP 500, then a hang (the request timeout cuts it), then refused connections.
    endpoint.mode = { kind: 'http-error', status: 500, errorType: 'InternalException' };
    sent.push(...emit(agent, 3));
    await waitFor('a 500', () => agent.publisher.status().lastError?.includes('InternalException') === true);
    endpoint.mode = { kind: 'hang' };
    await waitFor('a hang', () => endpoint.requests.at(-1)?.outcome === 'hung');
    sent.push(...emit(agent, 3));
    await waitFor('a timeout', () => agent.publisher.status().lastError?.includes('TimeoutError') === true, 3000);
    await endpoint.stop();
    sent.push(...emit(agent, 6));
    await waitFor('a refused connection', () => agent.publisher.status().lastError?.includes('ECONNREFUSED') === true);
    const during = agent.publisher.status();
    expect(during).toMatchObject({ lastResult: 'error', spoolDepth: 12 });
    expect(during.consecutiveFailures).toBeGreaterThanOrEqual(3);
    expect(agent.log.lines.some((l) => l.level === 'warn' && l.message === 'publishing events failed; will retry')).toBe(true);

    // 3. The endpoint comes back on the same port.
    endpoint.mode = { kind: 'accept' };
    await endpoint.start();
    await drained(agent.publisher);
    expectCompleteAndOrdered(sent);
    if (maxBatchSize === 1) expect(isStrictlyIncreasing(arrivals())).toBe(true);
    expect(agent.publisher.status()).toMatchObject({ lastResult: 'ok', spoolDepth: 0, consecutiveFailures: 0, acceptedCount: sent.length });
    expect(agent.log.lines).toContainEqual(expect.objectContaining({ level: 'info', message: 'event bus reachable again' }));
  });

  test('after a partial failure the next call resends exactly the refused entries, nothing newer', async () => {
    const agent = startAgent({ maxBatchSize: 4 });
    const seqOf = (entry: { Detail?: unknown }) => (JSON.parse(entry.Detail as string) as StateChangeDetail).seq;
    let refused = false;
    endpoint.mode = {
      kind: 'fail-entries',
      fail: (entry) => (seqOf(entry) === 2 && !refused ? ((refused = true), { code: 'ThrottlingException', message: 'Rate exceeded' }) : undefined),
    };
    for (let i = 0; i < 8; i++) agent.publisher.enqueue(agent.factory.heartbeat({ state: 'BACKUP', priority: 150, transitionAtMs: 1, db, lastError: null }));
    await drained(agent.publisher);
    expect(endpoint.requests.map((r) => r.entries.map(seqOf))).toEqual([[1, 2, 3, 4], [2], [5, 6, 7, 8]]);
    expect(agent.log.lines).toContainEqual({
      level: 'warn',
      message: 'publishing events failed; will retry',
      fields: expect.objectContaining({ result: 'partial-failure', error: 'PutEvents refused 1 of 4 entries (ThrottlingException: Rate exceeded)', refusedSeqs: [2] }),
    });
    expect(agent.publisher.status()).toMatchObject({ acceptedCount: 8, lastResult: 'ok' });
  });

  test('an agent restarted mid-outage drains the old spool first, then its own events in a new epoch', async () => {
    await endpoint.stop();
    const first = startAgent();
    const sentBefore = emit(first, 7);
    await waitFor('retries', () => first.publisher.status().consecutiveFailures >= 2);
    // A call in flight when the agent stops must stay spooled: make the last one hang.
    endpoint.mode = { kind: 'hang' };
    await endpoint.start();
    await waitFor('a request in flight', () => endpoint.requests.some((r) => r.outcome === 'hung'));
    await first.stop();
    await endpoint.stop();

    const second = startAgent();
    expect(second.spool.depth).toBe(7);
    expect(second.seq.epoch).toBeGreaterThan(first.seq.epoch);
    const sentAfter = emit(second, 5);
    expect(sentAfter[0]!.detail.seq).toBe(DEFAULT_SEQ_BLOCK + 1); // seq continues above the reserved block
    endpoint.mode = { kind: 'accept' };
    await endpoint.start();
    await drained(second.publisher);

    const got = arrivals();
    expect(got.map(key)).toEqual([...sentBefore, ...sentAfter].map((e) => key(e.detail)));
    expect(isStrictlyIncreasing(got)).toBe(true);
    expect(fs.readdirSync(path.join(stateDir, 'spool'))).toEqual([]);
  });

  test('enqueue returns at once while the bus hangs: the FIFO reader never waits on the network', async () => {
    endpoint.mode = { kind: 'hang' };
    const agent = startAgent({ requestTimeoutMs: 30_000 });
    emit(agent, 1);
    await waitFor('a request in flight', () => endpoint.requests.length === 1);
    const seqs = emit(agent, 50).map((e) => e.detail.seq);
    // All 50 were spooled while the first call was still hanging, unanswered.
    expect(seqs).toEqual(Array.from({ length: 50 }, (_, i) => i + 2));
    expect(agent.spool.depth).toBe(51);
    expect(endpoint.requests).toHaveLength(1);
    expect(agent.publisher.status()).toMatchObject({ lastResult: 'none', lastAttemptAtMs: expect.any(Number) });
  });
});

describe('a transition during a long backoff', () => {
  it('is sent at once instead of waiting out the backoff (the bus may be back)', async () => {
    // Backoff long enough that waiting it out would fail the test.
    const agent = startAgent({ backoff: { baseMs: 20_000, maxMs: 20_000 } });
    await endpoint.stop();
    agent.publisher.enqueue(agent.factory.heartbeat({ state: 'BACKUP', priority: 150, transitionAtMs: 1, db, lastError: null }));
    await waitFor('a failed attempt', () => agent.publisher.status().consecutiveFailures >= 1);
    await endpoint.start();
    const startedAt = Date.now();
    agent.publisher.enqueue(agent.factory.stateChange({ state: 'MASTER', priority: 150, transitionAtMs: Date.now(), db, lastError: null }));
    await drained(agent.publisher, 5000);
    expect(Date.now() - startedAt).toBeLessThan(3000);
    expect(arrivals().map((a) => a.transition)).toEqual([false, true]);
  });
});

describe('the exact PutEvents input (aws-sdk-client-mock)', () => {
  test('one event becomes one entry with the node source, detail-type, detail JSON and bus', async () => {
    const mock = mockClient(EventBridgeClient);
    try {
      mock.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'evt-1' }] });
      const log = memoryLog();
      const spool = Spool.open(stateDir, { maxEntries: 10, log });
      const factory = new EventFactory(identityFor(config, 'db-a'), SeqStore.open(stateDir, { log, now: () => 1_760_000_000_000 }), () => 1_760_000_000_250);
      const publisher = new EventPublisher({ client: new EventBridgeClient({ region: 'eu-west-1' }), spool, target, log });
      const event = factory.stateChange({ state: 'MASTER', priority: 150, transitionAtMs: 1_760_000_000_200, db, lastError: null });
      publisher.start();
      publisher.enqueue(event);
      await drained(publisher);
      await publisher.stop();
      expect(mock.commandCalls(PutEventsCommand)).toHaveLength(1);
      expect(mock.commandCalls(PutEventsCommand)[0]!.args[0].input).toEqual({
        Entries: [
          {
            Source: 'eip-failover.orders-db.db-a',
            DetailType: 'VRRP State Change',
            EventBusName: 'eip-failover-orders-db',
            Detail:
              '{"schemaVersion":1,"cluster":"orders-db","nodeId":"db-a","instanceId":"i-0a1b2c3d4e5f60718","state":"MASTER","priority":150,' +
              '"transitionAtMs":1760000000200,"sentAtMs":1760000000250,"epoch":1760000000000,"seq":1,' +
              '"db":{"up":true,"readOnly":true,"ioRunning":true,"sqlRunning":true,"gtidCurrentPos":"0-1-1042","lagSeconds":0,"error":null},"lastError":null}',
          },
        ],
      });
    } finally {
      mock.restore();
    }
  });
});
