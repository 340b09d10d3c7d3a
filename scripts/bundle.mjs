// Bundles the node agent into one file that runs with plain `node` >= 20 and no node_modules.
import { build } from 'esbuild';
import { chmodSync, mkdirSync } from 'node:fs';

mkdirSync('dist', { recursive: true });
const started = Date.now();
await build({
  entryPoints: ['node-agent/main.ts'],
  outfile: 'dist/eip-agent.cjs',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  banner: { js: '#!/usr/bin/env node' },
  legalComments: 'none',
  logLevel: 'warning',
});
chmodSync('dist/eip-agent.cjs', 0o755);
console.log(`bundled dist/eip-agent.cjs in ${Date.now() - started} ms`);
