/**
 * Alerting hook-up points of a pair: one KMS-encrypted, SSL-only SNS topic (the controller's notices
 * and every alarm go there) with optional email subscriptions, and an alarm factory that the probes
 * issue uses so every alarm notifies the same way.
 */
import { Duration, RemovalPolicy, Tokenization } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subs from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { PropError } from './validate';

export interface AlertingProps {
  readonly clusterName: string;
  /**
   * Email addresses subscribed to the topic (each confirms by mail).
   * @default []
   */
  readonly emails?: readonly string[];
}

/**
 * How urgent an alarm is; part of its name so a mail subject says it. `signal`: no notification of
 * its own, an input of a composite alarm (which notifies instead, so one incident sends one mail).
 */
export type Severity = 'critical' | 'warning' | 'info' | 'signal';

/** CloudWatch's limit on an alarm description (the text of the mail). */
export const MAX_ALARM_DESCRIPTION = 1024;
/** What a deploy-time value (a token) in a description is counted as, for that limit. */
const TOKEN_LENGTH_ESTIMATE = 200;

export interface PairCompositeAlarmProps {
  readonly rule: cloudwatch.IAlarmRule;
  /** Not `signal`: a composite alarm exists to notify. */
  readonly severity: Exclude<Severity, 'signal'>;
  readonly description: string;
  /**
   * Hold this alarm's notifications while `alarm` is in ALARM, and wait up to `waitSec` for it to
   * get there first (a lower-severity alarm that a higher one supersedes).
   * @default not suppressed
   */
  readonly suppressedBy?: { readonly alarm: cloudwatch.IAlarm; readonly waitSec: number };
}

export interface PairAlarmProps {
  readonly metric: cloudwatch.IMetric;
  readonly threshold: number;
  readonly comparisonOperator: cloudwatch.ComparisonOperator;
  /** N of "M of N". */
  readonly evaluationPeriods: number;
  /** M of "M of N". @default evaluationPeriods */
  readonly datapointsToAlarm?: number;
  /** Use BREACHING for metrics that must keep arriving. @default NOT_BREACHING */
  readonly treatMissingData?: cloudwatch.TreatMissingData;
  readonly severity: Severity;
  /** What it means and what to do: the text a person reads in the mail. */
  readonly description: string;
  /** Also notify when the alarm returns to OK. @default true */
  readonly notifyOnOk?: boolean;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export class Alerting extends Construct {
  /** Every notification of the pair goes here. */
  public readonly topic: sns.Topic;
  /** Encrypts the topic; CloudWatch alarms and the controller may use it. */
  public readonly key: kms.Key;
  private readonly clusterName: string;

  constructor(scope: Construct, id: string, props: AlertingProps) {
    super(scope, id);
    this.clusterName = props.clusterName;
    const emails = props.emails ?? [];
    emails.forEach((e, i) => {
      if (!EMAIL.test(e)) throw new PropError(`Alerting ${this.node.path}`, `emails[${i}]`, `is ${JSON.stringify(e)}`, 'use an address such as "dba@example.com"');
    });
    this.key = new kms.Key(this, 'Key', {
      description: `eip-failover ${props.clusterName}: alert topic encryption`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    // CloudWatch publishes alarm notifications to the encrypted topic.
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
      }),
    );
    this.topic = new sns.Topic(this, 'Topic', {
      displayName: `eip-failover ${props.clusterName}`,
      masterKey: this.key,
      enforceSSL: true,
    });
    for (const email of emails) this.topic.addSubscription(new subs.EmailSubscription(email));
  }

  /** Lets a function publish notices: sns:Publish on the topic, and the key for it. */
  grantPublish(grantee: iam.IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['sns:Publish'], resources: [this.topic.topicArn] }));
    grantee.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resources: [this.key.keyArn] }));
  }

  /** The alarm factory: an alarm named `<cluster> <severity>: <id>` that notifies the topic (a `signal` does not). */
  addAlarm(scope: Construct, id: string, props: PairAlarmProps): cloudwatch.Alarm {
    if (props.evaluationPeriods < 1 || (props.datapointsToAlarm ?? 1) > props.evaluationPeriods) {
      throw new PropError(`Alerting alarm ${id}`, 'datapointsToAlarm', `is ${props.datapointsToAlarm} of ${props.evaluationPeriods}`, 'use M <= N and N >= 1');
    }
    checkDescription(`Alerting alarm ${id}`, props.description);
    const alarm = new cloudwatch.Alarm(scope, id, {
      alarmName: `eip-failover ${this.clusterName} ${props.severity}: ${id}`,
      alarmDescription: props.description,
      metric: props.metric,
      threshold: props.threshold,
      comparisonOperator: props.comparisonOperator,
      evaluationPeriods: props.evaluationPeriods,
      datapointsToAlarm: props.datapointsToAlarm ?? props.evaluationPeriods,
      treatMissingData: props.treatMissingData ?? cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    if (props.severity === 'signal') return alarm;
    const action = new actions.SnsAction(this.topic);
    alarm.addAlarmAction(action);
    if (props.notifyOnOk ?? true) alarm.addOkAction(action);
    return alarm;
  }

  /** A composite alarm named like the others, notifying the topic on ALARM and on OK. */
  addCompositeAlarm(scope: Construct, id: string, props: PairCompositeAlarmProps): cloudwatch.CompositeAlarm {
    checkDescription(`Alerting composite alarm ${id}`, props.description);
    const alarm = new cloudwatch.CompositeAlarm(scope, id, {
      compositeAlarmName: `eip-failover ${this.clusterName} ${props.severity}: ${id}`,
      alarmDescription: props.description,
      alarmRule: props.rule,
      ...(props.suppressedBy
        ? { actionsSuppressor: props.suppressedBy.alarm, actionsSuppressorWaitPeriod: Duration.seconds(props.suppressedBy.waitSec), actionsSuppressorExtensionPeriod: Duration.seconds(60) }
        : {}),
    });
    const action = new actions.SnsAction(this.topic);
    alarm.addAlarmAction(action);
    alarm.addOkAction(action);
    return alarm;
  }
}

/** The description is the mail a person reads: it must fit CloudWatch's limit once deployed. */
function checkDescription(owner: string, description: string): void {
  const placeholder = 'x'.repeat(TOKEN_LENGTH_ESTIMATE);
  const text: unknown = Tokenization.reverseString(description)
    .mapTokens({ mapToken: () => placeholder })
    .join({ join: (a: unknown, b: unknown) => `${a ?? ''}${b ?? ''}` });
  const length = String(text ?? '').length;
  if (length > MAX_ALARM_DESCRIPTION) {
    throw new PropError(owner, 'description', `is about ${length} characters (deploy-time values counted as ${TOKEN_LENGTH_ESTIMATE})`, `shorten it to ${MAX_ALARM_DESCRIPTION}`);
  }
}
