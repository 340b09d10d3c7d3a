/**
 * Notices as text for people (SNS e-mail, chat, the lab's console). Pure. Every message says which
 * address, which nodes (with AZ), why, how long, and what to check next.
 */
import type { ClusterConfig } from '../../../lib/config/schema';
import type { AlertKind, Notice } from './types';

export interface NoticeText {
  /** ASCII, no line breaks, at most 100 characters (SNS Subject rules). */
  readonly subject: string;
  readonly body: string;
}

const ALERT_NAME: Record<AlertKind, string> = {
  splitBrain: 'split brain',
  noHealthyWriter: 'no healthy writer',
  foreignAssociation: 'EIP on a foreign interface',
};

function seconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;
}

export function toSubject(text: string): string {
  const ascii = text.replace(/[^\x20-\x7e]/g, '?').replace(/\s+/g, ' ').trim();
  return ascii.length <= 100 ? ascii : `${ascii.slice(0, 97)}...`;
}

export function renderNotice(notice: Notice, config: ClusterConfig, nowMs: number): NoticeText {
  const ip = config.eip.publicIp;
  const name = (id: string | null) => {
    if (id === null) return 'nowhere (not associated)';
    const n = config.nodes.find((x) => x.id === id);
    return n ? `${n.id} (${n.instanceId}, ${n.availabilityZone}, ${n.privateIp})` : id;
  };
  const tag = `[eip-failover ${config.clusterName}]`;
  const lines = (...l: string[]) => l.join('\n');
  switch (notice.kind) {
    case 'moved':
      return {
        subject: toSubject(`${tag} ${ip} moved ${notice.fromNodeId ?? 'nowhere'} -> ${notice.toNodeId}`),
        body: lines(
          `The Elastic IP ${ip} (${config.eip.allocationId}) now points at ${name(notice.toNodeId)}.`,
          `It was on ${name(notice.fromNodeId)}.`,
          `Why: ${notice.why} (${notice.reason}).`,
          `The move took ${seconds(notice.tookMs)} from decision to confirmed association` +
            (notice.latencyMs === null ? '.' : `, ${seconds(notice.latencyMs)} after ${notice.toNodeId}'s VRRP transition.`),
          '',
          'Check next:',
          `- ${notice.toNodeId} turns writable (read_only=OFF) within its catch-up bound; see its agent log.`,
          `- Why ${notice.fromNodeId ?? 'the old holder'} lost the EIP (instance, keepalived, database), and that it stays read_only.`,
          '- Replication between the two nodes is running again before relying on another failover.',
        ),
      };
    case 'move-failed':
      return {
        subject: toSubject(`${tag} FAILED to move ${ip} to ${notice.toNodeId}`),
        body: lines(
          `Moving the Elastic IP ${ip} (${config.eip.allocationId}) from ${name(notice.fromNodeId)} to ${name(notice.toNodeId)} ` +
            (notice.confirmed ? 'failed.' : 'was requested but could not be confirmed in time.'),
          `Error: ${notice.error}`,
          '',
          'Lambda retries the event, and the reconcile tick re-evaluates every minute.',
          'Check next: the function log, EC2 API throttling (RequestLimitExceeded), the role\'s ec2:AssociateAddress permission, and where the EIP is now (aws ec2 describe-addresses).',
        ),
      };
    case 'split-brain':
      return {
        subject: toSubject(`${tag} split brain: both nodes report MASTER`),
        body: lines(
          `Both ${notice.nodes.join(' and ')} report VRRP MASTER: keepalived's adverts do not get through between them.`,
          `The Elastic IP ${ip} stays on ${name(notice.holderNodeId)} while it is healthy; the other node stays read_only.`,
          '',
          'Check next: the security group rule for IP protocol 112 between the nodes, the network path between the AZs, keepalived logs on both nodes.',
        ),
      };
    case 'no-healthy-writer':
      return {
        subject: toSubject(`${tag} no healthy writer for ${ip}`),
        body: lines(
          `No node may hold the Elastic IP ${ip}, for ${seconds(nowMs - notice.sinceMs)} now. It stays on ${name(notice.holderNodeId)}.`,
          ...Object.entries(notice.problems).map(([id, p]) => `- ${name(id)}: ${p.length ? p.join(', ') : 'healthy'}`),
          '',
          'Check next: the databases (up, replication threads, lag), keepalived state on both nodes, that both agents are running and reach EventBridge.',
        ),
      };
    case 'foreign-association':
      return {
        subject: toSubject(`${tag} ${ip} is on an interface outside the pair`),
        body: lines(
          notice.detail,
          'The controller does not move an EIP it did not expect to find there: someone or something else associated it.',
          `Check next: CloudTrail AssociateAddress events for ${config.eip.allocationId}; move it back by hand (or disassociate it) once understood.`,
        ),
      };
    case 'resolved':
      return {
        subject: toSubject(`${tag} resolved: ${ALERT_NAME[notice.alert]}`),
        body: `The condition "${ALERT_NAME[notice.alert]}" for ${ip} has ended after ${seconds(nowMs - notice.sinceMs)}.`,
      };
  }
}
