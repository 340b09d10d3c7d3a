/** Pure: maps one DescribeAddresses answer to the EIP's holder from this node's point of view. */
import type { Address } from '@aws-sdk/client-ec2';
import type { EipHolder } from './ownership';

export interface PairMember {
  readonly networkInterfaceId: string;
  readonly instanceId: string;
  /**
   * The private IP the EIP maps to on this member (the config's `eipPrivateIp`, else `privateIp`).
   * When EC2 names another address of the member's ENI, the member does not hold the EIP, as the
   * controller sees it (lambda/failover/core/locate.ts). Unset: any address of the ENI counts.
   */
  readonly eipPrivateIp?: string;
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
  const ip = address.PrivateIpAddress;
  if (!eni && !instance && !ip) {
    return address.AssociationId
      ? { holder: 'unknown', detail: `${allocationId} has association ${address.AssociationId} but no ENI, instance or private IP` }
      : { holder: 'none', detail: `${allocationId} is not associated` };
  }
  // In a VPC an association names the ENI; the instance id, then the private IP, are fallbacks for odd answers.
  const is = (m: PairMember) => (eni ? eni === m.networkInterfaceId : instance ? instance === m.instanceId : m.eipPrivateIp !== undefined && ip === m.eipPrivateIp);
  const onIt = (m: PairMember) => !ip || m.eipPrivateIp === undefined || ip === m.eipPrivateIp;
  const where = `${eni ?? 'no ENI'}${instance ? ` (${instance})` : ''}${ip ? ` on ${ip}` : ''}`;
  for (const [m, holder, whose] of [[self, 'self', 'this node'], [peer, 'other', 'the peer']] as const) {
    if (!is(m)) continue;
    if (onIt(m)) return { holder, detail: `${allocationId} is on ${whose}: ${where}` };
    // Clients do not reach the database there, and the controller counts it as foreign: never 'self'.
    return { holder: 'other', detail: `${allocationId} is on ${whose}'s ENI but not on its EIP address ${m.eipPrivateIp}: ${where}` };
  }
  return { holder: 'other', detail: `${allocationId} is on ${where}, outside the pair` };
}
