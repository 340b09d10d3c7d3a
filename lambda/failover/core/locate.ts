/** Where the EIP is, in the pair's terms, from EC2's answer. Pure. */
import type { ClusterConfig } from '../../../lib/config/schema';
import type { EipAssociation, EipLocation } from './types';

/**
 * A node holds the EIP when the association names its ENI and its configured private IP (a
 * secondary IP on that ENI is not where clients are expected). An association without an ENI is
 * matched by instance only when EC2 gives no ENI at all. Anything else is foreign: not ours to move.
 */
export function locateEip(association: EipAssociation | null, config: ClusterConfig): EipLocation {
  if (!association || (!association.networkInterfaceId && !association.instanceId && !association.associationId)) return { kind: 'none' };
  const { networkInterfaceId: eni, instanceId, privateIpAddress: ip } = association;
  const node = config.nodes.find((n) => (eni ? eni === n.networkInterfaceId : instanceId === n.instanceId));
  const where = `ENI ${eni ?? '(none)'}, instance ${instanceId ?? '(none)'}, private IP ${ip ?? '(none)'}`;
  if (!node) return { kind: 'foreign', detail: `${config.eip.publicIp} is associated with ${where}, outside the pair` };
  if (ip && ip !== node.privateIp) {
    return { kind: 'foreign', detail: `${config.eip.publicIp} is on ${node.id}'s ENI but on private IP ${ip}, not the configured ${node.privateIp}` };
  }
  return { kind: 'node', nodeId: node.id };
}
