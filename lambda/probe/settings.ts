/**
 * The probe's settings from its environment (the CDK construct sets them, docs/metrics.md lists
 * them). Invalid values fail the cold start with every problem at once.
 */
export interface ProbeSettings {
  /** Between the starts of two rounds. */
  readonly everyMs: number;
  /** A connection attempt's limit: a blackholed node costs no more than this. */
  readonly connectTimeoutMs: number;
  /** After connecting, the limit for one probe's queries (the connect timeout again). */
  readonly queryTimeoutMs: number;
  /** The Secrets Manager secret holding the probe user's password. */
  readonly secretArn: string;
}

export class ProbeSettingsError extends Error {
  override readonly name = 'ProbeSettingsError';
}

export const PROBE_ENV = {
  secretArn: 'EIP_FAILOVER_PROBE_SECRET_ARN',
  everyMs: 'EIP_FAILOVER_PROBE_EVERY_MS',
  connectTimeoutMs: 'EIP_FAILOVER_PROBE_CONNECT_TIMEOUT_MS',
} as const;

type Env = Readonly<Record<string, string | undefined>>;

function intFrom(env: Env, name: string, fallback: number, min: number, max: number, problems: string[]): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (Number.isInteger(value) && value >= min && value <= max) return value;
  problems.push(`${name}=${JSON.stringify(raw)}: expected a whole number of milliseconds from ${min} to ${max}`);
  return fallback;
}

export function probeSettingsFromEnv(env: Env): ProbeSettings {
  const problems: string[] = [];
  const secretArn = env[PROBE_ENV.secretArn] ?? '';
  if (!secretArn) problems.push(`${PROBE_ENV.secretArn} is not set; set it to the ARN of the secret holding the probe user's password`);
  const everyMs = intFrom(env, PROBE_ENV.everyMs, 10_000, 1_000, 60_000, problems);
  const connectTimeoutMs = intFrom(env, PROBE_ENV.connectTimeoutMs, 2_000, 100, 30_000, problems);
  if (connectTimeoutMs >= everyMs) problems.push(`${PROBE_ENV.connectTimeoutMs} (${connectTimeoutMs}) must be below ${PROBE_ENV.everyMs} (${everyMs}): a round must end before the next one starts`);
  if (problems.length) throw new ProbeSettingsError(`invalid probe settings:\n  - ${problems.join('\n  - ')}`);
  return { everyMs, connectTimeoutMs, queryTimeoutMs: connectTimeoutMs, secretArn };
}
