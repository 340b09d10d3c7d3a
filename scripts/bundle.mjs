// Bundles the node agent into dist/eip-agent.cjs (see scripts/agent-build-options.cjs).
import { build } from 'esbuild';
import { chmodSync, mkdirSync } from 'node:fs';
import agentBuildOptions from './agent-build-options.cjs';

mkdirSync('dist', { recursive: true });
const started = Date.now();
await build(agentBuildOptions('dist/eip-agent.cjs'));
chmodSync('dist/eip-agent.cjs', 0o755);
console.log(`bundled dist/eip-agent.cjs in ${Date.now() - started} ms`);
