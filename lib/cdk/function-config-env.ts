/**
 * How a Lambda of the pair (the failover controller, the probe) gets the cluster config: inline in
 * its environment (EIP_FAILOVER_CONFIG, nothing to read at cold start, the default) or as a
 * reference to the pair's SSM parameter. Plus the synth-time check of Lambda's 4 KB environment.
 */
import { Stack, StringConcat, Tokenization } from 'aws-cdk-lib';
import { CONFIG_ENV, CONFIG_REF_ENV } from '../config/env-source';
import type { ClusterDocument } from './cluster-document';
import { PropError } from './validate';

/**
 * `environment`: the config document in EIP_FAILOVER_CONFIG, nothing to read at cold start.
 * `ssm`: read from the pair's SSM parameter at every cold start (GetParameter: about 15 ms more,
 * one more permission, and for the probe an SSM endpoint), for a document too large for Lambda's
 * 4 KB of environment.
 */
export type ConfigFrom = 'environment' | 'ssm';

export function requireConfigFrom(owner: string, field: string, value: unknown): ConfigFrom {
  if (value !== 'environment' && value !== 'ssm') throw new PropError(owner, field, `is ${JSON.stringify(value)}`, `use 'environment' (the default) or 'ssm'`);
  return value;
}

/** The variables that carry the config (the document as the SSM parameter holds it; the reader validates it again). */
export function configEnvironment(scope: Stack, config: ClusterDocument, from: ConfigFrom): Record<string, string> {
  return from === 'ssm'
    ? // A new version when the config's ids change: Lambda starts fresh instances, which reread it.
      { [CONFIG_REF_ENV]: `ssm:${config.parameterName}`, EIP_FAILOVER_CONFIG_VERSION: config.version }
    : { [CONFIG_ENV]: scope.toJsonString(config.document) };
}

/** Lambda's limit on a function's environment: every variable's name and value together. */
export const LAMBDA_ENVIRONMENT_LIMIT_BYTES = 4096;

/** The most a token in the config stands for: ids, addresses, zone, region (`eipalloc-` + 17 is 26). */
const CONFIG_TOKEN_MAX_BYTES = 32;

/** Bytes of `value` once deployed, with every token at the longest value it can stand for. */
export function deployedBytes(value: string, tokenMaxBytes: number): number {
  const standIn = 'x'.repeat(tokenMaxBytes);
  const text = Tokenization.reverseString(value)
    .mapTokens({ mapToken: () => standIn })
    .join(new StringConcat()) as string;
  return Buffer.byteLength(text, 'utf8');
}

export interface EnvironmentSizeCheck {
  /** The construct, for the error. */
  readonly owner: string;
  readonly environment: Readonly<Record<string, string>>;
  /** The config document (measured from it: its ids and addresses are tokens until deployment). */
  readonly document: unknown;
  /** The most a token stands for in a named variable (default: as in the config). */
  readonly tokenMaxBytes?: Readonly<Record<string, number>>;
  /** The prop that switches this function to `configFrom: 'ssm'`, for the fix. */
  readonly configFromProp: string;
  /** What to do when the settings alone are too large. */
  readonly settingsFix: string;
}

/** Refuses, at synth time, an environment Lambda would refuse at deploy time. */
export function checkEnvironmentSize(c: EnvironmentSizeCheck): void {
  const configBytes = deployedBytes(JSON.stringify(c.document), CONFIG_TOKEN_MAX_BYTES);
  let total = 0;
  for (const [name, value] of Object.entries(c.environment)) {
    const valueBytes = name === CONFIG_ENV ? configBytes : deployedBytes(value, c.tokenMaxBytes?.[name] ?? CONFIG_TOKEN_MAX_BYTES);
    total += Buffer.byteLength(name) + valueBytes;
  }
  if (total <= LAMBDA_ENVIRONMENT_LIMIT_BYTES) return;
  const inline = CONFIG_ENV in c.environment;
  throw new PropError(
    c.owner,
    inline ? 'config' : 'settings',
    `would make the function's environment up to ${total} bytes${inline ? ` (the config document ${configBytes})` : ''}, over Lambda's limit of ${LAMBDA_ENVIRONMENT_LIMIT_BYTES}`,
    inline ? `shorten the config (long paths or hosts in the mysql or agent overrides), or set ${c.configFromProp} to 'ssm' so the function reads it from SSM Parameter Store` : c.settingsFix,
  );
}
