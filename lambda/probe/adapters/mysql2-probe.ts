/**
 * MysqlProbePort with mysql2: a fresh connection per probe (probe-connection.ts), as the probe
 * user, over TCP to the address given. The same adapter runs in the Lambda and in the lab.
 */
import { randomBytes } from 'node:crypto';
import { PEER_HEARTBEAT_SQL } from '../../../node-agent/db/heartbeat';
import { PROBE_READ_SQL, PROBE_WRITE_SQL } from '../../../node-agent/db/probe-table';
import { classifyProbeError } from '../core/classify';
import type { IdentityProbe, NodeAnswer, NodeProbe, ReplicationRoundTrip, SlaveStatusRow } from '../core/types';
import type { Endpoint, MysqlProbePort, ProbeClock } from '../ports';
import { ProbeConnection, type ProbeCredentials } from './probe-connection';

export interface Mysql2ProbeOptions extends ProbeCredentials {
  readonly connectTimeoutMs: number;
  readonly clock: ProbeClock;
  /** Pause between reads on the peer while waiting for the probe's write. @default 5 */
  readonly pollMs?: number;
}

const bounded = (c: ProbeConnection, select: string) => `SET STATEMENT max_statement_time=${c.statementSeconds()} FOR ${select}`;

const IDENTITY = 'SELECT @@server_id AS serverId, @@hostname AS hostname, @@read_only AS readOnly';
const VARIABLES = `${IDENTITY}, @@gtid_binlog_state AS gtidBinlogState, @@max_connections AS maxConnections`;
const STATUS = `SELECT VARIABLE_NAME AS name, VARIABLE_VALUE AS value FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME IN ('UPTIME', 'THREADS_CONNECTED')`;

type Row = Record<string, unknown>;

const num = (v: unknown): number => {
  const n = Number(v);
  return Number.isFinite(n) ? n : 0;
};

function slaveRow(r: Row | undefined): SlaveStatusRow | null {
  if (!r) return null;
  return {
    ioRunning: String(r.Slave_IO_Running ?? ''),
    sqlRunning: String(r.Slave_SQL_Running ?? ''),
    secondsBehindMaster: r.Seconds_Behind_Master === null || r.Seconds_Behind_Master === undefined ? null : num(r.Seconds_Behind_Master),
    lastIoError: String(r.Last_IO_Error ?? ''),
    lastSqlError: String(r.Last_SQL_Error ?? ''),
  };
}

export class Mysql2Probe implements MysqlProbePort {
  constructor(private readonly o: Mysql2ProbeOptions) {}

  private open(at: Endpoint, deadlineMs: number) {
    return ProbeConnection.open(at, this.o, { connectTimeoutMs: this.o.connectTimeoutMs, deadlineMs, clock: this.o.clock });
  }

  async probeNode(at: Endpoint, deadlineMs: number): Promise<NodeProbe> {
    let connectMs: number | null = null;
    try {
      const { connection: c, connectMs: took } = await this.open(at, deadlineMs);
      connectMs = took;
      const t0 = this.o.clock.monoMs();
      const [v] = await c.query<Row>(bounded(c, VARIABLES));
      const queryMs = this.o.clock.monoMs() - t0;
      const status = new Map((await c.query<{ name: string; value: string }>(bounded(c, STATUS))).map((r) => [r.name.toUpperCase(), r.value]));
      const [slave] = await c.query<Row>(bounded(c, 'SHOW SLAVE STATUS'));
      const [beat] = await c.query<{ age_us: unknown }>(PEER_HEARTBEAT_SQL, [c.statementSeconds()]);
      c.close();
      const answer: NodeAnswer = {
        serverId: num(v?.serverId),
        hostname: String(v?.hostname ?? ''),
        readOnly: num(v?.readOnly) === 1,
        gtidBinlogState: String(v?.gtidBinlogState ?? ''),
        maxConnections: num(v?.maxConnections),
        threadsConnected: num(status.get('THREADS_CONNECTED')),
        uptimeSec: num(status.get('UPTIME')),
        slave: slaveRow(slave),
        peerHeartbeatAgeMs: beat ? Math.max(0, num(beat.age_us) / 1000) : null,
      };
      return { ok: true, connectMs, queryMs, answer };
    } catch (err) {
      return { ok: false, connectMs, failure: classifyProbeError(err) };
    }
  }

  async identify(at: Endpoint, deadlineMs: number): Promise<IdentityProbe> {
    try {
      const { connection: c } = await this.open(at, deadlineMs);
      const [v] = await c.query<Row>(bounded(c, IDENTITY));
      c.close();
      return { ok: true, serverId: num(v?.serverId), hostname: String(v?.hostname ?? ''), readOnly: num(v?.readOnly) === 1 };
    } catch (err) {
      return { ok: false, failure: classifyProbeError(err) };
    }
  }

  async replicationRoundTrip(writer: Endpoint & { serverId: number }, peer: Endpoint, deadlineMs: number): Promise<ReplicationRoundTrip> {
    const clock = this.o.clock;
    const [w, p] = await Promise.allSettled([this.open(writer, deadlineMs), this.open(peer, deadlineMs)]);
    const fail = (stage: 'writer' | 'peer', err: unknown): ReplicationRoundTrip => {
      if (w.status === 'fulfilled') w.value.connection.destroy();
      if (p.status === 'fulfilled') p.value.connection.destroy();
      return { ok: false, stage, failure: classifyProbeError(err) };
    };
    if (w.status === 'rejected') return fail('writer', w.reason);
    if (p.status === 'rejected') return fail('peer', p.reason);
    const [cw, cp] = [w.value.connection, p.value.connection];
    const token = randomBytes(16).toString('hex');
    const t0 = clock.monoMs();
    try {
      await cw.query(PROBE_WRITE_SQL, [cw.statementSeconds(), token]);
    } catch (err) {
      return fail('writer', err);
    }
    const writeMs = clock.monoMs() - t0;
    cw.close();
    try {
      for (;;) {
        const [row] = await cp.query<{ token: string }>(PROBE_READ_SQL, [cp.statementSeconds(), writer.serverId]);
        if (row?.token === token) break;
        await clock.sleep(Math.min(this.o.pollMs ?? 5, deadlineMs - clock.monoMs()));
      }
    } catch (err) {
      return fail('peer', err);
    }
    const replicatedMs = clock.monoMs() - t0;
    cp.close();
    return { ok: true, writeMs, replicatedMs };
  }
}
