/**
 * The text of every alarm: what it means, likely causes, the first commands to run, and the
 * section of docs/alarms.md (same anchors; a test keeps the two in step). CloudWatch puts the
 * description in the notification mail, so it must stand on its own at 3 a.m. Pure.
 */
import { TAG_CLUSTER, TAG_NODE } from '../names';
import type { ResolvedThresholds } from './thresholds';

/** What a description may name: literals, or deploy-time values (tokens) such as a log group name. */
export interface RunbookContext {
  readonly clusterName: string;
  readonly thresholds: ResolvedThresholds;
  /** Base of the links: a URL of docs/alarms.md, or the path in the repository. */
  readonly runbookUrl: string;
  readonly probeLogGroup: string;
  readonly probeFunctionName: string;
  readonly controllerLogGroup: string;
  readonly controllerFunctionName: string;
  readonly deadLetterQueueUrl: string;
}

/** One section of docs/alarms.md; the anchor is the heading's (GitHub lower-cases it). */
export const RUNBOOK_SECTIONS = [
  'WriterDown',
  'WriterUnreachableProbeOnly',
  'SplitBrain',
  'WriterInconsistent',
  'NodeDown',
  'ReplicationStopped',
  'ReplicationLag',
  'ErrantWrites',
  'GtidDiverged',
  'ConnectionSaturation',
  'ProbeNotReporting',
  'ControllerErrors',
  'ControllerSilent',
  'MoveFailures',
  'StateConflicts',
  'NotificationFailures',
  'DeadLetters',
  'EipMoved',
  'Signals',
] as const;
export type RunbookSection = (typeof RUNBOOK_SECTIONS)[number];

export const anchorOf = (section: RunbookSection): string => section.toLowerCase();

interface Text {
  readonly meaning: string;
  readonly causes?: string;
  readonly first?: string;
}

/** `node`: the node a per-node alarm is about; `minutes`/`threshold`: the alarm's own settings. */
export interface TextInput {
  readonly section: RunbookSection;
  readonly node?: string;
  readonly minutes?: number;
  readonly threshold?: number;
  /** For the signals: what it feeds and what it says. */
  readonly signal?: string;
}

/** The full description: meaning, causes, first commands, link. */
export function alarmDescription(input: TextInput, ctx: RunbookContext): string {
  const t = textOf(input, ctx);
  return [t.meaning, t.causes && `Likely: ${t.causes}`, t.first && `First: ${t.first}`, `Runbook: ${ctx.runbookUrl}#${anchorOf(input.section)}`].filter(Boolean).join('\n');
}

function textOf(input: TextInput, ctx: RunbookContext): Text {
  const c = ctx.clusterName;
  const n = input.node ?? '?';
  const m = input.minutes ?? 1;
  const min = `${m} min`;
  const eip = `aws ec2 describe-addresses --filters Name=tag:${TAG_CLUSTER},Values=${c}`;
  const probeLog = `aws logs tail ${ctx.probeLogGroup} --since 15m`;
  const ctlLog = `aws logs tail ${ctx.controllerLogGroup} --since 15m`;
  const onNode = `on ${n} (Session Manager, instance tagged ${TAG_NODE}=${n})`;
  switch (input.section) {
    case 'WriterDown':
      return {
        meaning: `PAGE. Writes through the Elastic IP of ${c} reach no writable database for ${min}, and the pair itself agrees: a node's replication lost its source, the controller sees no healthy writer, or every node that answers is read_only. Client writes are failing.`,
        causes: 'the writer (host, AZ or MariaDB) is down and the failover did not finish: the peer unhealthy or lagging, the EIP move failed, the new master still fenced; or both nodes are down.',
        first: `eipctl status; ${eip}; on each node: eip-agent status, systemctl status mariadb keepalived eip-agent; ${ctlLog}.`,
      };
    case 'WriterUnreachableProbeOnly':
      return {
        meaning: `The probe of ${c} has reached no writable server on the EIP's node for ${min}, but the pair looks healthy from inside: replication runs on both nodes and the controller sees a healthy writer. Clients may be fine; the probe's own path may be broken.`,
        causes: "the probe's security group, subnet or VPC endpoints; the probe user's password or grants; or the EIP on a read_only node (see WriterInconsistent).",
        first: `${probeLog} (ProbeFailures reasons); eipctl status; a test write through the EIP from a client.`,
      };
    case 'SplitBrain':
      return {
        meaning: `More than one node of ${c} accepts writes (read_only OFF), seen by the probe in 2 of the last 3 minutes. Writes on both sides diverge the data.`,
        causes: 'fencing failed (agent stopped), a manual SET GLOBAL read_only=OFF, a healed network partition.',
        first: `eipctl status; ${eip}; on the node NOT holding the EIP: SET GLOBAL read_only=ON; then look for errant writes (ErrantWrites) before anything else.`,
      };
    case 'WriterInconsistent':
      return {
        meaning: `For ${min} no probe round of ${c} found the node the EIP maps to, the writable node and the node answering on the EIP's target to be the same.`,
        causes: 'the EIP on a read_only node (failover stuck in the controller or in fencing), the EIP associated outside the pair, a config that names the wrong private IP.',
        first: `eipctl status; ${eip}; ${ctlLog}.`,
      };
    case 'NodeDown':
      return {
        meaning: `Node ${n} of ${c} answered none of the probe's MySQL connections for ${min}. If it was the writer, see WriterDown; otherwise the pair runs without a standby.`,
        causes: 'the instance stopped or impaired, MariaDB stopped or hung, max_connections reached, a security group change.',
        first: `${probeLog} (the failure reason); ${onNode}: systemctl status mariadb, journalctl -u mariadb -n 50, eip-agent status.`,
      };
    case 'ReplicationStopped':
      return {
        meaning: `On ${n} of ${c} the replication IO or SQL thread has not run for ${min}: ${n} no longer applies its peer's writes, so the pair has no up-to-date standby.`,
        causes: 'the peer down (IO thread), a replication error such as a duplicate key (SQL thread; 1062 on both nodes just after a failover: an in-doubt commit the application retried, see the runbook), errant writes, the replication password or grant.',
        first: `${onNode}: mariadb -e 'SHOW REPLICA STATUS\\G' (Last_IO_Error, Last_SQL_Error), eip-agent status.`,
      };
    case 'ReplicationLag':
      return {
        meaning:
          `${n} of ${c} is more than ${input.threshold} s behind its peer's heartbeat for ${min} (the worst probe round of each minute).` +
          (input.threshold === ctx.thresholds.lagCriticalSec ? ' The controller refuses a failover target further behind than its maxReplicaLagSec (default 10 s): a failover now may be refused.' : ''),
        causes: "a long transaction or bulk load on the writer, the standby's disk or CPU, the network between the AZs, a stopped SQL thread.",
        first: `${onNode}: mariadb -e 'SHOW REPLICA STATUS\\G' (Seconds_Behind_Master, Slave_SQL_Running_State), SHOW PROCESSLIST; long transactions on the writer.`,
      };
    case 'ErrantWrites':
      return {
        meaning: `Someone wrote to ${n} of ${c} while it was the read-only standby (its own GTID sequence rose). It bypassed fencing; the write normally replicates to the writer, so check it was intended.`,
        causes: 'an account with READ ONLY ADMIN (or SUPER on older servers) writing to the standby, a client pointed at the node instead of the EIP, a maintenance script.',
        first: `${probeLog} (the GTIDs are in the round's log line); ${onNode}: mariadb-binlog of the GTID; SHOW PROCESSLIST.`,
      };
    case 'GtidDiverged':
      return {
        meaning: `${n} of ${c}, the standby, holds transactions the writer lacks (errant GTIDs) in every probe round for ${min}: the data has diverged. A failover to ${n} would serve data the writer never had.`,
        causes: `writes on ${n} that did not replicate (replication from ${n} to the writer stopped), a failover that left asynchronous commits behind, a healed partition.`,
        first: `${onNode}: SELECT @@gtid_binlog_state, @@gtid_slave_pos; the same on the writer; inspect the errant range with mariadb-binlog; decide keep or discard before any switchover.`,
      };
    case 'ConnectionSaturation':
      return {
        meaning: `${n} of ${c} used more than ${input.threshold}% of max_connections for ${min}. At 100% new connections, the health check and the probe are refused ('too many connections'), which can fail the node over.`,
        causes: 'a client connection leak or oversized pools, slow queries holding connections.',
        first: `${onNode}: SHOW PROCESSLIST; SHOW GLOBAL STATUS LIKE 'Threads_connected'; SELECT @@max_connections.`,
      };
    case 'ProbeNotReporting':
      return {
        meaning: `The probe of ${c} has completed no round for ${min} (missing data counts as breaching). You are blind to the pair's health and the writer alarms cannot fire.`,
        causes: 'the probe Lambda failing (config parameter, secret, VPC endpoints, timeout), throttled, or its schedule disabled.',
        first: `${probeLog}; aws lambda get-function --function-name ${ctx.probeFunctionName}.`,
      };
    case 'ControllerErrors':
      return {
        meaning: `The failover controller of ${c} failed invocations in 2 of the last 3 minutes. A failed event is retried once, then goes to the dead-letter queue; while it fails, no failover happens.`,
        causes: 'DynamoDB or EC2 throttling or permissions, an unreadable config parameter, a code error.',
        first: `${ctlLog} --filter-pattern ERROR.`,
      };
    case 'ControllerSilent':
      return {
        meaning: `The failover controller of ${c} has not run for ${min} although its reconcile tick fires every minute: nobody watches the writer.`,
        causes: 'the reconcile rule disabled, the function throttled (reserved concurrency 1) or deleted.',
        first: `aws lambda get-function-concurrency --function-name ${ctx.controllerFunctionName}; ${ctlLog}.`,
      };
    case 'MoveFailures':
      return {
        meaning: `The controller of ${c} decided to move the Elastic IP and the move failed (AssociateAddress refused or never confirmed). The EIP may point at a dead or read_only node.`,
        causes: `IAM (an instance or interface without its ${TAG_CLUSTER} tag), EC2 throttling, the EIP associated outside the pair.`,
        first: `${ctlLog}; ${eip}; eipctl status.`,
      };
    case 'StateConflicts':
      return {
        meaning: `The controller of ${c} lost conditional writes to its state table in 2 of the last 3 minutes (two invocations deciding at once). Single conflicts are retried; repeated ones drop decisions.`,
        causes: 'reserved concurrency changed from 1, a second controller, a manual edit of the table.',
        first: `aws lambda get-function-concurrency --function-name ${ctx.controllerFunctionName}; ${ctlLog}.`,
      };
    case 'NotificationFailures':
      return {
        meaning: `The controller of ${c} could not publish its notices to the SNS topic: moves and split-brain notices are not being mailed.`,
        causes: "the topic's KMS key policy, the function's sns:Publish or kms:GenerateDataKey permission, a deleted topic.",
        first: `${ctlLog} --filter-pattern NotificationFailures.`,
      };
    case 'DeadLetters':
      return {
        meaning: `At least ${input.threshold} event(s) the controller of ${c} could not handle wait in its dead-letter queue. The reconcile tick covers a lost transition, but each message is a failure to read.`,
        causes: 'controller errors (see ControllerErrors), events older than the maximum event age.',
        first: `aws sqs receive-message --queue-url ${ctx.deadLetterQueueUrl} --max-number-of-messages 10; once read, aws sqs purge-queue --queue-url ${ctx.deadLetterQueueUrl} (the alarm clears when the queue is empty).`,
      };
    case 'EipMoved':
      return {
        meaning: `Information: the controller of ${c} moved the Elastic IP in the last minute. Its own notice says from which node to which and why.`,
        first: `if you did not expect a failover: eipctl history; ${ctlLog}.`,
      };
    case 'Signals':
      return { meaning: `No mail of its own: an input of the WriterDown and WriterUnreachableProbeOnly composite alarms of ${c}. ${input.signal ?? ''}`.trim() };
  }
}
