/**
 * Assembles the directory shipped to the nodes as one S3 asset (dist/agent-package/):
 * the agent bundle, scripts/install-agent.sh and the systemd/ units. The CDK app runs it before
 * synth, so a deployed package always matches the checkout (build the bundle with `npm run build`).
 */
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const REPO_ROOT = resolve(__dirname, '../..');
export const DEFAULT_AGENT_PACKAGE_DIR = join(REPO_ROOT, 'dist/agent-package');

/** The files the install script on a node expects, relative to the package. */
export const AGENT_PACKAGE_FILES = ['eip-agent.cjs', 'install-agent.sh', 'systemd/eip-agent.service', 'systemd/keepalived.service.d/eip-failover.conf'] as const;

export class AgentPackageError extends Error {
  override readonly name = 'AgentPackageError';
}

export function assembleAgentPackage(outDir: string = DEFAULT_AGENT_PACKAGE_DIR, root: string = REPO_ROOT): string {
  const bundle = join(root, 'dist/eip-agent.cjs');
  if (!existsSync(bundle)) throw new AgentPackageError(`agent bundle ${bundle} is missing; run "npm run build" before "cdk synth"`);
  if (!readFileSync(bundle, 'utf8').startsWith('#!/usr/bin/env node')) throw new AgentPackageError(`${bundle} is not the agent bundle; run "npm run build"`);
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  copyFileSync(bundle, join(outDir, 'eip-agent.cjs'));
  copyFileSync(join(root, 'scripts/install-agent.sh'), join(outDir, 'install-agent.sh'));
  cpSync(join(root, 'systemd'), join(outDir, 'systemd'), { recursive: true });
  chmodSync(join(outDir, 'eip-agent.cjs'), 0o755);
  chmodSync(join(outDir, 'install-agent.sh'), 0o755);
  checkAgentPackage(outDir);
  return outDir;
}

/** Throws unless `dir` holds every file of the package. */
export function checkAgentPackage(dir: string): void {
  const missing = AGENT_PACKAGE_FILES.filter((f) => !existsSync(join(dir, f)));
  if (missing.length) throw new AgentPackageError(`agent package ${dir} lacks ${missing.join(', ')}; run "npm run build" and synth again`);
}
