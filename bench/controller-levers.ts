/**
 * `npx tsx bench/controller-levers.ts [--runs N] [--scenario tick|failover] [--only 0,3,...]`:
 * what each cold-start lever of the controller bundle is worth, measured with the bench's own
 * cold start (bench/controller.ts) on variants of the deployed build (lambda/build-options.cjs).
 * Build levers are taken away one by one; code levers are undone by rewriting today's source at
 * bundle time (each rewrite must match, or the run fails); the config lever is the function's
 * environment (an `ssm:` ref instead of the inline document). Runs are interleaved, so load from
 * other processes spreads over all variants alike. Prints a Markdown table (docs/controller.md).
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { build, type BuildOptions, type Plugin } from 'esbuild';
import { controllerBuildOptions, credentialsFromEnvironmentFirst, inlineSdkSchemaKeys, OWN_FILE_IMPORTS, ownFileForLazyImports } from '../lambda/build-options.cjs';
import { coldStart, startLocalAws, type ColdStart, type ConfigMode, type Scenario } from './controller';
import { percentile } from './stats';

/** A code lever, as the edits that undo it in today's source: in files matching `file`, each `from` becomes `to`. */
interface Undo {
  readonly file: RegExp;
  readonly edits: ReadonlyArray<readonly [from: string, to: string]>;
}

const UNDO = {
  zodNamespace: { file: /lib[\\/](config|events)[\\/](schema|parse)\.ts$/, edits: [["import * as z from 'zod';", "import { z } from 'zod';"]] },
  zodJit: { file: /lib[\\/](config|events)[\\/]parse\.ts$/, edits: [['jitless: true', 'jitless: false']] },
  lazySns: {
    file: /lambda[\\/]failover[\\/]adapters[\\/]aws[\\/]index\.ts$/,
    edits: [
      ["import { AwsEc2, createControllerEc2Client } from './ec2';", "import { AwsEc2, createControllerEc2Client } from './ec2';\nimport { SnsNotifier, createControllerSnsClient } from './sns-notifier';"],
      ['notifier: lazySnsNotifier(region, topicArn),', 'notifier: new SnsNotifier(createControllerSnsClient({ region }), topicArn),'],
    ],
  },
  /** The SSM reader imported statically (as before the config moved to the environment). */
  staticSsm: {
    file: /lib[\\/]config[\\/]env-source\.ts$/,
    edits: [
      ["import { ConfigUnavailableError, readConfigFile, SSM_PREFIX, ssmParameterName } from './source';", "import { ConfigUnavailableError, readConfigFile, SSM_PREFIX, ssmParameterName } from './source';\nimport { readSsmParameterText } from './ssm-read';"],
      ["  const { readSsmParameterText } = await import('./ssm-read');\n", ''],
    ],
  },
  /** Powertools Logger and Metrics (with its `service` dimension) instead of JsonLog and EmfMetricsSink. */
  powertools: {
    file: /lambda[\\/]failover[\\/]handler\.ts$/,
    edits: [
      ["import { EmfMetricsSink } from './adapters/aws/emf-metrics';\nimport { JsonLog } from './adapters/aws/json-log';", "import { Logger } from '@aws-lambda-powertools/logger';\nimport { Metrics } from '@aws-lambda-powertools/metrics';"],
      [
        `const log = new JsonLog({
  service: SERVICE,
  minLevel: process.env.AWS_LAMBDA_LOG_LEVEL,
  write: (line, level) => (level === 'INFO' ? process.stdout : process.stderr).write(\`\${line}\\n\`),
});
const metrics = new EmfMetricsSink((line) => process.stdout.write(\`\${line}\\n\`));`,
        `const logger = new Logger({ serviceName: SERVICE });
const powertools = new Metrics({ namespace: 'EipFailover', serviceName: SERVICE });
const log = {
  info: (m, f) => logger.info(m, f), warn: (m, f) => logger.warn(m, f), error: (m, f) => logger.error(m, f),
  appendKeys: (k) => logger.appendPersistentKeys(k),
};
const metrics = {
  record(d) {
    if (!d.dimensions || Object.keys(d.dimensions).length === 0) return powertools.addMetric(d.name, d.unit, d.value);
    const single = powertools.singleMetric();
    for (const [k, v] of Object.entries(d.dimensions)) single.addDimension(k, v);
    single.addMetric(d.name, d.unit, d.value);
  },
  flush: () => powertools.publishStoredMetrics(),
  useCluster: (c) => powertools.setDefaultDimensions({ ClusterName: c }),
};`,
      ],
    ],
  },
} satisfies Record<string, Undo>;

/** One esbuild plugin applying the edits of `undos` at bundle time; an edit whose `from` is missing fails the build. */
function undo(...undos: Undo[]): Plugin {
  return {
    name: 'undo-levers',
    setup(b) {
      b.onLoad({ filter: /\.ts$/ }, (args) => {
        const mine = undos.filter((u) => u.file.test(args.path));
        if (mine.length === 0) return undefined;
        let contents = readFileSync(args.path, 'utf8');
        for (const [from, to] of mine.flatMap((u) => u.edits)) {
          if (!contents.includes(from)) throw new Error(`undo: ${JSON.stringify(from)} not found in ${args.path}`);
          contents = contents.replaceAll(from, to);
        }
        return { contents, loader: 'ts' };
      });
    },
  };
}

interface Variant {
  readonly name: string;
  readonly options: (deployed: BuildOptions) => BuildOptions;
  readonly ext?: 'mjs';
  /** Where the function reads its config. @default 'inline' (as deployed) */
  readonly config?: ConfigMode;
}

const withPlugins = (o: BuildOptions, ...extra: Plugin[]): BuildOptions => ({ ...o, plugins: [...(o.plugins ?? []), ...extra] });
const PLUGIN = { schemaKeys: inlineSdkSchemaKeys().name, ownFile: ownFileForLazyImports().name, credentials: credentialsFromEnvironmentFirst().name };
/** The deployed options with only the named plugins of the deployed set. */
const onlyPlugins = (o: BuildOptions, ...keep: string[]): BuildOptions => ({ ...o, plugins: (o.plugins ?? []).filter((p) => keep.includes(p.name)) });
/** The deployed plugins, with only these of OWN_FILE_IMPORTS in files of their own (the others stay in the bundle behind import()). */
const ownFilesOnly = (o: BuildOptions, ...files: string[]): BuildOptions => ({
  ...o,
  plugins: (o.plugins ?? []).map((p) => (p.name === PLUGIN.ownFile ? ownFileForLazyImports(OWN_FILE_IMPORTS.filter((i) => files.includes(i.file))) : p)),
});
const SSM_FILE = 'config-ssm-read.js';
const CHAIN_FILE = 'credential-chain.js';
/** The build before the lever set of the config, logging and credential work: Powertools, the SSM reader imported statically, the whole credential chain (and the config from SSM). */
const previous = (o: BuildOptions): BuildOptions => withPlugins(onlyPlugins(o, PLUGIN.schemaKeys), undo(UNDO.powertools, UNDO.staticSsm));

const VARIANTS: readonly Variant[] = [
  {
    name: 'as committed before fbb3f31: esbuild defaults + minify; zod `{ z }` with JIT, SNS built at start; Powertools; config from SSM',
    options: (o) => withPlugins({ ...onlyPlugins(o), mainFields: undefined }, undo(UNDO.zodNamespace, UNDO.zodJit, UNDO.lazySns, UNDO.powertools, UNDO.staticSsm)),
    config: 'ssm',
  },
  { name: 'today’s code; esbuild defaults (CommonJS `main` builds), not minified', options: (o) => ({ ...onlyPlugins(o), mainFields: undefined, minify: false }) },
  { name: '+ minify', options: (o) => ({ ...onlyPlugins(o), mainFields: undefined }) },
  { name: '+ mainFields module,main (SDK ES modules, tree-shaken)', options: (o) => onlyPlugins(o) },
  { name: '+ SDK schema keys inlined', options: (o) => onlyPlugins(o, PLUGIN.schemaKeys) },
  { name: '+ the SSM reader in a file of its own', options: (o) => ownFilesOnly(onlyPlugins(o, PLUGIN.schemaKeys, PLUGIN.ownFile), SSM_FILE) },
  { name: '+ credentials from the environment first (the chain in a file of its own)', options: (o) => ownFilesOnly(o, SSM_FILE, CHAIN_FILE) },
  { name: '+ SNS and the SDK’s event-stream and browser modules in files of their own (nothing lazy left in index.js) = deployed build', options: (o) => o },
  { name: 'deployed, but zod as `import { z }` (all of zod)', options: (o) => withPlugins(o, undo(UNDO.zodNamespace)) },
  { name: "deployed, but zod's JIT fast path on (config and event parses)", options: (o) => withPlugins(o, undo(UNDO.zodJit)) },
  { name: 'deployed, but the SNS client built with the others (static import)', options: (o) => withPlugins(o, undo(UNDO.lazySns)) },
  { name: 'deployed, but SNS inside the bundle (behind import())', options: (o) => ownFilesOnly(o, ...OWN_FILE_IMPORTS.map((i) => i.file).filter((f) => f !== 'sns-notifier.js')) },
  { name: 'deployed, but the config read from SSM (`ssm:` ref)', options: (o) => o, config: 'ssm' },
  { name: 'deployed, but Powertools Logger and Metrics', options: (o) => withPlugins(o, undo(UNDO.powertools)) },
  { name: 'deployed, but the SSM reader imported statically', options: (o) => withPlugins(o, undo(UNDO.staticSsm)) },
  { name: 'deployed before this lever set: Powertools, SSM reader imported statically, whole credential chain; config from SSM', options: previous, config: 'ssm' },
  { name: 'deployed, not minified', options: (o) => ({ ...o, minify: false }) },
  {
    name: 'deployed, as an ES module (.mjs)',
    options: (o) => ({ ...o, format: 'esm', banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" } }),
    ext: 'mjs',
  },
];

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i < 0 ? undefined : process.argv[i + 1];
}

async function main(): Promise<void> {
  const runs = Number(arg('--runs') ?? 15);
  const scenario = (arg('--scenario') ?? 'tick') as Scenario;
  const only = arg('--only')?.split(',').map(Number);
  const chosen = VARIANTS.map((v, i) => ({ ...v, index: i })).filter((v) => !only || only.includes(v.index));
  const files: string[] = [];
  for (const v of chosen) {
    // A directory per variant: a bundle may come with files of its own (the SSM reader).
    const file = join(__dirname, 'out', 'controller-levers', `variant-${v.index}`, `index.${v.ext ?? 'js'}`);
    await build(v.options(controllerBuildOptions(file)));
    files.push(file);
  }
  const aws = await startLocalAws();
  const results: ColdStart[][] = chosen.map(() => []);
  try {
    for (let r = 0; r < runs; r++) {
      for (const [i] of chosen.entries()) {
        await aws.reset(scenario);
        results[i]!.push(await coldStart(files[i]!, aws, scenario, chosen[i]!.config ?? 'inline'));
      }
      process.stderr.write(`\r${r + 1}/${runs} rounds`);
    }
  } finally {
    await aws.close();
  }
  process.stderr.write('\n');
  const p50 = (xs: number[]) => percentile(xs, 50).toFixed(0);
  console.log(`| # | Variant (${scenario}, ${runs} cold starts each, interleaved) | Bundle KiB | require p50 ms | first decision p50 ms | CPU p50 ms |`);
  console.log('|---|---|---|---|---|---|');
  for (const [i, v] of chosen.entries()) {
    const rs = results[i]!;
    const kib = (statSync(files[i]!).size / 1024).toFixed(0);
    console.log(`| ${v.index} | ${v.name} | ${kib} | ${p50(rs.map((x) => x.loadMs))} | ${p50(rs.map((x) => x.firstMs))} | ${p50(rs.map((x) => x.cpuMs))} |`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
