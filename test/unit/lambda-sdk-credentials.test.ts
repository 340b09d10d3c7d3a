/**
 * lambda/sdk-credentials.ts, the default credential provider of the Lambda bundles: the
 * environment's credentials (what Lambda gives a function) under the conditions the SDK's own
 * chain uses them, and the SDK's whole chain, loaded only then, otherwise.
 */
const chainCalls: unknown[] = [];
jest.mock('@aws-sdk/credential-provider-node', () => ({
  defaultProvider: (init: unknown) => {
    chainCalls.push(init);
    return async () => ({ accessKeyId: 'FROM_CHAIN', secretAccessKey: 'chain-secret' });
  },
}));

import { defaultProvider } from '../../lambda/sdk-credentials';

const saved = { ...process.env };
beforeEach(() => {
  chainCalls.length = 0;
  for (const k of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_CREDENTIAL_EXPIRATION']) delete process.env[k];
});
afterAll(() => {
  process.env = saved;
});

const lambdaEnv = () => Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'ASIAEXAMPLE', AWS_SECRET_ACCESS_KEY: 'lambda-secret', AWS_SESSION_TOKEN: 'lambda-token' });

test('Lambda’s environment: its credentials, session token included; the chain is never loaded', async () => {
  lambdaEnv();
  const provider = defaultProvider({});
  await expect(provider()).resolves.toMatchObject({ accessKeyId: 'ASIAEXAMPLE', secretAccessKey: 'lambda-secret', sessionToken: 'lambda-token' });
  expect(chainCalls).toEqual([]);
});

test('read per call, as the chain does: rotated variables are seen', async () => {
  lambdaEnv();
  const provider = defaultProvider({});
  await provider();
  process.env.AWS_ACCESS_KEY_ID = 'ASIAROTATED';
  await expect(provider()).resolves.toMatchObject({ accessKeyId: 'ASIAROTATED' });
});

test.each([
  ['no credentials in the environment', () => undefined, {}],
  ['only a key id', () => Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'AKIDONLY' }), {}],
  ['AWS_PROFILE set (the chain skips the environment then)', () => Object.assign(lambdaEnv(), { AWS_PROFILE: 'ops' }), {}],
  ['a profile in the client config', () => lambdaEnv(), { profile: 'ops' }],
])('%s: the SDK’s whole chain, loaded once, given the same init', async (_what, arrange, init) => {
  arrange();
  const provider = defaultProvider(init);
  await expect(provider()).resolves.toEqual({ accessKeyId: 'FROM_CHAIN', secretAccessKey: 'chain-secret' });
  await provider();
  expect(chainCalls).toEqual([init]);
});
