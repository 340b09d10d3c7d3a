/**
 * LocalDatabase on MariaDB 10.11 through mysql2. Every call is one fresh session bounded by a
 * deadline (./session.ts), with server-side limits where a statement could wait: max_statement_time
 * on reads and the heartbeat, lock_wait_timeout on SET GLOBAL read_only.
 *
 * Privileges of the agent's user: READ_ONLY ADMIN (to set read_only; SUPER no longer can in
 * 10.11), SLAVE MONITOR (SHOW SLAVE STATUS), SELECT/INSERT/UPDATE on the heartbeat table.
 * READ_ONLY ADMIN also lets this user write through read_only, hence the guards in writeHeartbeat.
 */
import { DbError } from './errors';
import { PEER_HEARTBEAT_SQL, UPSERT_HEARTBEAT_SQL } from './heartbeat';
import type { DbView, HeartbeatResult, LocalDatabase, ReplicationView, WaitAppliedResult } from './local-database';
import { withSession, type DbEndpoint, type Session } from './session';

export interface MariaDbLocalDatabaseOptions {
  readonly endpoint: DbEndpoint;
  /** Deadline of view(), setReadOnly() and writeHeartbeat(), connect included. @default 2000 */
  readonly callDeadlineMs?: number;
}

type Row = Record<string, unknown>;

export class MariaDbLocalDatabase implements LocalDatabase {
  private readonly endpoint: DbEndpoint;
  private readonly deadlineMs: number;

  constructor(options: MariaDbLocalDatabaseOptions) {
    this.endpoint = options.endpoint;
    this.deadlineMs = options.callDeadlineMs ?? 2000;
  }

  /** Server-side bound of one statement, in seconds, under the client-side deadline. */
  private get statementSec(): number {
    return Math.max(0.1, (this.deadlineMs * 0.8) / 1000);
  }

  async view(): Promise<DbView> {
    try {
      return await withSession(this.endpoint, this.deadlineMs, 'database view', (s) => this.readView(s));
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      return { up: false, readOnly: null, serverId: null, gtidCurrentPos: null, gtidIoPos: null, replication: null, lagSeconds: null, error: message, warnings: [] };
    }
  }

  private async readView(s: Session): Promise<DbView> {
    const warnings: string[] = [];
    const [g] = await s.rows(
      'SET STATEMENT max_statement_time=? FOR SELECT @@GLOBAL.read_only AS read_only, @@GLOBAL.server_id AS server_id, @@GLOBAL.gtid_current_pos AS gtid_current_pos',
      [this.statementSec],
    );
    if (!g) throw new DbError('unexpected-answer', 'database view: no row for the global variables');
    const readOnly = Number(g.read_only) === 1;
    let slave: Row | null = null;
    try {
      slave = (await s.rows('SHOW SLAVE STATUS'))[0] ?? null;
    } catch (err) {
      warnings.push(`replication status unreadable: ${(err as Error).message}`);
    }
    let lagSeconds: number | null = null;
    if (readOnly) {
      try {
        const [hb] = await s.rows<{ age_us: unknown }>(PEER_HEARTBEAT_SQL, [this.statementSec]);
        // Clock skew between the hosts can make a fresh row look a little in the future.
        if (hb) lagSeconds = Math.max(0, Number(hb.age_us) / 1e6);
      } catch (err) {
        warnings.push(`heartbeat unreadable: ${(err as Error).message}`);
      }
    }
    return {
      up: true,
      readOnly,
      serverId: Number(g.server_id),
      gtidCurrentPos: String(g.gtid_current_pos ?? ''),
      gtidIoPos: slave ? String(slave.Gtid_IO_Pos ?? '') : null,
      replication: slave ? replicationView(slave) : null,
      lagSeconds,
      error: null,
      warnings,
    };
  }

  setReadOnly(on: boolean): Promise<void> {
    return withSession(this.endpoint, this.deadlineMs, `SET GLOBAL read_only=${on ? 'ON' : 'OFF'}`, async (s) => {
      // A client holding LOCK TABLES ... WRITE blocks read_only=ON: give up in time, say so.
      await s.exec('SET SESSION lock_wait_timeout=?', [Math.max(1, Math.floor(this.deadlineMs / 2000))]);
      await s.exec(`SET GLOBAL read_only=${on ? 1 : 0}`);
      const [row] = await s.rows('SELECT @@GLOBAL.read_only AS read_only');
      if (Number(row?.read_only) !== (on ? 1 : 0)) {
        throw new DbError('unexpected-answer', `SET GLOBAL read_only=${on ? 'ON' : 'OFF'} did not stick (now ${String(row?.read_only)})`);
      }
    });
  }

  waitApplied(timeoutMs: number): Promise<WaitAppliedResult> {
    const started = Date.now();
    return withSession(this.endpoint, timeoutMs + this.deadlineMs, 'wait for the replica to apply', async (s) => {
      const slave = (await s.rows('SHOW SLAVE STATUS'))[0];
      if (!slave) return { outcome: 'not-a-replica', target: null, waitedMs: Date.now() - started };
      const target = String(slave.Gtid_IO_Pos ?? '');
      if (target === '') return { outcome: 'applied', target, waitedMs: Date.now() - started };
      const sqlRunning = slave.Slave_SQL_Running === 'Yes';
      // With the SQL thread stopped nothing will move: only ask whether it is already applied.
      const [row] = await s.rows<{ r: unknown }>('SELECT MASTER_GTID_WAIT(?, ?) AS r', [target, sqlRunning ? timeoutMs / 1000 : 0]);
      const r = row?.r === null || row?.r === undefined ? null : Number(row.r);
      if (r === null) throw new DbError('unexpected-answer', `MASTER_GTID_WAIT('${target}') returned NULL`);
      const outcome = r === 0 ? 'applied' : sqlRunning ? 'timed-out' : 'sql-thread-stopped';
      return { outcome, target, waitedMs: Date.now() - started };
    });
  }

  writeHeartbeat(serverId: number): Promise<HeartbeatResult> {
    return withSession(this.endpoint, this.deadlineMs, 'heartbeat write', async (s): Promise<HeartbeatResult> => {
      // The agent's user passes read_only, so the statement guards itself: read_only=ON between
      // this check and the write makes it a no-op (SET GLOBAL read_only waits for running
      // statements). The check first, because with binlog_format=STATEMENT even a 0-row guarded
      // write is logged as a GTID, an errant transaction on a fenced node.
      const [row] = await s.rows('SELECT @@GLOBAL.read_only AS read_only');
      if (Number(row?.read_only) !== 0) return { written: false, reason: 'read-only' };
      const { affectedRows } = await s.exec(UPSERT_HEARTBEAT_SQL, [this.statementSec, serverId]);
      return affectedRows === 0 ? { written: false, reason: 'read-only' } : { written: true };
    });
  }
}

function replicationView(s: Row): ReplicationView {
  const text = (v: unknown) => (v === null || v === undefined || v === '' ? null : String(v));
  return {
    ioRunning: s.Slave_IO_Running === 'Yes',
    sqlRunning: s.Slave_SQL_Running === 'Yes',
    ioState: String(s.Slave_IO_Running ?? ''),
    secondsBehindMaster: s.Seconds_Behind_Master === null || s.Seconds_Behind_Master === undefined ? null : Number(s.Seconds_Behind_Master),
    lastIoError: text(s.Last_IO_Error),
    lastSqlError: text(s.Last_SQL_Error),
  };
}
