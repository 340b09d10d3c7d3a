/** Agent distribution: the cluster document from the stack's ids, the SSM document and the association. */
import { parseClusterConfig } from '../../lib/config/parse';
import { NODESOURCE_KEY_FINGERPRINT } from '../../lib/cdk/install-script';
import { fakeIntrinsics, resourceOf, synthPair } from './cdk-fixture';

const { template } = synthPair({ mysql: { probeUserHost: '10.42.%' } });
const resolve = fakeIntrinsics(template);
const param = resourceOf(template, 'AWS::SSM::Parameter');
const r = (part: string, type: string, attr?: string) => {
  const id = resourceOf(template, type, part).id;
  return resolve(attr ? { 'Fn::GetAtt': [id, attr] } : { Ref: id });
};

describe('the cluster config parameter', () => {
  test('is a String parameter at the documented name', () => {
    expect(param.props).toMatchObject({ Type: 'String', Name: '/eip-failover/orders-db/config', Tier: 'Standard' });
  });

  test('resolved with fake ids, it validates against the shared schema and carries the stack\'s own ids', () => {
    const config = parseClusterConfig(JSON.parse(resolve(param.props.Value) as string), 'synthesized parameter');
    expect(config.clusterName).toBe('orders-db');
    expect(config.region).toBe('eu-west-1');
    expect(config.eip).toEqual({ allocationId: r('AddressEip', 'AWS::EC2::EIP', 'AllocationId'), publicIp: r('AddressEip', 'AWS::EC2::EIP', 'PublicIp') });
    const secondary = (node: string) => (r(node, 'AWS::EC2::NetworkInterface', 'SecondaryPrivateIpAddresses') as unknown as string[])[0];
    expect(config.nodes.map((n) => [n.id, n.priority, n.instanceId, n.networkInterfaceId, n.privateIp, n.eipPrivateIp, n.availabilityZone])).toEqual([
      ['db-a', 150, r('NodeA', 'AWS::EC2::Instance'), r('NodeA', 'AWS::EC2::NetworkInterface'), r('NodeA', 'AWS::EC2::NetworkInterface', 'PrimaryPrivateIpAddress'), secondary('NodeA'), 'eu-west-1a'],
      ['db-b', 100, r('NodeB', 'AWS::EC2::Instance'), r('NodeB', 'AWS::EC2::NetworkInterface'), r('NodeB', 'AWS::EC2::NetworkInterface', 'PrimaryPrivateIpAddress'), secondary('NodeB'), 'eu-west-1b'],
    ]);
    // The writer's EIP maps to the first (only) secondary private IP of each node's interface.
    const raw = JSON.stringify(param.props.Value);
    for (const node of ['NodeA', 'NodeB']) {
      const eni = resourceOf(template, 'AWS::EC2::NetworkInterface', node).id;
      expect(raw).toContain(JSON.stringify({ 'Fn::Select': [0, { 'Fn::GetAtt': [eni, 'SecondaryPrivateIpAddresses'] }] }));
    }
    expect(config.eventBus.name).toBe(resourceOf(template, 'AWS::Events::EventBus').props.Name);
    expect(config.vrrp.virtualRouterId).toBe(51);
    expect(config.mysql.probeUserHost).toBe('10.42.%');
  });

  test('holds no secret', () => {
    expect(JSON.stringify(param.props.Value)).not.toMatch(/password"\s*:/i);
  });

  test('props the schema refuses fail synth, naming the field', () => {
    expect(() => synthPair({ mysql: { probeUserHost: 'no spaces allowed' } })).toThrow(/mysql\.probeUserHost/);
    expect(() => synthPair({ virtualRouterId: 0 })).toThrow(/virtualRouterId is 0; use a whole number from 1 to 255/);
  });
});

describe('the install association', () => {
  const assoc = resourceOf(template, 'AWS::SSM::Association');
  const doc = resourceOf(template, 'AWS::SSM::Document');

  test('targets the pair by tag, one node at a time, stopping at the first error', () => {
    expect(assoc.props).toMatchObject({
      Name: { Ref: doc.id },
      Targets: [{ Key: 'tag:eip-failover:cluster', Values: ['orders-db'] }],
      MaxConcurrency: '1',
      MaxErrors: '0',
    });
    const params = resolve(assoc.props.Parameters) as Record<string, string[]>;
    expect(params.ConfigParameter).toEqual(['/eip-failover/orders-db/config']);
    expect(params.PackageUrl![0]).toMatch(/^https:\/\/s3\.eu-west-1\..*\/[0-9a-f]{64}\.zip$/);
    expect(params.ReplicationSecret).toEqual([r('Replication', 'AWS::SecretsManager::Secret')]);
  });

  test('the document downloads the package, then runs the idempotent install script', () => {
    const content = doc.props.Content as { schemaVersion: string; mainSteps: { action: string; inputs: Record<string, unknown> }[] };
    expect(content.schemaVersion).toBe('2.2');
    expect(content.mainSteps.map((s) => s.action)).toEqual(['aws:downloadContent', 'aws:runShellScript']);
    const script = (content.mainSteps[1]!.inputs.runCommand as string[]).join('\n');
    // Order: packages, Node, agent, passwords, apply, the EIP's address, bootstrap, daemons.
    const order = [
      'apt-get install',
      'nodesource',
      'install-agent.sh',
      'write_secret',
      'eip-agent apply',
      'eip-failover-address.service',
      'systemctl enable --now mariadb.service',
      'eip-agent mysql-bootstrap',
      'systemctl enable --now eip-agent.service',
    ];
    const at = order.map((s) => script.indexOf(s));
    expect(at.every((i) => i >= 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    expect(script).toContain(NODESOURCE_KEY_FINGERPRINT);
    expect(script).toContain("write_secret '{{ ReplicationSecret }}' '/etc/eip-failover/replication.password'");
    expect(script).toContain("write_secret '{{ HealthCheckSecret }}' '/etc/eip-failover/health-check.password'");
    expect(script).toContain("write_secret '{{ ProbeSecret }}' '/etc/eip-failover/probe.password'");
    // Secret values only ever go to files, from stdout.
    expect(script).toMatch(/get-secret-value .* --output text > "\$tmp"/);
    // MariaDB listens on the EIP's secondary address too (when the node has one).
    expect(script).toContain('bind="127.0.0.1,$primary_ip"; [ "$eip_ip" = "-" ] || bind="$bind,$eip_ip"');
    expect(script).toMatch(/eip-agent mysql-bootstrap .*--bind-address "\$bind"/);
  });

  test('runs only once both instances exist and have their egress address', () => {
    const deps = template.toJSON().Resources[assoc.id].DependsOn as string[];
    expect(deps).toEqual(
      expect.arrayContaining([
        resourceOf(template, 'AWS::EC2::Instance', 'NodeA').id,
        resourceOf(template, 'AWS::EC2::Instance', 'NodeB').id,
        resourceOf(template, 'AWS::EC2::EIPAssociation', 'NodeA').id,
        resourceOf(template, 'AWS::EC2::EIPAssociation', 'NodeB').id,
      ]),
    );
  });
});
