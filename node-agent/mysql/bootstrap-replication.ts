/** The replication channel to the peer: GTID (slave_pos), the configured peer and user, running. */
import type { ReplicationSpec } from './bootstrap-plan';
import type { BootstrapStep, Sql } from './bootstrap-types';

interface SlaveStatus {
  Master_Host: string;
  Master_Port: number;
  Master_User: string;
  Using_Gtid: string;
  Connect_Retry: number;
  Slave_IO_Running: string;
  Slave_SQL_Running: string;
  Last_IO_Error: string;
  Last_SQL_Error: string;
}

export interface ReplicationInputs {
  readonly spec: ReplicationSpec;
  readonly password: string;
  /** The local replication account's password changed in this run: the peer's did too. */
  readonly passwordChanged: boolean;
  /** rpl_semi_sync_slave_enabled changed in this run; it only takes effect when the IO thread restarts. */
  readonly semiSyncSlaveChanged: boolean;
}

/** Whether this server already replicates from somewhere (before this run touches it). */
export async function readSlaveStatus(sql: Sql): Promise<SlaveStatus | undefined> {
  const [row] = await sql<SlaveStatus>('SHOW SLAVE STATUS');
  return row && row.Master_Host ? row : undefined;
}

function differences(s: SlaveStatus | undefined, spec: ReplicationSpec): string[] {
  if (!s) return ['not configured'];
  const out: string[] = [];
  if (s.Master_Host !== spec.host || Number(s.Master_Port) !== spec.port) out.push(`peer ${s.Master_Host}:${s.Master_Port}`);
  if (s.Master_User !== spec.user) out.push(`user ${s.Master_User}`);
  if (s.Using_Gtid !== 'Slave_Pos') out.push(`Using_Gtid ${s.Using_Gtid}`);
  if (Number(s.Connect_Retry) !== spec.connectRetrySec) out.push(`Connect_Retry ${s.Connect_Retry}`);
  return out;
}

export async function ensureReplication(sql: Sql, before: SlaveStatus | undefined, inputs: ReplicationInputs): Promise<BootstrapStep> {
  const { spec } = inputs;
  const item = `replication from ${spec.host}:${spec.port}`;
  const diff = differences(before, spec);
  if (inputs.passwordChanged && before) diff.push('replication password changed');
  if (diff.length) {
    if (before) await sql('STOP SLAVE');
    await sql(
      `CHANGE MASTER TO MASTER_HOST = ?, MASTER_PORT = ?, MASTER_USER = ?, MASTER_PASSWORD = ?,
         MASTER_USE_GTID = slave_pos, MASTER_CONNECT_RETRY = ?`,
      [spec.host, spec.port, spec.user, inputs.password, spec.connectRetrySec],
    );
    await sql('START SLAVE');
    return { item, changed: true, detail: `CHANGE MASTER (GTID slave_pos) and START SLAVE; was: ${diff.join(', ')}` };
  }
  const s = before!;
  const threads = `IO ${s.Slave_IO_Running}, SQL ${s.Slave_SQL_Running}`;
  if (s.Slave_IO_Running === 'No' || s.Slave_SQL_Running === 'No') {
    const errors = [s.Last_IO_Error, s.Last_SQL_Error].filter(Boolean).join('; ');
    await sql('START SLAVE');
    return { item, changed: true, detail: `START SLAVE (was ${threads}${errors ? `: ${errors}` : ''})` };
  }
  if (inputs.semiSyncSlaveChanged) {
    await sql('STOP SLAVE IO_THREAD');
    await sql('START SLAVE IO_THREAD');
    return { item, changed: true, detail: 'restarted the IO thread so the semi-sync setting takes effect' };
  }
  return { item, changed: false, detail: `configured (GTID slave_pos, user ${s.Master_User}); ${threads}` };
}
