import { readFile } from 'node:fs/promises';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { ConfigError, parseClusterConfigText } from './parse';
import type { ClusterConfig } from './schema';

/** Where a config comes from: a file path, or `ssm:<parameter name>`. */
export type ConfigRef = string;

export const SSM_PREFIX = 'ssm:';

/** The config could not be fetched at all (as opposed to fetched and found invalid). */
export class ConfigUnavailableError extends Error {
  override readonly name = 'ConfigUnavailableError';
}

export interface LoadOptions {
  /** Used for `ssm:` refs; created on demand in `region` when absent. */
  readonly ssm?: SSMClient;
  readonly region?: string;
}

/** Reads the raw text of a config; ConfigUnavailableError when it cannot be read. */
export async function readConfigText(ref: ConfigRef, options: LoadOptions = {}): Promise<string> {
  if (ref.startsWith(SSM_PREFIX)) {
    const name = ref.slice(SSM_PREFIX.length);
    if (!name) throw new ConfigUnavailableError(`"${ref}" names no parameter; write ssm:/eip-failover/<cluster>/config`);
    // Loaded only for ssm: refs: the SDK client is most of a cold start, and keepalived's track
    // script (check-mysql, every second) reads a local file.
    const { GetParameterCommand, SSMClient: Client } = await import('./ssm-client');
    const ssm = options.ssm ?? new Client({ region: options.region, maxAttempts: 3 });
    try {
      const out = await ssm.send(new GetParameterCommand({ Name: name, WithDecryption: true }));
      const value = out.Parameter?.Value;
      if (value === undefined) throw new ConfigUnavailableError(`SSM parameter ${name} has no value`);
      return value;
    } catch (err) {
      if (err instanceof ConfigUnavailableError) throw err;
      const e = err as Error;
      const hint =
        e.name === 'ParameterNotFound'
          ? `check the name and the region (${options.region ?? 'from the environment'})`
          : 'check network access to SSM (VPC endpoint or NAT) and the instance role';
      throw new ConfigUnavailableError(`cannot read SSM parameter ${name}: ${e.name}: ${e.message}; ${hint}`);
    }
  }
  try {
    return await readFile(ref, 'utf8');
  } catch (err) {
    throw new ConfigUnavailableError(`cannot read config file ${ref}: ${(err as Error).message}`);
  }
}

/** Reads and validates a config. Throws ConfigUnavailableError or ConfigError. */
export async function loadClusterConfig(ref: ConfigRef, options: LoadOptions = {}): Promise<ClusterConfig> {
  return parseClusterConfigText(await readConfigText(ref, options), ref);
}

export { ConfigError };
