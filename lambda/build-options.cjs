// @ts-check
/**
 * How the failover controller Lambda is bundled: the ONE place for these settings. The deployment
 * (lib/cdk/controller-function.ts runs `node lambda/build-options.cjs <outDir>` as the asset's
 * local bundling), the bench (bench/controller.ts, bench/controller-levers.ts) and the bundle test
 * (test/unit/lambda-build.test.ts) all build with controllerBuildOptions(), so what is measured is
 * what is deployed.
 *
 * Not CDK's NodejsFunction: its `bundling` props map to esbuild CLI flags and cannot run a plugin,
 * and without inlineSdkSchemaKeys below the bundle is 1.8x larger and a cold start about 40%
 * slower (docs/controller.md, "Bundle and cold start"). CONTROLLER_BUNDLING names the same knobs
 * in NodejsFunction's terms, for reference; on its own it is not enough.
 *
 * Run directly: `node lambda/build-options.cjs <outDir>` writes <outDir>/index.js (handler
 * `index.handler`), with the files of their own (OWN_FILE_IMPORTS) beside it, and prints its size.
 */
const { statSync } = require('node:fs');
const { readFile } = require('node:fs/promises');
const { dirname, join, resolve } = require('node:path');

const CONTROLLER_ENTRY = resolve(__dirname, 'failover/handler.ts');
/** Stands in for @aws-sdk/credential-provider-node in the bundle: the environment first (Lambda's credentials). */
const SDK_CREDENTIALS = resolve(__dirname, 'sdk-credentials.ts');

/**
 * The knobs, named as CDK's NodejsFunction `bundling` props name them.
 * - format cjs: the Lambda runtime loads index.js with require(); ESM measured no faster.
 * - mainFields module first: the @aws-sdk and @smithy packages ship ES modules (dist-es) that
 *   esbuild can tree-shake; their CommonJS builds are single files that cannot be.
 * - externalModules []: bundle the SDK clients (NodejsFunction's default for Node 18+ leaves
 *   @aws-sdk/* out, to be loaded from the runtime's own, untreeshaken, copy).
 */
const CONTROLLER_BUNDLING = Object.freeze({
  format: /** @type {'cjs'} */ ('cjs'),
  platform: /** @type {'node'} */ ('node'),
  target: 'node20',
  minify: true,
  sourceMap: false,
  mainFields: Object.freeze(['module', 'main']),
  externalModules: Object.freeze(/** @type {string[]} */ ([])),
});

/** `const _xN = "xmlName";` at the top level of a generated schemas file. */
const STRING_CONST = /^const (_\w+) = ("[^"\\\n]*");$/gm;
/** `{ [_xN]: ... }`: a computed key naming one of those constants. */
const COMPUTED_KEY = /\[(_\w+)\]:/g;

/**
 * The SDK's generated `schemas/schemas_N.js` (one per client, thousands of shapes) write trait
 * keys as computed keys over module constants (`{ [_xN]: _PI }`). esbuild cannot prove a computed
 * key free of side effects, so it keeps every shape: EC2 alone stays 541 KiB although the
 * controller's three commands need 24 KiB of it (aws/aws-sdk-js-v3#7607; the generator fix is
 * smithy-lang/smithy-typescript#1889). This replaces each such key by the string the constant
 * holds (`{ ["xmlName"]: _PI }`), which is the same object, so tree-shaking works. Files that no
 * longer use computed keys pass through unchanged.
 * @returns {import('esbuild').Plugin}
 */
function inlineSdkSchemaKeys() {
  return {
    name: 'inline-sdk-schema-keys',
    setup(build) {
      build.onLoad({ filter: /[\\/]@aws-sdk[\\/][^\\/]+[\\/]dist-es[\\/](?:.*[\\/])?schemas[\\/]schemas_\d+\.js$/ }, async (args) => {
        const source = await readFile(args.path, 'utf8');
        const strings = new Map();
        for (const m of source.matchAll(STRING_CONST)) strings.set(m[1], m[2]);
        const contents = source.replace(COMPUTED_KEY, (key, name) => (strings.has(name) ? `[${strings.get(name)}]:` : key));
        return { contents, loader: 'js' };
      });
    },
  };
}

/**
 * Lazily imported modules that go into a file of their own next to the bundle, require()d at
 * first use, because only some invocations need them. Left inside the bundle, even behind
 * import(), they cost every cold start: esbuild keeps a dynamically imported graph whole (all of
 * @aws-sdk/client-ssm for the SSM reader, which only an `ssm:` config ref uses), and any import()
 * at all makes it wrap every module it reaches, the SDK core included, in a lazy initialiser that
 * V8 parses twice; with none left the tick is about 20 ms faster (docs/controller.md, "Bundle and
 * cold start"). An own file is a complete bundle: it repeats the SDK core it needs.
 */
const OWN_FILE_IMPORTS = Object.freeze([
  Object.freeze({ importer: /[\\/]lib[\\/]config[\\/]env-source\.ts$/, specifier: './ssm-read', file: 'config-ssm-read.js', when: 'an ssm: config ref' }),
  // The SDK's whole credential chain (sdk-credentials.ts).
  Object.freeze({
    importer: /[\\/]lambda[\\/]sdk-credentials\.ts$/,
    specifier: '@aws-sdk/credential-provider-node',
    file: 'credential-chain.js',
    when: 'no credentials in the environment',
  }),
  Object.freeze({ importer: /[\\/]lambda[\\/]failover[\\/]adapters[\\/]aws[\\/]index\.ts$/, specifier: './sns-notifier', file: 'sns-notifier.js', when: 'the first notice' }),
  // Imported by the SDK for operations and platforms the Lambdas do not have.
  Object.freeze({
    importer: /[\\/]@smithy[\\/]core[\\/]dist-es[\\/]submodules[\\/]protocols[\\/]HttpProtocol\.js$/,
    specifier: '@smithy/core/event-streams',
    file: 'sdk-event-streams.js',
    when: 'an event stream operation (none)',
  }),
  Object.freeze({
    importer: /[\\/]@aws-sdk[\\/]core[\\/]dist-es[\\/]submodules[\\/]client[\\/]util-user-agent-browser[\\/]createUserAgentStringParsingProvider\.js$/,
    specifier: 'bowser',
    file: 'sdk-bowser.js',
    when: 'a browser user agent (never in Node)',
  }),
]);

/**
 * Every client's default credential provider from lambda/sdk-credentials.ts, which asks the
 * environment first and loads @aws-sdk/credential-provider-node (from its own file) only when
 * it has to.
 * @returns {import('esbuild').Plugin}
 */
function credentialsFromEnvironmentFirst() {
  return {
    name: 'credentials-from-environment-first',
    setup(build) {
      build.onResolve({ filter: /^@aws-sdk\/credential-provider-node$/ }, (args) => (args.importer === SDK_CREDENTIALS ? undefined : { path: SDK_CREDENTIALS }));
    },
  };
}

/**
 * Turns each `import(specifier)` of `imports` into a load of `./<file>`, and at the end of the
 * build bundles the imported module into `<dir of outfile>/<file>` with the same options and
 * plugins, this one included (an own file may load another: the SSM reader, the credential chain).
 * @param {ReadonlyArray<{ importer: RegExp; specifier: string; file: string }>} [imports]
 * @param {Set<string>} [written] files already written by this build (shared with its own-file builds)
 * @returns {import('esbuild').Plugin}
 */
function ownFileForLazyImports(imports = OWN_FILE_IMPORTS, written) {
  const name = 'own-file-for-lazy-imports';
  const inner = Symbol(name);
  const specifiers = imports.map((i) => i.specifier.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'));
  return {
    name,
    setup(build) {
      const done = written ?? new Set();
      /** @type {Map<string, string>} file -> resolved module path */
      const found = new Map();
      if (specifiers.length === 0) return;
      build.onResolve({ filter: new RegExp(`^(${specifiers.join('|')})$`) }, async (args) => {
        const own = imports.find((i) => i.specifier === args.path && i.importer.test(args.importer));
        if (!own || args.kind !== 'dynamic-import' || args.pluginData === inner) return undefined;
        const resolved = await build.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: inner });
        if (resolved.errors.length > 0) return { errors: resolved.errors };
        found.set(own.file, resolved.path);
        return { path: `./${own.file}`, external: true };
      });
      build.onEnd(async (result) => {
        const { outfile, write, plugins = [] } = build.initialOptions;
        if (result.errors.length > 0 || !outfile || write === false) return;
        for (const [file, entry] of found) {
          const target = join(dirname(outfile), file);
          if (done.has(target)) continue;
          done.add(target);
          const own = plugins.map((p) => (p.name === name ? ownFileForLazyImports(imports, done) : p));
          await build.esbuild.build({ ...build.initialOptions, entryPoints: [entry], outfile: target, plugins: own });
        }
      });
    },
  };
}

/**
 * esbuild options of the controller bundle.
 * @param {string} outfile
 * @returns {import('esbuild').BuildOptions & { metafile: true }}
 */
function controllerBuildOptions(outfile) {
  const b = CONTROLLER_BUNDLING;
  return {
    entryPoints: [CONTROLLER_ENTRY],
    outfile,
    bundle: true,
    platform: b.platform,
    target: b.target,
    format: b.format,
    minify: b.minify,
    sourcemap: b.sourceMap,
    mainFields: [...b.mainFields],
    external: [...b.externalModules],
    plugins: [inlineSdkSchemaKeys(), credentialsFromEnvironmentFirst(), ownFileForLazyImports()],
    // An import() left to the runtime (OWN_FILE_IMPORTS) becomes a require(): import() of a CommonJS
    // file starts Node's ESM loader, about 100 ms more CPU on the cold start that reads SSM.
    supported: { 'dynamic-import': false },
    legalComments: 'none',
    logLevel: 'warning',
    metafile: true,
  };
}

/**
 * Bundles the controller into `<outDir>/index.js`.
 * @param {string} outDir
 * @returns {Promise<{ outfile: string; bytes: number; metafile: import('esbuild').Metafile }>}
 */
async function buildController(outDir) {
  const { build } = require('esbuild');
  const outfile = join(outDir, 'index.js');
  const result = await build(controllerBuildOptions(outfile));
  return { outfile, bytes: statSync(outfile).size, metafile: result.metafile };
}

module.exports = {
  CONTROLLER_ENTRY,
  CONTROLLER_BUNDLING,
  OWN_FILE_IMPORTS,
  controllerBuildOptions,
  buildController,
  inlineSdkSchemaKeys,
  credentialsFromEnvironmentFirst,
  ownFileForLazyImports,
};

if (require.main === module) {
  const outDir = process.argv[2];
  if (!outDir) {
    console.error('usage: node lambda/build-options.cjs <outDir>');
    process.exit(2);
  }
  buildController(resolve(outDir)).then(
    ({ outfile, bytes }) => console.log(`bundled ${outfile} (${(bytes / 1024).toFixed(1)} KiB)`),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}

// ---------------------------------------------------------------------------------------------
// The probe Lambda (lambda/probe/handler.ts): the controller's options (knobs, plugins), its own entry.
// lib/cdk/monitoring/probe-function.ts runs buildProbe(outDir) as the asset's local bundling.

const PROBE_ENTRY = resolve(__dirname, 'probe/handler.ts');

/**
 * esbuild options of the probe bundle.
 * @param {string} outfile
 * @returns {import('esbuild').BuildOptions & { metafile: true }}
 */
function probeBuildOptions(outfile) {
  return { ...controllerBuildOptions(outfile), entryPoints: [PROBE_ENTRY] };
}

/**
 * Bundles the probe into `<outDir>/index.js` (handler `index.handler`).
 * @param {string} outDir
 * @returns {Promise<{ outfile: string; bytes: number; metafile: import('esbuild').Metafile }>}
 */
async function buildProbe(outDir) {
  const { build } = require('esbuild');
  const outfile = join(outDir, 'index.js');
  const result = await build(probeBuildOptions(outfile));
  return { outfile, bytes: statSync(outfile).size, metafile: result.metafile };
}

Object.assign(module.exports, { PROBE_ENTRY, probeBuildOptions, buildProbe });
