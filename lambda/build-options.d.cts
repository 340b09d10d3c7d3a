// Types of lambda/build-options.cjs (the controller Lambda's esbuild options), for TypeScript callers.
import type { BuildOptions, Metafile, Plugin } from 'esbuild';

/** Absolute path of lambda/failover/handler.ts. */
export declare const CONTROLLER_ENTRY: string;

/** The bundling knobs in CDK NodejsFunction's terms (minus the plugin, which it cannot run). */
export declare const CONTROLLER_BUNDLING: {
  readonly format: 'cjs';
  readonly platform: 'node';
  readonly target: string;
  readonly minify: boolean;
  readonly sourceMap: boolean;
  readonly mainFields: readonly string[];
  readonly externalModules: readonly string[];
};

/** esbuild options of the controller bundle written to `outfile`. */
export declare function controllerBuildOptions(outfile: string): BuildOptions & { metafile: true };

/** Bundles the controller into `<outDir>/index.js` (handler `index.handler`). */
export declare function buildController(outDir: string): Promise<{ outfile: string; bytes: number; metafile: Metafile }>;

/** The esbuild plugin that lets the SDK's generated schemas tree-shake (see the .cjs). */
export declare function inlineSdkSchemaKeys(): Plugin;

/** Lazily imported modules bundled into a file of their own next to the bundle (the SSM reader, the credential chain), and when they load. */
export declare const OWN_FILE_IMPORTS: ReadonlyArray<{ readonly importer: RegExp; readonly specifier: string; readonly file: string; readonly when: string }>;

/** The esbuild plugin that writes `imports` (default OWN_FILE_IMPORTS) into their own files (see the .cjs). */
export declare function ownFileForLazyImports(imports?: ReadonlyArray<{ readonly importer: RegExp; readonly specifier: string; readonly file: string }>): Plugin;

/** The esbuild plugin that gives every client lambda/sdk-credentials.ts as its default credential provider. */
export declare function credentialsFromEnvironmentFirst(): Plugin;

/** Absolute path of lambda/probe/handler.ts. */
export declare const PROBE_ENTRY: string;

/** esbuild options of the probe bundle written to `outfile` (the controller's knobs and plugins). */
export declare function probeBuildOptions(outfile: string): BuildOptions & { metafile: true };

/** Bundles the probe into `<outDir>/index.js` (handler `index.handler`). */
export declare function buildProbe(outDir: string): Promise<{ outfile: string; bytes: number; metafile: Metafile }>;
