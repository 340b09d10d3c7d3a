/** The alarm plan, thresholds and runbook texts (pure, no CDK synth), and docs/alarms.md against them. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MAX_ALARM_DESCRIPTION } from '../../lib/cdk/alerting';
import { settingsFromContext } from '../../lib/cdk/context';
import { type AlarmSpec, alarmPlan, alarmsOf } from '../../lib/cdk/monitoring/alarm-specs';
import { RUNBOOK_SECTIONS, type RunbookContext, alarmDescription, anchorOf } from '../../lib/cdk/monitoring/runbook';
import { DEFAULT_THRESHOLDS, resolveThresholds } from '../../lib/cdk/monitoring/thresholds';

const owner = 'PairMonitoring Test/OrdersDb/Monitoring';
const plan = alarmPlan({ clusterName: 'orders-db', nodeIds: ['db-a', 'db-b'], thresholds: DEFAULT_THRESHOLDS });
/** Deploy-time values as long as the length check assumes (200 characters). */
const LONG = 'x'.repeat(200);
const ctx: RunbookContext = {
  clusterName: 'orders-db',
  thresholds: DEFAULT_THRESHOLDS,
  runbookUrl: 'https://github.com/example/eip-failover/blob/main/docs/alarms.md',
  probeLogGroup: '/eip-failover/orders-db/probe',
  probeFunctionName: LONG,
  controllerLogGroup: LONG,
  controllerFunctionName: LONG,
  deadLetterQueueUrl: LONG,
};
const describe1 = (a: AlarmSpec) => alarmDescription({ section: a.section, node: a.node, minutes: a.evaluationPeriods, threshold: a.threshold, signal: a.signal }, ctx);

describe('thresholds', () => {
  test('defaults, and given values win', () => {
    expect(resolveThresholds(owner)).toEqual(DEFAULT_THRESHOLDS);
    expect(resolveThresholds(owner, { lagWarningSec: 20, lagCriticalSec: 60, nodeDownMinutes: undefined })).toEqual({ ...DEFAULT_THRESHOLDS, lagWarningSec: 20, lagCriticalSec: 60 });
  });

  test('bad values name the prop and the fix', () => {
    expect(() => resolveThresholds(owner, { lagWarnSec: 3 } as never)).toThrow(`${owner}: thresholds.lagWarnSec is not a threshold; use one of writerUnreachableMinutes,`);
    expect(() => resolveThresholds(owner, { nodeDownMinutes: 0 })).toThrow(`${owner}: thresholds.nodeDownMinutes is 0; use a whole number from 1 to 60`);
    expect(() => resolveThresholds(owner, { connectionsPercent: 101 })).toThrow('thresholds.connectionsPercent is 101; use a whole number from 1 to 100');
    expect(() => resolveThresholds(owner, { lagCriticalSec: 2.5 })).toThrow('thresholds.lagCriticalSec is 2.5');
    expect(() => resolveThresholds(owner, { lagWarningSec: 10 })).toThrow('thresholds.lagWarningSec is 10, not below lagCriticalSec (10); make the warning threshold the lower one');
  });
});

describe('context keys', () => {
  const settings = (ctx: Record<string, unknown>) => settingsFromContext((k) => ctx[k], Object.keys(ctx)).pair.monitoring;

  test('alarmThresholds (JSON text from -c, or an object from cdk.json), probeVpcEndpoints, runbookUrl', () => {
    expect(settings({ clusterName: 'orders-db', alarmThresholds: '{"lagWarningSec":30,"lagCriticalSec":60}', probeVpcEndpoints: 'false', runbookUrl: 'https://example.com/a.md' })).toEqual({
      thresholds: { lagWarningSec: 30, lagCriticalSec: 60 },
      vpcEndpoints: false,
      runbookUrl: 'https://example.com/a.md',
    });
    expect(settings({ clusterName: 'orders-db', alarmThresholds: { nodeDownMinutes: 3 } })).toEqual({ thresholds: { nodeDownMinutes: 3 }, vpcEndpoints: undefined, runbookUrl: undefined });
  });

  test('bad values name the key', () => {
    expect(() => settings({ clusterName: 'orders-db', alarmThresholds: '{lag: 3}' })).toThrow('context key "alarmThresholds" is not valid JSON; use a JSON object such as {"lagWarningSec":30}');
    expect(() => settings({ clusterName: 'orders-db', alarmThresholds: '{"lagWarningSec":"30"}' })).toThrow('context key "alarmThresholds" is {"lagWarningSec":"30"}; use a JSON object of numbers');
    expect(() => settings({ clusterName: 'orders-db', probeVpcEndpoints: 'no' })).toThrow('context key "probeVpcEndpoints" is "no"; use true or false');
  });
});

describe('the plan', () => {
  test('per node: the same eight alarms for each node, named after it', () => {
    const kinds = (node: string) => plan.alarms.filter((a) => a.node === node).map((a) => a.id.replace(`-${node}`, ''));
    expect(kinds('db-a')).toEqual(['NodeDown', 'ReplicationStopped', 'ReplicationIoDown', 'LagWarning', 'LagCritical', 'ErrantWrites', 'GtidDiverged', 'ConnectionSaturation']);
    expect(kinds('db-b')).toEqual(kinds('db-a'));
  });

  test('ids are unique; M <= N; thresholds follow the props', () => {
    const ids = plan.alarms.map((a) => a.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const a of plan.alarms) expect(a.datapointsToAlarm).toBeLessThanOrEqual(a.evaluationPeriods);
    const custom = alarmPlan({ clusterName: 'c', nodeIds: ['x', 'y'], thresholds: { ...DEFAULT_THRESHOLDS, lagWarningSec: 30, lagCriticalSec: 90, lagMinutes: 4, probeSilentMinutes: 7 } });
    const byId = new Map(custom.alarms.map((a) => [a.id, a]));
    expect(byId.get('LagWarning-y')).toMatchObject({ threshold: 30, evaluationPeriods: 4, datapointsToAlarm: 4 });
    expect(byId.get('LagCritical-x')).toMatchObject({ threshold: 90, evaluationPeriods: 4 });
    expect(byId.get('ProbeNotReporting')).toMatchObject({ evaluationPeriods: 7, treatMissingData: 'breaching' });
  });

  test('metrics that must keep arriving treat missing data as breaching; events and partial metrics as not breaching', () => {
    const missing = Object.fromEntries(plan.alarms.map((a) => [a.id, a.treatMissingData]));
    expect(Object.entries(missing).filter(([, m]) => m === 'breaching').map(([id]) => id)).toEqual(['ProbeNotReporting', 'ControllerSilent']);
    expect(Object.entries(missing).filter(([, m]) => m === 'missing').map(([id]) => id).sort()).toEqual(
      ['NodeDown-db-a', 'NodeDown-db-b', 'NoWritableNode', 'SplitBrain', 'WriterInconsistent', 'WriterUnreachable'].sort(),
    );
  });

  test('the composites: critical when the pair agrees the writer is gone, warning when only the probe lost it', () => {
    const [down, probeOnly] = plan.composites;
    const pairAgrees = { any: [{ alarm: 'ReplicationIoDown-db-a' }, { alarm: 'ReplicationIoDown-db-b' }, { alarm: 'ControllerNoHealthyWriter' }, { alarm: 'NoWritableNode' }] };
    expect(down).toEqual({ id: 'WriterDown', severity: 'critical', section: 'WriterDown', minutes: 2, rule: { all: [{ alarm: 'WriterUnreachable' }, pairAgrees] } });
    expect(probeOnly).toEqual({
      id: 'WriterUnreachableProbeOnly',
      severity: 'warning',
      section: 'WriterUnreachableProbeOnly',
      minutes: 2,
      rule: { all: [{ alarm: 'WriterUnreachable' }, { not: pairAgrees }] },
      suppressedBy: { id: 'WriterDown', waitSec: 120 },
    });
    // Every input is a signal (no mail of its own), and every signal is an input.
    const inputs = new Set(plan.composites.flatMap((c) => alarmsOf(c.rule)));
    const signals = plan.alarms.filter((a) => a.severity === 'signal').map((a) => a.id);
    expect([...inputs].sort()).toEqual(signals.sort());
  });

  test('the peer signals are quicker than the probe signal (1 of 2 minutes), so the critical composite can win', () => {
    for (const id of ['ReplicationIoDown-db-a', 'ControllerNoHealthyWriter', 'NoWritableNode']) {
      expect(plan.alarms.find((a) => a.id === id)).toMatchObject({ evaluationPeriods: 2, datapointsToAlarm: 1 });
    }
  });
});

describe('runbook texts', () => {
  test('every notifying alarm says what it means, what is likely, what to run first, and links its section', () => {
    for (const a of plan.alarms.filter((x) => x.severity !== 'signal')) {
      const text = describe1(a);
      expect(text).toMatch(/\nLikely: |^Information: /);
      expect(text).toContain('\nFirst: ');
      expect(text.endsWith(`\nRunbook: ${ctx.runbookUrl}#${anchorOf(a.section)}`)).toBe(true);
      if (a.node) expect(text).toContain(a.node);
    }
  });

  test('each fits a CloudWatch description (1024) even with long deploy-time names', () => {
    const lengths = [...plan.alarms.map(describe1), ...plan.composites.map((c) => alarmDescription({ section: c.section, minutes: c.minutes }, ctx))].map((t) => t.length);
    expect(Math.max(...lengths)).toBeLessThanOrEqual(MAX_ALARM_DESCRIPTION);
  });

  test('the texts carry the alarm\'s own settings', () => {
    const lag = plan.alarms.find((a) => a.id === 'LagCritical-db-b')!;
    expect(describe1(lag)).toContain('db-b of orders-db is more than 10 s behind its peer\'s heartbeat for 3 min');
    expect(describe1(lag)).toContain('refuses a failover target');
    expect(describe1(plan.alarms.find((a) => a.id === 'LagWarning-db-b')!)).not.toContain('refuses a failover target');
    expect(describe1(plan.alarms.find((a) => a.id === 'ConnectionSaturation-db-a')!)).toContain('more than 80% of max_connections for 5 min');
  });
});

describe('docs/alarms.md', () => {
  const doc = readFileSync(join(__dirname, '../../docs/alarms.md'), 'utf8');

  test('has a section for every runbook anchor', () => {
    const headings = [...doc.matchAll(/^#{2,3} (\S+)$/gm)].map((m) => m[1]!.toLowerCase());
    for (const s of RUNBOOK_SECTIONS) expect(headings).toContain(anchorOf(s));
  });

  test('its table lists every alarm with the default threshold, M of N and missing-data treatment', () => {
    const rows = new Map(
      [...doc.matchAll(/^\| `([A-Za-z]+)(?:-<node>)?` \| ([^|]+) \| ([^|]+) \| ([^|]+) \| ([^|]+) \| ([^|]+) \|/gm)].map((m) => [
        m[1]!,
        { metric: m[2]!.trim(), condition: m[3]!.trim(), mOfN: m[4]!.trim(), missing: m[5]!.trim(), severity: m[6]!.trim() },
      ]),
    );
    const kinds = new Map<string, AlarmSpec>();
    for (const a of plan.alarms) kinds.set(a.node ? a.id.replace(`-${a.node}`, '') : a.id, a);
    expect([...rows.keys()].sort()).toEqual([...kinds.keys(), ...plan.composites.map((c) => c.id)].sort());
    const op = { GreaterThanOrEqualToThreshold: '>=', GreaterThanThreshold: '>', LessThanThreshold: '<' } as const;
    for (const [kind, a] of kinds) {
      const row = rows.get(kind)!;
      expect({ kind, condition: row.condition, mOfN: row.mOfN, missing: row.missing, severity: row.severity }).toEqual({
        kind,
        condition: `${a.source.kind === 'expression' ? a.source.expression : a.source.kind === 'metric' ? a.source.metric.statistic : a.source.statistic} ${op[a.comparison]} ${a.threshold}`,
        mOfN: `${a.datapointsToAlarm} of ${a.evaluationPeriods}`,
        missing: a.treatMissingData,
        severity: a.severity,
      });
    }
  });
});
