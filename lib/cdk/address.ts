/** The Elastic IP that follows the writer, tagged as part of the pair. */
import { Tags } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';

export interface PairAddressProps {
  readonly clusterName: string;
}

export class PairAddress extends Construct {
  /** The EIP resource; not associated here: the controller associates it with the writer. */
  public readonly eip: ec2.CfnEIP;
  /** eipalloc-... */
  public readonly allocationId: string;
  /** The public address clients use. */
  public readonly publicIp: string;

  constructor(scope: Construct, id: string, props: PairAddressProps) {
    super(scope, id);
    this.eip = new ec2.CfnEIP(this, 'Eip', { domain: 'vpc' });
    Tags.of(this.eip).add('Name', `${props.clusterName}-writer`);
    this.allocationId = this.eip.attrAllocationId;
    this.publicIp = this.eip.attrPublicIp;
  }
}
