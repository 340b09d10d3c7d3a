/**
 * Lambda code bundled on this machine by `node <args> <outDir>` (local esbuild, never Docker),
 * hashed by its output, so a change anywhere the bundle imports (lib/, node_modules) is a new
 * asset. Skipped, like every bundling, in stacks excluded by `aws:cdk:bundling-stacks` (the
 * template tests).
 */
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { AssetHashType } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';

/** The repository root: source directories and build scripts are named from here. */
export const REPO_ROOT = resolve(__dirname, '../..');

/**
 * `sourceDir` must differ per function: CDK caches staged assets by source path and bundling
 * options, where the local bundler (a function) does not count, so one path would hand a second
 * function the first one's bundle.
 */
export function locallyBundledCode(sourceDir: string, nodeArgs: readonly string[]): lambda.Code {
  return lambda.Code.fromAsset(sourceDir, {
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      // Only used if local bundling were impossible; tryBundle always succeeds or throws.
      image: lambda.Runtime.NODEJS_24_X.bundlingImage,
      local: {
        tryBundle(outputDir: string): boolean {
          execFileSync(process.execPath, [...nodeArgs, outputDir], { stdio: ['ignore', 'ignore', 'inherit'] });
          return true;
        },
      },
    },
  });
}
