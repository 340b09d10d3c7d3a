/**
 * What the probe needs from the outside world. AWS adapters live in adapters/ (mysql2 is the same
 * on AWS and in the lab); the lab brings its own EIP mapping and sink (lab/probe/). Deadlines are
 * absolute times on ProbeClock.monoMs(), so every part of a round shares one budget.
 */
import type { EipAssociation } from '../failover/core/types';
import type { IdentityProbe, NodeProbe, ReplicationRoundTrip, RoundSummary } from './core/types';

export interface Endpoint {
  readonly host: string;
  readonly port: number;
}

/** MySQL from outside the nodes. Every method settles by its deadline and never rejects. */
export interface MysqlProbePort {
  /** Connect, then read identity, read_only, GTID state, connections, uptime, replication, heartbeat lag. */
  probeNode(at: Endpoint, deadlineMs: number): Promise<NodeProbe>;
  /** Who answers on an address: server id, host name, read_only. */
  identify(at: Endpoint, deadlineMs: number): Promise<IdentityProbe>;
  /** A write on the writer, then reads on the peer until it shows; both timed on the probe's clock. */
  replicationRoundTrip(writer: Endpoint & { readonly serverId: number }, peer: Endpoint, deadlineMs: number): Promise<ReplicationRoundTrip>;
}

/** Where the EIP maps to (EC2 DescribeAddresses on AWS). null: not associated. Throws when it cannot tell. */
export interface EipMappingPort {
  describe(signal: AbortSignal): Promise<EipAssociation | null>;
}

export interface ProbeClock {
  /** Wall-clock time (ms since the epoch), for timestamps. */
  wallMs(): number;
  /** A monotonic clock (ms), for durations and deadlines. */
  monoMs(): number;
  /** Resolves after `ms`, or at once when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** One round's output: its EMF lines and its summary. */
export interface EmittedRound {
  readonly lines: readonly string[];
  readonly summary: RoundSummary;
}

export interface ProbeSink {
  emit(round: EmittedRound): void;
}
