/**
 * Errant transactions, from MariaDB GTIDs (domain-server_id-seq). @@gtid_binlog_state lists, per
 * (domain, server id) stream, the last sequence number in a node's binary log. Replicated
 * transactions keep the server id of the node that first committed them, so a node's own stream
 * only grows by commits made on that node. Two checks follow, both for a read-only node:
 *
 * - Divergence (errantGtids): a stream in which it is ahead of the writer holds transactions the
 *   writer lacks. The writer's own stream is left out: the writer is its only source, so "ahead"
 *   there is a read race (the writer committed between the two reads), never data.
 * - Writes to it (passiveWriteGtids): its own stream rose since the previous round while it stayed
 *   read-only. In a healthy pair such a write replicates to the writer within milliseconds, after
 *   which the states agree again: only remembering the sequence catches it.
 *
 * Sequence numbers are per domain, shared by all servers, so the difference between two of them
 * is no count of one server's transactions: each check reports one GTID per stream (the newest),
 * a lower bound. Pure.
 */
import { type GtidStreamPos } from '../../../lib/mysql/gtid';

export const formatGtid = (p: GtidStreamPos): string => `${p.domain}-${p.serverId}-${p.seq}`;

const streamKey = (p: Pick<GtidStreamPos, 'domain' | 'serverId'>) => `${p.domain}-${p.serverId}`;

/** The newest GTID of every stream in which `node` is ahead of `writer`, except the writer's own stream. */
export function errantGtids(node: readonly GtidStreamPos[], writer: readonly GtidStreamPos[], writerServerId: number): string[] {
  const writerSeq = new Map(writer.map((p) => [streamKey(p), p.seq]));
  return node.filter((p) => p.serverId !== writerServerId && p.seq > (writerSeq.get(streamKey(p)) ?? 0n)).map(formatGtid);
}

/** A node's own stream per domain: domain → last seq (as a string, so the memory is plain JSON). */
export function ownSequences(state: readonly GtidStreamPos[], serverId: number): Record<number, string> {
  return Object.fromEntries(state.filter((p) => p.serverId === serverId).map((p) => [p.domain, p.seq.toString()]));
}

/** The newest own GTID of every domain whose own stream rose from `before` to `now`. */
export function passiveWriteGtids(before: Readonly<Record<number, string>>, now: Readonly<Record<number, string>>, serverId: number): string[] {
  return Object.entries(now)
    .filter(([domain, seq]) => BigInt(seq) > BigInt(before[Number(domain)] ?? '0'))
    .map(([domain, seq]) => formatGtid({ domain: Number(domain), serverId, seq: BigInt(seq) }));
}
