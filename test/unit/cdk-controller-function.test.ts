/**
 * The controller function's config in its environment (lib/cdk/controller-function.ts): the
 * document the SSM parameter holds, parsed by the controller's own loader (lib/config/env-source.ts);
 * `configFrom: 'ssm'` as the alternative; and the synth-time check of Lambda's 4 KB limit.
 */
import { Stack } from 'aws-cdk-lib';
import { configSourceFromEnv } from '../../lib/config/env-source';
import { parseClusterConfig } from '../../lib/config/parse';
import { deployedBytes, LAMBDA_ENVIRONMENT_LIMIT_BYTES } from '../../lib/cdk/function-config-env';
import { fakeIntrinsics, resourceOf, synthPair } from './cdk-fixture';

type Env = Record<string, unknown>;
const envOf = (template: ReturnType<typeof synthPair>['template']): Env =>
  (resourceOf(template, 'AWS::Lambda::Function', 'ControllerFunction').props.Environment as { Variables: Env }).Variables;
const controllerStatements = (template: ReturnType<typeof synthPair>['template']) => {
  const roleId = resourceOf(template, 'AWS::IAM::Role', 'ControllerRole').id;
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((p) => (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref === roleId))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as Array<{ Action: string | string[] }>);
};

describe('default: the config in the environment', () => {
  const { template } = synthPair();
  const resolve = fakeIntrinsics(template);
  const env = envOf(template);

  test('EIP_FAILOVER_CONFIG is the SSM parameter’s document; no ssm: ref, no version, no Powertools namespace', () => {
    const param = resourceOf(template, 'AWS::SSM::Parameter');
    expect(resolve(env.EIP_FAILOVER_CONFIG)).toEqual(resolve(param.props.Value));
    expect(Object.keys(env).sort()).toEqual(['EIP_FAILOVER_CONFIG', 'EIP_FAILOVER_TABLE_NAME', 'EIP_FAILOVER_TOPIC_ARN']);
  });

  test('the controller’s own loader accepts it as deployed', async () => {
    const deployed = { EIP_FAILOVER_CONFIG: resolve(env.EIP_FAILOVER_CONFIG) as string };
    const config = await configSourceFromEnv(deployed).load();
    expect(config).toEqual(parseClusterConfig(JSON.parse(deployed.EIP_FAILOVER_CONFIG)));
    expect(config.nodes.map((n) => n.instanceId)).toEqual([
      resolve({ Ref: resourceOf(template, 'AWS::EC2::Instance', 'NodeA').id }),
      resolve({ Ref: resourceOf(template, 'AWS::EC2::Instance', 'NodeB').id }),
    ]);
  });

  test('the role cannot read SSM (it has nothing to read there)', () => {
    const actions = controllerStatements(template).flatMap((s) => [s.Action].flat());
    expect(actions.filter((a) => a.startsWith('ssm:'))).toEqual([]);
  });
});

describe("configFrom: 'ssm'", () => {
  const { template } = synthPair({ controllerSettings: { configFrom: 'ssm', flapDampingSec: 300 } });
  const env = envOf(template);

  test('the ssm: ref and a version that changes with the ids; the role may read that one parameter', () => {
    expect(env).toMatchObject({ EIP_FAILOVER_CONFIG_REF: 'ssm:/eip-failover/orders-db/config', EIP_FAILOVER_FLAP_DAMPING_SEC: '300' });
    expect(env.EIP_FAILOVER_CONFIG).toBeUndefined();
    // A replaced instance changes the version, so Lambda starts fresh instances that reread SSM.
    expect(JSON.stringify(env.EIP_FAILOVER_CONFIG_VERSION)).toContain(resourceOf(template, 'AWS::EC2::Instance', 'NodeA').id);
    const param = resourceOf(template, 'AWS::SSM::Parameter').id;
    expect(controllerStatements(template).filter((s) => [s.Action].flat().some((a) => a.startsWith('ssm:')))).toEqual([
      expect.objectContaining({ Action: 'ssm:GetParameter', Resource: expect.objectContaining({ 'Fn::Join': expect.arrayContaining([expect.arrayContaining([{ Ref: param }])]) }) }),
    ]);
  });

  test('an unknown configFrom fails synth naming the choices', () => {
    expect(() => synthPair({ controllerSettings: { configFrom: 'file' as 'ssm' } })).toThrow(/settings\.configFrom is "file"; use 'environment' \(the default\) or 'ssm'/);
  });
});

describe("Lambda's 4 KB environment", () => {
  test('tokens count at the longest value they can stand for', () => {
    const stack = new Stack();
    expect(deployedBytes('plain', 32)).toBe(5);
    expect(deployedBytes(`id=${stack.account}`, 32)).toBe(3 + 32);
    expect(deployedBytes(`${stack.account}:${stack.region}`, 10)).toBe(21);
  });

  test('the default pair’s config leaves room: it synthesizes', () => {
    expect(() => synthPair()).not.toThrow();
  });

  test('a config too large for the environment fails synth with the size and both fixes', () => {
    // A long (valid) socket path: the document alone is then over the limit.
    const socket = `/run/${'m'.repeat(LAMBDA_ENVIRONMENT_LIMIT_BYTES)}/mysqld.sock`;
    expect(() => synthPair({ mysql: { socket } })).toThrow(
      /ControllerFunction .*: config would make the function's environment up to \d+ bytes \(the config document \d+\), over Lambda's limit of 4096; shorten the config .* or set controllerSettings\.configFrom to 'ssm'/,
    );
    // The same config is fine when the controller (and the probe, which inlines it too) read it from SSM.
    expect(() => synthPair({ mysql: { socket }, controllerSettings: { configFrom: 'ssm' }, monitoring: { probe: { configFrom: 'ssm' } } })).not.toThrow();
  });

  test('the limit is checked with the other variables: a config under 4 KB alone can still fail', () => {
    const { template } = synthPair();
    const base = JSON.stringify(fakeIntrinsics(template)(envOf(template).EIP_FAILOVER_CONFIG)).length;
    // Grow the document to a few hundred bytes under the limit; the table name and topic ARN push it over.
    const socket = `/run/${'m'.repeat(LAMBDA_ENVIRONMENT_LIMIT_BYTES - base - 400)}.sock`;
    let message = '';
    try {
      synthPair({ mysql: { socket } });
    } catch (err) {
      message = (err as Error).message;
    }
    const [, total, config] = /up to (\d+) bytes \(the config document (\d+)\)/.exec(message) ?? [];
    expect(Number(config)).toBeLessThan(LAMBDA_ENVIRONMENT_LIMIT_BYTES);
    expect(Number(total)).toBeGreaterThan(LAMBDA_ENVIRONMENT_LIMIT_BYTES);
  });
});
