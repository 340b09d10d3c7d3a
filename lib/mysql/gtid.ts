/**
 * MariaDB GTID lists ("domain-server_id-seq,..."), as @@gtid_binlog_state, @@gtid_current_pos and
 * Gtid_IO_Pos print them. Shared by the controller (is a candidate caught up?), the agent (has the
 * peer applied the writer's binlog?) and the probe (errant transactions). Pure. Sequence numbers
 * are 64-bit: bigint, never number.
 */

/** One (domain, server id) stream and its last sequence number. */
export interface GtidStreamPos {
  readonly domain: number;
  readonly serverId: number;
  readonly seq: bigint;
}

export class GtidStateError extends Error {
  override readonly name = 'GtidStateError';
}

const GTID = /^(\d+)-(\d+)-(\d+)$/;

/** "0-1-10,0-2-15" → streams; '' → none. Throws GtidStateError on anything else. */
export function parseGtidState(text: string): GtidStreamPos[] {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  return trimmed.split(',').map((part) => {
    const m = GTID.exec(part.trim());
    if (!m) throw new GtidStateError(`"${part}" in GTID list "${text}" is not domain-server_id-seq`);
    return { domain: Number(m[1]), serverId: Number(m[2]), seq: BigInt(m[3]!) };
  });
}

/** A position (one GTID per domain, e.g. @@gtid_current_pos) as domain → last seq; null when malformed. */
export function parseGtidPos(pos: string): Map<number, bigint> | null {
  try {
    return new Map(parseGtidState(pos).map((g) => [g.domain, g.seq]));
  } catch {
    return null;
  }
}

/** Has `candidate` applied, in every replication domain, at least what `reference` had? False when either is malformed. */
export function gtidCovers(candidate: string, reference: string): boolean {
  const ref = parseGtidPos(reference);
  const have = parseGtidPos(candidate);
  if (!ref || !have) return false;
  for (const [domain, seq] of ref) if ((have.get(domain) ?? -1n) < seq) return false;
  return true;
}
