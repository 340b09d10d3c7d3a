/**
 * What eipctl needs from where the pair runs. Two adapters: the lab (eipctl/lab) and AWS
 * (eipctl/aws); the commands and the switchover orchestration use only these.
 */
import type { TakeoverReport } from '../node-agent/switchover/takeover';
import type { YieldReport } from '../node-agent/switchover/yield';
import type { HistoryEntry } from './core/history';
import type { PairView } from './core/view';

export type Progress = (line: string) => void;

export interface YieldRequest {
  readonly catchUpTimeoutMs: number;
  readonly handoverTimeoutMs: number;
}

/** The agent's switchover commands, run on a node (lab: ip netns exec; AWS: SSM Run Command). */
export interface NodeAgentPort {
  prepareTakeover(nodeId: string, forMs: number): Promise<TakeoverReport>;
  cancelTakeover(nodeId: string): Promise<void>;
  /** The agent's report. `abort` asks the running yield to roll back (it only can before it steps down). */
  yieldWriter(nodeId: string, req: YieldRequest, abort: AbortSignal, progress: Progress): Promise<YieldReport>;
}

/** Quick reads while a switchover waits. */
export interface PairProbe {
  /** The node the EIP points at (null: none, or outside the pair). */
  eipHolder(): Promise<string | null>;
  /** @@read_only of a node's database; null when it cannot be read. */
  readOnly(nodeId: string): Promise<boolean | null>;
}

export interface WriteLoadResult {
  /** Longest gap between acknowledged writes around the switchover (the client-observed downtime). */
  readonly downtimeMs: number | null;
  readonly ackedWrites: number;
  /** Acknowledged ids missing on the new writer. */
  readonly lostAckedWrites: number;
  readonly lostAckedIds: readonly number[];
}

/** A client writing numbered rows through the EIP, as an application would (the lab's writer). */
export interface WriteLoad {
  /** Starts it and resolves once writes are being acknowledged. */
  start(progress: Progress): Promise<void>;
  /** Waits for writes to flow on `to`, stops the client and counts. `fencedAtMs`: when writes stopped. */
  finish(o: { readonly fencedAtMs: number; readonly from: string; readonly to: string; readonly writer: string }): Promise<WriteLoadResult>;
  /** Stops the client (idempotent). */
  stop(): Promise<void>;
}

export interface PairTarget {
  view(): Promise<PairView>;
  history(limit: number): Promise<{ readonly entries: readonly HistoryEntry[]; readonly source: string }>;
  readonly agent: NodeAgentPort;
  readonly probe: PairProbe;
  /** How often the probe may be asked (the lab: a file and a socket; AWS: DescribeAddresses and SSM). */
  readonly probeEveryMs: number;
  /** A client to write during a switchover, where there is one (the lab). */
  writeLoad?(): WriteLoad;
  /** Records a switchover where `history` finds it (the lab's journal). */
  record?(fields: Record<string, unknown>): void;
}
