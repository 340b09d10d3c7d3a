#!/usr/bin/env node
// Launcher for a checkout: runs the esbuild bundle when it is built (npm run build), and the
// TypeScript sources through tsx otherwise.
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const bundle = join(__dirname, '..', 'dist', 'eip-lab.cjs');
if (existsSync(bundle)) {
  require(bundle);
} else {
  require('tsx/cjs');
  require(join(__dirname, '..', 'lab', 'main.ts'));
}
