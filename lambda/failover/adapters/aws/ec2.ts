/**
 * Ec2Port on AWS. Three calls: DescribeAddresses (one allocation), DescribeInstances (a filter, so
 * a terminated-and-gone instance is just absent instead of failing the whole call), and
 * AssociateAddress. Retries are the SDK's standard mode (it retries RequestLimitExceeded and 5xx
 * with backoff); the caller's AbortSignal ends them when the invocation's time is up.
 */
import { AssociateAddressCommand, DescribeAddressesCommand, DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import type { EipAssociation } from '../../core/types';
import type { AssociateRequest, Ec2Port, InstanceView } from '../../ports';

export interface ControllerEc2ClientOptions {
  readonly region: string;
  readonly endpoint?: string;
  readonly credentials?: { accessKeyId: string; secretAccessKey: string };
  /** @default 5 */
  readonly maxAttempts?: number;
}

/** Thrown when DescribeAddresses does not list the allocation: a config or permission problem. */
export class AllocationNotFoundError extends Error {
  override readonly name = 'AllocationNotFoundError';
}

/**
 * throwOnRequestTimeout: without it @smithy/node-http-handler only logs a warning when
 * requestTimeout passes and keeps waiting.
 */
export function createControllerEc2Client(options: ControllerEc2ClientOptions): EC2Client {
  return new EC2Client({
    region: options.region,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    retryMode: 'standard',
    maxAttempts: options.maxAttempts ?? 5,
    requestHandler: { connectionTimeout: 1000, requestTimeout: 3000, throwOnRequestTimeout: true },
  });
}

export class AwsEc2 implements Ec2Port {
  constructor(private readonly ec2: EC2Client) {}

  async describeEip(allocationId: string, signal: AbortSignal): Promise<EipAssociation | null> {
    const out = await this.ec2.send(new DescribeAddressesCommand({ AllocationIds: [allocationId] }), { abortSignal: signal });
    const address = out.Addresses?.find((a) => a.AllocationId === allocationId);
    if (!address) throw new AllocationNotFoundError(`DescribeAddresses did not return ${allocationId}`);
    if (!address.AssociationId && !address.NetworkInterfaceId && !address.InstanceId && !address.PrivateIpAddress) return null;
    return {
      associationId: address.AssociationId ?? null,
      networkInterfaceId: address.NetworkInterfaceId ?? null,
      instanceId: address.InstanceId ?? null,
      privateIpAddress: address.PrivateIpAddress ?? null,
    };
  }

  async describeInstances(instanceIds: readonly string[], signal: AbortSignal): Promise<InstanceView[]> {
    const views: InstanceView[] = [];
    let NextToken: string | undefined;
    do {
      const out = await this.ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'instance-id', Values: [...instanceIds] }], NextToken }), {
        abortSignal: signal,
      });
      for (const reservation of out.Reservations ?? []) {
        for (const i of reservation.Instances ?? []) {
          if (!i.InstanceId) continue;
          views.push({
            instanceId: i.InstanceId,
            state: i.State?.Name ?? 'unknown',
            networkInterfaceIds: (i.NetworkInterfaces ?? []).flatMap((n) => (n.NetworkInterfaceId ? [n.NetworkInterfaceId] : [])),
          });
        }
      }
      NextToken = out.NextToken;
    } while (NextToken);
    return views;
  }

  async associate(request: AssociateRequest, signal: AbortSignal): Promise<{ associationId: string | null }> {
    const out = await this.ec2.send(
      new AssociateAddressCommand({
        AllocationId: request.allocationId,
        NetworkInterfaceId: request.networkInterfaceId,
        PrivateIpAddress: request.privateIpAddress,
        AllowReassociation: true,
      }),
      { abortSignal: signal },
    );
    return { associationId: out.AssociationId ?? null };
  }
}
