/** Several pairs in one app: no clashes of names, outputs or logical ids. */
import { App } from 'aws-cdk-lib';
import { EipFailoverStack } from '../../lib/cdk/stack';
import { NO_BUNDLING, stubAgentPackage, synthPairs } from './cdk-fixture';

const { template } = synthPairs([{ clusterName: 'orders-db' }, { clusterName: 'billing-db', vpcCidr: '10.43.0.0/16', virtualRouterId: 52 }]);

test('each pair has its own bus, parameter, instances and outputs', () => {
  template.resourceCountIs('AWS::EC2::Instance', 4);
  template.resourceCountIs('AWS::Lambda::Function', 4); // a controller and a probe per pair
  const busNames = Object.values(template.findResources('AWS::Events::EventBus')).map((r) => r.Properties.Name);
  expect(busNames.sort()).toEqual(['eip-failover-billing-db', 'eip-failover-orders-db']);
  const params = Object.values(template.findResources('AWS::SSM::Parameter')).map((r) => r.Properties.Name);
  expect(params.sort()).toEqual(['/eip-failover/billing-db/config', '/eip-failover/orders-db/config']);
  const outputs = Object.keys(template.findOutputs('*'));
  for (const p of ['OrdersDb', 'BillingDb']) {
    for (const o of ['EipPublicIp', 'EipAllocationId', 'NodeAInstanceId', 'NodeBInstanceId', 'EventBusName', 'ControllerFunctionName', 'StateTableName', 'ConfigParameterName', 'AlarmTopicArn']) {
      expect(outputs).toContain(`${p}${o}`);
    }
  }
});

test('the same clusterName twice in one app is refused, in one stack or in two', () => {
  expect(() => synthPairs([{ clusterName: 'orders-db' }, { clusterName: 'orders-db' }])).toThrow(/pairs\[1\]\.clusterName repeats "orders-db"/);
  const app = new App({ context: NO_BUNDLING });
  new EipFailoverStack(app, 'One', { pairs: [{ clusterName: 'orders-db', agentPackageDir: stubAgentPackage() }] });
  expect(() => new EipFailoverStack(app, 'Two', { pairs: [{ clusterName: 'orders-db', agentPackageDir: stubAgentPackage() }] })).toThrow(
    /clusterName "orders-db" is already used by another pair in this app/,
  );
});
