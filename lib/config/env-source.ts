/**
 * The cluster config of a Lambda (the failover controller, the probe), from its environment.
 * Exactly one of:
 *
 *   EIP_FAILOVER_CONFIG      the config document itself, JSON (what CDK sets: no read at cold start)
 *   EIP_FAILOVER_CONFIG_REF  `ssm:<parameter name>` (what the agents read) or a file path
 *
 * Nothing is read or parsed until load(), so a missing or bad variable fails an invocation,
 * loudly (ConfigUnavailableError, or ConfigError naming every bad field), and never the module's
 * import. The SSM reader is imported only for an `ssm:` ref: a cold start that does not read SSM
 * then never initialises the SSM client (docs/controller.md, "Bundle and cold start").
 */
import { parseClusterConfigText } from './parse';
import type { ClusterConfig } from './schema';
import { ConfigUnavailableError, readConfigFile, SSM_PREFIX, ssmParameterName } from './source';

/** Where a Lambda's config comes from; the caller loads it once per cold start. */
export interface ConfigSource {
  load(): Promise<ClusterConfig>;
}

export type Env = Readonly<Record<string, string | undefined>>;

export const CONFIG_ENV = 'EIP_FAILOVER_CONFIG';
export const CONFIG_REF_ENV = 'EIP_FAILOVER_CONFIG_REF';

const FIX = `set ${CONFIG_ENV} to the config document (JSON; what CDK sets) or ${CONFIG_REF_ENV} to ssm:<parameter name> or a file path`;

/** The config named by the environment; see the file comment. `AWS_REGION` is the SSM client's region. */
export function configSourceFromEnv(env: Env): ConfigSource {
  return {
    async load() {
      const inline = env[CONFIG_ENV];
      const ref = env[CONFIG_REF_ENV];
      if (inline !== undefined && ref !== undefined) {
        throw new ConfigUnavailableError(`both ${CONFIG_ENV} and ${CONFIG_REF_ENV} are set; set only one (${FIX})`);
      }
      if (inline !== undefined) {
        if (inline.trim() === '') throw new ConfigUnavailableError(`environment variable ${CONFIG_ENV} is empty; ${FIX}`);
        return parseClusterConfigText(inline, `environment variable ${CONFIG_ENV}`);
      }
      if (!ref) throw new ConfigUnavailableError(`environment variable ${CONFIG_REF_ENV} ${ref === undefined ? 'is not set' : 'is empty'} (nor ${CONFIG_ENV}); ${FIX}`);
      return parseClusterConfigText(await readRef(ref, env.AWS_REGION), ref);
    },
  };
}

async function readRef(ref: string, region: string | undefined): Promise<string> {
  if (!ref.startsWith(SSM_PREFIX)) return readConfigFile(ref);
  const name = ssmParameterName(ref);
  const { readSsmParameterText } = await import('./ssm-read');
  return readSsmParameterText(name, region ? { region } : {});
}
