/**
 * The one rule pattern for agent events, and the lab's matcher for the subset of EventBridge
 * pattern semantics it uses.
 */
import example from '../../examples/cluster.json';
import { parseClusterConfig } from '../../lib/config/parse';
import { agentEventPattern, agentEventPatternFor, EventPattern, matchesPattern, UnsupportedPatternError } from '../../lib/events';

const config = parseClusterConfig(example);
const pattern = agentEventPatternFor(config);

const envelope = (source: string, detailType: string, detail: Record<string, unknown> = { cluster: 'orders-db' }) => ({
  version: '0',
  id: 'evt-1',
  source,
  'detail-type': detailType,
  account: '111122223333',
  time: '2025-10-09T08:53:20Z',
  region: 'eu-west-1',
  resources: [],
  detail,
});

describe('the agent event pattern', () => {
  test('names both node sources and both detail-types, nothing else', () => {
    expect(pattern).toEqual({
      source: ['eip-failover.orders-db.db-a', 'eip-failover.orders-db.db-b'],
      'detail-type': ['VRRP State Change', 'VRRP Heartbeat'],
    });
    expect(agentEventPattern(['s'])).toEqual({ source: ['s'], 'detail-type': ['VRRP State Change', 'VRRP Heartbeat'] });
  });

  test.each([
    ['db-a state change', true, envelope('eip-failover.orders-db.db-a', 'VRRP State Change')],
    ['db-b heartbeat', true, envelope('eip-failover.orders-db.db-b', 'VRRP Heartbeat')],
    ['another cluster', false, envelope('eip-failover.billing-db.db-a', 'VRRP State Change')],
    ['an AWS event', false, envelope('aws.ec2', 'EC2 Instance State-change Notification')],
    ['a known source with another detail-type', false, envelope('eip-failover.orders-db.db-a', 'VRRP Something')],
    ['detail-type in other case', false, envelope('eip-failover.orders-db.db-a', 'vrrp state change')],
    ['no detail-type', false, { source: 'eip-failover.orders-db.db-a' }],
    ['not an object', false, 'eip-failover.orders-db.db-a'],
  ])('%s: matches = %s', (_name, expected, event) => {
    expect(matchesPattern(pattern, event)).toBe(expected);
  });
});

describe('matchesPattern semantics', () => {
  test('nested patterns apply to nested objects, and every field must match', () => {
    const nested: EventPattern = { source: ['a'], detail: { state: ['MASTER', 'MASTER_RX_LOWER_PRI'], db: { up: [true] } } };
    expect(matchesPattern(nested, { source: 'a', detail: { state: 'MASTER', db: { up: true } } })).toBe(true);
    expect(matchesPattern(nested, { source: 'a', detail: { state: 'MASTER', db: { up: false } } })).toBe(false);
    expect(matchesPattern(nested, { source: 'a', detail: { state: 'BACKUP', db: { up: true } } })).toBe(false);
    expect(matchesPattern(nested, { source: 'b', detail: { state: 'MASTER', db: { up: true } } })).toBe(false);
    expect(matchesPattern(nested, { source: 'a', detail: 'MASTER' })).toBe(false);
  });

  test('an array in the event matches when any element is listed', () => {
    expect(matchesPattern({ resources: ['arn:x'] }, { resources: ['arn:y', 'arn:x'] })).toBe(true);
    expect(matchesPattern({ resources: ['arn:x'] }, { resources: ['arn:y'] })).toBe(false);
  });

  test('values match exactly: no type coercion, null matches null but not a missing field', () => {
    expect(matchesPattern({ n: [5] }, { n: '5' })).toBe(false);
    expect(matchesPattern({ n: [5] }, { n: 5 })).toBe(true);
    expect(matchesPattern({ v: [null] }, { v: null })).toBe(true);
    expect(matchesPattern({ v: [null] }, {})).toBe(false);
  });

  test('an object in the event never equals a listed value', () => {
    expect(matchesPattern({ detail: ['x'] }, { detail: { x: 1 } })).toBe(false);
  });

  test('content filters are outside the subset and throw rather than guess', () => {
    const prefix = { source: [{ prefix: 'eip-' }] } as unknown as EventPattern;
    expect(() => matchesPattern(prefix, { source: 'eip-failover' })).toThrow(UnsupportedPatternError);
  });
});
