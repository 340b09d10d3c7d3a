import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseClusterConfig } from '../../lib/config/parse';
import { nativePasswordHash, planBootstrap, renderDropIn, sameSetting, UnknownNodeIdError } from '../../node-agent/mysql/bootstrap-plan';

const example = JSON.parse(readFileSync(join(__dirname, '../../examples/cluster.json'), 'utf8'));
const config = parseClusterConfig(example);
const setting = (plan: ReturnType<typeof planBootstrap>, name: string) => plan.settings.find((s) => s.name === name)?.value;

describe('planBootstrap', () => {
  const a = planBootstrap(config, 'db-a');
  const b = planBootstrap(config, 'db-b');

  test('node order decides server id and auto-increment offset', () => {
    expect([a.serverId, b.serverId]).toEqual([1, 2]);
    expect([setting(a, 'auto_increment_offset'), setting(b, 'auto_increment_offset')]).toEqual([1, 2]);
    expect(setting(a, 'auto_increment_increment')).toBe(2);
    const shifted = planBootstrap(parseClusterConfig({ ...example, mysql: { serverIdBase: 41 } }), 'db-b');
    expect(shifted.serverId).toBe(42);
  });

  test('replicates from the peer, whose private IP is also the replication account host by default', () => {
    expect(a.replication).toMatchObject({ host: '10.0.2.10', port: 3306, user: 'eip_repl' });
    expect(a.accounts.find((x) => x.role === 'replication')).toMatchObject({ host: '10.0.2.10', privileges: ['*.*:REPLICATION SLAVE'] });
    const overridden = planBootstrap(parseClusterConfig({ ...example, mysql: { replicationUserHost: '10.0.%' } }), 'db-a', { peerHost: '192.0.2.9', peerPort: 3307 });
    expect(overridden.replication).toMatchObject({ host: '192.0.2.9', port: 3307 });
    expect(overridden.accounts.find((x) => x.role === 'replication')?.host).toBe('10.0.%');
  });

  test('least privilege: the health check gets none, the probe monitors, reads the heartbeat and writes only its own table', () => {
    expect(a.accounts.filter((x) => x.role === 'health check').map((x) => [x.host, x.privileges])).toEqual([
      ['localhost', []],
      ['127.0.0.1', []],
    ]);
    expect(a.accounts.find((x) => x.role === 'probe')?.privileges).toEqual([
      '*.*:SLAVE MONITOR',
      'eip_failover.heartbeat:SELECT',
      'eip_failover.probe:SELECT',
      'eip_failover.probe:INSERT',
      'eip_failover.probe:UPDATE',
    ]);
  });

  test('the semi-sync switch turns both sides off', () => {
    const off = planBootstrap(parseClusterConfig({ ...example, mysql: { semiSync: false } }), 'db-a');
    expect([setting(off, 'rpl_semi_sync_master_enabled'), setting(off, 'rpl_semi_sync_slave_enabled')]).toEqual([false, false]);
    expect([setting(a, 'rpl_semi_sync_master_enabled'), setting(a, 'rpl_semi_sync_master_timeout')]).toEqual([true, 10000]);
  });

  test('an unknown node is refused with the valid ids', () => {
    expect(() => planBootstrap(config, 'db-c')).toThrow(UnknownNodeIdError);
    expect(() => planBootstrap(config, 'db-c')).toThrow(/db-a, db-b/);
  });
});

test('the drop-in is deterministic and read by MariaDB only ([mariadb])', () => {
  const text = renderDropIn(planBootstrap(config, 'db-b'), config.clusterName);
  expect(text).toBe(renderDropIn(planBootstrap(config, 'db-b'), config.clusterName));
  expect(text).toMatch(/^\[mariadb\]$/m);
  for (const line of ['server_id = 2', 'log_bin = mariadb-bin', 'log_slave_updates = ON', 'gtid_strict_mode = ON', 'read_only = ON', 'bind_address = 127.0.0.1,10.0.2.10']) {
    expect(text.split('\n')).toContain(line);
  }
});

test('live values compare as MariaDB reports them', () => {
  expect(sameSetting(true, 1)).toBe(true);
  expect(sameSetting(true, 0)).toBe(false);
  expect(sameSetting(false, 'OFF')).toBe(true);
  expect(sameSetting(10, '10')).toBe(true);
  expect(sameSetting('ROW', 'row')).toBe(true);
  expect(sameSetting('ROW', 'MIXED')).toBe(false);
  expect(sameSetting(1, null)).toBe(false);
});

test("the mysql_native_password hash equals MariaDB's PASSWORD()", () => {
  // SELECT PASSWORD('rp') on MariaDB 10.11.
  expect(nativePasswordHash('rp')).toBe('*8A97E06CAA86480A2986E5CAC34724E004D5069B');
});

test('a node with eipPrivateIp also listens on it (the EIP maps there)', () => {
  const doc = structuredClone(example) as { nodes: Array<Record<string, unknown>> };
  doc.nodes[1]!.eipPrivateIp = '10.0.2.11';
  const text = renderDropIn(planBootstrap(parseClusterConfig(doc), 'db-b'), 'orders-db');
  expect(text.split('\n')).toContain('bind_address = 127.0.0.1,10.0.2.10,10.0.2.11');
});
