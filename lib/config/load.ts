import type { SSMClient } from '@aws-sdk/client-ssm';
import { ConfigError, parseClusterConfigText } from './parse';
import type { ClusterConfig } from './schema';
import { readConfigFile, SSM_PREFIX, ssmParameterName, type ConfigRef } from './source';

export { ConfigUnavailableError, SSM_PREFIX, type ConfigRef } from './source';

export interface LoadOptions {
  /** Used for `ssm:` refs; created on demand in `region` when absent. */
  readonly ssm?: SSMClient;
  readonly region?: string;
}

/** Reads the raw text of a config; ConfigUnavailableError when it cannot be read. */
export async function readConfigText(ref: ConfigRef, options: LoadOptions = {}): Promise<string> {
  if (ref.startsWith(SSM_PREFIX)) {
    const name = ssmParameterName(ref);
    // Loaded only for ssm: refs: the SDK client is most of a cold start, and keepalived's track
    // script (check-mysql, every second) reads a local file.
    const { readSsmParameterText } = await import('./ssm-read');
    return readSsmParameterText(name, options);
  }
  return readConfigFile(ref);
}

/** Reads and validates a config. Throws ConfigUnavailableError or ConfigError. */
export async function loadClusterConfig(ref: ConfigRef, options: LoadOptions = {}): Promise<ClusterConfig> {
  return parseClusterConfigText(await readConfigText(ref, options), ref);
}

export { ConfigError };
