/**
 * EipOwnership on AWS: one read-only DescribeAddresses for the cluster's allocation id, compared
 * with the two nodes' ENIs and the private IP the EIP maps to on each (`eipPrivateIp`, else the
 * primary), so the agent and the controller agree on who holds it. EC2 reads are eventually
 * consistent, so a move shows up a little late; fencing tolerates that because it fences at once
 * on 'other' and unfences only on 'self'.
 */
import { DescribeAddressesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { eipPrivateIpOf, type ClusterConfig, type ClusterNode } from '../../lib/config/schema';
import { holderFromAddresses, type EipObservation, type PairMember } from './holder-from-address';
import type { EipHolder, EipOwnership } from './ownership';

export interface Ec2ClientOptions {
  readonly region: string;
  /** For tests and the lab; AWS_ENDPOINT_URL_EC2 works too. */
  readonly endpoint?: string;
  readonly credentials?: { accessKeyId: string; secretAccessKey: string };
}

/**
 * Short timeouts and the standard retry mode (it retries RequestLimitExceeded with backoff).
 * throwOnRequestTimeout: without it @smithy/node-http-handler 4.x only logs a warning when
 * requestTimeout passes and keeps waiting.
 */
export function createEc2Client(options: Ec2ClientOptions): EC2Client {
  return new EC2Client({
    region: options.region,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    retryMode: 'standard',
    maxAttempts: 3,
    requestHandler: { connectionTimeout: 1000, requestTimeout: 2000, throwOnRequestTimeout: true },
  });
}

export interface AwsEipOwnershipOptions {
  readonly ec2: EC2Client;
  readonly allocationId: string;
  readonly self: PairMember;
  readonly peer: PairMember;
  /** Whole call, retries included. @default 3000 */
  readonly deadlineMs?: number;
}

export class AwsEipOwnership implements EipOwnership {
  constructor(private readonly options: AwsEipOwnershipOptions) {}

  /** Builds the adapter for node `nodeId` of the cluster config. */
  static fromConfig(config: ClusterConfig, nodeId: string, ec2: EC2Client, deadlineMs?: number): AwsEipOwnership {
    const self = config.nodes.find((n) => n.id === nodeId);
    const peer = config.nodes.find((n) => n.id !== nodeId);
    if (!self || !peer) throw new Error(`node "${nodeId}" is not in the cluster config (nodes: ${config.nodes.map((n) => n.id).join(', ')})`);
    const member = (n: ClusterNode): PairMember => ({ networkInterfaceId: n.networkInterfaceId, instanceId: n.instanceId, eipPrivateIp: eipPrivateIpOf(n) });
    return new AwsEipOwnership({ ec2, allocationId: config.eip.allocationId, self: member(self), peer: member(peer), ...(deadlineMs ? { deadlineMs } : {}) });
  }

  async holder(): Promise<EipHolder> {
    return (await this.observe()).holder;
  }

  /** Like holder(), with a line for the log. Never throws. */
  async observe(): Promise<EipObservation> {
    const { ec2, allocationId, self, peer } = this.options;
    const deadlineMs = this.options.deadlineMs ?? 3000;
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), deadlineMs);
    try {
      const out = await ec2.send(new DescribeAddressesCommand({ AllocationIds: [allocationId] }), { abortSignal: abort.signal });
      return holderFromAddresses(out.Addresses, allocationId, self, peer);
    } catch (err) {
      const e = err as { name?: string; message?: string };
      const why = abort.signal.aborted ? `no answer within ${deadlineMs} ms` : `${e.name ?? 'Error'}: ${e.message ?? String(err)}`;
      return { holder: 'unknown', detail: `DescribeAddresses ${allocationId} failed: ${why}` };
    } finally {
      clearTimeout(timer);
    }
  }
}
