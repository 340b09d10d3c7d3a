/**
 * The shared event contract: what the agent builds round-trips through a PutEvents entry and an
 * EventBridge envelope, and every malformed or foreign event is rejected with a typed reason.
 */
import example from '../../examples/cluster.json';
import { parseClusterConfig } from '../../lib/config/parse';
import {
  AgentEvent,
  checkEventBelongs,
  compareEventOrder,
  DETAIL_TYPE,
  envelopeFromEntry,
  eventTargetFor,
  isNewerEvent,
  MAX_TEXT_LENGTH,
  parseAgentEvent,
  parseClusterEvent,
  ReceivedAgentEvent,
  RejectReason,
  toPutEventsEntry,
  UnknownNodeError,
} from '../../lib/events';

const config = parseClusterConfig(example);

function stateChange(overrides: Record<string, unknown> = {}): AgentEvent {
  return {
    detailType: DETAIL_TYPE.stateChange,
    detail: {
      schemaVersion: 1,
      cluster: 'orders-db',
      nodeId: 'db-a',
      instanceId: 'i-0a1b2c3d4e5f60718',
      state: 'MASTER',
      priority: 150,
      transitionAtMs: 1_760_000_000_000,
      sentAtMs: 1_760_000_000_004,
      epoch: 1_759_999_000_000,
      seq: 42,
      db: { up: true, readOnly: true, ioRunning: true, sqlRunning: true, gtidCurrentPos: '0-1-1042', lagSeconds: 0, error: null },
      lastError: null,
      ...overrides,
    },
  } as AgentEvent;
}

function heartbeat(overrides: Record<string, unknown> = {}): AgentEvent {
  const base = stateChange({ state: 'BACKUP', ...overrides });
  return { detailType: DETAIL_TYPE.heartbeat, detail: base.detail } as AgentEvent;
}

const ACCEPTED_AT = Date.parse('2025-10-09T08:53:20.456Z');

/** The event as a rule target receives it after the agent published it as db-a. */
function delivered(event: AgentEvent, nodeId = 'db-a'): Record<string, unknown> {
  const entry = toPutEventsEntry(event, eventTargetFor(config, nodeId));
  return { ...envelopeFromEntry(entry, { id: 'evt-1', acceptedAtMs: ACCEPTED_AT, account: '111122223333', region: 'eu-west-1' }) };
}

function expectRejected(raw: unknown, reason: RejectReason, messagePart: RegExp): void {
  const result = parseAgentEvent(raw);
  expect(result).toMatchObject({ ok: false, reason });
  expect(!result.ok && result.message).toMatch(messagePart);
}

describe('PutEvents entry and envelope', () => {
  test('the entry carries the node source, the detail-type, the detail as JSON and the bus from the config', () => {
    const event = stateChange();
    expect(toPutEventsEntry(event, eventTargetFor(config, 'db-b'))).toEqual({
      Source: 'eip-failover.orders-db.db-b',
      DetailType: 'VRRP State Change',
      Detail: JSON.stringify(event.detail),
      EventBusName: 'eip-failover-orders-db',
    });
  });

  test('an unknown node has no target', () => {
    expect(() => eventTargetFor(config, 'db-z')).toThrow(UnknownNodeError);
  });

  test('the envelope looks like EventBridge: parsed detail, whole-second ISO time, no resources', () => {
    const envelope = delivered(stateChange());
    expect(envelope).toMatchObject({
      version: '0',
      id: 'evt-1',
      source: 'eip-failover.orders-db.db-a',
      'detail-type': 'VRRP State Change',
      time: '2025-10-09T08:53:20Z',
      account: '111122223333',
      region: 'eu-west-1',
      resources: [],
    });
    expect(envelope.detail).toEqual(stateChange().detail);
  });
});

describe('parseAgentEvent accepts', () => {
  test.each([
    ['a state change', stateChange()],
    ['every transition state', stateChange({ state: 'MASTER_RX_LOWER_PRI' })],
    ['a heartbeat', heartbeat()],
    ['a heartbeat before the first FIFO line', heartbeat({ state: 'UNKNOWN', transitionAtMs: null })],
    ['a database that is down', stateChange({ db: { up: false, readOnly: null, ioRunning: false, sqlRunning: false, gtidCurrentPos: '', lagSeconds: null, error: 'connect ECONNREFUSED' } })],
    ['a reported failure', stateChange({ state: 'FAULT', lastError: 'SET GLOBAL read_only=ON failed: ER_LOCK_WAIT_TIMEOUT' })],
  ])('%s, returning the typed event', (_name, event) => {
    const result = parseAgentEvent(delivered(event));
    expect(result).toEqual({ ok: true, event: { ...event, source: 'eip-failover.orders-db.db-a', id: 'evt-1', time: '2025-10-09T08:53:20Z' } });
  });

  test('fields a newer agent added within schema version 1 are dropped, not rejected', () => {
    const envelope = delivered(stateChange());
    (envelope.detail as Record<string, unknown>).futureField = 'x';
    const result = parseAgentEvent(envelope);
    expect(result.ok && 'futureField' in result.event.detail).toBe(false);
    expect(result.ok).toBe(true);
  });
});

describe('parseAgentEvent rejects', () => {
  const withDetail = (patch: Record<string, unknown>, event: AgentEvent = stateChange()) => {
    const envelope = delivered(event);
    return { ...envelope, detail: { ...(envelope.detail as object), ...patch } };
  };

  test.each<[string, unknown, RejectReason, RegExp]>([
    ['null', null, 'malformed-envelope', /expected object/],
    ['a string', 'VRRP State Change', 'malformed-envelope', /expected object/],
    ['no source', { ...delivered(stateChange()), source: undefined }, 'malformed-envelope', /source/],
    ['a detail left as a JSON string', { ...delivered(stateChange()), detail: JSON.stringify(stateChange().detail) }, 'malformed-envelope', /detail/],
    ['another detail-type', { ...delivered(stateChange()), 'detail-type': 'EC2 Instance State-change Notification' }, 'unknown-detail-type', /EC2 Instance State-change Notification/],
    ['schema version 2', withDetail({ schemaVersion: 2 }), 'unsupported-schema-version', /schemaVersion 2/],
    ['no schema version', withDetail({ schemaVersion: undefined }), 'unsupported-schema-version', /schemaVersion null/],
    ['UNKNOWN in a state change', withDetail({ state: 'UNKNOWN' }), 'malformed-detail', /state/],
    ['a made-up state', withDetail({ state: 'PRIMARY' }), 'malformed-detail', /state/],
    ['a heartbeat UNKNOWN with a transition time', withDetail({ state: 'UNKNOWN' }, heartbeat()), 'malformed-detail', /transitionAtMs/],
    ['a heartbeat with a state but no transition time', withDetail({ transitionAtMs: null }, heartbeat()), 'malformed-detail', /transitionAtMs/],
    ['seq 0', withDetail({ seq: 0 }), 'malformed-detail', /seq/],
    ['a fractional seq', withDetail({ seq: 4.5 }), 'malformed-detail', /seq/],
    ['seq as a string', withDetail({ seq: '42' }), 'malformed-detail', /seq/],
    ['a negative epoch', withDetail({ epoch: -1 }), 'malformed-detail', /epoch/],
    ['priority 256', withDetail({ priority: 256 }), 'malformed-detail', /priority/],
    ['a bad instance id', withDetail({ instanceId: 'i-xyz' }), 'malformed-detail', /instanceId/],
    ['no db view', withDetail({ db: undefined }), 'malformed-detail', /db/],
    ['a db view without gtid', withDetail({ db: { up: true, readOnly: true, ioRunning: true, sqlRunning: true, lagSeconds: 0, error: null } }), 'malformed-detail', /db\.gtidCurrentPos/],
    ['negative lag', withDetail({ db: { ...stateChange().detail.db, lagSeconds: -3 } }), 'malformed-detail', /lagSeconds/],
    ['an oversized error text', withDetail({ lastError: 'x'.repeat(MAX_TEXT_LENGTH + 1) }), 'malformed-detail', /lastError/],
  ])('%s', (_name, raw, reason, messagePart) => expectRejected(raw, reason, messagePart));

  test('a hostile detail gets a short message, not one line per problem', () => {
    const hostile = withDetail(Object.fromEntries(['cluster', 'nodeId', 'instanceId', 'state', 'priority', 'sentAtMs', 'epoch', 'seq', 'db', 'lastError'].map((k) => [k, { deep: 'x'.repeat(10_000) }])));
    const result = parseAgentEvent(hostile);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.message.length).toBeLessThanOrEqual(600);
    expect(!result.ok && result.message).toMatch(/and \d+ more/);
  });
});

describe('checkEventBelongs and parseClusterEvent', () => {
  const received = (patch: Record<string, unknown>, source = 'eip-failover.orders-db.db-a'): ReceivedAgentEvent =>
    ({ ...stateChange(patch), source, id: 'evt-1', time: undefined }) as ReceivedAgentEvent;

  test('an event of a node of this cluster from its own source belongs', () => {
    expect(checkEventBelongs(received({}), config)).toBeUndefined();
    expect(parseClusterEvent(delivered(stateChange({ nodeId: 'db-b', instanceId: 'i-0b1c2d3e4f5a60718' }), 'db-b'), config).ok).toBe(true);
  });

  test.each<[string, ReceivedAgentEvent, RejectReason]>([
    ['another cluster', received({ cluster: 'billing-db' }), 'unknown-cluster'],
    ['a node the config does not list', received({ nodeId: 'db-c' }), 'unknown-node'],
    ["the other node's instance id", received({ instanceId: 'i-0b1c2d3e4f5a60718' }), 'instance-mismatch'],
    ["db-a's report from db-b's source", received({}, 'eip-failover.orders-db.db-b'), 'source-mismatch'],
  ])('%s is rejected', (_name, event, reason) => {
    expect(checkEventBelongs(event, config)).toMatchObject({ ok: false, reason });
  });

  test('parseClusterEvent reports the schema problem before the membership one', () => {
    const raw = { ...delivered(stateChange({ cluster: 'billing-db' })), 'detail-type': 'Other' };
    expect(parseClusterEvent(raw, config)).toMatchObject({ ok: false, reason: 'unknown-detail-type' });
    expect(parseClusterEvent(delivered(stateChange({ cluster: 'billing-db' })), config)).toMatchObject({ ok: false, reason: 'unknown-cluster' });
  });
});

describe('event order', () => {
  test('seq orders events within an epoch, a newer epoch wins whatever its seq', () => {
    expect(compareEventOrder({ epoch: 5, seq: 1 }, { epoch: 5, seq: 2 })).toBeLessThan(0);
    expect(compareEventOrder({ epoch: 5, seq: 2 }, { epoch: 5, seq: 2 })).toBe(0);
    expect(compareEventOrder({ epoch: 6, seq: 1 }, { epoch: 5, seq: 900 })).toBeGreaterThan(0);
    expect(isNewerEvent({ epoch: 5, seq: 2 }, undefined)).toBe(true);
    expect(isNewerEvent({ epoch: 5, seq: 2 }, { epoch: 5, seq: 2 })).toBe(false);
    expect(isNewerEvent({ epoch: 4, seq: 9 }, { epoch: 5, seq: 1 })).toBe(false);
  });
});
