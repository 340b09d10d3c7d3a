/**
 * eipctl against a deployed pair. Reads: CloudFormation DescribeStacks (outputs), the cluster
 * config (SSM GetParameter), EC2 DescribeAddresses (where the EIP is), the controller's DynamoDB
 * state item (through the controller's own store), CloudWatch DescribeAlarms (the pair's alarms in
 * ALARM, by the name prefix `eip-failover <cluster> `) and each node's `eip-agent status --json`
 * through SSM Run Command. Acts through SSM Run Command too: `eip-agent prepare-takeover` and
 * `eip-agent yield` on the nodes. Region and credentials: the SDK's usual chain (or --region/--profile).
 */
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EC2Client } from '@aws-sdk/client-ec2';
import { SSMClient } from '@aws-sdk/client-ssm';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbStateStore } from '../../lambda/failover/adapters/aws/dynamodb-state-store';
import { AwsEc2 } from '../../lambda/failover/adapters/aws/ec2';
import { locateEip } from '../../lambda/failover/core/locate';
import type { ClusterConfig } from '../../lib/config/schema';
import { ConfigUnavailableError } from '../../lib/config/source';
import type { AgentStatus } from '../../node-agent/daemon/status';
import { DEFAULT_AGENT_PATH } from '../../node-agent/keepalived/render';
import type { TakeoverReport } from '../../node-agent/switchover/takeover';
import type { YieldReport } from '../../node-agent/switchover/yield';
import { nodeViewFromAgent, unreachableNode } from '../core/agent-view';
import { controllerView, historyFromState, movesFromState } from '../core/history';
import type { AlarmView, PairView } from '../core/view';
import { EipctlError, UsageError } from '../errors';
import type { NodeAgentPort, PairTarget, Progress, YieldRequest } from '../ports';
import { runShellOnInstances, type SsmRunOptions, type SsmRunResult } from './ssm-run';
import { resolvePairStack, type PairStack } from './stack';

export interface AwsClients {
  readonly cfn: CloudFormationClient;
  readonly ec2: EC2Client;
  readonly ssm: SSMClient;
  readonly cloudwatch: CloudWatchClient;
  readonly dynamo: DynamoDBDocumentClient;
}

export function createAwsClients(o: { region?: string; profile?: string }): AwsClients {
  const common = { ...(o.region ? { region: o.region } : {}), ...(o.profile ? { profile: o.profile } : {}), retryMode: 'standard' as const, maxAttempts: 4 };
  return {
    cfn: new CloudFormationClient(common),
    ec2: new EC2Client(common),
    ssm: new SSMClient(common),
    cloudwatch: new CloudWatchClient(common),
    dynamo: DynamoDBDocumentClient.from(new DynamoDBClient(common), { marshallOptions: { removeUndefinedValues: true } }),
  };
}

/** The alarm names of a pair start with this (lib/cdk/alerting.ts). */
export const alarmPrefix = (clusterName: string) => `eip-failover ${clusterName} `;

const agentCommand = (args: string) => `${DEFAULT_AGENT_PATH} ${args}`;

/** The JSON object an agent command printed on stdout, or an error that says what the node said instead. */
function agentJson<T>(r: SsmRunResult, what: string, nodeId: string): T {
  const line = r.stdout.split('\n').find((l) => l.trim().startsWith('{'));
  if (line === undefined) {
    throw new EipctlError(`${what} on ${nodeId} (${r.instanceId}) gave no report: SSM ${r.status} (${r.detail}), exit ${r.exitCode}: ${(r.stderr || r.stdout).trim().slice(0, 500) || 'no output'}`);
  }
  return JSON.parse(line) as T;
}

/** `eip-agent status --json` prints the status over several lines. */
function statusJson(r: SsmRunResult): (AgentStatus & { running: boolean }) | null {
  const start = r.stdout.indexOf('{');
  if (start < 0) return null;
  try {
    return JSON.parse(r.stdout.slice(start)) as AgentStatus & { running: boolean };
  } catch {
    return null;
  }
}

export class AwsTarget implements PairTarget {
  readonly probeEveryMs = 1000;
  readonly agent: NodeAgentPort;
  private readonly ec2: AwsEc2;
  private readonly store: DynamoDbStateStore;

  constructor(
    private readonly clients: AwsClients,
    private readonly pair: PairStack,
    private readonly region: string,
    private readonly ssmOptions: Partial<SsmRunOptions> = {},
  ) {
    this.ec2 = new AwsEc2(clients.ec2);
    this.store = new DynamoDbStateStore(clients.dynamo, pair.tableName, pair.config.clusterName);
    this.agent = new SsmNodeAgent(this);
  }

  get config(): ClusterConfig {
    return this.pair.config;
  }

  instanceOf(nodeId: string): string {
    const node = this.config.nodes.find((n) => n.id === nodeId);
    if (!node) throw new UsageError(`"${nodeId}" is not a node of cluster ${this.config.clusterName}; use one of: ${this.config.nodes.map((n) => n.id).join(', ')}`);
    return node.instanceId;
  }

  run(nodeIds: readonly string[], command: string, comment: string, timeoutSeconds: number, onSent?: (id: string) => void): Promise<SsmRunResult[]> {
    return runShellOnInstances(this.clients.ssm, nodeIds.map((id) => this.instanceOf(id)), command, { ...this.ssmOptions, comment, timeoutSeconds, ...(onSent ? { onSent } : {}) });
  }

  private async alarms(): Promise<AlarmView[]> {
    const out: AlarmView[] = [];
    let NextToken: string | undefined;
    do {
      const page = await this.clients.cloudwatch.send(new DescribeAlarmsCommand({ AlarmNamePrefix: alarmPrefix(this.config.clusterName), StateValue: 'ALARM', ...(NextToken ? { NextToken } : {}) }));
      for (const a of page.MetricAlarms ?? []) out.push({ name: a.AlarmName ?? '?', reason: a.StateReason ?? '', sinceMs: a.StateUpdatedTimestamp?.getTime() ?? null });
      for (const a of page.CompositeAlarms ?? []) out.push({ name: a.AlarmName ?? '?', reason: a.StateReason ?? '', sinceMs: a.StateUpdatedTimestamp?.getTime() ?? null });
      NextToken = page.NextToken;
    } while (NextToken);
    return out;
  }

  async eipHolder(): Promise<{ holder: string | null; foreign: string | null }> {
    const where = locateEip(await this.ec2.describeEip(this.config.eip.allocationId, new AbortController().signal), this.config);
    return where.kind === 'node' ? { holder: where.nodeId, foreign: null } : { holder: null, foreign: where.kind === 'foreign' ? where.detail : null };
  }

  async view(): Promise<PairView> {
    const config = this.config;
    const ids = config.nodes.map((n) => n.id);
    const [eip, state, alarms, statuses] = await Promise.all([this.eipHolder(), this.store.get(), this.alarms(), this.nodeStatuses(ids)]);
    const nowMs = Date.now();
    const nodes = config.nodes.map((n, i) => {
      const r = statuses[i]!;
      if (r instanceof Error) return unreachableNode(n, `SSM: ${r.message}`);
      const s = statusJson(r);
      if (!s) return unreachableNode(n, `SSM ${r.status} (${r.detail}): ${(r.stderr || r.stdout).trim().slice(0, 300) || 'no output'}`);
      return nodeViewFromAgent(n, s, s.running, nowMs);
    });
    return {
      source: 'aws',
      target: `stack ${this.pair.stackName} (${this.region})`,
      clusterName: config.clusterName,
      nopreempt: config.vrrp.nopreempt,
      eip: { publicIp: config.eip.publicIp, ...eip },
      nodes,
      lastMoves: movesFromState(state?.state ?? null),
      alarms,
      controller: controllerView(state?.state ?? null, nowMs),
      notes: [],
      observedAtMs: nowMs,
    };
  }

  /** One SSM command for both nodes; when SSM refuses it (say, one instance is not managed), one per node, to tell which. */
  private async nodeStatuses(ids: readonly string[]): Promise<Array<SsmRunResult | Error>> {
    const command = agentCommand('status --json');
    try {
      return await this.run(ids, command, 'eipctl status', 60);
    } catch {
      return Promise.all(ids.map((id) => this.run([id], command, 'eipctl status', 60).then((r) => r[0]!, (err: Error) => err)));
    }
  }

  async history(limit: number) {
    const state = await this.store.get();
    return {
      entries: historyFromState(state?.state ?? null, limit),
      source: `the controller's state item in DynamoDB table ${this.pair.tableName} (the latest move, failed move, alerts and reports only; every decision is in the controller's CloudWatch Logs)`,
    };
  }

  readonly probe = {
    eipHolder: async () => (await this.eipHolder()).holder,
    readOnly: async (nodeId: string): Promise<boolean | null> => {
      const [r] = await this.run([nodeId], agentCommand('status --json'), 'eipctl switchover: confirm', 60);
      return statusJson(r!)?.db.readOnly ?? null;
    },
  };
}

class SsmNodeAgent implements NodeAgentPort {
  constructor(private readonly t: AwsTarget) {}

  async prepareTakeover(nodeId: string, forMs: number): Promise<TakeoverReport> {
    const [r] = await this.t.run([nodeId], agentCommand(`prepare-takeover --json --for-ms ${forMs}`), `eipctl switchover: prepare ${nodeId}`, 60);
    return agentJson<TakeoverReport>(r!, 'eip-agent prepare-takeover', nodeId);
  }

  async cancelTakeover(nodeId: string): Promise<void> {
    const [r] = await this.t.run([nodeId], agentCommand('prepare-takeover --cancel --json'), `eipctl switchover: cancel ${nodeId}`, 60);
    agentJson<TakeoverReport>(r!, 'eip-agent prepare-takeover --cancel', nodeId);
  }

  async yieldWriter(nodeId: string, req: YieldRequest, abort: AbortSignal, progress: Progress): Promise<YieldReport> {
    const timeoutSeconds = Math.ceil((req.catchUpTimeoutMs + req.handoverTimeoutMs) / 1000) + 60;
    // Ctrl-C cannot reach a remote process: a second command asks the running yield to roll back.
    const onAbort = () => {
      progress(`asking eip-agent yield on ${nodeId} to roll back (eip-agent yield --abort)`);
      this.t.run([nodeId], agentCommand('yield --abort'), `eipctl switchover: abort on ${nodeId}`, 60).catch((err: Error) => progress(`the abort request failed: ${err.message}`));
    };
    abort.addEventListener('abort', onAbort, { once: true });
    try {
      const args = `yield --json --catch-up-timeout-ms ${req.catchUpTimeoutMs} --handover-timeout-ms ${req.handoverTimeoutMs}`;
      const [r] = await this.t.run([nodeId], agentCommand(args), `eipctl switchover: yield on ${nodeId}`, timeoutSeconds, (id) => progress(`eip-agent yield running on ${nodeId} (SSM command ${id}); its progress is in the command's output`));
      if (r!.stderr.trim()) for (const line of r!.stderr.trim().split('\n')) progress(`  [${nodeId}] ${line}`);
      return agentJson<YieldReport>(r!, 'eip-agent yield', nodeId);
    } finally {
      abort.removeEventListener('abort', onAbort);
    }
  }
}

export interface AwsTargetOptions {
  readonly stack?: string;
  readonly cluster?: string;
  readonly region?: string;
  readonly profile?: string;
  readonly progress: Progress;
  /** For tests: clients to use instead of new ones. */
  readonly clients?: AwsClients;
  readonly ssm?: Partial<SsmRunOptions>;
}

export async function awsTarget(o: AwsTargetOptions): Promise<AwsTarget> {
  const clients = o.clients ?? createAwsClients(o);
  let region: string;
  try {
    region = await clients.cfn.config.region();
  } catch {
    throw new UsageError('no AWS region: pass --region, set AWS_REGION, or use a profile that has one (--profile)');
  }
  try {
    const pair = await resolvePairStack(clients.cfn, clients.ssm, { stack: o.stack, cluster: o.cluster, region });
    return new AwsTarget(clients, pair, region, o.ssm);
  } catch (err) {
    if (err instanceof ConfigUnavailableError) throw new EipctlError(err.message);
    throw err;
  }
}
