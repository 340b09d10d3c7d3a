/**
 * `eip-agent apply` end to end: the real bundle, real `keepalived --config-test` inside a
 * namespace that has the node's interface, and a real keepalived for the reload.
 */
import { readFile, stat, writeFile, readdir } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { AgentBundle, bundleAgent } from '../helpers/agent-bundle';
import { KeepalivedNode } from '../helpers/keepalived';
import { NetnsLab } from '../helpers/netns';

const example = JSON.parse(readFileSync(join(__dirname, '../../examples/cluster.json'), 'utf8'));

describe('eip-agent apply', () => {
  const lab = new NetnsLab('apl');
  let bundle: AgentBundle;
  let ns: string;
  let dir: string;
  let fifo: string;
  let configFile: string;
  let keepalived: KeepalivedNode | undefined;

  const paths = () => ({
    conf: join(dir, 'keepalived.conf'),
    nodeConfig: join(dir, 'etc', 'cluster.json'),
    pid: join(dir, 'keepalived.pid'),
  });

  const apply = (extra: string[] = [], env: Record<string, string> = {}) =>
    lab.exec(
      ns,
      'env',
      [
        ...Object.entries(env).map(([k, v]) => `${k}=${v}`),
        process.execPath,
        bundle.file,
        'apply',
        '--config',
        configFile,
        '--node',
        'db-a',
        '--keepalived-conf',
        paths().conf,
        '--keepalived-pid-file',
        paths().pid,
        '--agent-path',
        bundle.file,
        '--node-config-path',
        paths().nodeConfig,
        ...extra,
      ],
      { allowFailure: true, timeoutMs: 30000 },
    );

  const writeConfig = async (mutate: (c: typeof example) => void = () => {}) => {
    const c = structuredClone(example);
    c.agent = { ...c.agent, notifyFifo: fifo };
    mutate(c);
    await writeFile(configFile, JSON.stringify(c, null, 2));
  };

  const snapshot = async () => {
    const p = paths();
    const s = await stat(p.conf);
    return { content: await readFile(p.conf, 'utf8'), ino: s.ino, mtimeMs: s.mtimeMs };
  };

  beforeAll(async () => {
    bundle = await bundleAgent();
    ns = await lab.createNamespace();
    const other = await lab.createNamespace();
    await lab.connect({ netns: ns, name: 'ens5', address: '10.0.1.10/24' }, { netns: other, name: 'ens5', address: '10.0.1.20/24' });
    dir = await lab.tempDir();
    fifo = join(dir, 'keepalived.fifo');
    configFile = join(dir, 'cluster.json');
  });

  afterAll(async () => {
    await keepalived?.close();
    await lab.cleanup();
    bundle?.cleanup();
  });

  it('installs the rendered config and the node copy on the first run', async () => {
    await writeConfig();
    const result = await apply();
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('config test passed; replaced');
    const rendered = await lab.exec(undefined, process.execPath, [
      bundle.file, 'render', '--config', configFile, '--node', 'db-a', '--agent-path', bundle.file, '--node-config-path', paths().nodeConfig,
    ]);
    expect((await snapshot()).content).toBe(rendered.stdout);
    expect(await readFile(paths().nodeConfig, 'utf8')).toBe(await readFile(configFile, 'utf8'));
  });

  it('changes nothing and says so when run again with the same input', async () => {
    const before = await snapshot();
    const result = await apply(['--json']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ nodeId: 'db-a', keepalivedConfChanged: false, nodeConfigChanged: false, reload: null });
    expect(await snapshot()).toEqual(before);
  });

  it('replaces the file by rename when the config changes and reloads the running keepalived', async () => {
    keepalived = await KeepalivedNode.start({ lab, netns: ns, confPath: paths().conf, notifyFifo: fifo, workDir: dir, label: 'db-a' });
    await writeFile(paths().pid, await readFile(keepalived.pidFile, 'utf8'));
    const before = await snapshot();
    await writeConfig((c) => (c.nodes[0].priority = 120));
    const result = await apply();
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/sent SIGHUP to keepalived \(pid \d+\)/);
    const after = await snapshot();
    expect(after.ino).not.toBe(before.ino);
    expect(after.content).toContain('priority 120');
    // keepalived really re-read the file: its log says so.
    await new Promise((r) => setTimeout(r, 500));
    expect(keepalived.log()).toMatch(/Reloading/i);
  });

  it.each([
    ['a config that fails validation', (c: typeof example) => (c.nodes[1].priority = c.nodes[0].priority), 2, /nodes\[1\]\.priority/],
    ['a config whose interface does not exist here', (c: typeof example) => (c.nodes[0].interface = 'ens9'), 1, /config-test rejected.*\n.*ens9/s],
  ])('keeps the last good file on %s', async (_what, mutate, code, message) => {
    const before = await snapshot();
    const nodeConfigBefore = await readFile(paths().nodeConfig, 'utf8');
    await writeConfig(mutate);
    const result = await apply();
    expect(result.code).toBe(code);
    expect(result.stderr).toMatch(message);
    expect(await snapshot()).toEqual(before);
    expect(await readFile(paths().nodeConfig, 'utf8')).toBe(nodeConfigBefore);
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('keeps the last good file when the config file is not JSON', async () => {
    const before = await snapshot();
    await writeFile(configFile, '{ "clusterName": ');
    const result = await apply();
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('is not valid JSON');
    expect(await snapshot()).toEqual(before);
  });

  it('keeps the last good file when SSM is unreachable', async () => {
    const before = await snapshot();
    const result = await lab.exec(
      ns,
      'env',
      [
        'AWS_ACCESS_KEY_ID=test', 'AWS_SECRET_ACCESS_KEY=test', 'AWS_ENDPOINT_URL_SSM=http://127.0.0.1:9',
        process.execPath, bundle.file, 'apply', '--config', 'ssm:/eip-failover/orders-db/config', '--region', 'eu-west-1',
        '--node', 'db-a', '--keepalived-conf', paths().conf, '--keepalived-pid-file', paths().pid,
        '--agent-path', bundle.file, '--node-config-path', paths().nodeConfig,
      ],
      { allowFailure: true, timeoutMs: 30000 },
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('cannot read SSM parameter /eip-failover/orders-db/config');
    expect(await snapshot()).toEqual(before);
  });

  describe('without --node', () => {
    let imds: Server;
    let instanceId = example.nodes[0].instanceId as string;
    beforeAll(async () => {
      // Stands in for EC2's instance metadata service (IMDSv2: token first, then reads with it).
      imds = createServer((req, res) => {
        if (req.method === 'PUT' && req.url === '/latest/api/token') return res.end('tok');
        if (req.headers['x-aws-ec2-metadata-token'] !== 'tok') return res.writeHead(401).end();
        if (req.url === '/latest/meta-data/instance-id') return res.end(instanceId);
        if (req.url === '/latest/meta-data/placement/region') return res.end('eu-west-1');
        res.writeHead(404).end();
      });
      await new Promise<void>((r) => imds.listen(0, '127.0.0.1', r));
    });
    afterAll(() => new Promise<void>((r) => imds.close(() => r())));

    const applyViaImds = (endpoint: string) =>
      lab.exec(
        undefined,
        process.execPath,
        [
          bundle.file, 'apply', '--config', configFile, '--imds-endpoint', endpoint,
          '--keepalived-conf', join(dir, 'imds.conf'), '--keepalived-pid-file', paths().pid,
          '--agent-path', bundle.file, '--node-config-path', join(dir, 'imds-cluster.json'),
          // Runs on the host namespace, where ens5 does not exist: only node discovery is under test.
          '--keepalived-bin', 'true', '--json',
        ],
        { allowFailure: true, timeoutMs: 30000 },
      );

    it('finds its node from the instance id in IMDSv2', async () => {
      await writeConfig();
      instanceId = example.nodes[1].instanceId;
      const port = (imds.address() as AddressInfo).port;
      const result = await applyViaImds(`http://127.0.0.1:${port}`);
      expect(result.stderr).toBe('');
      expect(JSON.parse(result.stdout).nodeId).toBe('db-b');
      expect(await readFile(join(dir, 'imds.conf'), 'utf8')).toContain(`unicast_src_ip ${example.nodes[1].privateIp}`);
    });

    it('refuses an instance that is not in the pair, naming the fix', async () => {
      instanceId = 'i-0fffffffffffffff0';
      const port = (imds.address() as AddressInfo).port;
      const result = await applyViaImds(`http://127.0.0.1:${port}`);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('this instance (i-0fffffffffffffff0) is not a node of cluster "orders-db"');
      expect(result.stderr).toContain('pass --node');
    });

    it('says to pass --node when instance metadata is unreachable', async () => {
      const result = await applyViaImds('http://127.0.0.1:9');
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('pass --node');
    });
  });
});
