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
