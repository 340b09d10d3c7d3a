/**
 * Installs a node's keepalived.conf: render, config-test the candidate, replace atomically only
 * when the content changed, then reload. Any failure leaves the last good file untouched.
 */
import { readFile, rm } from 'node:fs/promises';
import type { ClusterConfig } from '../../lib/config/schema';
import { commitTempFile, siblingTempPath, writeFileAtomic, writeFileSynced } from '../../lib/fs/atomic-write';
import type { ConfigTestResult } from './config-test';
import { RenderOptions, renderKeepalivedConf } from './render';

export interface ApplyRequest {
  readonly config: ClusterConfig;
  /** The config document exactly as read; copied to `nodeConfigPath` for the track script. */
  readonly configText: string;
  readonly nodeId: string;
  readonly render: RenderOptions;
  readonly keepalivedConfPath: string;
  /** Where the node keeps its copy of the cluster config; null when the source already is that file. */
  readonly nodeConfigPath: string | null;
}

export interface ReloadResult {
  readonly reloaded: boolean;
  readonly detail: string;
}

/** The outside world apply needs, so tests can run it against a temp directory. */
export interface ApplyPorts {
  configTest(candidatePath: string): Promise<ConfigTestResult>;
  reload(): Promise<ReloadResult>;
}

export interface ApplyOutcome {
  readonly nodeId: string;
  readonly keepalivedConfChanged: boolean;
  readonly nodeConfigChanged: boolean;
  readonly reload: ReloadResult | null;
}

export class ConfigTestFailedError extends Error {
  override readonly name = 'ConfigTestFailedError';
  constructor(
    readonly target: string,
    readonly result: ConfigTestResult,
  ) {
    super(
      `keepalived --config-test rejected the new config (exit ${result.exitCode ?? 'none'}); ` +
        `${target} was left unchanged.\n${result.output}`,
    );
  }
}

async function readIfExists(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

export async function applyKeepalivedConfig(request: ApplyRequest, ports: ApplyPorts): Promise<ApplyOutcome> {
  const rendered = renderKeepalivedConf(request.config, request.nodeId, request.render);
  const confChanged = (await readIfExists(request.keepalivedConfPath)) !== rendered;
  const nodeConfigChanged =
    request.nodeConfigPath !== null && (await readIfExists(request.nodeConfigPath)) !== request.configText;
  if (!confChanged && !nodeConfigChanged) {
    return { nodeId: request.nodeId, keepalivedConfChanged: false, nodeConfigChanged: false, reload: null };
  }

  // The candidate sits next to the target so that the final rename is atomic.
  const candidate = confChanged ? siblingTempPath(request.keepalivedConfPath) : null;
  try {
    if (candidate) {
      await writeFileSynced(candidate, rendered, 0o644);
      const test = await ports.configTest(candidate);
      if (!test.ok) throw new ConfigTestFailedError(request.keepalivedConfPath, test);
    }
    if (nodeConfigChanged) await writeFileAtomic(request.nodeConfigPath!, request.configText, 0o644);
    if (candidate) await commitTempFile(candidate, request.keepalivedConfPath);
  } finally {
    if (candidate) await rm(candidate, { force: true });
  }
  return {
    nodeId: request.nodeId,
    keepalivedConfChanged: confChanged,
    nodeConfigChanged,
    reload: confChanged ? await ports.reload() : null,
  };
}
