/**
 * Where a config comes from, without any AWS SDK: the reference forms, the "could not fetch"
 * error, and reading a file. The SSM read is in ssm-read.ts, so that loading it stays a choice.
 */
import { readFile } from 'node:fs/promises';

/** Where a config comes from: a file path, or `ssm:<parameter name>`. */
export type ConfigRef = string;

export const SSM_PREFIX = 'ssm:';

/** The config could not be fetched at all (as opposed to fetched and found invalid). */
export class ConfigUnavailableError extends Error {
  override readonly name = 'ConfigUnavailableError';
}

/** The parameter name of an `ssm:` ref. */
export function ssmParameterName(ref: ConfigRef): string {
  const name = ref.slice(SSM_PREFIX.length);
  if (!name) throw new ConfigUnavailableError(`"${ref}" names no parameter; write ssm:/eip-failover/<cluster>/config`);
  return name;
}

/** The text of a config file; ConfigUnavailableError when it cannot be read. */
export async function readConfigFile(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new ConfigUnavailableError(`cannot read config file ${path}: ${(err as Error).message}`);
  }
}
