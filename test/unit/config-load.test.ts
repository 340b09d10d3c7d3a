/**
 * loadClusterConfig: a file path or `ssm:<parameter>`; "could not fetch" (ConfigUnavailableError)
 * is kept apart from "fetched but invalid" (ConfigError).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetParameterCommand, ParameterNotFound, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import example from '../../examples/cluster.json';
import { ConfigError, ConfigUnavailableError, loadClusterConfig } from '../../lib/config/load';

const exampleText = JSON.stringify(example, null, 2);

describe('loadClusterConfig from a file', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'eip-config-load-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads and validates the file, filling defaults', async () => {
    const path = join(dir, 'cluster.json');
    await writeFile(path, exampleText);
    const config = await loadClusterConfig(path);
    expect(config.clusterName).toBe('orders-db');
    expect(config.nodes.map((n) => n.eventSource)).toEqual(['eip-failover.orders-db.db-a', 'eip-failover.orders-db.db-b']);
  });

  it('throws ConfigUnavailableError naming a missing file', async () => {
    const path = join(dir, 'nope.json');
    const err = await loadClusterConfig(path).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigUnavailableError);
    expect((err as Error).message).toContain(`cannot read config file ${path}`);
    expect((err as Error).message).toMatch(/ENOENT/);
  });

  it('throws ConfigError, naming the file as the source, for an invalid file', async () => {
    const path = join(dir, 'bad.json');
    await writeFile(path, JSON.stringify({ ...example, vrrp: { ...example.vrrp, virtualRouterId: 300 } }));
    const err = await loadClusterConfig(path).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).source).toBe(path);
    expect((err as ConfigError).problems.map((p) => p.path)).toEqual(['vrrp.virtualRouterId']);
  });
});

describe('loadClusterConfig from SSM Parameter Store', () => {
  const ssmMock = mockClient(SSMClient);
  // A real client whose send() the mock intercepts; no network and no credentials are used.
  const ssm = new SSMClient({ region: 'eu-west-1' });

  beforeEach(() => {
    ssmMock.reset();
  });
  afterAll(() => {
    ssmMock.restore();
  });

  it('reads the parameter named after ssm: with decryption, and validates it', async () => {
    ssmMock.on(GetParameterCommand).resolves({ Parameter: { Name: '/x/y', Type: 'String', Value: exampleText } });
    const config = await loadClusterConfig('ssm:/x/y', { ssm });
    expect(config.eip.allocationId).toBe('eipalloc-0a1b2c3d4e5f60718');
    const calls = ssmMock.commandCalls(GetParameterCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.args[0].input).toEqual({ Name: '/x/y', WithDecryption: true });
  });

  it('throws ConfigUnavailableError naming the parameter when it does not exist', async () => {
    ssmMock.on(GetParameterCommand).rejects(new ParameterNotFound({ message: 'Parameter /x/y not found.', $metadata: {} }));
    const err = await loadClusterConfig('ssm:/x/y', { ssm, region: 'eu-west-1' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigUnavailableError);
    expect((err as Error).message).toContain('cannot read SSM parameter /x/y: ParameterNotFound');
    expect((err as Error).message).toContain('check the name and the region (eu-west-1)');
  });

  it('throws ConfigUnavailableError with a network hint for other SSM failures', async () => {
    ssmMock.on(GetParameterCommand).rejects(Object.assign(new Error('connect ETIMEDOUT'), { name: 'TimeoutError' }));
    const err = await loadClusterConfig('ssm:/x/y', { ssm }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigUnavailableError);
    expect((err as Error).message).toMatch(/cannot read SSM parameter \/x\/y: TimeoutError: connect ETIMEDOUT; check network access to SSM/);
  });

  it('throws ConfigUnavailableError when the parameter has no value', async () => {
    ssmMock.on(GetParameterCommand).resolves({ Parameter: { Name: '/x/y' } });
    const err = await loadClusterConfig('ssm:/x/y', { ssm }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigUnavailableError);
    expect((err as Error).message).toBe('SSM parameter /x/y has no value');
  });

  it('refuses "ssm:" with no parameter name without calling SSM', async () => {
    const err = await loadClusterConfig('ssm:', { ssm }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigUnavailableError);
    expect(ssmMock.commandCalls(GetParameterCommand)).toHaveLength(0);
  });

  it('throws ConfigError, naming the ssm: ref as the source, when the parameter holds an invalid document', async () => {
    const bad = { ...example, nodes: [example.nodes[0], { ...example.nodes[1], priority: example.nodes[0]!.priority }] };
    ssmMock.on(GetParameterCommand).resolves({ Parameter: { Name: '/x/y', Value: JSON.stringify(bad) } });
    const err = await loadClusterConfig('ssm:/x/y', { ssm }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).source).toBe('ssm:/x/y');
    expect((err as ConfigError).problems.map((p) => p.path)).toEqual(['nodes[1].priority']);
  });

  it('throws ConfigError when the parameter is not JSON', async () => {
    ssmMock.on(GetParameterCommand).resolves({ Parameter: { Name: '/x/y', Value: 'clusterName: orders-db' } });
    const err = await loadClusterConfig('ssm:/x/y', { ssm }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems.map((p) => p.path)).toEqual(['(document)']);
  });
});
