/**
 * The probe's wiring on AWS, from the function's environment (docs/metrics.md):
 *   EIP_FAILOVER_CONFIG or _REF            the cluster config inline, or ssm:<parameter name> (lib/config/env-source.ts)
 *   EIP_FAILOVER_PROBE_SECRET_ARN          the probe user's password (Secrets Manager)
 *   EIP_FAILOVER_PROBE_EVERY_MS            between rounds (10000)
 *   EIP_FAILOVER_PROBE_CONNECT_TIMEOUT_MS  a connection attempt's limit (2000)
 */
import { configSourceFromEnv } from '../../../lib/config/env-source';
import type { BuiltProbe, ProbeLog } from '../invocation';
import type { ProbeClock } from '../ports';
import { ProbeRunner } from '../runner';
import { probeSettingsFromEnv } from '../settings';
import { AwsEipMapping } from './aws-eip';
import { EmfStdoutSink } from './emf-stdout';
import { Mysql2Probe } from './mysql2-probe';
import { createProbeSecretsClient, loadProbePassword } from './secret-password';

export async function buildAwsProbe(env: Readonly<Record<string, string | undefined>>, clock: ProbeClock, log: ProbeLog): Promise<BuiltProbe> {
  const settings = probeSettingsFromEnv(env);
  const [config, password] = await Promise.all([configSourceFromEnv(env).load(), loadProbePassword(createProbeSecretsClient(env.AWS_REGION), settings.secretArn)]);
  const runner = new ProbeRunner({
    config,
    mysql: new Mysql2Probe({ user: config.mysql.probeUser, password, connectTimeoutMs: settings.connectTimeoutMs, clock }),
    eip: AwsEipMapping.inRegion(config.region, config.eip.allocationId),
    clock,
    limits: settings,
    sink: new EmfStdoutSink(),
    onError: (message, err) => log('ERROR', message, { error: err instanceof Error ? err.stack : String(err) }),
  });
  return { runner, everyMs: settings.everyMs };
}
