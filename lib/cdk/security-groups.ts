/**
 * Security groups of a pair. VRRP (IP protocol 112) and replication (MySQL port) only between
 * members of the node group; MySQL from the configured client CIDRs and the probe group only.
 * Nothing is open to the world unless a prop says so explicitly.
 */
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Validations } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { PropError, isIpv4Cidr, isWorldCidr, requireIntIn } from './validate';

/** IP protocol number of VRRP. */
export const VRRP_PROTOCOL = 112;

export interface PairSecurityGroupsProps {
  readonly vpc: ec2.IVpc;
  /**
   * IPv4 CIDRs allowed to connect to MySQL on the nodes (and so on the EIP). Clients reach the EIP
   * from their public address, so list those (or, inside the VPC, the private ranges).
   * @default [] (only the probe group)
   */
  readonly clientCidrs?: readonly string[];
  /**
   * Allow a CIDR shorter than /8 (such as 0.0.0.0/0) in `clientCidrs`. A database open to the
   * internet is almost always a mistake, so it must be asked for.
   * @default false
   */
  readonly allowWorldAccess?: boolean;
  /**
   * The MySQL port (the cluster config's `mysql.port`).
   * @default 3306
   */
  readonly mysqlPort?: number;
}

export class PairSecurityGroups extends Construct {
  /** On both nodes' network interfaces. */
  public readonly nodes: ec2.SecurityGroup;
  /** For the probes (issue 7): may reach MySQL on the nodes, nothing else. */
  public readonly probe: ec2.SecurityGroup;

  constructor(scope: Construct, id: string, props: PairSecurityGroupsProps) {
    super(scope, id);
    const owner = `PairSecurityGroups ${this.node.path}`;
    const port = props.mysqlPort ?? 3306;
    requireIntIn(owner, 'mysqlPort', port, 1, 65535);
    const clientCidrs = props.clientCidrs ?? [];
    for (const [i, cidr] of clientCidrs.entries()) {
      if (!isIpv4Cidr(cidr)) throw new PropError(owner, `clientCidrs[${i}]`, `is ${JSON.stringify(cidr)}`, 'use an IPv4 CIDR such as "198.51.100.0/24"');
      if (isWorldCidr(cidr) && !props.allowWorldAccess) {
        throw new PropError(owner, `clientCidrs[${i}]`, `is ${cidr}, which opens MySQL to the internet`, 'list your clients\' ranges, or set allowWorldAccess: true if you really mean it');
      }
    }

    this.nodes = new ec2.SecurityGroup(this, 'Nodes', {
      vpc: props.vpc,
      description: 'eip-failover nodes: VRRP and replication between the pair, MySQL from clients and the probe',
      allowAllOutbound: false,
    });
    this.probe = new ec2.SecurityGroup(this, 'Probe', {
      vpc: props.vpc,
      description: 'eip-failover probe: may reach MySQL on the nodes',
      allowAllOutbound: false,
    });
    const mysql = ec2.Port.tcp(port);
    const vrrp = new ec2.Port({ protocol: ec2.Protocol.VRRP, stringRepresentation: 'VRRP (IP protocol 112)' });
    // Between the two nodes only: members of this group.
    this.nodes.addIngressRule(this.nodes, vrrp, 'VRRP adverts from the peer');
    this.nodes.addEgressRule(this.nodes, vrrp, 'VRRP adverts to the peer');
    this.nodes.addIngressRule(this.nodes, mysql, 'replication from the peer');
    this.nodes.addEgressRule(this.nodes, mysql, 'replication to the peer');
    this.nodes.addIngressRule(this.probe, mysql, 'MySQL from the probe');
    this.probe.addEgressRule(this.nodes, mysql, 'MySQL to the nodes');
    for (const cidr of clientCidrs) this.nodes.addIngressRule(ec2.Peer.ipv4(cidr), mysql, `MySQL clients ${cidr}`);
    if (clientCidrs.some(isWorldCidr)) {
      const reason = 'allowWorldAccess: true was set explicitly for clientCidrs';
      Validations.of(this.nodes).acknowledge({ id: 'AwsSolutions-EC23', reason }, { id: 'CloudFormation-Validate::W2508', reason });
    }
    // Out: AWS APIs (SSM, EventBridge, EC2, Secrets Manager, S3) and the Debian/NodeSource mirrors.
    // DNS (VPC resolver) and NTP (169.254.169.123) are not subject to security groups.
    this.nodes.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS: AWS APIs, NodeSource');
    this.nodes.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(80), 'HTTP: Debian mirrors (apt checks signatures)');
  }
}
