/**
 * renderKeepalivedConf as a pure function: what each node's keepalived.conf must say (and must
 * not say). The real `keepalived --config-test` runs in test/integration/keepalived-config.test.ts.
 */
import example from '../../examples/cluster.json';
import { parseClusterConfig } from '../../lib/config/parse';
import type { ClusterConfig } from '../../lib/config/schema';
import { UnknownNodeError, markerAddress, renderKeepalivedConf, vrrpInstanceName } from '../../node-agent/keepalived/render';

const PATHS = { agentPath: '/opt/eip/bin/eip-agent', configPath: '/etc/eip-failover/cluster.json' };

/** The example with sections overridden, validated like a real config. */
function config(patch: { vrrp?: object; mysql?: object; agent?: object; nodes?: [object, object] } = {}): ClusterConfig {
  const doc = structuredClone(example);
  return parseClusterConfig({
    ...doc,
    vrrp: { ...doc.vrrp, ...patch.vrrp },
    mysql: { ...doc.mysql, ...patch.mysql },
    agent: { ...doc.agent, ...patch.agent },
    nodes: doc.nodes.map((n, i) => ({ ...n, ...patch.nodes?.[i] })),
  });
}

/** The trimmed, non-empty lines inside the first `header { ... }` block (nested blocks included). */
function block(conf: string, header: string): string[] {
  const lines = conf.split('\n').map((l) => l.trim());
  const start = lines.findIndex((l) => l === `${header} {`);
  if (start < 0) throw new Error(`no "${header} {" block in:\n${conf}`);
  let depth = 0;
  for (let i = start; i < lines.length; i++) {
    depth += (lines[i]!.match(/{/g) ?? []).length - (lines[i]!.match(/}/g) ?? []).length;
    if (depth === 0) return lines.slice(start + 1, i).filter(Boolean);
  }
  throw new Error(`unbalanced "${header}" block`);
}

/** The value of a `keyword value` line in a block, e.g. priority → '150'. */
function setting(lines: string[], keyword: string): string | undefined {
  const found = lines.filter((l) => l.split(/\s+/)[0] === keyword);
  if (found.length > 1) throw new Error(`${keyword} appears ${found.length} times`);
  return found[0]?.slice(keyword.length).trim();
}

const base = config();
const instanceHeader = `vrrp_instance ${vrrpInstanceName(base)}`;

describe.each([
  { self: 0, peer: 1 },
  { self: 1, peer: 0 },
])('node $self of the example', ({ self, peer }) => {
  const me = base.nodes[self]!;
  const other = base.nodes[peer]!;
  const conf = renderKeepalivedConf(base, me.id, PATHS);
  const instance = block(conf, instanceHeader);

  it('speaks unicast from its own private IP to the other node only', () => {
    expect(setting(instance, 'unicast_src_ip')).toBe(me.privateIp);
    expect(block(conf, 'unicast_peer')).toEqual([other.privateIp]);
    // no silent fall-back to multicast, and adverts from anyone but the peer are dropped
    expect(instance).toContain('unicast_fault_no_peer');
    expect(instance).toContain('check_unicast_src');
  });

  it('starts as BACKUP with its own priority, the cluster VRID and advert interval', () => {
    expect(setting(instance, 'state')).toBe('BACKUP');
    expect(setting(instance, 'interface')).toBe(me.interface);
    expect(setting(instance, 'priority')).toBe(String(me.priority));
    expect(setting(instance, 'virtual_router_id')).toBe(String(base.vrrp.virtualRouterId));
    expect(setting(instance, 'advert_int')).toBe(String(base.vrrp.advertIntervalSec));
  });

  it('holds only the link-local marker on lo, never the EIP', () => {
    expect(block(conf, 'virtual_ipaddress')).toEqual([`${markerAddress(base)} dev lo`]);
    expect(markerAddress(base)).toMatch(/^169\.254\.\d+\.\d+\/32$/);
    // The public IP may be named in a comment, nowhere else.
    const mentions = conf.split('\n').filter((l) => l.includes(base.eip.publicIp));
    expect(mentions.every((l) => l.trim().startsWith('#'))).toBe(true);
  });

  it('has neither vrrp_strict nor an authentication block', () => {
    expect(conf).not.toMatch(/vrrp_strict|authentication|auth_type|auth_pass/);
  });

  it('turns script security on and sends transitions to the notify FIFO', () => {
    const globals = block(conf, 'global_defs');
    expect(globals).toContain('enable_script_security');
    expect(setting(globals, 'vrrp_notify_fifo')).toBe(base.agent.notifyFifo);
  });
});

describe('track script', () => {
  it('runs eip-agent check-mysql from the given paths and is tracked by the instance', () => {
    const conf = renderKeepalivedConf(base, 'db-a', PATHS);
    expect(setting(block(conf, 'vrrp_script chk_mysql'), 'script')).toBe(`"${PATHS.agentPath} check-mysql --config ${PATHS.configPath}"`);
    expect(block(conf, 'track_script')).toEqual(['chk_mysql']);
  });

  it.each([
    { advert: 1, deadlineMs: 2000, fall: 2, rise: 2 },
    { advert: 3, deadlineMs: 2500, fall: 3, rise: 5 },
    { advert: 1, deadlineMs: 100, fall: 1, rise: 1 },
    { advert: 10, deadlineMs: 30000, fall: 10, rise: 10 },
  ])('derives its timings from advert $advert s, deadline $deadlineMs ms, fall $fall, rise $rise', ({ advert, deadlineMs, fall, rise }) => {
    const c = config({ vrrp: { advertIntervalSec: advert, healthCheckFall: fall, healthCheckRise: rise }, mysql: { healthCheckDeadlineMs: deadlineMs } });
    const script = block(renderKeepalivedConf(c, 'db-b', PATHS), 'vrrp_script chk_mysql');
    expect(setting(script, 'interval')).toBe(String(advert));
    // keepalived must not kill the check before the check's own deadline has passed
    const timeout = Number(setting(script, 'timeout'));
    expect(Number.isInteger(timeout)).toBe(true);
    expect(timeout).toBeGreaterThan(deadlineMs / 1000);
    expect(setting(script, 'fall')).toBe(String(fall));
    expect(setting(script, 'rise')).toBe(String(rise));
    // weight 0: a failing check puts the instance in FAULT instead of just lowering its priority
    expect(setting(script, 'weight')).toBe('0');
  });
});

describe('config options', () => {
  it('writes nopreempt only when the config asks for it', () => {
    const withIt = block(renderKeepalivedConf(config({ vrrp: { nopreempt: true } }), 'db-a', PATHS), instanceHeader);
    const without = block(renderKeepalivedConf(config({ vrrp: { nopreempt: false } }), 'db-a', PATHS), instanceHeader);
    expect(withIt).toContain('nopreempt');
    expect(without).not.toContain('nopreempt');
    expect(setting(without, 'state')).toBe('BACKUP');
  });

  it('uses each node its own interface and the configured FIFO path', () => {
    const c = config({ nodes: [{ interface: 'eth-a' }, { interface: 'bond0.12' }], agent: { notifyFifo: '/run/x/ka.fifo' } });
    expect(setting(block(renderKeepalivedConf(c, 'db-a', PATHS), instanceHeader), 'interface')).toBe('eth-a');
    const confB = renderKeepalivedConf(c, 'db-b', PATHS);
    expect(setting(block(confB, instanceHeader), 'interface')).toBe('bond0.12');
    expect(setting(block(confB, 'global_defs'), 'vrrp_notify_fifo')).toBe('/run/x/ka.fifo');
  });

  it('is deterministic', () => {
    expect(renderKeepalivedConf(config(), 'db-b', PATHS)).toBe(renderKeepalivedConf(config(), 'db-b', PATHS));
  });
});

describe('refusals', () => {
  it('names the valid node ids when the node is unknown', () => {
    const render = () => renderKeepalivedConf(base, 'db-c', PATHS);
    expect(render).toThrow(UnknownNodeError);
    expect(render).toThrow(/"db-c".*db-a, db-b/);
  });

  it.each([
    ['agentPath', '/opt/my agent/eip-agent'],
    ['agentPath', '/opt/eip/eip-agent"; rm -rf /"'],
    ['agentPath', "/opt/eip/it's"],
    ['agentPath', 'eip-agent'],
    ['configPath', '/etc/eip failover/cluster.json'],
    ['configPath', '/etc/"x"'],
  ])('refuses an unsafe %s %j', (key, value) => {
    expect(() => renderKeepalivedConf(base, 'db-a', { ...PATHS, [key]: value })).toThrow(new RegExp(`${key} must be an absolute path`));
  });
});
