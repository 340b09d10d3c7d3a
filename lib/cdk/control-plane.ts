/**
 * The serverless control plane of a pair: the custom event bus (only the two node roles may put
 * events, each only its own source and detail-types), the rule with the shared pattern, the
 * reconcile schedule, the encrypted dead-letter queue, the state table and the controller.
 */
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { agentEventPatternFor, type EventPattern } from '../events/pattern';
import { DETAIL_TYPES } from '../events/schema';
import type { Alerting } from './alerting';
import type { ClusterDocument } from './cluster-document';
import { ControllerFunction, type ControllerSettingsProps } from './controller-function';
import type { PairNode } from './nodes';
import { requireIntIn } from './validate';

export interface ControlPlaneProps {
  readonly clusterName: string;
  /** Name of the custom bus (the cluster config's `eventBus.name`). */
  readonly eventBusName: string;
  readonly config: ClusterDocument;
  readonly alerting: Alerting;
  readonly nodes: readonly [PairNode, PairNode];
  readonly allocationId: string;
  /** @default {} */
  readonly controllerSettings?: ControllerSettingsProps;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /**
   * How old an agent event may be when EventBridge or Lambda (async) still delivers it, in
   * seconds. Older ones go to the dead-letter queue; the reconcile tick covers for them.
   * @default 60
   */
  readonly maxDeliveryAgeSec?: number;
  /**
   * Lambda's async retries of a failed invocation (0..2).
   * @default 1
   */
  readonly retryAttempts?: number;
  /**
   * The reconcile tick's period in minutes (EventBridge schedules fire at most once a minute).
   * @default 1
   */
  readonly reconcileMinutes?: number;
}

/** The shared pattern (lib/events/pattern.ts) in CDK's spelling (camelCase top-level keys). */
export function toCdkEventPattern(pattern: EventPattern): events.EventPattern {
  return Object.fromEntries(Object.entries(pattern).map(([k, v]) => [k.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase()), v])) as events.EventPattern;
}

export class ControlPlane extends Construct {
  public readonly bus: events.EventBus;
  public readonly agentRule: events.Rule;
  public readonly reconcileRule: events.Rule;
  public readonly deadLetterQueue: sqs.Queue;
  public readonly table: dynamodb.Table;
  public readonly controller: ControllerFunction;

  constructor(scope: Construct, id: string, props: ControlPlaneProps) {
    super(scope, id);
    const owner = `ControlPlane ${this.node.path}`;
    const maxAge = props.maxDeliveryAgeSec ?? 60;
    requireIntIn(owner, 'maxDeliveryAgeSec', maxAge, 60, 3600); // EventBridge's minimum is 60 s
    const retryAttempts = props.retryAttempts ?? 1;
    requireIntIn(owner, 'retryAttempts', retryAttempts, 0, 2);
    const reconcileMinutes = props.reconcileMinutes ?? 1;
    requireIntIn(owner, 'reconcileMinutes', reconcileMinutes, 1, 60);

    this.table = new dynamodb.Table(this, 'State', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // The state is rebuilt from the agents' next heartbeats; nothing to keep after a teardown.
      removalPolicy: RemovalPolicy.DESTROY,
    });

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetters', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is itself the dead-letter queue of the controller (EventBridge target and Lambda on-failure destination).',
    });

    this.controller = new ControllerFunction(this, 'Controller', {
      clusterName: props.clusterName,
      config: props.config,
      table: this.table,
      alerting: props.alerting,
      nodes: props.nodes,
      allocationId: props.allocationId,
      settings: props.controllerSettings,
      logRetention: props.logRetention,
    });
    const fn = this.controller.function;
    fn.configureAsyncInvoke({
      maxEventAge: Duration.seconds(maxAge),
      retryAttempts,
      onFailure: new destinations.SqsDestination(this.deadLetterQueue),
    });

    this.bus = new events.EventBus(this, 'Bus', { eventBusName: props.eventBusName, description: `eip-failover ${props.clusterName}: node agent events` });
    const nodeRoleArns = props.nodes.map((n) => n.role.roleArn);
    this.bus.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'NodeRolesMayPut',
        principals: props.nodes.map((n) => new iam.ArnPrincipal(n.role.roleArn)),
        actions: ['events:PutEvents'],
        resources: [this.bus.eventBusArn],
      }),
    );
    // Nobody else in the account may inject VRRP events, whatever their identity policy says.
    this.bus.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'OnlyNodeRolesMayPut',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['events:PutEvents'],
        resources: [this.bus.eventBusArn],
        conditions: { ArnNotEquals: { 'aws:PrincipalArn': nodeRoleArns } },
      }),
    );
    for (const node of props.nodes) {
      node.role.addToPolicy(
        new iam.PolicyStatement({
          actions: ['events:PutEvents'],
          resources: [this.bus.eventBusArn],
          conditions: { StringEquals: { 'events:source': [node.eventSource], 'events:detail-type': [...DETAIL_TYPES] } },
        }),
      );
    }

    const target = () => new targets.LambdaFunction(fn, { maxEventAge: Duration.seconds(maxAge), retryAttempts: 2, deadLetterQueue: this.deadLetterQueue });
    this.agentRule = new events.Rule(this, 'AgentEvents', {
      eventBus: this.bus,
      description: `eip-failover ${props.clusterName}: VRRP events of the two nodes to the controller`,
      eventPattern: toCdkEventPattern(agentEventPatternFor(props.config.validated)),
      targets: [target()],
    });
    this.reconcileRule = new events.Rule(this, 'Reconcile', {
      description: `eip-failover ${props.clusterName}: reconcile tick`,
      schedule: events.Schedule.rate(Duration.minutes(reconcileMinutes)),
      targets: [target()],
    });
  }
}
