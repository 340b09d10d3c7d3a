/**
 * The two database nodes: an IAM role and instance profile each, and either a new instance with its
 * own tagged network interface, or an adopted existing instance (by id).
 *
 * Egress: a created node's interface has two private IPs. The Elastic IP that follows the writer
 * maps to the secondary one (the config's `eipPrivateIp`); the primary one, where VRRP, replication
 * and every outbound connection live, carries an Elastic IP of the node's own that never moves
 * (the "egress address"). So the passive node reaches EventBridge, EC2, SSM and the package
 * mirrors too (docs/deploy.md, "Networking"). The egress address must be an EIP: an auto-assigned
 * public IPv4 is only given to an interface created with the instance, which leaves CloudFormation
 * no ENI id to put in the config.
 *
 * AMI: Debian 12 (bookworm) from Debian's public SSM parameter, resolved by CloudFormation at
 * deploy time (no lookup at synth). Debian 12 ships keepalived 2.2.7 and MariaDB 10.11; Node.js 22
 * comes from NodeSource's apt repository with a pinned signing key (see install-script.ts).
 */
import { Fn, Stack, Tags, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { defaultEventSource } from '../config/schema';
import { TAG_NODE } from './names';
import { PropError, isLiteral, requireIntIn, requireMatch } from './validate';

/** One node as the cluster config names it. */
export interface NodeSpec {
  /** Node id (lower case letters, digits, dashes). */
  readonly id: string;
  /** VRRP priority (1..254); the higher one is the preferred writer. */
  readonly priority: number;
}

/** An instance that already exists, adopted instead of created. */
export interface AdoptedInstance {
  /** e.g. i-0123456789abcdef0 */
  readonly instanceId: string;
  /** The instance's primary network interface (the EIP is associated with it). */
  readonly networkInterfaceId: string;
  /** Its primary private IPv4 address. */
  readonly privateIp: string;
  /**
   * A secondary private IPv4 address of that interface for the Elastic IP, so the primary one can
   * keep the instance's own public IPv4 (its route to AWS APIs while it does not hold the EIP).
   * @default none: the EIP maps to the primary address, and the instance loses its auto-assigned
   * public IPv4 (if any) while it holds the EIP
   */
  readonly eipPrivateIp?: string;
  /** e.g. eu-west-1a */
  readonly availabilityZone: string;
}

export interface PairNodesProps {
  readonly clusterName: string;
  /** One per node, in the order of `specs`. */
  readonly subnets: readonly [ec2.ISubnet, ec2.ISubnet];
  readonly securityGroup: ec2.ISecurityGroup;
  /**
   * The nodes.
   * @default [{ id: 'db-a', priority: 150 }, { id: 'db-b', priority: 100 }]
   */
  readonly specs?: readonly [NodeSpec, NodeSpec];
  /**
   * Adopt these two instances instead of creating new ones (same order as `specs`). They must run
   * Debian 12 (or provide keepalived >= 2.2, MariaDB 10.11 and systemd), and you attach this
   * construct's instance profiles, security group and tags to them (docs/deploy.md).
   * @default new instances are created
   */
  readonly adopt?: readonly [AdoptedInstance, AdoptedInstance];
  /**
   * Instance type; its architecture selects the arm64 or amd64 Debian image.
   * @default t4g.small
   */
  readonly instanceType?: ec2.InstanceType;
  /**
   * Root volume size (gp3, encrypted).
   * @default 20
   */
  readonly rootVolumeGiB?: number;
  /**
   * EC2 termination protection. Turn it off before `cdk destroy` (docs/deploy.md).
   * @default true
   */
  readonly terminationProtection?: boolean;
  /**
   * SSM parameter of the AMI id, with `{arch}` replaced by arm64 or amd64.
   * @default '/aws/service/debian/release/12/latest/{arch}'
   */
  readonly amiParameter?: string;
}

/** What the rest of the pair needs to know about a node. */
export interface PairNode {
  readonly id: string;
  readonly priority: number;
  /** EventBridge source this node publishes with (the cluster config's default). */
  readonly eventSource: string;
  readonly role: iam.Role;
  readonly instanceProfile: iam.CfnInstanceProfile;
  readonly instanceId: string;
  readonly networkInterfaceId: string;
  readonly privateIp: string;
  /** The secondary private IP the writer's EIP maps to; undefined: the primary (adopted without one). */
  readonly eipPrivateIp?: string;
  readonly availabilityZone: string;
  /** The node's own EIP on its primary address (egress); undefined for an adopted instance. */
  readonly egressAddress?: { readonly eip: ec2.CfnEIP; readonly association: ec2.CfnEIPAssociation };
  /** The created instance; undefined for an adopted one. */
  readonly instance?: ec2.CfnInstance;
  /** The created network interface; undefined for an adopted one. */
  readonly networkInterface?: ec2.CfnNetworkInterface;
}

export const DEFAULT_NODE_SPECS: readonly [NodeSpec, NodeSpec] = [
  { id: 'db-a', priority: 150 },
  { id: 'db-b', priority: 100 },
];

const ROOT_DEVICE = '/dev/xvda'; // Debian's AMIs

export class PairNodes extends Construct {
  /** The two nodes, in config order. */
  public readonly nodes: readonly [PairNode, PairNode];
  /** True when the instances were adopted rather than created. */
  public readonly adopted: boolean;

  constructor(scope: Construct, id: string, props: PairNodesProps) {
    super(scope, id);
    const owner = `PairNodes ${this.node.path}`;
    const specs = props.specs ?? DEFAULT_NODE_SPECS;
    specs.forEach((s, i) => {
      requireMatch(owner, `specs[${i}].id`, s.id, /^[a-z][a-z0-9-]{0,31}$/, 'db-a');
      requireIntIn(owner, `specs[${i}].priority`, s.priority, 1, 254);
    });
    if (specs[0].id === specs[1].id) throw new PropError(owner, 'specs[1].id', `repeats ${specs[0].id}`, 'give each node its own id');
    if (specs[0].priority === specs[1].priority) throw new PropError(owner, 'specs[1].priority', `repeats ${specs[0].priority}`, 'give the nodes different priorities, e.g. 150 and 100');
    const rootVolumeGiB = props.rootVolumeGiB ?? 20;
    requireIntIn(owner, 'rootVolumeGiB', rootVolumeGiB, 8, 16384);
    props.adopt?.forEach((a, i) => {
      requireMatch(owner, `adopt[${i}].instanceId`, a.instanceId, /^i-([0-9a-f]{8}|[0-9a-f]{17})$/, 'i-0123456789abcdef0');
      requireMatch(owner, `adopt[${i}].networkInterfaceId`, a.networkInterfaceId, /^eni-([0-9a-f]{8}|[0-9a-f]{17})$/, 'eni-0123456789abcdef0');
      requireMatch(owner, `adopt[${i}].privateIp`, a.privateIp, /^\d{1,3}(\.\d{1,3}){3}$/, '10.0.1.10');
      if (a.eipPrivateIp !== undefined) requireMatch(owner, `adopt[${i}].eipPrivateIp`, a.eipPrivateIp, /^\d{1,3}(\.\d{1,3}){3}$/, '10.0.1.11');
      requireMatch(owner, `adopt[${i}].availabilityZone`, a.availabilityZone, /^[a-z]{2}(-[a-z0-9]+)+[a-z]$/, 'eu-west-1a');
    });
    if (props.adopt && isLiteral(props.adopt[0].instanceId) && props.adopt[0].instanceId === props.adopt[1].instanceId) {
      throw new PropError(owner, 'adopt[1].instanceId', 'repeats adopt[0].instanceId', 'adopt two different instances');
    }
    this.adopted = props.adopt !== undefined;

    const instanceType = props.instanceType ?? ec2.InstanceType.of(ec2.InstanceClass.T4G, ec2.InstanceSize.SMALL);
    const arch = instanceType.architecture === ec2.InstanceArchitecture.ARM_64 ? 'arm64' : 'amd64';
    const amiParameter = (props.amiParameter ?? '/aws/service/debian/release/12/latest/{arch}').replace('{arch}', arch);
    const image = this.adopted ? undefined : ec2.MachineImage.fromSsmParameter(amiParameter, { os: ec2.OperatingSystemType.LINUX }).getImage(this);

    const build = (spec: NodeSpec, i: 0 | 1): PairNode => {
      const scope = new Construct(this, `Node${i === 0 ? 'A' : 'B'}`);
      Tags.of(scope).add(TAG_NODE, spec.id);
      const role = new iam.Role(scope, 'Role', {
        assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
        description: `eip-failover ${props.clusterName} node ${spec.id}: SSM agent, own events, config, secrets; no EC2 writes`,
        managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonSSMManagedInstanceCore')],
      });
      // The agent asks EC2 who holds the EIP (fencing). Read-only; Describe* needs "*".
      role.addToPolicy(
        new iam.PolicyStatement({
          actions: ['ec2:DescribeAddresses'],
          resources: ['*'],
          conditions: { StringEquals: { 'aws:RequestedRegion': Stack.of(this).region } },
        }),
      );
      Validations.of(role).acknowledge(
        { id: 'AwsSolutions-IAM5[Resource::*]', reason: 'ec2:DescribeAddresses supports no resource-level permissions; read-only and limited to this region.' },
        {
          id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonSSMManagedInstanceCore]',
          reason: 'The AWS-maintained policy for the SSM agent (State Manager, Session Manager); it grants no EC2 API action.',
        },
      );
      const instanceProfile = new iam.CfnInstanceProfile(scope, 'InstanceProfile', { roles: [role.roleName] });
      const base = { id: spec.id, priority: spec.priority, eventSource: defaultEventSource(props.clusterName, spec.id), role, instanceProfile };
      const adopted = props.adopt?.[i];
      if (adopted) return { ...base, ...adopted };

      const subnet = props.subnets[i];
      const networkInterface = new ec2.CfnNetworkInterface(scope, 'Interface', {
        subnetId: subnet.subnetId,
        groupSet: [props.securityGroup.securityGroupId],
        description: `eip-failover ${props.clusterName} ${spec.id}: the Elastic IP is associated here`,
        // EC2 picks it from the subnet; the writer's EIP maps to it (eipPrivateIp).
        secondaryPrivateIpAddressCount: 1,
      });
      const egressEip = new ec2.CfnEIP(scope, 'EgressAddress', { domain: 'vpc' });
      Tags.of(egressEip).add('Name', `${props.clusterName}-${spec.id}-egress`);
      const egressAssociation = new ec2.CfnEIPAssociation(scope, 'EgressAddressAssociation', {
        allocationId: egressEip.attrAllocationId,
        networkInterfaceId: networkInterface.ref,
        privateIpAddress: networkInterface.attrPrimaryPrivateIpAddress,
      });
      // EC2 refuses to associate an EIP in a VPC whose internet gateway is not attached yet.
      egressAssociation.node.addDependency(subnet.internetConnectivityEstablished);
      const instance = new ec2.CfnInstance(scope, 'Instance', {
        imageId: image!.imageId,
        instanceType: instanceType.toString(),
        iamInstanceProfile: instanceProfile.ref,
        networkInterfaces: [{ networkInterfaceId: networkInterface.ref, deviceIndex: '0' }],
        metadataOptions: { httpEndpoint: 'enabled', httpTokens: 'required', httpPutResponseHopLimit: 1, instanceMetadataTags: 'disabled' },
        blockDeviceMappings: [{ deviceName: ROOT_DEVICE, ebs: { volumeSize: rootVolumeGiB, volumeType: 'gp3', encrypted: true, deleteOnTermination: true } }],
        monitoring: true,
        disableApiTermination: props.terminationProtection ?? true,
        tags: [{ key: 'Name', value: `${props.clusterName}-${spec.id}` }],
      });
      return {
        ...base,
        instance,
        networkInterface,
        instanceId: instance.ref,
        networkInterfaceId: networkInterface.ref,
        privateIp: networkInterface.attrPrimaryPrivateIpAddress,
        eipPrivateIp: Fn.select(0, networkInterface.attrSecondaryPrivateIpAddresses),
        availabilityZone: instance.attrAvailabilityZone,
        egressAddress: { eip: egressEip, association: egressAssociation },
      };
    };
    this.nodes = [build(specs[0], 0), build(specs[1], 1)];
    for (const n of this.nodes) {
      if (n.instance && props.terminationProtection === false) {
        Validations.of(n.instance).acknowledge({ id: 'AwsSolutions-EC29', reason: 'terminationProtection: false was set explicitly (test or lab pair)' });
      }
    }
  }
}
