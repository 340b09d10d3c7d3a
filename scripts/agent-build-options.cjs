// esbuild options of the agent bundle: one file that runs with plain `node` >= 20, no node_modules.
// Shared by scripts/bundle.mjs and the tests' private builds (test/helpers/agent-bundle.ts).
const { resolve } = require('node:path');

/** @param {string} outfile */
module.exports = function agentBuildOptions(outfile) {
  return {
    entryPoints: [resolve(__dirname, '../node-agent/main.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    banner: { js: '#!/usr/bin/env node' },
    legalComments: 'none',
    logLevel: 'warning',
  };
};
