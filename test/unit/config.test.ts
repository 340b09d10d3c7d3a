/**
 * The cluster config schema: the example is valid and gets its defaults, and every mistake the
 * issue lists is rejected with the exact field path and a message that says how to fix it.
 */
import example from '../../examples/cluster.json';
import { ConfigError, ConfigProblem, parseClusterConfig, parseClusterConfigText } from '../../lib/config/parse';
import { defaultEventSource, eipPrivateIpOf } from '../../lib/config/schema';

/** Marks a field to delete in `variant`. */
const REMOVE = Symbol('remove');

/** A fresh copy of examples/cluster.json, typed loosely so tests can break it. */
function exampleDoc(): Record<string, unknown> {
  return structuredClone(example) as Record<string, unknown>;
}

/**
 * The example with some fields changed, addressed the way errors name them:
 * `variant({ 'nodes[1].priority': 150, 'eip.allocationId': REMOVE })`.
 */
function variant(changes: Record<string, unknown>): Record<string, unknown> {
  const doc = exampleDoc();
  for (const [path, value] of Object.entries(changes)) {
    const keys = path.replace(/\[(\d+)\]/g, '.$1').split('.');
    let target = doc;
    for (const key of keys.slice(0, -1)) {
      const next = target[key];
      if (typeof next !== 'object' || next === null) throw new Error(`test bug: ${path} does not exist in the example`);
      target = next as Record<string, unknown>;
    }
    const last = keys[keys.length - 1]!;
    if (value === REMOVE) delete target[last];
    else target[last] = value;
  }
  return doc;
}

/** The problems a rejected document produces; fails the test when the document is accepted. */
function rejection(parse: () => unknown): ConfigError {
  try {
    parse();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected the config to be rejected, but it was accepted');
}

const problemsOf = (doc: unknown): readonly ConfigProblem[] => rejection(() => parseClusterConfig(doc)).problems;

/** Exactly one problem, at `path`, whose message matches every pattern (what is wrong, how to fix). */
function expectOnlyProblem(doc: unknown, path: string, ...patterns: RegExp[]): void {
  const error = rejection(() => parseClusterConfig(doc, 'test.json'));
  expect(error.problems.map((p) => p.path)).toEqual([path]);
  for (const pattern of patterns) expect(error.problems[0]!.message).toMatch(pattern);
  // The thrown message is what an operator sees: it names the source and the field.
  expect(error.message).toContain('invalid cluster config (test.json):');
  expect(error.message).toContain(`  - ${path}: `);
}

const node = (i: 0 | 1) => (example.nodes[i] as Record<string, unknown>);

describe('a valid config', () => {
  it('accepts examples/cluster.json as written and keeps every value', () => {
    const config = parseClusterConfig(exampleDoc());
    // toMatchObject: fields the example leaves out get their defaults on top.
    expect(config).toMatchObject({
      ...example,
      nodes: example.nodes.map((n) => ({ ...n, eventSource: `eip-failover.orders-db.${n.id}` })),
    });
  });

  it('derives each node event source from the cluster name and node id when it is omitted', () => {
    const config = parseClusterConfig(exampleDoc());
    expect(config.nodes.map((n) => n.eventSource)).toEqual(['eip-failover.orders-db.db-a', 'eip-failover.orders-db.db-b']);
    expect(defaultEventSource('orders-db', 'db-a')).toBe('eip-failover.orders-db.db-a');
  });

  it('keeps an event source that is given explicitly', () => {
    const config = parseClusterConfig(variant({ 'nodes[1].eventSource': 'custom.source.b' }));
    expect(config.nodes[0].eventSource).toBe('eip-failover.orders-db.db-a');
    expect(config.nodes[1].eventSource).toBe('custom.source.b');
  });

  it('fills the mysql and agent sections with their defaults when they are omitted', () => {
    const config = parseClusterConfig(variant({ mysql: REMOVE, agent: REMOVE }));
    expect(config.mysql).toMatchObject({
      port: 3306,
      socket: '/run/mysqld/mysqld.sock',
      healthCheckDeadlineMs: 2000,
      healthCheckUser: 'eip_health',
      healthCheckPasswordFile: '/etc/eip-failover/health-check.password',
      semiSync: true,
      semiSyncTimeoutMs: 10000,
      serverIdBase: 1,
      replicationUser: 'eip_repl',
      replicationPasswordFile: '/etc/eip-failover/replication.password',
      probeUser: 'eip_probe',
      probePasswordFile: '/etc/eip-failover/probe.password',
      probeUserHost: '%',
    });
    // No default: mysql-bootstrap uses the peer's privateIp.
    expect(config.mysql.replicationUserHost).toBeUndefined();
    expect(config.agent).toMatchObject({ notifyFifo: '/run/eip-failover/keepalived.fifo', heartbeatIntervalSec: 15, stateDir: '/var/lib/eip-failover', fencingOnCatchUpExpiry: 'unfence' });
  });

  it('fills defaults field by field inside a partly written section', () => {
    const config = parseClusterConfig(variant({ mysql: { port: 3307 }, agent: { heartbeatIntervalSec: 30 } }));
    expect(config.mysql.port).toBe(3307);
    expect(config.mysql.healthCheckDeadlineMs).toBe(2000);
    expect(config.agent).toMatchObject({ notifyFifo: '/run/eip-failover/keepalived.fifo', heartbeatIntervalSec: 30, spoolMaxEntries: 2000 });
  });

  it('fills the vrrp and per-node defaults when they are omitted', () => {
    const config = parseClusterConfig(
      variant({
        vrrp: { virtualRouterId: 51 },
        'nodes[0].interface': REMOVE,
        'nodes[1].interface': REMOVE,
      }),
    );
    expect(config.vrrp).toEqual({ virtualRouterId: 51, advertIntervalSec: 1, nopreempt: true, healthCheckFall: 2, healthCheckRise: 2 });
    expect(config.nodes.map((n) => n.interface)).toEqual(['ens5', 'ens5']);
  });

  it('accepts an empty socket (TCP on mysql.port)', () => {
    expect(parseClusterConfig(variant({ 'mysql.socket': '' })).mysql.socket).toBe('');
  });

  it('parses JSON text', () => {
    expect(parseClusterConfigText(JSON.stringify(example)).clusterName).toBe('orders-db');
  });

  it.each([1, 255])('accepts virtual router id %d (the ends of 1..255)', (vrid) => {
    expect(parseClusterConfig(variant({ 'vrrp.virtualRouterId': vrid })).vrrp.virtualRouterId).toBe(vrid);
  });

  it.each([1, 255])('accepts an advert interval of %d s (keepalived 2.2.7, VRRPv2: whole seconds 1..255)', (sec) => {
    expect(parseClusterConfig(variant({ 'vrrp.advertIntervalSec': sec })).vrrp.advertIntervalSec).toBe(sec);
  });
});

describe('rejected configs name the field and the fix', () => {
  it('rejects equal priorities', () => {
    expectOnlyProblem(variant({ 'nodes[1].priority': 150 }), 'nodes[1].priority', /same as nodes\[0\]\.priority/, /give the nodes different priorities/);
  });

  it('rejects the same private IP twice', () => {
    expectOnlyProblem(
      variant({ 'nodes[1].privateIp': '10.0.1.10' }),
      'nodes[1].privateIp',
      /"10\.0\.1\.10", the same as nodes\[0\]\.privateIp/,
      /each node needs its own private IP/,
    );
  });

  it.each([
    [0, /0 is below 1/],
    [256, /256 is above 255/],
  ])('rejects virtual router id %d', (vrid, wrong) => {
    expectOnlyProblem(variant({ 'vrrp.virtualRouterId': vrid }), 'vrrp.virtualRouterId', wrong, /must be from 1 to 255/);
  });

  it.each([
    [0, /0 is below 1/],
    [256, /256 is above 255/],
    [0.5, /0\.5 is not a whole number/],
  ])('rejects an advert interval of %d s (keepalived 2.2.7 with VRRPv2 takes whole seconds 1..255)', (sec, wrong) => {
    expectOnlyProblem(variant({ 'vrrp.advertIntervalSec': sec }), 'vrrp.advertIntervalSec', wrong, /from 1 to 255/);
  });

  it.each([
    ['one node', [node(0)], /lists 1 node\(s\)/],
    ['three nodes', [node(0), node(1), { ...node(1), id: 'db-c', privateIp: '10.0.3.10' }], /lists 3 node\(s\)/],
    ['no nodes', [], /lists 0 node\(s\)/],
  ])('rejects %s', (_label, nodes, wrong) => {
    expectOnlyProblem(variant({ nodes }), 'nodes', wrong, /exactly two/, /add or remove entries/);
  });

  it('rejects nodes that is not a list', () => {
    expectOnlyProblem(variant({ nodes: { 'db-a': node(0) } }), 'nodes', /expected a list of two nodes/);
  });

  it('rejects duplicate node ids', () => {
    expectOnlyProblem(variant({ 'nodes[1].id': 'db-a' }), 'nodes[1].id', /"db-a", the same as nodes\[0\]\.id/, /give each node its own id/);
  });

  it('rejects an unknown top-level field (a typo) and suggests the right name', () => {
    const doc = variant({ clustrName: 'orders-db' });
    expectOnlyProblem(doc, 'clustrName', /unknown field/, /did you mean "clusterName"\?/, /Remove it or fix its spelling/);
  });

  it('rejects an unknown nested field in a section and suggests the right name', () => {
    expectOnlyProblem(variant({ 'vrrp.advertInterval': 1 }), 'vrrp.advertInterval', /unknown field/, /did you mean "advertIntervalSec"\?/);
  });

  it('rejects an unknown field inside a node, with the node index in the path', () => {
    expectOnlyProblem(variant({ 'nodes[1].priorty': 120 }), 'nodes[1].priorty', /did you mean "priority"\?/, /fields allowed here: .*priority/);
  });

  it('rejects an unknown field inside a defaulted section', () => {
    expectOnlyProblem(variant({ 'mysql.prot': 3307 }), 'mysql.prot', /did you mean "port"\?/);
  });

  it('rejects an unknown field that resembles nothing, listing the allowed fields', () => {
    expectOnlyProblem(variant({ 'eip.zzzzzzzz': 1 }), 'eip.zzzzzzzz', /^unknown field\. Remove it or fix its spelling \(fields allowed here: allocationId, publicIp\)$/);
  });

  it.each(['eip-0a1b2c3d', 'eipalloc-XYZ', 'eipalloc-0a1b2c3d4e5f6071', '203.0.113.10'])('rejects the malformed allocation id %j', (id) => {
    expectOnlyProblem(variant({ 'eip.allocationId': id }), 'eip.allocationId', /is not an EIP allocation id/, /use a value such as "eipalloc-/);
  });

  it.each(['203.0.113.300', '203.0.113', 'eip.example.com', ''])('rejects the malformed public IP %j', (ip) => {
    expectOnlyProblem(variant({ 'eip.publicIp': ip }), 'eip.publicIp', /is not an IPv4 address/, /use a dotted quad such as/);
  });

  it.each(['10.0.1', '10.0.1.256', '10.0.1.10/24'])('rejects the malformed private IP %j', (ip) => {
    expectOnlyProblem(variant({ 'nodes[0].privateIp': ip }), 'nodes[0].privateIp', /is not an IPv4 address/, /use a dotted quad such as/);
  });

  it.each(['i-xyz', 'i-0a1b2c3d4e5f6071', 'eni-0a1b2c3d4e5f60718'])('rejects the malformed instance id %j', (id) => {
    expectOnlyProblem(variant({ 'nodes[0].instanceId': id }), 'nodes[0].instanceId', /is not an EC2 instance id/, /use a value such as "i-/);
  });

  it.each(['eni-xyz', 'i-0a1b2c3d4e5f60718'])('rejects the malformed ENI id %j', (id) => {
    expectOnlyProblem(
      variant({ 'nodes[1].networkInterfaceId': id }),
      'nodes[1].networkInterfaceId',
      /is not an ENI id/,
      /use a value such as "eni-/,
    );
  });

  it('rejects a missing required field', () => {
    expectOnlyProblem(variant({ 'eip.allocationId': REMOVE }), 'eip.allocationId', /is required but missing/, /add it/);
  });

  it('rejects a missing required section', () => {
    expectOnlyProblem(variant({ eventBus: REMOVE }), 'eventBus', /is required but missing/, /add it/);
  });

  it('rejects a missing required node field, with the node index in the path', () => {
    expectOnlyProblem(variant({ 'nodes[1].priority': REMOVE }), 'nodes[1].priority', /is required but missing/);
  });

  it('rejects a wrong type, saying what was expected and what was given', () => {
    expectOnlyProblem(variant({ 'nodes[0].priority': '150' }), 'nodes[0].priority', /expected the VRRP priority as a whole number from 1 to 254, got "150"/);
  });

  it('rejects a JSON syntax error in the text, naming the source', () => {
    const error = rejection(() => parseClusterConfigText('{ "clusterName": "orders-db", }', 'ssm:/eip-failover/orders-db/config'));
    expect(error.problems).toEqual([{ path: '(document)', message: expect.stringMatching(/^is not valid JSON \(.+\); fix the syntax$/) }]);
    expect(error.message).toMatch(/^invalid cluster config \(ssm:\/eip-failover\/orders-db\/config\):\n {2}- \(document\): is not valid JSON/);
  });

  it('rejects empty text as a syntax error', () => {
    expect(rejection(() => parseClusterConfigText('')).problems.map((p) => p.path)).toEqual(['(document)']);
  });

  it('rejects a private IP equal to the EIP', () => {
    expectOnlyProblem(
      variant({ 'nodes[1].privateIp': example.eip.publicIp }),
      'nodes[1].privateIp',
      /equals eip\.publicIp/,
      /use the instance's private address, not the Elastic IP/,
    );
  });

  it('rejects two nodes that claim the same instance or network interface', () => {
    const problems = problemsOf(
      variant({ 'nodes[1].instanceId': node(0).instanceId, 'nodes[1].networkInterfaceId': node(0).networkInterfaceId }),
    );
    expect(problems.map((p) => p.path)).toEqual(['nodes[1].instanceId', 'nodes[1].networkInterfaceId']);
    expect(problems[0]!.message).toMatch(/each node must be a different instance/);
    expect(problems[1]!.message).toMatch(/each node needs its own network interface/);
  });

  it('rejects two nodes with the same explicit event source', () => {
    expectOnlyProblem(
      variant({ 'nodes[0].eventSource': 'orders.db', 'nodes[1].eventSource': 'orders.db' }),
      'nodes[1].eventSource',
      /each node needs its own event source/,
    );
  });

  it.each([
    ['nodes[1]', 'nodes[1].eventSource', 'eip-failover.orders-db.db-a', 'nodes[0]'],
    ['nodes[0]', 'nodes[0].eventSource', 'eip-failover.orders-db.db-b', 'nodes[1]'],
  ])("rejects an explicit event source on %s that equals the other node's default", (_label, path, source, other) => {
    expectOnlyProblem(
      variant({ [path]: source }),
      path,
      new RegExp(`"${source.replace(/\./g, '\\.')}", the same as the event source of ${other.replace(/[[\]]/g, '\\$&')} \\(its default\\)`),
      /each node needs its own event source/,
    );
  });

  it('rejects a priority outside 1..254', () => {
    expectOnlyProblem(variant({ 'nodes[0].priority': 255 }), 'nodes[0].priority', /255 is above 254/);
    expectOnlyProblem(variant({ 'nodes[0].priority': 0 }), 'nodes[0].priority', /0 is below 1/);
  });
});

describe('several problems at once', () => {
  it('reports problems from several fields together, each with its own path', () => {
    const error = rejection(() =>
      parseClusterConfig(
        variant({
          region: 'Europe',
          'vrrp.virtualRouterId': 0,
          'eip.publicIp': '203.0.113',
          'nodes[0].instanceId': 'i-nope',
          'nodes[1].priority': 150,
          clustrName: 'x',
        }),
      ),
    );
    expect(error.problems.map((p) => p.path).sort()).toEqual(
      ['clustrName', 'eip.publicIp', 'nodes[0].instanceId', 'nodes[1].priority', 'region', 'vrrp.virtualRouterId'].sort(),
    );
    // One line per problem in the message an operator reads.
    expect(error.message.split('\n').slice(1)).toHaveLength(6);
    for (const p of error.problems) expect(error.message).toContain(`  - ${p.path}: ${p.message}`);
  });

  it('reports the same mistake in both nodes separately', () => {
    const paths = problemsOf(variant({ 'nodes[0].privateIp': 'x', 'nodes[1].privateIp': 'y' })).map((p) => p.path);
    expect(paths).toEqual(['nodes[0].privateIp', 'nodes[1].privateIp']);
  });
});

describe('nodes[].eipPrivateIp (the secondary private IP the EIP maps to)', () => {
  const both = { 'nodes[0].eipPrivateIp': '10.0.1.11', 'nodes[1].eipPrivateIp': '10.0.2.11' };

  it('is optional; eipPrivateIpOf falls back to the primary address', () => {
    const [a, b] = parseClusterConfig(variant(both)).nodes;
    expect([eipPrivateIpOf(a), eipPrivateIpOf(b)]).toEqual(['10.0.1.11', '10.0.2.11']);
    const [plain] = parseClusterConfig(exampleDoc()).nodes;
    expect(plain.eipPrivateIp).toBeUndefined();
    expect(eipPrivateIpOf(plain)).toBe(plain.privateIp);
  });

  it('rejects a value that is not an IPv4 address', () => {
    expectOnlyProblem(variant({ ...both, 'nodes[0].eipPrivateIp': '10.0.1' }), 'nodes[0].eipPrivateIp', /is not an IPv4 address/, /dotted quad such as "10\.0\.1\.11"/);
  });

  it("rejects the node's own primary address, saying to leave the field out instead", () => {
    expectOnlyProblem(
      variant({ ...both, 'nodes[0].eipPrivateIp': '10.0.1.10' }),
      'nodes[0].eipPrivateIp',
      /"10\.0\.1\.10", the same as nodes\[0\]\.privateIp/,
      /give a secondary private IP of the node's ENI, or leave eipPrivateIp out/,
    );
  });

  it("rejects the other node's primary address", () => {
    expectOnlyProblem(variant({ 'nodes[1].eipPrivateIp': '10.0.1.10' }), 'nodes[1].eipPrivateIp', /the same as nodes\[0\]\.privateIp/, /each node needs its own secondary private IP/);
  });

  it('rejects one secondary address on both nodes, once, at nodes[1]', () => {
    expectOnlyProblem(variant({ ...both, 'nodes[1].eipPrivateIp': '10.0.1.11' }), 'nodes[1].eipPrivateIp', /the same as nodes\[0\]\.eipPrivateIp/, /the EIP must land on one node only/);
  });

  it('rejects the Elastic IP itself', () => {
    expectOnlyProblem(variant({ ...both, 'nodes[1].eipPrivateIp': example.eip.publicIp }), 'nodes[1].eipPrivateIp', /equals eip\.publicIp/, /secondary private IP of the node's ENI/);
  });
});
