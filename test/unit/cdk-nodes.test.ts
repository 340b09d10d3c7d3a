/** Nodes, network and security groups: IMDSv2, encryption, ENIs and tags, SG rules, adopt mode. */
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { App, Stack } from 'aws-cdk-lib';
import { PairNetwork } from '../../lib/cdk/network';
import { EipFailoverPair } from '../../lib/cdk/pair';
import { resourceOf, synthPair } from './cdk-fixture';

const { template } = synthPair();
const tag = (Key: string, Value: string) => ({ Key, Value });
const adopt = [
  { instanceId: 'i-0123456789abcdef0', networkInterfaceId: 'eni-0123456789abcdef0', privateIp: '10.0.1.10', availabilityZone: 'eu-west-1a' },
  { instanceId: 'i-0fedcba9876543210', networkInterfaceId: 'eni-0fedcba9876543210', privateIp: '10.0.2.10', availabilityZone: 'eu-west-1b' },
] as const;

describe('instances', () => {
  test('two instances, IMDSv2 required with hop limit 1, encrypted gp3 root, detailed monitoring, termination protection', () => {
    template.resourceCountIs('AWS::EC2::Instance', 2);
    template.allResourcesProperties('AWS::EC2::Instance', {
      MetadataOptions: { HttpEndpoint: 'enabled', HttpTokens: 'required', HttpPutResponseHopLimit: 1, InstanceMetadataTags: 'disabled' },
      BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { Encrypted: true, VolumeType: 'gp3', VolumeSize: 20, DeleteOnTermination: true } }],
      Monitoring: true,
      DisableApiTermination: true,
      InstanceType: 't4g.small',
    });
  });

  test('the AMI is Debian 12 for the instance architecture, resolved at deploy time', () => {
    const params = template.toJSON().Parameters as Record<string, { Type: string; Default: string }>;
    const ami = Object.values(params).find((p) => p.Default?.includes('debian'));
    expect(ami).toEqual({ Type: 'AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>', Default: '/aws/service/debian/release/12/latest/arm64' });
    const amd = synthPair({ instanceType: new ec2.InstanceType('m7i.large') }).template.toJSON().Parameters as Record<string, { Default: string }>;
    expect(Object.values(amd).map((p) => p.Default)).toContain('/aws/service/debian/release/12/latest/amd64');
  });

  test('each instance uses its own tagged network interface as device 0, in its own subnet', () => {
    for (const [letter, id] of [['A', 'db-a'], ['B', 'db-b']] as const) {
      const eni = resourceOf(template, 'AWS::EC2::NetworkInterface', `Node${letter}`);
      const inst = resourceOf(template, 'AWS::EC2::Instance', `Node${letter}`);
      expect(inst.props.NetworkInterfaces).toEqual([{ NetworkInterfaceId: { Ref: eni.id }, DeviceIndex: '0' }]);
      expect(eni.props.Tags).toEqual(expect.arrayContaining([tag('eip-failover:cluster', 'orders-db'), tag('eip-failover:node', id)]));
      expect(inst.props.Tags).toEqual(expect.arrayContaining([tag('eip-failover:cluster', 'orders-db'), tag('eip-failover:node', id), tag('Name', `orders-db-${id}`)]));
    }
    const subnets = ['A', 'B'].map((l) => JSON.stringify(resourceOf(template, 'AWS::EC2::NetworkInterface', `Node${l}`).props.SubnetId));
    expect(subnets[0]).not.toEqual(subnets[1]);
  });

  test("the writer's EIP is tagged for the pair and not associated by the stack (the controller does that)", () => {
    const writer = resourceOf(template, 'AWS::EC2::EIP', 'AddressEip');
    expect(writer.props).toMatchObject({ Domain: 'vpc', Tags: expect.arrayContaining([tag('eip-failover:cluster', 'orders-db'), tag('Name', 'orders-db-writer')]) });
    const associated = Object.values(template.findResources('AWS::EC2::EIPAssociation')).map((r) => JSON.stringify(r.Properties.AllocationId));
    expect(associated.some((a) => a.includes(writer.id))).toBe(false);
  });
});

describe('egress: a secondary private IP for the EIP, an EIP of its own on the primary', () => {
  test('each interface gets one secondary private IP, picked by EC2 from its subnet', () => {
    template.allResourcesProperties('AWS::EC2::NetworkInterface', { SecondaryPrivateIpAddressCount: 1 });
  });

  test('each node has its own EIP, associated with the primary private IP of its interface once the internet gateway is attached', () => {
    template.resourceCountIs('AWS::EC2::EIP', 3);
    template.resourceCountIs('AWS::EC2::EIPAssociation', 2);
    const gatewayAttachment = resourceOf(template, 'AWS::EC2::VPCGatewayAttachment').id;
    for (const [letter, id, subnet] of [['A', 'db-a', 'publicSubnet1'], ['B', 'db-b', 'publicSubnet2']] as const) {
      const eni = resourceOf(template, 'AWS::EC2::NetworkInterface', `Node${letter}`).id;
      const eip = resourceOf(template, 'AWS::EC2::EIP', `Node${letter}EgressAddress`);
      expect(eip.props).toMatchObject({ Domain: 'vpc', Tags: expect.arrayContaining([tag('Name', `orders-db-${id}-egress`), tag('eip-failover:node', id)]) });
      const assocId = resourceOf(template, 'AWS::EC2::EIPAssociation', `Node${letter}`).id;
      const assoc = template.toJSON().Resources[assocId];
      expect(assoc.Properties).toEqual({
        AllocationId: { 'Fn::GetAtt': [eip.id, 'AllocationId'] },
        NetworkInterfaceId: { Ref: eni },
        PrivateIpAddress: { 'Fn::GetAtt': [eni, 'PrimaryPrivateIpAddress'] },
      });
      // After the subnet's default route to the internet gateway, which waits for the gateway's attachment.
      const defaultRoute = resourceOf(template, 'AWS::EC2::Route', `${subnet}DefaultRoute`).id;
      expect(assoc.DependsOn).toEqual(expect.arrayContaining([defaultRoute]));
      expect(template.toJSON().Resources[defaultRoute].DependsOn).toEqual(expect.arrayContaining([gatewayAttachment]));
    }
  });

  test('adopted instances get no egress EIP; their eipPrivateIp, when given, reaches the config', () => {
    const withSecondary = [
      { ...adopt[0], eipPrivateIp: '10.0.1.11' },
      { ...adopt[1], eipPrivateIp: '10.0.2.11' },
    ] as const;
    const { stack } = synthPair({ adoptInstances: withSecondary });
    const t = synthPair({ adoptInstances: withSecondary }).template;
    t.resourceCountIs('AWS::EC2::EIP', 1);
    t.resourceCountIs('AWS::EC2::EIPAssociation', 0);
    const pair = stack.node.findAll().find((c) => c instanceof EipFailoverPair) as EipFailoverPair;
    expect(pair.config.validated.nodes.map((n) => n.eipPrivateIp)).toEqual(['10.0.1.11', '10.0.2.11']);
    expect(() => synthPair({ adoptInstances: [adopt[0], { ...adopt[1], eipPrivateIp: adopt[1].privateIp }] })).toThrow(
      /nodes\[1\]\.eipPrivateIp: is "10\.0\.2\.10", the same as nodes\[1\]\.privateIp/,
    );
    expect(() => synthPair({ adoptInstances: [{ ...adopt[0], eipPrivateIp: '10.0.1' }, adopt[1]] })).toThrow(/adopt\[0\]\.eipPrivateIp is "10\.0\.1"/);
  });

  test('bad node props fail with the prop and the fix', () => {
    expect(() => synthPair({ nodes: [{ id: 'db-a', priority: 100 }, { id: 'db-b', priority: 100 }] })).toThrow(/specs\[1\]\.priority repeats 100; give the nodes different priorities/);
    expect(() => synthPair({ rootVolumeGiB: 2 })).toThrow(/rootVolumeGiB is 2; use a whole number from 8/);
    expect(() => synthPair({ clusterName: 'Orders' })).toThrow(/clusterName is "Orders"; use a value such as "orders-db"/);
  });
});

describe('adopt existing instances', () => {
  const adopted = synthPair({ adoptInstances: adopt }).template;

  test('creates no instance or interface, but roles and instance profiles to attach', () => {
    adopted.resourceCountIs('AWS::EC2::Instance', 0);
    adopted.resourceCountIs('AWS::EC2::NetworkInterface', 0);
    adopted.resourceCountIs('AWS::IAM::InstanceProfile', 2);
    expect(Object.keys(adopted.findOutputs('*'))).toEqual(expect.arrayContaining(['OrdersDbNodeAInstanceProfile', 'OrdersDbNodeBInstanceProfile']));
    adopted.hasOutput('OrdersDbNodeAInstanceId', { Value: 'i-0123456789abcdef0' });
  });

  test('rejects malformed or repeated ids', () => {
    expect(() => synthPair({ adoptInstances: [adopt[0], { ...adopt[1], networkInterfaceId: 'eni-x' }] })).toThrow(/adopt\[1\]\.networkInterfaceId is "eni-x"/);
    expect(() => synthPair({ adoptInstances: [adopt[0], adopt[0]] })).toThrow(/adopt\[1\]\.instanceId repeats/);
  });
});

describe('network', () => {
  test('a new VPC: two public subnets, no NAT, reject flow logs', () => {
    template.resourceCountIs('AWS::EC2::Subnet', 2);
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    template.hasResourceProperties('AWS::EC2::FlowLog', { TrafficType: 'REJECT', LogDestinationType: 'cloud-watch-logs' });
  });

  test('an existing VPC by attributes: no VPC created, the nodes in its subnets', () => {
    const { template: t } = synthPair(
      {},
      { existingVpc: { vpcId: 'vpc-0123456789abcdef0', publicSubnetIds: ['subnet-0aaaaaaaaaaaaaaaa', 'subnet-0bbbbbbbbbbbbbbbb'], availabilityZones: ['eu-west-1a', 'eu-west-1b'] } },
    );
    t.resourceCountIs('AWS::EC2::VPC', 0);
    t.hasResourceProperties('AWS::EC2::NetworkInterface', { SubnetId: 'subnet-0aaaaaaaaaaaaaaaa' });
    t.hasResourceProperties('AWS::EC2::NetworkInterface', { SubnetId: 'subnet-0bbbbbbbbbbbbbbbb' });
  });

  test('a VPC with one public subnet, or both in one AZ, is refused', () => {
    const stack = new Stack(new App(), 'S');
    const one = ec2.Vpc.fromVpcAttributes(stack, 'One', { vpcId: 'vpc-1', availabilityZones: ['eu-west-1a'], publicSubnetIds: ['subnet-1'] });
    expect(() => new PairNetwork(stack, 'N1', { vpc: one })).toThrow(/vpc has 1 public subnet\(s\); pass a VPC with public subnets in two Availability Zones/);
    const sameAz = ec2.Vpc.fromVpcAttributes(stack, 'Same', { vpcId: 'vpc-2', availabilityZones: ['eu-west-1a', 'eu-west-1a'], publicSubnetIds: ['subnet-1', 'subnet-2'] });
    expect(() => new PairNetwork(stack, 'N2', { vpc: sameAz })).toThrow(/first two public subnets in one AZ/);
  });
});

describe('security groups', () => {
  const nodesSg = resourceOf(template, 'AWS::EC2::SecurityGroup', 'SecurityGroupsNodes').id;
  const probeSg = resourceOf(template, 'AWS::EC2::SecurityGroup', 'SecurityGroupsProbe').id;
  const sgId = (id: string) => ({ 'Fn::GetAtt': [id, 'GroupId'] });

  test('ingress: VRRP and replication from the peer only, MySQL from the probe; nothing from the world', () => {
    // The pair's own groups (the probe's VPC endpoints bring a group of their own).
    const ingress = Object.values(template.findResources('AWS::EC2::SecurityGroupIngress'))
      .map((r) => r.Properties)
      .filter((p) => [nodesSg, probeSg].some((g) => JSON.stringify(p.GroupId) === JSON.stringify(sgId(g))));
    expect(ingress).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ GroupId: sgId(nodesSg), SourceSecurityGroupId: sgId(nodesSg), IpProtocol: '112' }),
        expect.objectContaining({ GroupId: sgId(nodesSg), SourceSecurityGroupId: sgId(nodesSg), IpProtocol: 'tcp', FromPort: 3306, ToPort: 3306 }),
        expect.objectContaining({ GroupId: sgId(nodesSg), SourceSecurityGroupId: sgId(probeSg), IpProtocol: 'tcp', FromPort: 3306, ToPort: 3306 }),
      ]),
    );
    expect(ingress).toHaveLength(3);
    const inline = Object.values(template.findResources('AWS::EC2::SecurityGroup')).flatMap((r) => r.Properties.SecurityGroupIngress ?? []);
    expect(inline).toEqual([]);
    expect(JSON.stringify(template.findResources('AWS::EC2::SecurityGroupIngress'))).not.toContain('0.0.0.0/0');
  });

  test('egress: VRRP and replication to the peer, MySQL from the probe to the nodes, HTTPS/HTTP out for APIs and mirrors', () => {
    const egress = Object.values(template.findResources('AWS::EC2::SecurityGroupEgress')).map((r) => r.Properties);
    expect(egress).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ GroupId: sgId(nodesSg), DestinationSecurityGroupId: sgId(nodesSg), IpProtocol: '112' }),
        expect.objectContaining({ GroupId: sgId(nodesSg), DestinationSecurityGroupId: sgId(nodesSg), IpProtocol: 'tcp', FromPort: 3306 }),
        expect.objectContaining({ GroupId: sgId(probeSg), DestinationSecurityGroupId: sgId(nodesSg), IpProtocol: 'tcp', FromPort: 3306 }),
      ]),
    );
    const nodesInline = resourceOf(template, 'AWS::EC2::SecurityGroup', 'SecurityGroupsNodes').props.SecurityGroupEgress;
    expect(nodesInline).toEqual([
      expect.objectContaining({ CidrIp: '0.0.0.0/0', IpProtocol: 'tcp', FromPort: 443, ToPort: 443 }),
      expect.objectContaining({ CidrIp: '0.0.0.0/0', IpProtocol: 'tcp', FromPort: 80, ToPort: 80 }),
    ]);
  });

  test('client CIDRs get MySQL only; a world CIDR needs allowWorldAccess', () => {
    const t = synthPair({ clientCidrs: ['198.51.100.0/24'] }).template;
    t.hasResourceProperties('AWS::EC2::SecurityGroup', {
      SecurityGroupIngress: [{ CidrIp: '198.51.100.0/24', IpProtocol: 'tcp', FromPort: 3306, ToPort: 3306, Description: 'MySQL clients 198.51.100.0/24' }],
    });
    expect(() => synthPair({ clientCidrs: ['0.0.0.0/0'] })).toThrow(/clientCidrs\[0\] is 0\.0\.0\.0\/0, which opens MySQL to the internet; .*allowWorldAccess: true/);
    expect(() => synthPair({ clientCidrs: ['10.0.0.0/33'] })).toThrow(/clientCidrs\[0\] is "10.0.0.0\/33"; use an IPv4 CIDR/);
    expect(() => synthPair({ clientCidrs: ['0.0.0.0/0'], allowWorldAccess: true })).not.toThrow();
  });
});
