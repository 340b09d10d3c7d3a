/** Where the EIP is, in the pair's terms, from EC2's answer. Pure. */
import { eipPrivateIpOf, type ClusterConfig } from '../../../lib/config/schema';
import type { EipAssociation, EipLocation } from './types';

/**
 * A node holds the EIP when the association names its ENI and the private IP the EIP maps to on
 * that node (`eipPrivateIp`, else the primary `privateIp`): the EIP on another address of the ENI
 * (say the primary, which carries the node's own public IPv4) is not where clients are expected.
 * The node is found by ENI; without an ENI by instance; with neither, by that private IP alone.
 * Anything else is foreign: not ours to move.
 */
export function locateEip(association: EipAssociation | null, config: ClusterConfig): EipLocation {
  if (!association) return { kind: 'none' };
  const { networkInterfaceId: eni, instanceId, privateIpAddress: ip } = association;
  if (!eni && !instanceId && !association.associationId && !ip) return { kind: 'none' };
  const node = config.nodes.find((n) => (eni ? eni === n.networkInterfaceId : instanceId ? instanceId === n.instanceId : ip === eipPrivateIpOf(n)));
  const where = `ENI ${eni ?? '(none)'}, instance ${instanceId ?? '(none)'}, private IP ${ip ?? '(none)'}`;
  if (!node) return { kind: 'foreign', detail: `${config.eip.publicIp} is associated with ${where}, outside the pair` };
  const expected = eipPrivateIpOf(node);
  if (ip && ip !== expected) {
    const field = node.eipPrivateIp === undefined ? 'privateIp' : 'eipPrivateIp';
    return { kind: 'foreign', detail: `${config.eip.publicIp} is on ${node.id}'s ENI but on private IP ${ip}, not the configured ${field} ${expected}` };
  }
  return { kind: 'node', nodeId: node.id };
}
