#!/usr/bin/env node
// Launcher for a checkout: runs the esbuild bundle when it is built, and the TypeScript sources
// through tsx otherwise.
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const bundle = join(__dirname, '..', 'dist', 'eipctl.cjs');
if (existsSync(bundle)) {
  require(bundle);
} else {
  require('tsx/cjs');
  require(join(__dirname, '..', 'eipctl', 'main.ts'));
}
