/**
 * buildProbe (lambda/build-options.cjs), what the CDK asset runs: one self-contained index.js that
 * exports the handler, with the SDK's schema plugin (the controller's knobs) and mysql2 inside.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildProbe, controllerBuildOptions, PROBE_ENTRY, probeBuildOptions } from '../../lambda/build-options.cjs';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'probe-build-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('the controller’s options, the probe’s entry', () => {
  const probe = probeBuildOptions('/x/index.js');
  const { entryPoints, ...rest } = probe;
  const { entryPoints: _controllerEntry, ...controller } = controllerBuildOptions('/x/index.js');
  expect(entryPoints).toEqual([PROBE_ENTRY]);
  expect(PROBE_ENTRY).toMatch(/lambda\/probe\/handler\.ts$/);
  expect(JSON.stringify(rest)).toBe(JSON.stringify(controller));
});

test('writes a self-contained index.js exporting the handler, with the SDK clients it calls and mysql2', async () => {
  const { outfile, bytes, metafile } = await buildProbe(join(dir, 'asset'));
  expect(outfile).toBe(join(dir, 'asset', 'index.js'));
  // 1.3 MiB as built today, over half of it mysql2's charset tables (iconv-lite) and RDS CA bundles.
  expect(bytes).toBeLessThan(2.5 * 1024 * 1024);
  const inputs = Object.keys(Object.values(metafile.outputs)[0]!.inputs).join('\n');
  for (const pkg of ['@aws-sdk/client-ec2', '@aws-sdk/client-secrets-manager', 'node_modules/mysql2/']) expect(inputs).toContain(pkg);
  // The SSM reader may live in a file of its own next to index.js (the controller's lazy imports): the asset holds it.
  const asset = readdirSync(join(dir, 'asset')).filter((f) => f.endsWith('.js')).map((f) => readFileSync(join(dir, 'asset', f), 'utf8')).join('\n');
  expect(asset).toContain('"GetParameter"');
  // Loaded from the temp dir, where no node_modules can be found: everything it needs is inside.
  const kind = execFileSync(process.execPath, ['-e', `process.stdout.write(typeof require(${JSON.stringify(outfile)}).handler)`], {
    cwd: join(dir, 'asset'),
    env: { PATH: process.env.PATH, AWS_REGION: 'eu-west-1', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  }).toString();
  expect(kind).toBe('function');
});
