/**
 * Reading a config from SSM Parameter Store: the one module of lib/config that needs the SDK.
 * load.ts imports it only for `ssm:` refs (keepalived's track script, check-mysql, reads a local
 * file every second); the controller Lambda imports it statically, because every cold start there
 * reads SSM and a bundler keeps only GetParameter of a static import (docs/controller.md, "Bundle
 * and cold start").
 */
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { ConfigUnavailableError } from './source';

export interface SsmReadOptions {
  /** Created on demand in `region` when absent. */
  readonly ssm?: SSMClient;
  readonly region?: string;
}

/** The value of parameter `name` (decrypted); ConfigUnavailableError, with a hint, when it cannot be read. */
export async function readSsmParameterText(name: string, options: SsmReadOptions = {}): Promise<string> {
  const ssm = options.ssm ?? new SSMClient({ region: options.region, maxAttempts: 3 });
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
