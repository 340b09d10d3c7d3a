/**
 * The controller's own settings: timing knobs from environment variables (CDK sets them), with
 * defaults derived from the cluster config. Invalid values fail the cold start with every problem.
 */
import type { ClusterConfig } from '../../lib/config/schema';
import type { ControllerSettings } from './core/types';

export interface OrchestrationSettings {
  /** How long to poll DescribeAddresses for the new association before giving up. */
  readonly confirmTimeoutMs: number;
  /** Pause between confirmation polls. */
  readonly confirmIntervalMs: number;
  /** Optimistic-concurrency attempts before giving up on a state write. */
  readonly maxStateAttempts: number;
  /** Time kept back from the Lambda deadline to log, flush metrics and release a claim. */
  readonly safetyMarginMs: number;
}

export type Settings = ControllerSettings & OrchestrationSettings;

export class SettingsError extends Error {
  override readonly name = 'SettingsError';
}

/** env var → [settings key, unit multiplier to ms, default (ms) from the config, min, max (env units)]. */
const KNOBS: ReadonlyArray<[string, keyof Settings, number, (c: ClusterConfig) => number, number, number]> = [
  ['EIP_FAILOVER_MAX_EVENT_AGE_SEC', 'maxEventAgeMs', 1000, () => 60_000, 5, 86_400],
  ['EIP_FAILOVER_MAX_CLOCK_SKEW_SEC', 'maxClockSkewMs', 1000, () => 30_000, 1, 3_600],
  // Three missed heartbeats, plus delivery slack.
  ['EIP_FAILOVER_HEARTBEAT_TIMEOUT_SEC', 'heartbeatTimeoutMs', 1000, (c) => 3 * c.agent.heartbeatIntervalSec * 1000 + 5_000, 2, 86_400],
  ['EIP_FAILOVER_FLAP_DAMPING_SEC', 'flapDampingMs', 1000, () => 120_000, 0, 86_400],
  ['EIP_FAILOVER_MAX_REPLICA_LAG_SEC', 'maxReplicaLagMs', 1000, () => 10_000, 0, 86_400],
  // A normal failover shows "no healthy writer" between the old holder's FAULT and the new MASTER.
  ['EIP_FAILOVER_NO_WRITER_GRACE_SEC', 'noHealthyWriterGraceMs', 1000, () => 20_000, 0, 3_600],
  ['EIP_FAILOVER_MOVE_SETTLE_SEC', 'moveSettleMs', 1000, () => 15_000, 0, 600],
  ['EIP_FAILOVER_CONFIRM_TIMEOUT_MS', 'confirmTimeoutMs', 1, () => 10_000, 100, 120_000],
  ['EIP_FAILOVER_CONFIRM_INTERVAL_MS', 'confirmIntervalMs', 1, () => 250, 10, 10_000],
  ['EIP_FAILOVER_MAX_STATE_ATTEMPTS', 'maxStateAttempts', 1, () => 5, 1, 50],
  ['EIP_FAILOVER_SAFETY_MARGIN_MS', 'safetyMarginMs', 1, () => 1_000, 0, 60_000],
];

export function settingsFromEnv(env: Readonly<Record<string, string | undefined>>, config: ClusterConfig): Settings {
  const out: Record<string, number> = {};
  const problems: string[] = [];
  for (const [name, key, toMs, fallback, min, max] of KNOBS) {
    const raw = env[name];
    if (raw === undefined || raw.trim() === '') {
      out[key] = fallback(config);
      continue;
    }
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) problems.push(`${name}=${JSON.stringify(raw)}: expected a whole number from ${min} to ${max}`);
    else out[key] = value * toMs;
  }
  if (problems.length) throw new SettingsError(`invalid controller settings:\n  - ${problems.join('\n  - ')}`);
  return out as unknown as Settings;
}
