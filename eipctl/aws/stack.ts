/**
 * Finding the pair on AWS: the stack's outputs (`<ClusterName><What>`, lib/cdk/pair.ts) name the
 * cluster config parameter and the controller's state table; the config (SSM Parameter Store) has
 * the rest: nodes, instance ids, ENIs, the EIP allocation.
 */
import { DescribeStacksCommand, type CloudFormationClient } from '@aws-sdk/client-cloudformation';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { pascal } from '../../lib/cdk/names';
import { parseClusterConfigText } from '../../lib/config/parse';
import type { ClusterConfig } from '../../lib/config/schema';
import { readSsmParameterText } from '../../lib/config/ssm-read';
import { EipctlError, UsageError } from '../errors';

export interface PairStack {
  readonly stackName: string;
  readonly config: ClusterConfig;
  readonly tableName: string;
  readonly configParameterName: string;
}

const CONFIG_OUTPUT = 'ConfigParameterName';
const TABLE_OUTPUT = 'StateTableName';

export const defaultStackName = (cluster: string) => `EipFailover-${cluster}`;

export async function resolvePairStack(cfn: CloudFormationClient, ssm: SSMClient, o: { stack?: string; cluster?: string; region: string }): Promise<PairStack> {
  const stackName = o.stack ?? defaultStackName(o.cluster!);
  let outputs: Array<{ OutputKey?: string; OutputValue?: string }>;
  try {
    const out = await cfn.send(new DescribeStacksCommand({ StackName: stackName }));
    outputs = out.Stacks?.[0]?.Outputs ?? [];
  } catch (err) {
    const e = err as Error;
    if (/does not exist/.test(e.message)) throw new EipctlError(`stack ${stackName} does not exist in ${o.region}: check --stack, --region and --profile`);
    throw new EipctlError(`cannot describe stack ${stackName} in ${o.region}: ${e.name}: ${e.message}`);
  }
  const value = (key: string) => outputs.find((x) => x.OutputKey === key)?.OutputValue;
  const prefixes = outputs.filter((x) => x.OutputKey?.endsWith(CONFIG_OUTPUT)).map((x) => x.OutputKey!.slice(0, -CONFIG_OUTPUT.length));
  let prefix: string;
  if (o.cluster) {
    prefix = pascal(o.cluster);
    if (!prefixes.includes(prefix)) throw new UsageError(`--cluster ${o.cluster}: stack ${stackName} has no pair of that name (outputs ${prefix}${CONFIG_OUTPUT}); it has: ${prefixes.join(', ') || 'none'}`);
  } else if (prefixes.length === 1) prefix = prefixes[0]!;
  else if (prefixes.length === 0) throw new EipctlError(`stack ${stackName} has no eip-failover pair (no *${CONFIG_OUTPUT} output): is it the right stack?`);
  else throw new UsageError(`stack ${stackName} holds ${prefixes.length} pairs (${prefixes.join(', ')}): pick one with --cluster`);
  const configParameterName = value(`${prefix}${CONFIG_OUTPUT}`)!;
  const tableName = value(`${prefix}${TABLE_OUTPUT}`);
  if (!tableName) throw new EipctlError(`stack ${stackName} has no ${prefix}${TABLE_OUTPUT} output: deploy the current version of the stack`);
  const config = parseClusterConfigText(await readSsmParameterText(configParameterName, { ssm, region: o.region }), `ssm:${configParameterName}`);
  return { stackName, config, tableName, configParameterName };
}
