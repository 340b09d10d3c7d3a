/**
 * Alarm thresholds of a pair: props with documented defaults (docs/alarms.md lists what each one
 * drives). Every alarm evaluates one-minute periods, because the probe's and the controller's EMF
 * metrics are standard resolution; "minutes" below are consecutive one-minute periods.
 */
import { PropError, requireIntIn } from '../validate';

export interface AlarmThresholds {
  /**
   * Minutes in a row in which no probe round reached a writable server on the node the EIP maps
   * to (WriterReachable stayed 0 for the whole minute) before the writer counts as unreachable.
   * A normal failover completes in seconds, so it never spans two whole minutes.
   * @default 2
   */
  readonly writerUnreachableMinutes?: number;
  /**
   * Minutes in a row in which a node answered none of its probes before NodeDown.
   * @default 2
   */
  readonly nodeDownMinutes?: number;
  /**
   * Minutes in a row in which a node's replication IO or SQL thread never ran before
   * ReplicationStopped (a restart of the peer or of replication takes seconds).
   * @default 3
   */
  readonly replicationStoppedMinutes?: number;
  /**
   * Replication lag (age of the peer's newest heartbeat row, seconds) of the warning alarm.
   * @default 5
   */
  readonly lagWarningSec?: number;
  /**
   * Replication lag of the critical alarm. The default is the controller's default
   * `maxReplicaLagSec`: a standby further behind is refused as a failover target.
   * @default 10
   */
  readonly lagCriticalSec?: number;
  /**
   * Minutes in a row above a lag threshold (the worst round of each minute counts).
   * @default 3
   */
  readonly lagMinutes?: number;
  /**
   * Connections in use, percent of `max_connections`, of ConnectionSaturation.
   * @default 80
   */
  readonly connectionsPercent?: number;
  /**
   * Minutes in a row above `connectionsPercent`.
   * @default 5
   */
  readonly connectionsMinutes?: number;
  /**
   * Minutes in a row in which no probe round found the EIP's node, the writable node and the node
   * answering on the EIP's target to be the same.
   * @default 2
   */
  readonly writerInconsistentMinutes?: number;
  /**
   * Minutes in a row without a completed probe round (missing data counts: the probe must report).
   * @default 3
   */
  readonly probeSilentMinutes?: number;
  /**
   * Minutes in a row without a controller invocation (the reconcile tick runs every minute).
   * @default 5
   */
  readonly controllerSilentMinutes?: number;
  /**
   * Messages in the controller's dead-letter queue that raise DeadLetters.
   * @default 1
   */
  readonly deadLetterMessages?: number;
}

export type ResolvedThresholds = Required<AlarmThresholds>;

export const DEFAULT_THRESHOLDS: ResolvedThresholds = Object.freeze({
  writerUnreachableMinutes: 2,
  nodeDownMinutes: 2,
  replicationStoppedMinutes: 3,
  lagWarningSec: 5,
  lagCriticalSec: 10,
  lagMinutes: 3,
  connectionsPercent: 80,
  connectionsMinutes: 5,
  writerInconsistentMinutes: 2,
  probeSilentMinutes: 3,
  controllerSilentMinutes: 5,
  deadLetterMessages: 1,
});

/** Allowed range of each threshold ([min, max], whole numbers). A day of minutes is CloudWatch's limit. */
const RANGES: Readonly<Record<keyof AlarmThresholds, readonly [number, number]>> = {
  writerUnreachableMinutes: [1, 60],
  nodeDownMinutes: [1, 60],
  replicationStoppedMinutes: [1, 60],
  lagWarningSec: [1, 86_400],
  lagCriticalSec: [1, 86_400],
  lagMinutes: [1, 60],
  connectionsPercent: [1, 100],
  connectionsMinutes: [1, 60],
  writerInconsistentMinutes: [1, 60],
  probeSilentMinutes: [1, 60],
  controllerSilentMinutes: [1, 60],
  deadLetterMessages: [1, 100_000],
};

/** The thresholds with defaults filled in; throws a PropError naming `thresholds.<field>`. Pure. */
export function resolveThresholds(owner: string, given: AlarmThresholds = {}): ResolvedThresholds {
  for (const key of Object.keys(given)) {
    if (!(key in RANGES)) throw new PropError(owner, `thresholds.${key}`, 'is not a threshold', `use one of ${Object.keys(RANGES).join(', ')}`);
  }
  const defined = Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined));
  const t: ResolvedThresholds = { ...DEFAULT_THRESHOLDS, ...defined };
  for (const [key, [min, max]] of Object.entries(RANGES)) requireIntIn(owner, `thresholds.${key}`, t[key as keyof ResolvedThresholds], min, max);
  if (t.lagWarningSec >= t.lagCriticalSec) {
    throw new PropError(owner, 'thresholds.lagWarningSec', `is ${t.lagWarningSec}, not below lagCriticalSec (${t.lagCriticalSec})`, 'make the warning threshold the lower one');
  }
  return t;
}
