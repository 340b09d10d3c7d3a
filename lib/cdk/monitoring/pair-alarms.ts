/**
 * The alarms of a pair (alarm-specs.ts), created through the Alerting factory so each one notifies
 * the pair's topic the same way, with the runbook text (runbook.ts) as its description.
 */
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { Alerting } from '../alerting';
import type { AlarmPlan, AlarmSource, Comparison, MissingData, ResourceMetric, Rule } from './alarm-specs';
import { PERIOD, toCloudWatch } from './metrics';
import { type RunbookContext, alarmDescription } from './runbook';

const COMPARISON: Readonly<Record<Comparison, cloudwatch.ComparisonOperator>> = {
  GreaterThanOrEqualToThreshold: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
  GreaterThanThreshold: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
  LessThanThreshold: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
};
const MISSING: Readonly<Record<MissingData, cloudwatch.TreatMissingData>> = {
  breaching: cloudwatch.TreatMissingData.BREACHING,
  notBreaching: cloudwatch.TreatMissingData.NOT_BREACHING,
  missing: cloudwatch.TreatMissingData.MISSING,
};

export interface PairAlarmsProps {
  readonly alerting: Alerting;
  readonly plan: AlarmPlan;
  readonly runbook: RunbookContext;
  /** The failover controller (its Errors and Invocations). */
  readonly controller: lambda.IFunction;
  readonly deadLetterQueue: sqs.IQueue;
}

export class PairAlarms extends Construct {
  /** Every metric alarm by id (signals included). */
  public readonly alarms: ReadonlyMap<string, cloudwatch.Alarm>;
  /** The composite alarms by id. */
  public readonly composites: ReadonlyMap<string, cloudwatch.CompositeAlarm>;
  /** The alarms that send mail (composites first, no signals). */
  public readonly notifying: readonly cloudwatch.IAlarm[];

  constructor(scope: Construct, id: string, props: PairAlarmsProps) {
    super(scope, id);
    const resource = (which: ResourceMetric): cloudwatch.Metric => {
      switch (which) {
        case 'controllerErrors':
          return props.controller.metricErrors({ period: PERIOD });
        case 'controllerInvocations':
          return props.controller.metricInvocations({ period: PERIOD });
        case 'deadLetterMessages':
          return props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: PERIOD });
      }
    };
    const metricOf = (source: AlarmSource): cloudwatch.IMetric => {
      switch (source.kind) {
        case 'metric':
          return toCloudWatch(source.metric);
        case 'expression':
          return new cloudwatch.MathExpression({
            expression: source.expression,
            label: source.label,
            period: PERIOD,
            usingMetrics: Object.fromEntries(Object.entries(source.using).map(([k, m]) => [k, toCloudWatch(m)])),
          });
        case 'resource':
          return resource(source.resource).with({ statistic: source.statistic });
      }
    };

    const alarms = new Map<string, cloudwatch.Alarm>();
    for (const spec of props.plan.alarms) {
      alarms.set(
        spec.id,
        props.alerting.addAlarm(this, spec.id, {
          metric: metricOf(spec.source),
          threshold: spec.threshold,
          comparisonOperator: COMPARISON[spec.comparison],
          evaluationPeriods: spec.evaluationPeriods,
          datapointsToAlarm: spec.datapointsToAlarm,
          treatMissingData: MISSING[spec.treatMissingData],
          severity: spec.severity,
          notifyOnOk: spec.notifyOnOk,
          description: alarmDescription(
            { section: spec.section, node: spec.node, minutes: spec.evaluationPeriods, threshold: spec.threshold, signal: spec.signal },
            props.runbook,
          ),
        }),
      );
    }

    const toRule = (rule: Rule): cloudwatch.IAlarmRule => {
      if ('alarm' in rule) {
        const alarm = alarms.get(rule.alarm);
        if (!alarm) throw new Error(`composite rule names unknown alarm ${rule.alarm}`);
        return cloudwatch.AlarmRule.fromAlarm(alarm, cloudwatch.AlarmState.ALARM);
      }
      if ('not' in rule) return cloudwatch.AlarmRule.not(toRule(rule.not));
      return 'all' in rule ? cloudwatch.AlarmRule.allOf(...rule.all.map(toRule)) : cloudwatch.AlarmRule.anyOf(...rule.any.map(toRule));
    };
    const composites = new Map<string, cloudwatch.CompositeAlarm>();
    for (const spec of props.plan.composites) {
      const suppressor = spec.suppressedBy ? composites.get(spec.suppressedBy.id) : undefined;
      if (spec.suppressedBy && !suppressor) throw new Error(`composite ${spec.id} is suppressed by ${spec.suppressedBy.id}, which must come first`);
      composites.set(
        spec.id,
        props.alerting.addCompositeAlarm(this, spec.id, {
          rule: toRule(spec.rule),
          severity: spec.severity,
          description: alarmDescription({ section: spec.section, minutes: spec.minutes }, props.runbook),
          ...(suppressor && spec.suppressedBy ? { suppressedBy: { alarm: suppressor, waitSec: spec.suppressedBy.waitSec } } : {}),
        }),
      );
    }
    this.alarms = alarms;
    this.composites = composites;
    this.notifying = [...composites.values(), ...props.plan.alarms.filter((a) => a.severity !== 'signal').map((a) => alarms.get(a.id)!)];
  }
}
