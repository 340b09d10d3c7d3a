/** locateEip: which node holds the EIP, from DescribeAddresses' ENI, instance and private IP. Pure. */
import { locateEip } from '../../lambda/failover/core/locate';
import type { EipAssociation, EipLocation } from '../../lambda/failover/core/types';
import { config, secondaryIpConfig } from './failover-fixtures';

const [A, B] = secondaryIpConfig.nodes;
const assoc = (over: Partial<EipAssociation>): EipAssociation => ({ associationId: 'eipassoc-0123456789abcdef0', networkInterfaceId: null, instanceId: null, privateIpAddress: null, ...over });
const foreign = (detail: RegExp) => ({ kind: 'foreign', detail: expect.stringMatching(detail) as unknown as string });

describe('locateEip with nodes[].eipPrivateIp (the EIP on a secondary private IP)', () => {
  const rows: Array<[string, EipAssociation | null, EipLocation | ReturnType<typeof foreign>]> = [
    ['ENI and the secondary IP of db-b', assoc({ networkInterfaceId: B.networkInterfaceId, instanceId: B.instanceId, privateIpAddress: B.eipPrivateIp! }), { kind: 'node', nodeId: 'db-b' }],
    ['ENI only (no private IP in the answer)', assoc({ networkInterfaceId: A.networkInterfaceId }), { kind: 'node', nodeId: 'db-a' }],
    ['private IP only: found by the secondary IP', assoc({ privateIpAddress: A.eipPrivateIp! }), { kind: 'node', nodeId: 'db-a' }],
    ['instance and secondary IP, no ENI', assoc({ instanceId: B.instanceId, privateIpAddress: B.eipPrivateIp! }), { kind: 'node', nodeId: 'db-b' }],
    ["db-a's ENI but its primary IP (where its own public IPv4 lives)", assoc({ networkInterfaceId: A.networkInterfaceId, privateIpAddress: A.privateIp }), foreign(/db-a's ENI but on private IP 10\.0\.1\.10, not the configured eipPrivateIp 10\.0\.1\.11/)],
    ["db-b's secondary IP reported on db-a's ENI", assoc({ networkInterfaceId: A.networkInterfaceId, privateIpAddress: B.eipPrivateIp! }), foreign(/db-a's ENI but on private IP 10\.0\.2\.11/)],
    ['private IP only, a primary address', assoc({ privateIpAddress: A.privateIp }), foreign(/outside the pair/)],
    ['private IP only, unknown', assoc({ privateIpAddress: '10.0.9.9' }), foreign(/private IP 10\.0\.9\.9, outside the pair/)],
    ['an ENI outside the pair', assoc({ networkInterfaceId: 'eni-0cccccccccccccccc', privateIpAddress: A.eipPrivateIp! }), foreign(/ENI eni-0cccccccccccccccc.*outside the pair/)],
    ['not associated', null, { kind: 'none' }],
    ['an empty association', { associationId: null, networkInterfaceId: null, instanceId: null, privateIpAddress: null }, { kind: 'none' }],
    ['an association id and nothing else', assoc({}), foreign(/outside the pair/)],
  ];
  test.each(rows)('%s', (_name, association, expected) => {
    expect(locateEip(association, secondaryIpConfig)).toEqual(expected);
  });
});

describe('locateEip without eipPrivateIp (the EIP on the primary address)', () => {
  const [a] = config.nodes;
  test('the primary IP is the expected one; any other address of the ENI is foreign', () => {
    expect(locateEip(assoc({ networkInterfaceId: a.networkInterfaceId, privateIpAddress: a.privateIp }), config)).toEqual({ kind: 'node', nodeId: 'db-a' });
    expect(locateEip(assoc({ privateIpAddress: a.privateIp }), config)).toEqual({ kind: 'node', nodeId: 'db-a' });
    expect(locateEip(assoc({ networkInterfaceId: a.networkInterfaceId, privateIpAddress: '10.0.1.11' }), config)).toEqual(
      foreign(/db-a's ENI but on private IP 10\.0\.1\.11, not the configured privateIp 10\.0\.1\.10/),
    );
  });
});
