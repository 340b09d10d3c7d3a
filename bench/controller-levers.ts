/**
 * `npx tsx bench/controller-levers.ts [--runs N] [--scenario tick|failover] [--only 0,3,...]`:
 * what each cold-start lever of the controller bundle is worth, measured with the bench's own
 * cold start (bench/controller.ts) on variants of the deployed build (lambda/build-options.cjs).
 * Build levers are taken away one by one; code levers are undone by rewriting today's source at
 * bundle time (each rewrite must match, or the run fails). Runs are interleaved, so load from
 * other processes spreads over all variants alike. Prints a Markdown table (docs/controller.md).
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { build, type BuildOptions, type Plugin } from 'esbuild';
import { controllerBuildOptions, inlineSdkSchemaKeys } from '../lambda/build-options.cjs';
import { coldStart, startLocalAws, type ColdStart, type Scenario } from './controller';
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
  staticSsm: {
    file: /lambda[\\/]failover[\\/]adapters[\\/]config-source\.ts$/,
    edits: [
      ["import { readSsmParameterText } from '../../../lib/config/ssm-read';", "import { loadClusterConfig } from '../../../lib/config/load';"],
      [
        `    const text = this.ref.startsWith(SSM_PREFIX)
      ? await readSsmParameterText(ssmParameterName(this.ref), this.region ? { region: this.region } : {})
      : await readConfigFile(this.ref);
    return parseClusterConfigText(text, this.ref);`,
        '    return loadClusterConfig(this.ref, this.region ? { region: this.region } : {});',
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
}

const withPlugins = (o: BuildOptions, ...extra: Plugin[]): BuildOptions => ({ ...o, plugins: [...(o.plugins ?? []), ...extra] });
const noSchemaPlugin = (o: BuildOptions): BuildOptions => ({ ...o, plugins: (o.plugins ?? []).filter((p) => p.name !== inlineSdkSchemaKeys().name) });

const VARIANTS: readonly Variant[] = [
  {
    name: 'as committed before (fbb3f31): esbuild defaults + minify; zod `{ z }` with JIT, SNS built at start',
    options: (o) => withPlugins({ ...noSchemaPlugin(o), mainFields: undefined }, undo(UNDO.zodNamespace, UNDO.zodJit, UNDO.lazySns)),
  },
  { name: 'today’s code; esbuild defaults (CommonJS `main` builds), not minified', options: (o) => ({ ...noSchemaPlugin(o), mainFields: undefined, minify: false }) },
  { name: '+ minify', options: (o) => ({ ...noSchemaPlugin(o), mainFields: undefined }) },
  { name: '+ mainFields module,main (SDK ES modules, tree-shaken)', options: (o) => noSchemaPlugin(o) },
  { name: '+ SDK schema keys inlined = deployed build', options: (o) => o },
  { name: 'deployed, but zod as `import { z }` (all of zod)', options: (o) => withPlugins(o, undo(UNDO.zodNamespace)) },
  { name: "deployed, but zod's JIT fast path on (config and event parses)", options: (o) => withPlugins(o, undo(UNDO.zodJit)) },
  { name: 'deployed, but the SNS client built with the others (static import)', options: (o) => withPlugins(o, undo(UNDO.lazySns)) },
  { name: 'deployed, but SSM read through lib/config/load.ts (its import() of the SSM reader)', options: (o) => withPlugins(o, undo(UNDO.staticSsm)) },
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
    const file = join(__dirname, 'out', 'controller-levers', `variant-${v.index}.${v.ext ?? 'js'}`);
    await build(v.options(controllerBuildOptions(file)));
    files.push(file);
  }
  const aws = await startLocalAws();
  const results: ColdStart[][] = chosen.map(() => []);
  try {
    for (let r = 0; r < runs; r++) {
      for (const [i] of chosen.entries()) {
        await aws.reset(scenario);
        results[i]!.push(await coldStart(files[i]!, aws, scenario));
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
