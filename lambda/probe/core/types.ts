/**
 * The probe's data: what one round observed (raw, as the adapters read it) and what it concluded
 * (the summary the metrics and `eip-lab status` are made from). Plain data, no behaviour.
 */
import type { ProbeFailureReason } from '../../../lib/metrics/catalog';
import type { EipAssociation } from '../../failover/core/types';

/** Why a probe failed, classified (core/classify.ts) with the server's or the network's own words. */
export interface ProbeFailure {
  readonly reason: ProbeFailureReason;
  readonly message: string;
}

/** SHOW SLAVE STATUS of the default channel, as MariaDB words it. */
export interface SlaveStatusRow {
  /** Slave_IO_Running: 'Yes', 'No' or 'Connecting'. */
  readonly ioRunning: string;
  /** Slave_SQL_Running: 'Yes' or 'No'. */
  readonly sqlRunning: string;
  readonly secondsBehindMaster: number | null;
  readonly lastIoError: string;
  readonly lastSqlError: string;
}

/** What a node said when the probe reached it. */
export interface NodeAnswer {
  readonly serverId: number;
  readonly hostname: string;
  readonly readOnly: boolean;
  /** @@gtid_binlog_state: per (domain, server id) the last sequence number in the binary log. */
  readonly gtidBinlogState: string;
  readonly maxConnections: number;
  readonly threadsConnected: number;
  readonly uptimeSec: number;
  /** null: no replication channel configured (SHOW SLAVE STATUS is empty). */
  readonly slave: SlaveStatusRow | null;
  /** Age of the newest heartbeat row another server wrote, as seen here; null: no such row. */
  readonly peerHeartbeatAgeMs: number | null;
}

/** One node probe: connect time whenever the connection opened, the rest when every query answered. */
export type NodeProbe =
  | { readonly ok: true; readonly connectMs: number; readonly queryMs: number; readonly answer: NodeAnswer }
  | { readonly ok: false; readonly connectMs: number | null; readonly failure: ProbeFailure };

/** Who answered on an address (the EIP's private target). */
export type IdentityProbe =
  | { readonly ok: true; readonly serverId: number; readonly hostname: string; readonly readOnly: boolean }
  | { readonly ok: false; readonly failure: ProbeFailure };

/** Where EC2 says the EIP maps to; null association: not associated. */
export type EipLookup = { readonly ok: true; readonly association: EipAssociation | null } | { readonly ok: false; readonly error: string };

/** The write through the writer until the peer shows it, timed on the probe's clock. */
export type ReplicationRoundTrip =
  | { readonly ok: true; readonly writeMs: number; readonly replicatedMs: number }
  | { readonly ok: false; readonly stage: 'writer' | 'peer'; readonly failure: ProbeFailure };

/** Everything one round observed. */
export interface RawRound {
  /** Wall-clock time the round started (EMF timestamp). */
  readonly atMs: number;
  readonly durationMs: number;
  readonly nodes: Readonly<Record<string, NodeProbe>>;
  readonly eip: EipLookup;
  /** null: nothing to ask (no association, or EC2 did not answer). */
  readonly eipTarget: IdentityProbe | null;
  /** null: not attempted (see e2ePlan: no single writable node, or its peer did not answer). */
  readonly e2e: ReplicationRoundTrip | null;
}

/** One GTID stream of @@gtid_binlog_state. */
export type { GtidStreamPos } from '../../../lib/mysql/gtid';

/** What the probe remembers between rounds: each read-only node's own GTID sequences, per domain. */
export interface ProbeMemory {
  readonly readOnlyOwnSeq: Readonly<Record<string, Readonly<Record<number, string>>>>;
}

export const EMPTY_MEMORY: ProbeMemory = { readOnlyOwnSeq: {} };

export interface NodeSummary {
  readonly up: boolean;
  readonly failure: ProbeFailure | null;
  readonly connectMs: number | null;
  readonly queryMs: number | null;
  readonly serverId: number | null;
  readonly readOnly: boolean | null;
  /** null: the node did not answer. Both false when no channel is configured. */
  readonly replication: { readonly ioRunning: boolean; readonly sqlRunning: boolean; readonly secondsBehindMaster: number | null; readonly lastError: string | null } | null;
  /** Heartbeat lag (read-only nodes only): age of the writer's newest heartbeat row here. */
  readonly lagMs: number | null;
  /** Read-only nodes only: GTIDs it has that the writer lacks (one per stream ahead; see core/gtid.ts). */
  readonly errant: { readonly transactions: number; readonly gtids: readonly string[] } | null;
  /** Read-only nodes only: its own server id's GTIDs rose since the last round (someone wrote to it). */
  readonly passiveWrites: { readonly count: number; readonly gtids: readonly string[] } | null;
  readonly connections: { readonly used: number; readonly max: number; readonly percent: number } | null;
  readonly uptimeSec: number | null;
}

export interface WriterView {
  /** The node EC2 maps the EIP to (null: not associated, foreign, or EC2 did not answer). */
  readonly eipNode: string | null;
  /** The only writable node (null: none, or more than one). */
  readonly writableNode: string | null;
  /** The node that answered on the EIP's private address, by its server id. */
  readonly answeringNode: string | null;
  /** All three name the same node; null when EC2 did not answer (unknown, not inconsistent). */
  readonly consistent: boolean | null;
  /** The private address EC2 maps the EIP to, and what went wrong on the way (null: nothing). */
  readonly eipPrivateIp: string | null;
  readonly problem: string | null;
}

export interface PairSummary {
  readonly writableNodes: number;
  readonly writableNodeIds: readonly string[];
  readonly writer: WriterView;
  /** A writable server answered on the EIP's private address; null when EC2 did not answer. */
  readonly writerReachable: boolean | null;
  readonly e2e: { readonly replicationMs: number | null; readonly writeMs: number | null; readonly skipped: string | null; readonly failure: string | null };
}

/** The round's conclusions: what the metrics say, and what `eip-lab status` shows. */
export interface RoundSummary {
  readonly atMs: number;
  readonly durationMs: number;
  readonly nodes: Readonly<Record<string, NodeSummary>>;
  readonly pair: PairSummary;
}
