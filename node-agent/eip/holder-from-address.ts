/** Pure: maps one DescribeAddresses answer to the EIP's holder from this node's point of view. */
import type { Address } from '@aws-sdk/client-ec2';
import type { EipHolder } from './ownership';

export interface PairMember {
  readonly networkInterfaceId: string;
  readonly instanceId: string;
}

export interface EipObservation {
  readonly holder: EipHolder;
  /** One line for the log: where the EIP is, or why we cannot tell. */
  readonly detail: string;
}

export function holderFromAddresses(addresses: readonly Address[] | undefined, allocationId: string, self: PairMember, peer: PairMember): EipObservation {
  const address = addresses?.find((a) => a.AllocationId === allocationId);
  if (!address) return { holder: 'unknown', detail: `DescribeAddresses did not return ${allocationId}` };
  const eni = address.NetworkInterfaceId;
  const instance = address.InstanceId;
  if (!eni && !instance) {
    return address.AssociationId
      ? { holder: 'unknown', detail: `${allocationId} has association ${address.AssociationId} but no ENI or instance` }
      : { holder: 'none', detail: `${allocationId} is not associated` };
  }
  // In a VPC an association names the ENI; the instance id is a fallback for odd answers.
  const is = (m: PairMember) => (eni ? eni === m.networkInterfaceId : instance === m.instanceId);
  const where = `${eni ?? 'no ENI'}${instance ? ` (${instance})` : ''}`;
  if (is(self)) return { holder: 'self', detail: `${allocationId} is on this node: ${where}` };
  if (is(peer)) return { holder: 'other', detail: `${allocationId} is on the peer: ${where}` };
  return { holder: 'other', detail: `${allocationId} is on ${where}, outside the pair` };
}
