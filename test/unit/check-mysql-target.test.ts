import { MysqlSchema } from '../../lib/config/schema';
import { resolveHealthTarget } from '../../node-agent/commands/check-mysql';

const defaults = MysqlSchema.parse({});

test('the config socket is used unless TCP is asked for', () => {
  expect(resolveHealthTarget(defaults, {})).toMatchObject({ socketPath: '/run/mysqld/mysqld.sock', user: 'eip_health', deadlineMs: 2000 });
  expect(resolveHealthTarget(defaults, { port: 3307 }).socketPath).toBeUndefined();
  expect(resolveHealthTarget(defaults, { host: '10.0.0.5' })).toMatchObject({ host: '10.0.0.5', port: 3306 });
  expect(resolveHealthTarget(defaults, { socket: '' }).socketPath).toBeUndefined();
  expect(resolveHealthTarget({ ...defaults, socket: '' }, {}).socketPath).toBeUndefined();
});

test('an explicit socket wins over host and port; flags override the config', () => {
  expect(resolveHealthTarget(defaults, { socket: '/tmp/x.sock', port: 3307 }).socketPath).toBe('/tmp/x.sock');
  expect(resolveHealthTarget(defaults, { user: 'u', passwordFile: '/p', deadlineMs: 500 })).toMatchObject({ user: 'u', passwordFile: '/p', deadlineMs: 500 });
});
