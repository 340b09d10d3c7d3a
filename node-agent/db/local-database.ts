/**
 * The agent's port to its local database: what fencing and the events need, nothing more.
 * The MariaDB adapter is MariaDbLocalDatabase (./mariadb.ts).
 */

export interface ReplicationView {
  /** Slave_IO_Running = Yes ('Connecting' is not running: nothing arrives from the peer). */
  readonly ioRunning: boolean;
  readonly sqlRunning: boolean;
  /** Raw Slave_IO_Running: 'Yes', 'No' or 'Connecting'. */
  readonly ioState: string;
  /** Seconds_Behind_Master: 0 on an idle replica, null when replication is broken. */
  readonly secondsBehindMaster: number | null;
  readonly lastIoError: string | null;
  readonly lastSqlError: string | null;
}

export interface DbView {
  readonly up: boolean;
  readonly readOnly: boolean | null;
  readonly serverId: number | null;
  /** @@gtid_current_pos: what this server has, written or applied. */
  readonly gtidCurrentPos: string | null;
  /** Gtid_IO_Pos: what the IO thread has received from the peer; null when not a replica. */
  readonly gtidIoPos: string | null;
  /** null when no replication is configured here. */
  readonly replication: ReplicationView | null;
  /**
   * Age in seconds of the newest heartbeat row written by another server, as applied here: the
   * real lag behind a live writer (Seconds_Behind_Master reads 0 on an idle replica). null on a
   * writable node (it is the writer) or when no such row exists.
   */
  readonly lagSeconds: number | null;
  /** Why up is false. */
  readonly error: string | null;
  /** Parts of the view that could not be read while the server was up (e.g. no heartbeat table). */
  readonly warnings: readonly string[];
}

export type WaitAppliedOutcome =
  /** Everything received (Gtid_IO_Pos) at the start of the call has been applied. */
  | 'applied'
  /** Not applied within the timeout. */
  | 'timed-out'
  /** The SQL thread is stopped with received transactions not applied: waiting cannot help. */
  | 'sql-thread-stopped'
  /** No replication configured: nothing was received, so nothing is pending. */
  | 'not-a-replica';

export interface WaitAppliedResult {
  readonly outcome: WaitAppliedOutcome;
  /** The GTID position waited for (Gtid_IO_Pos); null when not a replica. */
  readonly target: string | null;
  readonly waitedMs: number;
}

export type HeartbeatResult = { readonly written: true } | { readonly written: false; readonly reason: 'read-only' };

export interface LocalDatabase {
  /** Never throws: a failure is `up: false` with the reason in `error`. */
  view(): Promise<DbView>;
  /** SET GLOBAL read_only. Throws DbError (e.g. 'lock-wait-timeout' behind a LOCK TABLES ... WRITE). */
  setReadOnly(on: boolean): Promise<void>;
  /** Waits until what the IO thread has received is applied, at most `timeoutMs`. Throws DbError. */
  waitApplied(timeoutMs: number): Promise<WaitAppliedResult>;
  /**
   * Upserts this server's heartbeat row (UTC now, the literal `serverId`, normally the local
   * @@server_id). A no-op when the server is read_only: the agent's user passes read_only, and a
   * write on a fenced node would be an errant transaction. Throws DbError.
   */
  writeHeartbeat(serverId: number): Promise<HeartbeatResult>;
}
