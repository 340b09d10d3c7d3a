/**
 * configSourceFromEnv (lib/config/env-source.ts), the Lambdas' config: inline in EIP_FAILOVER_CONFIG
 * (as CDK deploys it) or through EIP_FAILOVER_CONFIG_REF (`ssm:` or a file). A missing, doubled or
 * invalid config fails load() with a typed error that says what to set; nothing is read before.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetParameterCommand, ParameterNotFound, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import example from '../../examples/cluster.json';
import { configSourceFromEnv } from '../../lib/config/env-source';
import { ConfigError, parseClusterConfig } from '../../lib/config/parse';
import { ConfigUnavailableError } from '../../lib/config/source';

const inline = JSON.stringify(example);
const expected = parseClusterConfig(example);
const failure = (env: Record<string, string | undefined>) => configSourceFromEnv(env).load().then(() => 'loaded', (e: unknown) => e as Error);

describe('EIP_FAILOVER_CONFIG (inline)', () => {
  test('parses and validates the document, defaults filled', async () => {
    await expect(configSourceFromEnv({ EIP_FAILOVER_CONFIG: inline }).load()).resolves.toEqual(expected);
  });

  test('an invalid field: ConfigError naming the variable, the field path and the fix', async () => {
    const bad = JSON.stringify({ ...example, nodes: [example.nodes[0], { ...example.nodes[1], priority: 300 }] });
    const err = await failure({ EIP_FAILOVER_CONFIG: bad });
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).source).toBe('environment variable EIP_FAILOVER_CONFIG');
    expect((err as ConfigError).problems).toEqual([{ path: 'nodes[1].priority', message: '300 is above 254; the VRRP priority must be from 1 to 254' }]);
  });

  test('a misspelt field gets the same did-you-mean as a file would', async () => {
    const { vrrp, ...rest } = example;
    const err = await failure({ EIP_FAILOVER_CONFIG: JSON.stringify({ ...rest, vrpp: vrrp }) });
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/vrpp: unknown field; did you mean "vrrp"\?/);
  });

  test('not JSON (e.g. truncated): ConfigError on the document', async () => {
    const err = await failure({ EIP_FAILOVER_CONFIG: inline.slice(0, 200) });
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/\(document\): is not valid JSON/);
  });

  test.each([[''], ['   ']])('empty (%j): ConfigUnavailableError saying what to set', async (value) => {
    const err = await failure({ EIP_FAILOVER_CONFIG: value });
    expect(err).toBeInstanceOf(ConfigUnavailableError);
    expect(err).toHaveProperty('message', expect.stringMatching(/^environment variable EIP_FAILOVER_CONFIG is empty; set EIP_FAILOVER_CONFIG to the config document/));
  });
});

describe('which variable', () => {
  test('neither: ConfigUnavailableError naming both', async () => {
    const err = await failure({ AWS_REGION: 'eu-west-1' });
    expect(err).toBeInstanceOf(ConfigUnavailableError);
    expect((err as Error).message).toBe(
      'environment variable EIP_FAILOVER_CONFIG_REF is not set (nor EIP_FAILOVER_CONFIG); set EIP_FAILOVER_CONFIG to the config document (JSON; what CDK sets) or EIP_FAILOVER_CONFIG_REF to ssm:<parameter name> or a file path',
    );
  });

  test('both: ConfigUnavailableError, not a silent pick', async () => {
    const err = await failure({ EIP_FAILOVER_CONFIG: inline, EIP_FAILOVER_CONFIG_REF: 'ssm:/eip-failover/orders-db/config' });
    expect(err).toBeInstanceOf(ConfigUnavailableError);
    expect((err as Error).message).toMatch(/^both EIP_FAILOVER_CONFIG and EIP_FAILOVER_CONFIG_REF are set; set only one/);
  });

  test('nothing is read when the source is made, only at load()', () => {
    expect(() => configSourceFromEnv({})).not.toThrow();
  });
});

describe('EIP_FAILOVER_CONFIG_REF', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'eip-env-source-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  test('a file path', async () => {
    const path = join(dir, 'cluster.json');
    await writeFile(path, JSON.stringify(example, null, 2));
    await expect(configSourceFromEnv({ EIP_FAILOVER_CONFIG_REF: path }).load()).resolves.toEqual(expected);
    const err = await failure({ EIP_FAILOVER_CONFIG_REF: join(dir, 'missing.json') });
    expect(err).toBeInstanceOf(ConfigUnavailableError);
  });

  describe('ssm:', () => {
    const ssmMock = mockClient(SSMClient);
    beforeEach(() => ssmMock.reset());
    afterAll(() => ssmMock.restore());

    test('one GetParameter of the named parameter, decrypted, in AWS_REGION', async () => {
      ssmMock.on(GetParameterCommand).resolves({ Parameter: { Name: '/eip-failover/orders-db/config', Type: 'String', Value: inline } });
      const config = await configSourceFromEnv({ EIP_FAILOVER_CONFIG_REF: 'ssm:/eip-failover/orders-db/config', AWS_REGION: 'eu-central-1' }).load();
      expect(config).toEqual(expected);
      const calls = ssmMock.commandCalls(GetParameterCommand);
      expect(calls.map((c) => c.args[0].input)).toEqual([{ Name: '/eip-failover/orders-db/config', WithDecryption: true }]);
      await expect((calls[0]!.thisValue as SSMClient).config.region()).resolves.toBe('eu-central-1');
    });

    test('a missing parameter: ConfigUnavailableError with the hint', async () => {
      ssmMock.on(GetParameterCommand).rejects(new ParameterNotFound({ message: 'not found', $metadata: {} }));
      const err = await failure({ EIP_FAILOVER_CONFIG_REF: 'ssm:/nope', AWS_REGION: 'eu-west-1' });
      expect(err).toBeInstanceOf(ConfigUnavailableError);
      expect((err as Error).message).toMatch(/cannot read SSM parameter \/nope: ParameterNotFound.*check the name and the region \(eu-west-1\)/);
    });

    test('an invalid document in SSM: ConfigError naming the ref', async () => {
      ssmMock.on(GetParameterCommand).resolves({ Parameter: { Name: '/x', Type: 'String', Value: JSON.stringify({ ...example, region: 'Europe' }) } });
      const err = await failure({ EIP_FAILOVER_CONFIG_REF: 'ssm:/x' });
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).source).toBe('ssm:/x');
      expect((err as ConfigError).problems.map((p) => p.path)).toEqual(['region']);
    });

    test('ssm: with no name: ConfigUnavailableError, no call', async () => {
      const err = await failure({ EIP_FAILOVER_CONFIG_REF: 'ssm:' });
      expect(err).toBeInstanceOf(ConfigUnavailableError);
      expect(ssmMock.calls()).toHaveLength(0);
    });
  });
});
