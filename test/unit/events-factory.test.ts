/**
 * Building the node's events: identity from the config, a fresh (epoch, seq) each, long texts
 * truncated to what the schema allows, and facts the schema forbids refused loudly.
 */
import example from '../../examples/cluster.json';
import { parseClusterConfig } from '../../lib/config/parse';
import { DbView, MAX_TEXT_LENGTH, parseAgentEvent, toPutEventsEntry, eventTargetFor, envelopeFromEntry, UnknownNodeError } from '../../lib/events';
import { EventBuildError, EventFactory, identityFor } from '../../node-agent/events/factory';

const config = parseClusterConfig(example);
const db: DbView = { up: true, readOnly: false, ioRunning: true, sqlRunning: true, gtidCurrentPos: '0-1-1042', lagSeconds: 0.4, error: null };

function factory(now = 1_760_000_000_123) {
  let seq = 10;
  return new EventFactory(identityFor(config, 'db-b'), { next: () => ({ epoch: 77, seq: ++seq }) }, () => now);
}

test('a state change carries identity, facts, the sequence and the build time', () => {
  const event = factory().stateChange({ state: 'BACKUP', priority: 100, transitionAtMs: 1_760_000_000_100, db, lastError: null });
  expect(event).toEqual({
    detailType: 'VRRP State Change',
    detail: {
      schemaVersion: 1,
      cluster: 'orders-db',
      nodeId: 'db-b',
      instanceId: 'i-0b1c2d3e4f5a60718',
      state: 'BACKUP',
      priority: 100,
      transitionAtMs: 1_760_000_000_100,
      sentAtMs: 1_760_000_000_123,
      epoch: 77,
      seq: 11,
      db,
      lastError: null,
    },
  });
});

test('each event takes the next seq; a heartbeat before any transition is UNKNOWN', () => {
  const f = factory();
  const hb = f.heartbeat({ state: 'UNKNOWN', priority: 100, transitionAtMs: null, db, lastError: null });
  const sc = f.stateChange({ state: 'MASTER', priority: 100, transitionAtMs: 5, db, lastError: null });
  expect([hb.detailType, hb.detail.seq, hb.detail.state]).toEqual(['VRRP Heartbeat', 11, 'UNKNOWN']);
  expect(sc.detail.seq).toBe(12);
});

test('what it builds is what the controller accepts', () => {
  const event = factory().stateChange({ state: 'MASTER', priority: 100, transitionAtMs: 5, db, lastError: null });
  const entry = toPutEventsEntry(event, eventTargetFor(config, 'db-b'));
  const parsed = parseAgentEvent(envelopeFromEntry(entry, { id: 'e', acceptedAtMs: 0, account: '1', region: 'eu-west-1' }));
  expect(parsed.ok && parsed.event.detail).toEqual(event.detail);
});

test('long error texts are cut to the schema limit instead of failing the event', () => {
  const long = 'E'.repeat(5000);
  const event = factory().stateChange({ state: 'FAULT', priority: 100, transitionAtMs: 5, db: { ...db, up: false, error: long }, lastError: long });
  expect(event.detail.lastError).toHaveLength(MAX_TEXT_LENGTH);
  expect(event.detail.lastError!.endsWith('…')).toBe(true);
  expect(event.detail.db.error).toHaveLength(MAX_TEXT_LENGTH);
});

test('facts the schema forbids are a bug and throw', () => {
  expect(() => factory().stateChange({ state: 'MASTER', priority: 300, transitionAtMs: 5, db, lastError: null })).toThrow(EventBuildError);
  expect(() => factory().heartbeat({ state: 'MASTER', priority: 100, transitionAtMs: null, db, lastError: null })).toThrow(/transitionAtMs/);
});

test('a node that is not in the config has no identity', () => {
  expect(() => identityFor(config, 'db-z')).toThrow(UnknownNodeError);
});
