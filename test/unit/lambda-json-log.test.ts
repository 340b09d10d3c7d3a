/** JsonLog, the controller's decision log in Lambda: one JSON object per line, fields never overwrite the head. */
import { JsonLog } from '../../lambda/failover/adapters/aws/json-log';

function log(minLevel?: string) {
  const out: Array<{ level: string; line: string }> = [];
  const l = new JsonLog({ service: 'eip-failover-controller', minLevel, nowMs: () => Date.UTC(2026, 10, 26, 12, 0, 0), write: (line, level) => out.push({ level, line }) });
  return { l, out, parsed: () => out.map((o) => JSON.parse(o.line) as Record<string, unknown>) };
}

test('level, message, timestamp, service and the persistent keys first, then the fields', () => {
  const { l, out } = log();
  l.appendKeys({ cluster: 'orders-db' });
  l.info('decision: none (holder-healthy)', { decision: 'none', reason: 'holder-healthy', inputs: { holder: 'db-a', versions: [1, 2] } });
  expect(out).toEqual([
    {
      level: 'INFO',
      line: '{"level":"INFO","message":"decision: none (holder-healthy)","timestamp":"2026-11-26T12:00:00.000Z","service":"eip-failover-controller","cluster":"orders-db","decision":"none","reason":"holder-healthy","inputs":{"holder":"db-a","versions":[1,2]}}',
    },
  ]);
});

test('a field named like a head key does not overwrite it', () => {
  const { l, parsed } = log();
  l.appendKeys({ cluster: 'orders-db' });
  l.warn('event rejected', { level: 'DEBUG', message: 'forged', cluster: 'other-db', reason: 'unknown-cluster' });
  expect(parsed()[0]).toMatchObject({ level: 'WARN', message: 'event rejected', cluster: 'orders-db', reason: 'unknown-cluster' });
});

test('errors keep name, message and stack; bigints become strings; an unserialisable field still gives a line', () => {
  const { l, parsed } = log();
  const circular: Record<string, unknown> = {};
  circular.self = circular;
  l.error('move failed', { error: new TypeError('boom'), n: 10n });
  l.error('odd fields', { circular });
  const [first, second] = parsed();
  expect(first).toMatchObject({ level: 'ERROR', error: { name: 'TypeError', message: 'boom', stack: expect.stringContaining('TypeError: boom') }, n: '10' });
  expect(second).toMatchObject({ level: 'ERROR', message: 'odd fields', logError: expect.stringMatching(/^fields not serialisable: .*circular/i) });
});

test.each([
  [undefined, ['INFO', 'WARN', 'ERROR']],
  ['warn', ['WARN', 'ERROR']],
  ['ERROR', ['ERROR']],
  ['DEBUG', ['INFO', 'WARN', 'ERROR']],
  ['nonsense', ['INFO', 'WARN', 'ERROR']],
])('minimum level %s (AWS_LAMBDA_LOG_LEVEL) keeps %j', (minLevel, kept) => {
  const { l, out } = log(minLevel);
  l.info('i', {});
  l.warn('w', {});
  l.error('e', {});
  expect(out.map((o) => o.level)).toEqual(kept);
});
