/**
 * lambda/build-options.cjs, the controller's one set of build options: its SDK schema plugin keeps
 * every schema the controller sends and reads identical to the SDK's own (CommonJS, untouched)
 * build while letting esbuild drop the rest; and `node lambda/build-options.cjs <dir>` (what the
 * CDK app runs) writes a loadable index.js exporting `handler`.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
  test('writes index.js: small, self-contained, exporting the handler', () => {
    const out = join(dir, 'asset');
    execFileSync(process.execPath, [join(ROOT, 'lambda/build-options.cjs'), out], { stdio: 'pipe' });
    const file = join(out, 'index.js');
    // 0.8 MiB as built today; losing minify, mainFields or the plugin each puts it well over 1 MiB.
    expect(statSync(file).size).toBeLessThan(1024 * 1024);
    // Loaded from the temp dir, where no node_modules can be found: everything it needs is inside.
    const kind = execFileSync(process.execPath, ['-e', `process.stdout.write(typeof require(${JSON.stringify(file)}).handler)`], {
      cwd: out,
      env: { PATH: process.env.PATH, AWS_REGION: 'eu-west-1', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    }).toString();
    expect(kind).toBe('function');
  });
});
