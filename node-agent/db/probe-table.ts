/**
 * The probe's table: the control plane's probe writes one row through the writer (keyed by the
 * writer's server id, so the table never grows and the nodes never write the same row) and times
 * how long the peer takes to show it. mysql-bootstrap creates it on each node; the probe user
 * gets SELECT, INSERT and UPDATE on it and nothing else that writes (no READ ONLY ADMIN, so the
 * write is refused on a read-only node).
 */
import { HEARTBEAT_SCHEMA } from './heartbeat';

export const PROBE_TABLE_NAME = 'probe';
export const PROBE_TABLE = `${HEARTBEAT_SCHEMA}.${PROBE_TABLE_NAME}`;

/** Idempotent DDL (the schema exists: HEARTBEAT_DDL creates it). */
export const PROBE_TABLE_DDL = `CREATE TABLE IF NOT EXISTS ${PROBE_TABLE} (
    server_id INT UNSIGNED NOT NULL PRIMARY KEY COMMENT 'the writer''s @@server_id',
    token CHAR(32) NOT NULL COMMENT 'random per probe write: the peer shows it once replicated',
    written_at DATETIME(6) NOT NULL COMMENT 'UTC time of the write on the writer (for people; the probe times on its own clock)'
  ) ENGINE=InnoDB`;

/** Values: max_statement_time (s), token. Bounded on the server too, like every probe statement. */
export const PROBE_WRITE_SQL =
  `SET STATEMENT max_statement_time=? FOR ` +
  `INSERT INTO ${PROBE_TABLE} (server_id, token, written_at) VALUES (@@server_id, ?, UTC_TIMESTAMP(6)) ` +
  `ON DUPLICATE KEY UPDATE token = VALUES(token), written_at = VALUES(written_at)`;

/** Values: max_statement_time (s), the writer's server id. */
export const PROBE_READ_SQL = `SET STATEMENT max_statement_time=? FOR SELECT token FROM ${PROBE_TABLE} WHERE server_id = ?`;
