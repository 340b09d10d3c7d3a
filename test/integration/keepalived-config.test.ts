/**
 * Rendered keepalived.conf files pass the REAL `keepalived --config-test` (Debian 12: 2.2.7),
 * run through the agent's own runner (keepalivedConfigTest). keepalived checks the interface and
 * the track script for real, so it runs inside a namespace that has the configured interfaces,
 * with the track script at a secure path. Negative controls show the check has teeth.
 */
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import example from '../../examples/cluster.json';
import { parseClusterConfig } from '../../lib/config/parse';
import type { ClusterConfig } from '../../lib/config/schema';
import { keepalivedConfigTest } from '../../node-agent/keepalived/config-test';
import { renderKeepalivedConf } from '../../node-agent/keepalived/render';
import { NetnsLab } from '../helpers/netns';

/** Interfaces the valid configs below use; all exist in the test namespace. */
const INTERFACES = ['ens5', 'eth1', 'bond0.12'];

function config(patch: { vrrp?: object; mysql?: object; nodes?: [object, object] } = {}): ClusterConfig {
  const doc = structuredClone(example);
  return parseClusterConfig({
    ...doc,
    vrrp: { ...doc.vrrp, ...patch.vrrp },
    mysql: { ...doc.mysql, ...patch.mysql },
    nodes: doc.nodes.map((n, i) => ({ ...n, ...patch.nodes?.[i] })),
  });
}

const VALID: [string, ClusterConfig][] = [
  ['examples/cluster.json', config()],
  ['VRID 1, advert 1 s', config({ vrrp: { virtualRouterId: 1, advertIntervalSec: 1 } })],
  ['VRID 255, advert 255 s', config({ vrrp: { virtualRouterId: 255, advertIntervalSec: 255 } })],
  ['nopreempt false', config({ vrrp: { nopreempt: false } })],
  ['priorities 1 and 254', config({ nodes: [{ priority: 1 }, { priority: 254 }] })],
  ['other interface names', config({ nodes: [{ interface: 'eth1' }, { interface: 'bond0.12' }] })],
  ['deadline 100 ms, fall 1, rise 1', config({ mysql: { healthCheckDeadlineMs: 100 }, vrrp: { healthCheckFall: 1, healthCheckRise: 1 } })],
  ['deadline 30 s, fall 10, rise 10', config({ mysql: { healthCheckDeadlineMs: 30000 }, vrrp: { healthCheckFall: 10, healthCheckRise: 10 } })],
];

const lab = new NetnsLab('kcf');
let workDir = '';
let agentPath = '';
let keepalivedInNetns = '';

beforeAll(async () => {
  const ns = await lab.createNamespace();
  for (const [i, name] of INTERFACES.entries()) await lab.connect({ netns: ns, name }, { netns: ns, name: `peer${i}` });
  workDir = await lab.tempDir();
  agentPath = (await lab.fixtureScript('eip-agent', '#!/bin/sh\nexit 0\n')).path;
  // The agent's runner takes one binary; this wrapper makes that binary run inside the namespace.
  keepalivedInNetns = (await lab.fixtureScript('keepalived', `#!/bin/sh\nexec ip netns exec ${ns} keepalived "$@"\n`)).path;
});

afterAll(() => lab.cleanup());

let files = 0;
/** Renders one node's conf to a file and runs the real config test on it. */
async function renderAndTest(c: ClusterConfig, nodeId: string, agent = agentPath) {
  const confPath = join(workDir, `keepalived-${++files}.conf`);
  await writeFile(confPath, renderKeepalivedConf(c, nodeId, { agentPath: agent, configPath: '/etc/eip-failover/cluster.json' }));
  return keepalivedConfigTest(confPath, { keepalivedBin: keepalivedInNetns });
}

describe.each(VALID)('%s', (_name, c) => {
  it.each(c.nodes.map((n) => n.id))('node %s passes keepalived --config-test with exit 0', async (nodeId) => {
    const result = await renderAndTest(c, nodeId);
    expect(result).toMatchObject({ ok: true, exitCode: 0 });
    expect(result.output).not.toMatch(/WARNING|error/i);
  });
});

describe('negative controls: the config test catches', () => {
  it('an interface that does not exist', async () => {
    const result = await renderAndTest(config({ nodes: [{ interface: 'nosuch0' }, {}] }), 'db-a');
    expect(result).toMatchObject({ ok: false, exitCode: expect.any(Number) });
    expect(result.exitCode).not.toBe(0);
    expect(result.output).toMatch(/interface nosuch0 .*doesn't exist/);
  });

  it('a track script that does not exist', async () => {
    const result = await renderAndTest(config(), 'db-a', join(workDir, 'no-such-agent'));
    expect(result.exitCode).not.toBe(0);
    expect(result.exitCode).not.toBeNull();
    expect(result.output).toMatch(/Disabling track script chk_mysql since not found/);
  });

  it('a track script in a directory anyone can write to', async () => {
    const unsafeDir = join(workDir, 'world-writable');
    await mkdir(unsafeDir);
    await chmod(unsafeDir, 0o777); // no sticky bit: another user could swap the script
    const agent = join(unsafeDir, 'eip-agent');
    await writeFile(agent, '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    const result = await renderAndTest(config(), 'db-a', agent);
    expect(result.exitCode).not.toBe(0);
    expect(result.exitCode).not.toBeNull();
    expect(result.output).toMatch(/Disabling track script chk_mysql due to insecure/);
  });
});
