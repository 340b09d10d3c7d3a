/**
 * Every alarm of a pair as plain data: metric (from the catalog), statistic, threshold, M of N,
 * missing-data treatment, severity and runbook section; and the composite alarms' rules. The
 * construct (pair-alarms.ts) turns these into CloudFormation; docs/alarms.md documents them (a
 * test compares the two). Pure: no CDK scope, no I/O.
 *
 * Missing data, deliberately:
 * - `breaching` where the metric must keep arriving (ProbeRuns, the controller's invocations);
 * - `missing` for what the probe emits every round (NodeUp, WritableNodes; WriterReachable and
 *   WriterConsistent unless EC2 did not answer): no data means the probe did not run or could not
 *   tell, so these stay undecided (INSUFFICIENT_DATA) rather than turning OK or ALARM;
 * - `notBreaching` for what exists only when measured or when something happens (replication,
 *   connections when a node answered; lag and GTID checks on the read-only node only; moves,
 *   failures, errors).
 */
import { CONTROLLER_METRIC, PROBE_NODE_METRIC, PROBE_PAIR_METRIC } from '../../metrics/catalog';
import type { Severity } from '../alerting';
import { type CatalogMetric, type Statistic, controllerMetric, nodeMetric, pairMetric } from './metrics';
import type { RunbookSection } from './runbook';
import type { ResolvedThresholds } from './thresholds';

export type Comparison = 'GreaterThanOrEqualToThreshold' | 'GreaterThanThreshold' | 'LessThanThreshold';
export type MissingData = 'breaching' | 'notBreaching' | 'missing';

/** Metrics of AWS resources of the pair (not in the catalog: AWS publishes them). */
export type ResourceMetric = 'controllerErrors' | 'controllerInvocations' | 'deadLetterMessages';

export type AlarmSource =
  | { readonly kind: 'metric'; readonly metric: CatalogMetric }
  | { readonly kind: 'expression'; readonly expression: string; readonly label: string; readonly using: Readonly<Record<string, CatalogMetric>> }
  | { readonly kind: 'resource'; readonly resource: ResourceMetric; readonly statistic: Statistic };

export interface AlarmSpec {
  /** Construct id and the end of the alarm name, e.g. `NodeDown-db-a`. */
  readonly id: string;
  readonly severity: Severity;
  readonly section: RunbookSection;
  readonly node?: string;
  readonly source: AlarmSource;
  readonly comparison: Comparison;
  readonly threshold: number;
  /** N of "M of N" (one-minute periods). */
  readonly evaluationPeriods: number;
  /** M of "M of N". */
  readonly datapointsToAlarm: number;
  readonly treatMissingData: MissingData;
  /** Mail on return to OK as well (not for one-off events). */
  readonly notifyOnOk: boolean;
  /** For the signals' descriptions. */
  readonly signal?: string;
}

/** A composite alarm's rule over alarm ids. */
export type Rule = { readonly alarm: string } | { readonly all: readonly Rule[] } | { readonly any: readonly Rule[] } | { readonly not: Rule };

export interface CompositeSpec {
  readonly id: string;
  readonly severity: 'critical' | 'warning';
  readonly section: RunbookSection;
  readonly rule: Rule;
  readonly minutes: number;
  /** Hold notifications while this composite is in ALARM, waiting this long for it first. */
  readonly suppressedBy?: { readonly id: string; readonly waitSec: number };
}

export interface AlarmPlanInput {
  readonly clusterName: string;
  readonly nodeIds: readonly [string, string];
  readonly thresholds: ResolvedThresholds;
}

export interface AlarmPlan {
  readonly alarms: readonly AlarmSpec[];
  readonly composites: readonly CompositeSpec[];
}

const N = PROBE_NODE_METRIC;
const P = PROBE_PAIR_METRIC;
const C = CONTROLLER_METRIC;

const metric = (m: CatalogMetric): AlarmSource => ({ kind: 'metric', metric: m });

/** M of N with the same M and N. */
const inARow = (minutes: number) => ({ evaluationPeriods: minutes, datapointsToAlarm: minutes });

type EventAlarm = Pick<AlarmSpec, 'id' | 'severity' | 'section' | 'source'> & Partial<Pick<AlarmSpec, 'node' | 'evaluationPeriods' | 'datapointsToAlarm' | 'notifyOnOk'>>;

/** Something that happened at least once in the minute (a count); no data: nothing happened. */
const happened = (a: EventAlarm): AlarmSpec => ({
  comparison: 'GreaterThanOrEqualToThreshold',
  threshold: 1,
  evaluationPeriods: 1,
  datapointsToAlarm: 1,
  treatMissingData: 'notBreaching',
  notifyOnOk: true,
  ...a,
});

export function alarmPlan({ clusterName: c, nodeIds, thresholds: t }: AlarmPlanInput): AlarmPlan {
  const perNode = (node: string): AlarmSpec[] => [
    {
      id: `NodeDown-${node}`,
      severity: 'warning',
      section: 'NodeDown',
      node,
      // No successful probe in the whole minute.
      source: metric(nodeMetric(c, node, N.up, 'Maximum')),
      comparison: 'LessThanThreshold',
      threshold: 1,
      ...inARow(t.nodeDownMinutes),
      treatMissingData: 'missing',
      notifyOnOk: true,
    },
    {
      id: `ReplicationStopped-${node}`,
      severity: 'warning',
      section: 'ReplicationStopped',
      node,
      // 0 when either thread never ran in the minute.
      source: {
        kind: 'expression',
        expression: 'MIN([io, sql])',
        label: `replication threads running on ${node}`,
        using: { io: nodeMetric(c, node, N.replicationIoRunning, 'Maximum'), sql: nodeMetric(c, node, N.replicationSqlRunning, 'Maximum') },
      },
      comparison: 'LessThanThreshold',
      threshold: 1,
      ...inARow(t.replicationStoppedMinutes),
      treatMissingData: 'notBreaching',
      notifyOnOk: true,
    },
    {
      id: `ReplicationIoDown-${node}`,
      severity: 'signal',
      section: 'Signals',
      node,
      signal: `${node}'s replication IO thread was down in at least one probe round of the last 2 minutes: it lost its source (the peer).`,
      // Quick on purpose (any round, 1 of 2): it must be in ALARM by the time WriterUnreachable is.
      source: metric(nodeMetric(c, node, N.replicationIoRunning, 'Minimum')),
      comparison: 'LessThanThreshold',
      threshold: 1,
      evaluationPeriods: 2,
      datapointsToAlarm: 1,
      treatMissingData: 'notBreaching',
      notifyOnOk: false,
    },
    ...(['Warning', 'Critical'] as const).map(
      (level): AlarmSpec => ({
        id: `Lag${level}-${node}`,
        severity: level === 'Critical' ? 'critical' : 'warning',
        section: 'ReplicationLag',
        node,
        source: metric(nodeMetric(c, node, N.replicationLagSec, 'Maximum')),
        comparison: 'GreaterThanThreshold',
        threshold: level === 'Critical' ? t.lagCriticalSec : t.lagWarningSec,
        ...inARow(t.lagMinutes),
        treatMissingData: 'notBreaching',
        notifyOnOk: true,
      }),
    ),
    // An event: a write on the read-only node usually replicates to the writer at once.
    happened({ id: `ErrantWrites-${node}`, severity: 'warning', section: 'ErrantWrites', node, source: metric(nodeMetric(c, node, N.passiveWrites, 'Sum')), notifyOnOk: false }),
    {
      id: `GtidDiverged-${node}`,
      severity: 'critical',
      section: 'GtidDiverged',
      node,
      // Every round of two minutes: divergence persists, a race between two reads does not.
      source: metric(nodeMetric(c, node, N.errantTransactions, 'Minimum')),
      comparison: 'GreaterThanThreshold',
      threshold: 0,
      ...inARow(2),
      treatMissingData: 'notBreaching',
      notifyOnOk: true,
    },
    {
      id: `ConnectionSaturation-${node}`,
      severity: 'warning',
      section: 'ConnectionSaturation',
      node,
      source: metric(nodeMetric(c, node, N.connectionsUsedPercent, 'Maximum')),
      comparison: 'GreaterThanThreshold',
      threshold: t.connectionsPercent,
      ...inARow(t.connectionsMinutes),
      treatMissingData: 'notBreaching',
      notifyOnOk: true,
    },
  ];

  const pair: AlarmSpec[] = [
    {
      id: 'WriterUnreachable',
      severity: 'signal',
      section: 'Signals',
      signal: `No probe round reached a writable server on the EIP's node for ${t.writerUnreachableMinutes} min.`,
      source: metric(pairMetric(c, P.writerReachable, 'Maximum')),
      comparison: 'LessThanThreshold',
      threshold: 1,
      ...inARow(t.writerUnreachableMinutes),
      treatMissingData: 'missing',
      notifyOnOk: false,
    },
    {
      id: 'NoWritableNode',
      severity: 'signal',
      section: 'Signals',
      signal: 'A node answered the probe but none was writable during a whole minute (1 of the last 2).',
      // 1 = some node answered and no round saw a writable one; 0 when the probe reached nobody.
      source: {
        kind: 'expression',
        expression: `MAX([up0, up1]) - writable`,
        label: 'answering but no writable node',
        using: {
          up0: nodeMetric(c, nodeIds[0], N.up, 'Maximum'),
          up1: nodeMetric(c, nodeIds[1], N.up, 'Maximum'),
          writable: pairMetric(c, P.writableNodes, 'Maximum'),
        },
      },
      comparison: 'GreaterThanOrEqualToThreshold',
      threshold: 1,
      evaluationPeriods: 2,
      datapointsToAlarm: 1,
      treatMissingData: 'missing',
      notifyOnOk: false,
    },
    {
      id: 'ControllerNoHealthyWriter',
      severity: 'signal',
      section: 'Signals',
      signal: "The controller, from the agents' reports, saw no healthy writer in the last 2 minutes.",
      source: metric(controllerMetric(c, C.noHealthyWriter, 'Maximum')),
      comparison: 'GreaterThanOrEqualToThreshold',
      threshold: 1,
      evaluationPeriods: 2,
      datapointsToAlarm: 1,
      treatMissingData: 'notBreaching',
      notifyOnOk: false,
    },
    {
      id: 'SplitBrain',
      severity: 'critical',
      section: 'SplitBrain',
      // Two different minutes: one round reading the nodes across a failover cannot raise it.
      source: metric(pairMetric(c, P.writableNodes, 'Maximum')),
      comparison: 'GreaterThanThreshold',
      threshold: 1,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      treatMissingData: 'missing',
      notifyOnOk: true,
    },
    {
      id: 'WriterInconsistent',
      severity: 'warning',
      section: 'WriterInconsistent',
      source: metric(pairMetric(c, P.writerConsistent, 'Maximum')),
      comparison: 'LessThanThreshold',
      threshold: 1,
      ...inARow(t.writerInconsistentMinutes),
      treatMissingData: 'missing',
      notifyOnOk: true,
    },
    {
      id: 'ProbeNotReporting',
      severity: 'warning',
      section: 'ProbeNotReporting',
      source: metric(pairMetric(c, P.probeRuns, 'Sum')),
      comparison: 'LessThanThreshold',
      threshold: 1,
      ...inARow(t.probeSilentMinutes),
      treatMissingData: 'breaching',
      notifyOnOk: true,
    },
  ];

  const controller: AlarmSpec[] = [
    happened({ id: 'ControllerErrors', severity: 'warning', section: 'ControllerErrors', source: { kind: 'resource', resource: 'controllerErrors', statistic: 'Sum' }, evaluationPeriods: 3, datapointsToAlarm: 2 }),
    {
      id: 'ControllerSilent',
      severity: 'warning',
      section: 'ControllerSilent',
      source: { kind: 'resource', resource: 'controllerInvocations', statistic: 'Sum' },
      comparison: 'LessThanThreshold',
      threshold: 1,
      ...inARow(t.controllerSilentMinutes),
      treatMissingData: 'breaching',
      notifyOnOk: true,
    },
    happened({ id: 'MoveFailures', severity: 'critical', section: 'MoveFailures', source: metric(controllerMetric(c, C.moveFailures, 'Sum')) }),
    happened({ id: 'StateConflicts', severity: 'warning', section: 'StateConflicts', source: metric(controllerMetric(c, C.stateConflicts, 'Sum')), evaluationPeriods: 3, datapointsToAlarm: 2 }),
    happened({ id: 'NotificationFailures', severity: 'warning', section: 'NotificationFailures', source: metric(controllerMetric(c, C.notificationFailures, 'Sum')) }),
    { ...happened({ id: 'DeadLetters', severity: 'warning', section: 'DeadLetters', source: { kind: 'resource', resource: 'deadLetterMessages', statistic: 'Maximum' } }), threshold: t.deadLetterMessages },
    happened({ id: 'EipMoved', severity: 'info', section: 'EipMoved', source: metric(controllerMetric(c, C.eipMoves, 'Sum')), notifyOnOk: false }),
  ];

  // "The peer lost it too": a node's replication lost its source, the controller sees no healthy
  // writer, or the nodes that answer are all read_only. Any of these is evidence from the pair
  // itself, not only from the probe's network path.
  const pairAgrees: Rule = {
    any: [{ alarm: `ReplicationIoDown-${nodeIds[0]}` }, { alarm: `ReplicationIoDown-${nodeIds[1]}` }, { alarm: 'ControllerNoHealthyWriter' }, { alarm: 'NoWritableNode' }],
  };
  const composites: CompositeSpec[] = [
    { id: 'WriterDown', severity: 'critical', section: 'WriterDown', minutes: t.writerUnreachableMinutes, rule: { all: [{ alarm: 'WriterUnreachable' }, pairAgrees] } },
    {
      id: 'WriterUnreachableProbeOnly',
      severity: 'warning',
      section: 'WriterUnreachableProbeOnly',
      minutes: t.writerUnreachableMinutes,
      rule: { all: [{ alarm: 'WriterUnreachable' }, { not: pairAgrees }] },
      // The pair's own signals may trail the probe by a minute: give WriterDown the chance to win.
      suppressedBy: { id: 'WriterDown', waitSec: 120 },
    },
  ];

  return { alarms: [...perNode(nodeIds[0]), ...perNode(nodeIds[1]), ...pair, ...controller], composites };
}

/** The alarm ids a rule names. */
export function alarmsOf(rule: Rule): string[] {
  if ('alarm' in rule) return [rule.alarm];
  if ('not' in rule) return alarmsOf(rule.not);
  return ('all' in rule ? rule.all : rule.any).flatMap(alarmsOf);
}
