/**
 * Builds the eip-agent bundle into a private temp file, with the options of scripts/bundle.mjs,
 * so a test runs the code under test as `node FILE` without racing other runs over dist/.
 */
import { build } from 'esbuild';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export interface AgentBundle {
  /** Absolute path of the bundled eip-agent (run it with `node`). */
  readonly file: string;
  /** Removes the bundle's temp dir. */
  cleanup(): void;
}

export async function bundleAgent(): Promise<AgentBundle> {
  const dir = mkdtempSync(join(tmpdir(), 'eip-agent-bundle-'));
  const file = join(dir, 'eip-agent.cjs');
  await build({
    entryPoints: [resolve(__dirname, '../../node-agent/main.ts')],
    outfile: file,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    legalComments: 'none',
    logLevel: 'warning',
  });
  return { file, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
