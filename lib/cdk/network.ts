/**
 * The network of a pair: a new VPC with public subnets in two AZs (no NAT: the nodes reach AWS
 * APIs and package mirrors through the internet gateway), or an existing VPC passed in.
 */
import { RemovalPolicy, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { PropError, isIpv4Cidr } from './validate';

export interface PairNetworkProps {
  /**
   * An existing VPC. Its public subnets (at least two, in two AZs) hold the nodes. Build it with
   * `ec2.Vpc.fromVpcAttributes` (no lookup, no credentials at synth) or `ec2.Vpc.fromLookup`.
   * @default a new VPC is created
   */
  readonly vpc?: ec2.IVpc;
  /**
   * CIDR of the new VPC (ignored with `vpc`).
   * @default '10.42.0.0/16'
   */
  readonly vpcCidr?: string;
  /**
   * The two AZs of a new VPC. Needed for synth without credentials when the stack has an explicit
   * region (otherwise CDK looks the AZs up); an environment-agnostic stack picks two at deploy time.
   * @default the first two AZs of the region
   */
  readonly availabilityZones?: readonly string[];
  /**
   * Flow logs (rejected traffic) of the new VPC, kept this long in CloudWatch Logs.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly flowLogRetention?: logs.RetentionDays;
}

export class PairNetwork extends Construct {
  /** The VPC of the pair. */
  public readonly vpc: ec2.IVpc;
  /** The two public subnets, one per AZ: nodes[0] goes in the first, nodes[1] in the second. */
  public readonly subnets: readonly [ec2.ISubnet, ec2.ISubnet];
  /** True when this construct created the VPC. */
  public readonly created: boolean;

  constructor(scope: Construct, id: string, props: PairNetworkProps = {}) {
    super(scope, id);
    const owner = `PairNetwork ${this.node.path}`;
    if (props.vpc) {
      this.vpc = props.vpc;
      this.created = false;
    } else {
      const cidr = props.vpcCidr ?? '10.42.0.0/16';
      if (!isIpv4Cidr(cidr)) throw new PropError(owner, 'vpcCidr', `is ${JSON.stringify(cidr)}`, 'use an IPv4 CIDR such as "10.42.0.0/16"');
      if (props.availabilityZones && props.availabilityZones.length !== 2) {
        throw new PropError(owner, 'availabilityZones', `lists ${props.availabilityZones.length} AZ(s)`, 'list exactly two, e.g. ["eu-west-1a", "eu-west-1b"]');
      }
      const vpc = new ec2.Vpc(this, 'Vpc', {
        ipAddresses: ec2.IpAddresses.cidr(cidr),
        ...(props.availabilityZones ? { availabilityZones: [...props.availabilityZones] } : { maxAzs: 2 }),
        natGateways: 0,
        subnetConfiguration: [{ name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24, mapPublicIpOnLaunch: false }],
        // No custom resource Lambda for the default SG: nothing uses the default SG.
        restrictDefaultSecurityGroup: false,
      });
      const flowLogGroup = new logs.LogGroup(this, 'FlowLogs', {
        retention: props.flowLogRetention ?? logs.RetentionDays.ONE_MONTH,
        removalPolicy: RemovalPolicy.DESTROY,
      });
      vpc.addFlowLog('FlowLog', { destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogGroup), trafficType: ec2.FlowLogTrafficType.REJECT });
      this.vpc = vpc;
      this.created = true;
    }
    const publicSubnets = this.vpc.publicSubnets;
    if (publicSubnets.length < 2) {
      throw new PropError(
        owner,
        'vpc',
        `has ${publicSubnets.length} public subnet(s)`,
        'pass a VPC with public subnets in two Availability Zones (Vpc.fromVpcAttributes: publicSubnetIds and availabilityZones)',
      );
    }
    const [a, b] = publicSubnets as [ec2.ISubnet, ec2.ISubnet];
    const azA = a.availabilityZone;
    const azB = b.availabilityZone;
    if (!Token.isUnresolved(azA) && !Token.isUnresolved(azB) && azA === azB) {
      throw new PropError(owner, 'vpc', `has its first two public subnets in one AZ (${azA})`, 'list public subnets of two different AZs first');
    }
    this.subnets = [a, b];
  }
}
