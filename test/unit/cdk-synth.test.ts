/**
 * The real thing: `npx cdk synth` as a user runs it, with no AWS credentials, no AWS config and an
 * empty HOME. It bundles the controller and the probe for real with the local esbuild (there is no Docker here)
 * and runs cdk-nag as a validation plugin (any unacknowledged finding fails the synth).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '../..');

test('npx cdk synth works without credentials and bundles the controller and the probe with local esbuild', () => {
  const out = mkdtempSync(join(tmpdir(), 'eip-cdk-out-'));
  const home = mkdtempSync(join(tmpdir(), 'eip-empty-home-'));
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_') && !k.startsWith('CDK_')));
  const started = Date.now();
  const run = spawnSync('npx', ['cdk', 'synth', '--quiet', '--no-notices', '-o', out, '-c', 'clusterName=synth-test'], {
    cwd: root,
    env: { ...env, HOME: home, CI: 'true' },
    encoding: 'utf8',
    timeout: 180_000,
  });
  expect({ status: run.status, stderr: run.status === 0 ? '' : run.stderr }).toEqual({ status: 0, stderr: '' });
  expect(run.stderr).not.toMatch(/Docker|docker run/);
  const template = JSON.parse(readFileSync(join(out, 'EipFailover-synth-test.template.json'), 'utf8'));
  expect(Object.keys(template.Outputs)).toContain('SynthTestEipPublicIp');

  // The controller and probe assets: a bundled index.js each, built here (no Docker), exporting the handler.
  const functions = Object.entries(template.Resources as Record<string, { Type: string; Metadata?: Record<string, string> }>).filter(([, r]) => r.Type === 'AWS::Lambda::Function');
  expect(functions.map(([id]) => id.replace(/[0-9A-F]{8}$/, ''))).toEqual(['SynthTestControlPlaneControllerFunction', 'SynthTestMonitoringProbeFunction']);
  const assetDirs = functions.map(([, fn]) => join(out, fn.Metadata!['aws:asset:path']!));
  for (const assetDir of assetDirs) {
    // index.js, plus the lazily required files of lambda/build-options.cjs (OWN_FILE_IMPORTS).
    const files = readdirSync(assetDir);
    expect(files).toContain('index.js');
    expect(files.filter((f) => !f.endsWith('.js'))).toEqual([]);
    const code = readFileSync(join(assetDir, 'index.js'), 'utf8');
    expect(code).toMatch(/handler/);
    expect(statSync(join(assetDir, 'index.js')).size).toBeLessThan(3_000_000);
  }
  // Two different bundles: the probe's entry is lambda/probe/handler.ts (it reads its probe settings).
  expect(assetDirs[0]).not.toBe(assetDirs[1]);
  expect(readFileSync(join(assetDirs[1]!, 'index.js'), 'utf8')).toContain('EIP_FAILOVER_PROBE_EVERY_MS');

  // The agent package asset holds the bundle, the install script and the units.
  const agentAsset = readdirSync(out).filter((d) => d.startsWith('asset.') && existsSync(join(out, d, 'install-agent.sh')));
  expect(agentAsset).toHaveLength(1);
  expect(existsSync(join(out, agentAsset[0]!, 'systemd/eip-agent.service'))).toBe(true);

  // cdk-nag ran and found nothing.
  const report = JSON.parse(readFileSync(join(out, 'validation-report.json'), 'utf8'));
  expect(report.pluginReports.flatMap((p: { violations?: unknown[] }) => p.violations ?? [])).toEqual([]);
  console.log(`cdk synth without credentials: ${Date.now() - started} ms`);
}, 180_000);
