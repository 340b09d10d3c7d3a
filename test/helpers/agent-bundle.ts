/**
 * Builds the eip-agent bundle into a private temp file, with the options of `npm run build`,
 * so a test runs the code under test as `node FILE` without racing other runs over dist/.
 */
import { build, type BuildOptions } from 'esbuild';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const agentBuildOptions = require('../../scripts/agent-build-options.cjs') as (outfile: string) => BuildOptions;

export interface AgentBundle {
  /** Absolute path of the bundled eip-agent (run it with `node`). */
  readonly file: string;
  /** Removes the bundle's temp dir. */
  cleanup(): void;
}

export async function bundleAgent(): Promise<AgentBundle> {
  const dir = mkdtempSync(join(tmpdir(), 'eip-agent-bundle-'));
  const file = join(dir, 'eip-agent.cjs');
  await build(agentBuildOptions(file));
  return { file, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
