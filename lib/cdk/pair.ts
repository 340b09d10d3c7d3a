/**
 * One pair: the nodes, the EIP, the agent distribution, the control plane and the alerting
 * hook-up points, wired together and named after `clusterName`, so several pairs can live in one
 * app (or one stack) without clashes.
 */
import { CfnOutput, Stack, Tags } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { ClusterConfigInput } from '../config/schema';
import { AgentDistribution } from './agent-distribution';
import { Alerting } from './alerting';
import { PairAddress } from './address';
import { ClusterDocument } from './cluster-document';
import { ControlPlane } from './control-plane';
import type { ControllerSettingsProps } from './controller-function';
import { PairMonitoring, type MonitoringProps } from './monitoring/pair-monitoring';
import { TAG_CLUSTER, eventBusName, pascal } from './names';
import { PairNetwork } from './network';
import { PairNodes, type AdoptedInstance, type NodeSpec } from './nodes';
import { PairSecrets } from './secrets';
import { PairSecurityGroups } from './security-groups';
import { PropError, requireIntIn, requireMatch } from './validate';

export interface EipFailoverPairProps {
  /** Name of the pair: lower case letters, digits, dashes (max 32); part of every resource name. */
  readonly clusterName: string;
  /** An existing VPC with public subnets in two AZs. @default a new VPC (see PairNetwork) */
  readonly vpc?: ec2.IVpc;
  /** The two AZs of a new VPC. @default two AZs of the region */
  readonly availabilityZones?: readonly string[];
  /** CIDR of a new VPC. @default '10.42.0.0/16' */
  readonly vpcCidr?: string;
  /** The two nodes. @default db-a (priority 150) and db-b (priority 100) */
  readonly nodes?: readonly [NodeSpec, NodeSpec];
  /** Adopt two existing instances instead of creating them. @default create new ones */
  readonly adoptInstances?: readonly [AdoptedInstance, AdoptedInstance];
  /** @default t4g.small */
  readonly instanceType?: ec2.InstanceType;
  /** @default 20 */
  readonly rootVolumeGiB?: number;
  /** @default true */
  readonly terminationProtection?: boolean;
  /** CIDRs allowed to reach MySQL. @default [] */
  readonly clientCidrs?: readonly string[];
  /** Permit a CIDR shorter than /8 in clientCidrs. @default false */
  readonly allowWorldAccess?: boolean;
  /** VRRP virtual router id (1..255), unique per network segment. @default 51 */
  readonly virtualRouterId?: number;
  /** Overrides of the config's `mysql` section (docs/config.md). @default schema defaults */
  readonly mysql?: ClusterConfigInput['mysql'];
  /** Overrides of the config's `agent` section. @default schema defaults */
  readonly agent?: ClusterConfigInput['agent'];
  /** Alert email addresses. @default [] */
  readonly alertEmails?: readonly string[];
  /** The controller's timing knobs. @default the controller's defaults */
  readonly controllerSettings?: ControllerSettingsProps;
  /** Log retention of the controller. @default ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /** The agent package directory. @default dist/agent-package */
  readonly agentPackageDir?: string;
  /** The probe, alarm thresholds, endpoints, runbook link (docs/alarms.md). @default see MonitoringProps */
  readonly monitoring?: MonitoringProps;
}

const claimed = new WeakMap<Construct, Set<string>>();

export class EipFailoverPair extends Construct {
  public readonly clusterName: string;
  public readonly network: PairNetwork;
  public readonly securityGroups: PairSecurityGroups;
  public readonly nodes: PairNodes;
  public readonly address: PairAddress;
  public readonly secrets: PairSecrets;
  public readonly config: ClusterDocument;
  public readonly alerting: Alerting;
  public readonly controlPlane: ControlPlane;
  public readonly agent: AgentDistribution;
  public readonly monitoring: PairMonitoring;

  constructor(scope: Construct, id: string, props: EipFailoverPairProps) {
    super(scope, id);
    const owner = `EipFailoverPair ${this.node.path}`;
    requireMatch(owner, 'clusterName', props.clusterName, /^[a-z][a-z0-9-]{0,31}$/, 'orders-db');
    const names = claimed.get(this.node.root) ?? new Set<string>();
    if (names.has(props.clusterName)) {
      throw new PropError(owner, 'clusterName', `"${props.clusterName}" is already used by another pair in this app`, 'give each pair its own clusterName (it names the bus, the parameter and the tags)');
    }
    names.add(props.clusterName);
    claimed.set(this.node.root, names);
    const virtualRouterId = props.virtualRouterId ?? 51;
    requireIntIn(owner, 'virtualRouterId', virtualRouterId, 1, 255);
    this.clusterName = props.clusterName;
    Tags.of(this).add(TAG_CLUSTER, props.clusterName);

    this.network = new PairNetwork(this, 'Network', { vpc: props.vpc, vpcCidr: props.vpcCidr, availabilityZones: props.availabilityZones });
    this.securityGroups = new PairSecurityGroups(this, 'SecurityGroups', {
      vpc: this.network.vpc,
      clientCidrs: props.clientCidrs,
      allowWorldAccess: props.allowWorldAccess,
      mysqlPort: props.mysql?.port,
    });
    this.nodes = new PairNodes(this, 'Nodes', {
      clusterName: props.clusterName,
      subnets: this.network.subnets,
      securityGroup: this.securityGroups.nodes,
      specs: props.nodes,
      adopt: props.adoptInstances,
      instanceType: props.instanceType,
      rootVolumeGiB: props.rootVolumeGiB,
      terminationProtection: props.terminationProtection,
    });
    this.address = new PairAddress(this, 'Address', { clusterName: props.clusterName });
    this.secrets = new PairSecrets(this, 'Secrets', { clusterName: props.clusterName });
    const busName = eventBusName(props.clusterName);
    const [a, b] = this.nodes.nodes;
    this.config = new ClusterDocument(this, 'Config', {
      clusterName: props.clusterName,
      region: Stack.of(this).region,
      allocationId: this.address.allocationId,
      publicIp: this.address.publicIp,
      eventBusName: busName,
      nodes: [a, b],
      vrrp: { virtualRouterId },
      mysql: props.mysql,
      agent: props.agent,
    });
    this.alerting = new Alerting(this, 'Alerting', { clusterName: props.clusterName, emails: props.alertEmails });
    this.controlPlane = new ControlPlane(this, 'ControlPlane', {
      clusterName: props.clusterName,
      eventBusName: busName,
      config: this.config,
      alerting: this.alerting,
      nodes: this.nodes.nodes,
      allocationId: this.address.allocationId,
      controllerSettings: props.controllerSettings,
      logRetention: props.logRetention,
    });
    this.agent = new AgentDistribution(this, 'Agent', {
      clusterName: props.clusterName,
      config: this.config,
      secrets: this.secrets,
      nodes: this.nodes.nodes,
      packageDir: props.agentPackageDir,
    });
    this.monitoring = new PairMonitoring(this, 'Monitoring', {
      ...props.monitoring,
      clusterName: props.clusterName,
      nodeIds: [a.id, b.id],
      vpc: this.network.vpc,
      subnets: this.network.subnets,
      probeSecurityGroup: this.securityGroups.probe,
      nodesSecurityGroup: this.securityGroups.nodes,
      config: this.config,
      probeSecret: this.secrets.secrets.probe,
      alerting: this.alerting,
      controlPlane: this.controlPlane,
      logRetention: props.logRetention,
    });
    this.addOutputs();
  }

  /** Outputs named `<ClusterName><What>` (eipctl reads them). */
  private addOutputs(): void {
    const stack = Stack.of(this);
    const p = pascal(this.clusterName);
    const out = (what: string, value: string, description: string) => new CfnOutput(stack, `${p}${what}`, { value, description: `${this.clusterName}: ${description}` });
    const [a, b] = this.nodes.nodes;
    out('EipPublicIp', this.address.publicIp, 'the Elastic IP that follows the writer');
    out('EipAllocationId', this.address.allocationId, 'allocation id of the Elastic IP');
    out('NodeAInstanceId', a.instanceId, `instance of node ${a.id}`);
    out('NodeBInstanceId', b.instanceId, `instance of node ${b.id}`);
    out('EventBusName', this.controlPlane.bus.eventBusName, 'event bus of the node agents');
    out('ControllerFunctionName', this.controlPlane.controller.function.functionName, 'failover controller Lambda');
    out('StateTableName', this.controlPlane.table.tableName, 'controller state table');
    out('ConfigParameterName', this.config.parameterName, 'SSM parameter of the cluster config');
    out('AlarmTopicArn', this.alerting.topic.topicArn, 'SNS topic of notices and alarms');
    out('DeadLetterQueueUrl', this.controlPlane.deadLetterQueue.queueUrl, 'events the controller could not handle');
    out('NodeSecurityGroupId', this.securityGroups.nodes.securityGroupId, 'security group of the nodes');
    out('ProbeSecurityGroupId', this.securityGroups.probe.securityGroupId, 'security group for probes');
    out('ProbeFunctionName', this.monitoring.probe.function.functionName, 'probe Lambda');
    out('DashboardName', this.monitoring.dashboard.dashboard.dashboardName, 'CloudWatch dashboard');
    if (this.nodes.adopted) {
      out('NodeAInstanceProfile', a.instanceProfile.ref, `instance profile to attach to ${a.instanceId}`);
      out('NodeBInstanceProfile', b.instanceProfile.ref, `instance profile to attach to ${b.instanceId}`);
    }
  }
}
