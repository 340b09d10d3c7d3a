/**
 * lambda/build-options.cjs, the controller's one set of build options: its SDK schema plugin keeps
 * every schema the controller sends and reads identical to the SDK's own (CommonJS, untouched)
 * build while letting esbuild drop the rest; and `node lambda/build-options.cjs <dir>` (what the
 * CDK app runs) writes a loadable index.js exporting `handler`, with what only some invocations
 * need (the SSM reader, the SDK's credential chain, SNS, ...) in files of their own beside it.
 */
import { execFile, execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build, type Metafile } from 'esbuild';
import { CONTROLLER_BUNDLING, inlineSdkSchemaKeys } from '../../lambda/build-options.cjs';

const ROOT = join(__dirname, '../..');
/** Every operation the controller calls, by client. */
const OPERATIONS: Record<string, readonly string[]> = {
  '@aws-sdk/client-ec2': ['DescribeAddresses$', 'DescribeInstances$', 'AssociateAddress$'],
  '@aws-sdk/client-dynamodb': ['GetItem$', 'PutItem$'],
  '@aws-sdk/client-ssm': ['GetParameter$'],
  '@aws-sdk/client-sns': ['Publish$'],
};

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lambda-build-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * A schema as plain data: member thunks (`() => Shape`) followed, a shape met again on the current
 * path written as a back reference, so recursive shapes compare too.
 */
function plain(value: unknown, path: unknown[] = []): unknown {
  if (typeof value === 'function') return plain((value as () => unknown)(), path);
  if (value === null || typeof value !== 'object') return value;
  const depth = path.indexOf(value);
  if (depth >= 0) return `<cycle to depth ${depth}>`;
  const inner = [...path, value];
  if (Array.isArray(value)) return value.map((v) => plain(v, inner));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v, inner)]));
}

/** Bundles `source` with the controller's options (plugin on or off); returns the module and the build's metafile. */
async function bundle(name: string, source: string, plugin: boolean): Promise<{ exports: Record<string, unknown>; metafile: Metafile; file: string }> {
  const file = join(dir, `${name}.cjs`);
  const result = await build({
    stdin: { contents: source, resolveDir: ROOT, loader: 'ts', sourcefile: `${name}.ts` },
    outfile: file,
    bundle: true,
    platform: CONTROLLER_BUNDLING.platform,
    format: CONTROLLER_BUNDLING.format,
    target: CONTROLLER_BUNDLING.target,
    mainFields: [...CONTROLLER_BUNDLING.mainFields],
    plugins: plugin ? [inlineSdkSchemaKeys()] : [],
    metafile: true,
    logLevel: 'error',
  });
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return { exports: require(file) as Record<string, unknown>, metafile: result.metafile, file };
}

const schemaBytes = (metafile: Metafile, client: string) =>
  Object.entries(Object.values(metafile.outputs)[0]!.inputs)
    .filter(([path]) => path.includes(`${client}/dist-es/schemas/`))
    .reduce((sum, [, input]) => sum + input.bytesInOutput, 0);

describe('inlineSdkSchemaKeys', () => {
  test.each(Object.entries(OPERATIONS))('%s: the bundled schemas of the controller operations equal the SDK’s own', async (client, operations) => {
    const name = client.replace(/\W/g, '-');
    const { exports } = await bundle(name, `export { ${operations.join(', ')} } from '${client}';\n`, true);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const original = require(client) as Record<string, unknown>;
    for (const op of operations) {
      expect(exports[op]).toBeDefined();
      expect(plain(exports[op])).toEqual(plain(original[op]));
    }
    // Not vacuous: the operations reach nested shapes (traits, members) through thunks.
    expect(JSON.stringify(plain(exports[operations[0]!])).length).toBeGreaterThan(200);
  });

  test('EC2: without the plugin esbuild keeps nearly all shapes; with it, only what the three commands reach', async () => {
    const source = `export { EC2Client, DescribeAddressesCommand, DescribeInstancesCommand, AssociateAddressCommand } from '@aws-sdk/client-ec2';\n`;
    const withPlugin = await bundle('ec2-on', source, true);
    const without = await bundle('ec2-off', source, false);
    const on = schemaBytes(withPlugin.metafile, 'client-ec2');
    const off = schemaBytes(without.metafile, 'client-ec2');
    expect(on).toBeGreaterThan(0);
    expect(on).toBeLessThan(off / 5);
  });
});

describe('node lambda/build-options.cjs <outDir>', () => {
  const out = () => join(dir, 'asset');
  beforeAll(() => {
    execFileSync(process.execPath, [join(ROOT, 'lambda/build-options.cjs'), out()], { stdio: 'pipe' });
  });

  test('writes index.js: small, self-contained, exporting the handler', () => {
    const file = join(out(), 'index.js');
    // 0.36 MiB as built today; losing minify, mainFields or the schema plugin each puts it well over 1 MiB.
    expect(statSync(file).size).toBeLessThan(1024 * 1024);
    // Loaded from the temp dir, where no node_modules can be found: everything it needs is inside.
    const kind = execFileSync(process.execPath, ['-e', `process.stdout.write(typeof require(${JSON.stringify(file)}).handler)`], {
      cwd: out(),
      env: { PATH: process.env.PATH, AWS_REGION: 'eu-west-1', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    }).toString();
    expect(kind).toBe('function');
  });

  test.each([
    ['the SSM client', 'config-ssm-read.js', 'AmazonSSM'],
    ['the credential chain’s web identity provider (STS)', 'credential-chain.js', 'AssumeRoleWithWebIdentity'],
    ['the credential chain’s SSO provider', 'credential-chain.js', 'GetRoleCredentials'],
    ['the SNS client', 'sns-notifier.js', '2010-03-31'],
    ['the SDK’s event stream codec', 'sdk-event-streams.js', ':message-type'],
  ])('%s is not in index.js but in %s beside it', (_what, file, marker) => {
    const index = readFileSync(join(out(), 'index.js'), 'utf8');
    expect(readFileSync(join(out(), file), 'utf8')).toContain(marker);
    expect(index).not.toContain(marker);
    expect(index).toContain(`./${file}`);
  });

  describe('the own files, used from the asset directory alone', () => {
    const requests: string[] = [];
    const publishes: string[] = [];
    // SSM answering GetParameter with a document that fails validation: the error names the ref,
    // which proves the own file was loaded and asked SSM, without DynamoDB or EC2 behind it.
    // GET /credentials: a container credentials endpoint, for a run without credentials in the environment.
    // A form-encoded POST: SNS Publish.
    const ssm = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        if (req.method === 'GET') {
          requests.push(`GET ${req.url}`);
          res.setHeader('content-type', 'application/json');
          return res.end(JSON.stringify({ AccessKeyId: 'ASIACONTAINER', SecretAccessKey: 's', Token: 't', Expiration: new Date(Date.now() + 3_600_000).toISOString() }));
        }
        requests.push(`${String(req.headers['x-amz-target'])} ${String(req.headers.authorization).match(/Credential=(\w+)/)?.[1]}`);
        if (String(req.headers['content-type']).startsWith('application/x-www-form-urlencoded')) {
          publishes.push(body);
          res.setHeader('content-type', 'text/xml');
          return res.end('<PublishResponse><PublishResult><MessageId>m-1</MessageId></PublishResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></PublishResponse>');
        }
        res.setHeader('content-type', 'application/x-amz-json-1.1');
        res.end(JSON.stringify({ Parameter: { Name: '/eip/x', Type: 'String', Value: '{"clusterName":"orders-db","region":"Europe"}', Version: 1 } }));
      });
    });
    beforeAll(() => new Promise<void>((r) => ssm.listen(0, '127.0.0.1', r)));
    afterAll(() => new Promise<void>((r) => ssm.close(() => r())));

    beforeEach(() => {
      requests.length = 0;
      publishes.length = 0;
    });
    const url = () => `http://127.0.0.1:${(ssm.address() as AddressInfo).port}`;
    const staticKeys = { AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret' };
    const tick = async (assetDir: string, credentials: Record<string, string> = staticKeys) => {
      const script = `require('./index.js').handler({ source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} }).then(() => console.log('RESULT resolved'), (e) => console.log('RESULT ' + e.name + ': ' + e.message.split('\\n')[0]))`;
      const { stdout } = await promisify(execFile)(process.execPath, ['-e', script], {
        cwd: assetDir,
        env: {
          PATH: process.env.PATH,
          AWS_REGION: 'eu-west-1',
          ...credentials,
          AWS_ENDPOINT_URL_SSM: url(),
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
          EIP_FAILOVER_CONFIG_REF: 'ssm:/eip/x',
          EIP_FAILOVER_TABLE_NAME: 't',
          EIP_FAILOVER_TOPIC_ARN: 'arn:aws:sns:eu-west-1:111122223333:t',
        },
      });
      return stdout.split('\n').find((l) => l.startsWith('RESULT ')) ?? stdout;
    };

    test('loads config-ssm-read.js, calls GetParameter with the environment’s credentials and validates what it got', async () => {
      await expect(tick(out())).resolves.toBe('RESULT ConfigError: invalid cluster config (ssm:/eip/x):');
      expect(requests).toEqual(['AmazonSSM.GetParameter AKIDEXAMPLE']);
    });

    test('without credentials in the environment the SDK’s chain (credential-chain.js) finds them: here, a container endpoint', async () => {
      await expect(tick(out(), { AWS_CONTAINER_CREDENTIALS_FULL_URI: `${url()}/credentials` })).resolves.toBe('RESULT ConfigError: invalid cluster config (ssm:/eip/x):');
      expect(requests).toEqual(['GET /credentials', 'AmazonSSM.GetParameter ASIACONTAINER']);
    });

    test('a notice loads sns-notifier.js: one Publish', async () => {
      const script = `const { SnsNotifier, createControllerSnsClient } = require('./sns-notifier.js');
        new SnsNotifier(createControllerSnsClient({ region: 'eu-west-1' }), 'arn:aws:sns:eu-west-1:111122223333:t').publish({ subject: 's', body: 'b' })
          .then(() => console.log('RESULT published'), (e) => console.log('RESULT ' + e.name + ': ' + e.message))`;
      const { stdout } = await promisify(execFile)(process.execPath, ['-e', script], {
        cwd: out(),
        env: { PATH: process.env.PATH, ...staticKeys, AWS_ENDPOINT_URL_SNS: url(), AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      });
      expect(stdout).toMatch(/^RESULT published$/m);
      expect(requests).toEqual(['undefined AKIDEXAMPLE']);
      expect(publishes).toEqual([expect.stringContaining('Action=Publish')]);
    });

    test.each([['config-ssm-read.js'], ['credential-chain.js']])('without %s beside index.js, the invocation that needs it cannot load it', async (missing) => {
      const alone = join(dir, `without-${missing}`);
      mkdirSync(alone);
      for (const f of ['index.js', 'config-ssm-read.js', 'credential-chain.js'].filter((f) => f !== missing)) copyFileSync(join(out(), f), join(alone, f));
      const credentials = missing === 'credential-chain.js' ? { AWS_CONTAINER_CREDENTIALS_FULL_URI: `${url()}/credentials` } : staticKeys;
      await expect(tick(alone, credentials)).resolves.toMatch(new RegExp(`^RESULT .*Cannot find module '\\./${missing.replace('.', '\\.')}'`));
    });
  });
});
