/**
 * EipMappingPort on AWS: DescribeAddresses of the pair's allocation, through the controller's own
 * EC2 adapter (the same reading of the answer), with few attempts: the round's deadline is near.
 */
import type { EipAssociation } from '../../failover/core/types';
import { AwsEc2, createControllerEc2Client } from '../../failover/adapters/aws/ec2';
import type { EipMappingPort } from '../ports';

export class AwsEipMapping implements EipMappingPort {
  constructor(
    private readonly ec2: Pick<AwsEc2, 'describeEip'>,
    private readonly allocationId: string,
  ) {}

  static inRegion(region: string, allocationId: string): AwsEipMapping {
    return new AwsEipMapping(new AwsEc2(createControllerEc2Client({ region, maxAttempts: 2 })), allocationId);
  }

  describe(signal: AbortSignal): Promise<EipAssociation | null> {
    return this.ec2.describeEip(this.allocationId, signal);
  }
}
