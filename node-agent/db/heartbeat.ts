/**
 * The heartbeat table: the writer upserts its row (UTC time, its literal server id) every second;
 * replication carries it to the peer, where `now - ts` is the honest lag (Seconds_Behind_Master
 * reads 0 on an idle replica and NULL when replication is broken). One row per server id, so the
 * table never grows. mysql-bootstrap should create it from HEARTBEAT_DDL; the agent's user needs
 * SELECT, INSERT and UPDATE on it.
 */

export const HEARTBEAT_SCHEMA = 'eip_failover';
export const HEARTBEAT_TABLE = `${HEARTBEAT_SCHEMA}.heartbeat`;

/** Idempotent DDL, in execution order. */
export const HEARTBEAT_DDL: readonly string[] = [
  `CREATE DATABASE IF NOT EXISTS ${HEARTBEAT_SCHEMA}`,
  `CREATE TABLE IF NOT EXISTS ${HEARTBEAT_TABLE} (
    server_id INT UNSIGNED NOT NULL PRIMARY KEY COMMENT 'the writer''s @@server_id',
    ts DATETIME(6) NOT NULL COMMENT 'UTC time of the write on the writer'
  ) ENGINE=InnoDB`,
];

/**
 * Bounded on the server too: a row lock or a semi-sync wait must not pile up writes. Guarded by
 * read_only in the statement itself: the agent's user passes read_only (READ_ONLY ADMIN), so the
 * server would not stop it. 0 affected rows: read_only was ON.
 */
export const UPSERT_HEARTBEAT_SQL =
  `SET STATEMENT max_statement_time=?, innodb_lock_wait_timeout=1 FOR ` +
  `INSERT INTO ${HEARTBEAT_TABLE} (server_id, ts) SELECT ?, UTC_TIMESTAMP(6) FROM DUAL WHERE @@GLOBAL.read_only = 0 ` +
  `ON DUPLICATE KEY UPDATE ts = VALUES(ts)`;

/** The newest row written by another server, and its age as seen here (microseconds). */
export const PEER_HEARTBEAT_SQL =
  `SET STATEMENT max_statement_time=? FOR ` +
  `SELECT server_id, TIMESTAMPDIFF(MICROSECOND, ts, UTC_TIMESTAMP(6)) AS age_us FROM ${HEARTBEAT_TABLE} ` +
  `WHERE server_id <> @@GLOBAL.server_id ORDER BY ts DESC LIMIT 1`;
