/** A stack holding one or more pairs. */
import { Stack, type StackProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { vpcFromSettings, type AppSettings } from './context';
import { EipFailoverPair, type EipFailoverPairProps } from './pair';
import { pascal } from './names';
import { PropError } from './validate';

export interface EipFailoverStackProps extends StackProps {
  /** The pairs in this stack (at least one), each with its own clusterName. */
  readonly pairs: readonly EipFailoverPairProps[];
  /** An existing VPC by attributes (no lookup), used by every pair that names no `vpc`. @default none */
  readonly existingVpc?: AppSettings['existingVpc'];
}

export class EipFailoverStack extends Stack {
  public readonly pairs: readonly EipFailoverPair[];

  constructor(scope: Construct, id: string, props: EipFailoverStackProps) {
    super(scope, id, props);
    if (props.pairs.length === 0) throw new PropError(`EipFailoverStack ${id}`, 'pairs', 'is empty', 'give at least one pair');
    props.pairs.forEach((p, i) => {
      const first = props.pairs.findIndex((q) => q.clusterName === p.clusterName);
      if (first !== i) throw new PropError(`EipFailoverStack ${id}`, `pairs[${i}].clusterName`, `repeats "${p.clusterName}" (pairs[${first}])`, 'give each pair its own clusterName');
    });
    const vpc = vpcFromSettings(this, props);
    this.pairs = props.pairs.map((p) => new EipFailoverPair(this, pascal(p.clusterName), { vpc, ...p }));
  }
}
