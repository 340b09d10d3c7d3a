/**
 * Interface VPC endpoints for the AWS APIs the probe calls (Secrets Manager and EC2; SSM too when
 * it reads its config from SSM), with private DNS, in the pair's two subnets. A Lambda in a VPC has
 * no public address, and the pair's subnets are public with no NAT, so without these the probe
 * could not read its password or the EIP's association. Chosen over a NAT gateway, which would need private
 * subnets for the Lambda and still be one AZ unless doubled (docs/deploy.md, cost).
 *
 * Private DNS is VPC-wide: the nodes resolve these services to the endpoints too, so their
 * security group is admitted as well (otherwise the nodes' own SSM and EC2 calls would break).
 * One set per VPC: pairs sharing a VPC share it (two sets with private DNS cannot coexist).
 */
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';

export const PROBE_ENDPOINT_SERVICES = {
  Ssm: ec2.InterfaceVpcEndpointAwsService.SSM,
  SecretsManager: ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
  Ec2: ec2.InterfaceVpcEndpointAwsService.EC2,
} as const;
export type ProbeEndpointService = keyof typeof PROBE_ENDPOINT_SERVICES;

export interface ProbeEndpointsProps {
  readonly vpc: ec2.IVpc;
  /** Where the endpoints' interfaces go: the pair's two subnets (one per AZ). */
  readonly subnets: readonly ec2.ISubnet[];
}

export class ProbeEndpoints extends Construct {
  /** On the endpoints' interfaces: HTTPS from the admitted groups only. */
  public readonly securityGroup: ec2.SecurityGroup;
  private readonly created = new Map<ProbeEndpointService, ec2.InterfaceVpcEndpoint>();

  /** The VPC's endpoints, created by the first pair that asks. */
  static of(props: ProbeEndpointsProps): ProbeEndpoints {
    const existing = props.vpc.node.tryFindChild('ProbeEndpoints');
    return existing instanceof ProbeEndpoints ? existing : new ProbeEndpoints(props.vpc, 'ProbeEndpoints', props);
  }

  private constructor(
    scope: Construct,
    id: string,
    private readonly props: ProbeEndpointsProps,
  ) {
    super(scope, id);
    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'eip-failover: interface endpoints (SSM, Secrets Manager, EC2) for the probes and the nodes',
      allowAllOutbound: false,
    });
  }

  /** The endpoints created so far, in the order first asked for. */
  get endpoints(): readonly ec2.InterfaceVpcEndpoint[] {
    return [...this.created.values()];
  }

  /** Makes sure the VPC has an endpoint for each service (a pair that needs one more adds it). */
  require(services: readonly ProbeEndpointService[]): void {
    for (const name of services) {
      if (this.created.has(name)) continue;
      this.created.set(
        name,
        new ec2.InterfaceVpcEndpoint(this, name, {
          vpc: this.props.vpc,
          service: PROBE_ENDPOINT_SERVICES[name],
          privateDnsEnabled: true,
          subnets: { subnets: [...this.props.subnets] },
          securityGroups: [this.securityGroup],
          open: false,
        }),
      );
    }
  }

  /** HTTPS from this group to the endpoints (its own egress is the caller's business). */
  admit(group: ec2.ISecurityGroup, description: string): void {
    this.securityGroup.addIngressRule(group, ec2.Port.tcp(443), description);
  }
}
