/**
 * `eip-agent mysql-bootstrap`, the core: brings the local MariaDB to the plan of bootstrap-plan.ts
 * and reports, item by item, what it changed. Idempotent: a second run with the same inputs finds
 * everything in place and changes nothing. Everything it does to the server is local (sql_log_bin
 * is off for its session), so the two nodes never replay each other's bootstrap.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import mysql from 'mysql2/promise';
import { writeFileAtomic } from '../../lib/fs/atomic-write';
import type { ClusterConfig } from '../../lib/config/schema';
import { HEARTBEAT_DDL, HEARTBEAT_SCHEMA } from '../db/heartbeat';
import { PROBE_TABLE_DDL, PROBE_TABLE_NAME } from '../db/probe-table';
import { ensureAccount } from './bootstrap-accounts';
import { BootstrapPlan, DEFAULT_LOG_BIN_BASENAME, PlanOverrides, planBootstrap, renderDropIn, sameSetting } from './bootstrap-plan';
import { ensureReplication, readSlaveStatus } from './bootstrap-replication';
import { BootstrapError, BootstrapStep, Sql } from './bootstrap-types';
import { destroyConnection, passwordFromFileText } from './connection';

export { BootstrapError };
export type { BootstrapStep };

export interface BootstrapOptions {
  readonly config: ClusterConfig;
  readonly nodeId: string;
  /** Admin login over the local socket. @default root with unix_socket authentication (run as OS root) */
  readonly admin: { readonly socket: string; readonly user?: string; readonly password?: string };
  /** Where the my.cnf drop-in goes; the server must read it at start. */
  readonly dropInPath: string;
  readonly overrides?: Omit<PlanOverrides, 'logBinBasename'>;
  /**
   * Restarts the server when settings that only apply at start differ (first run: binary log).
   * Without it the bootstrap stops there and reports `restartRequired`.
   */
  readonly restartServer?: () => Promise<void>;
}

export interface BootstrapReport {
  readonly nodeId: string;
  readonly serverId: number;
  readonly changed: boolean;
  readonly steps: readonly BootstrapStep[];
  /** Settings that still need a restart; when non-empty the bootstrap stopped before the accounts. */
  readonly restartRequired: readonly string[];
}

const STATEMENT_TIMEOUT_MS = 30000;

async function readPassword(file: string, what: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new BootstrapError(`cannot read the ${what} password file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const password = passwordFromFileText(text);
  if (!password) throw new BootstrapError(`the ${what} password file ${file} is empty; write the password into it`);
  return password;
}

/** An admin session with binary logging off: what the bootstrap does stays on this node. */
async function openAdmin(admin: BootstrapOptions['admin']): Promise<{ sql: Sql; close: () => void }> {
  let conn: mysql.Connection;
  try {
    conn = await mysql.createConnection({ socketPath: admin.socket, user: admin.user ?? 'root', password: admin.password, connectTimeout: 10000 });
  } catch (err) {
    throw new BootstrapError(`cannot connect as ${admin.user ?? 'root'} over ${admin.socket}: ${(err as Error).message}`);
  }
  conn.on('error', () => undefined); // failures surface through the pending statement
  const sql: Sql = async <T>(statement: string, values: readonly unknown[] = []) =>
    (await conn.query({ sql: statement, values: values as unknown[], timeout: STATEMENT_TIMEOUT_MS }))[0] as T[];
  await sql('SET SESSION sql_log_bin = 0');
  return { sql, close: () => destroyConnection(conn) };
}

async function globals(sql: Sql, names: readonly string[]): Promise<Record<string, unknown>> {
  const [row] = await sql<Record<string, unknown>>(`SELECT ${names.map((n) => `@@GLOBAL.${n} AS \`${n}\``).join(', ')}`);
  return row ?? {};
}

/** The plan, keeping a binary log base name the server already uses (renaming would start a new series). */
async function planFor(sql: Sql, options: BootstrapOptions): Promise<BootstrapPlan> {
  const live = await globals(sql, ['version', 'datadir', 'log_bin', 'log_bin_basename']);
  if (!/mariadb/i.test(String(live.version))) throw new BootstrapError(`the server is ${String(live.version)}; mysql-bootstrap needs MariaDB (10.11)`);
  const basename = live.log_bin_basename ? String(live.log_bin_basename) : undefined;
  const keep = Number(live.log_bin) === 1 && basename && basename !== join(String(live.datadir), DEFAULT_LOG_BIN_BASENAME) ? basename : undefined;
  return planBootstrap(options.config, options.nodeId, { ...options.overrides, ...(keep ? { logBinBasename: keep } : {}) });
}

async function ensureDropIn(path: string, content: string): Promise<BootstrapStep> {
  const current = await readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw new BootstrapError(`cannot read ${path}: ${err.message}`);
  });
  if (current === content) return { item: `drop-in ${path}`, changed: false, detail: 'up to date' };
  await mkdir(dirname(path), { recursive: true });
  await writeFileAtomic(path, content, 0o644);
  return { item: `drop-in ${path}`, changed: true, detail: current === undefined ? 'written' : 'rewritten' };
}

async function pendingRestart(sql: Sql, plan: BootstrapPlan): Promise<string[]> {
  const restartOnly = plan.settings.filter((s) => s.apply === 'restart');
  const live = await globals(sql, restartOnly.map((s) => s.name));
  return restartOnly.filter((s) => !sameSetting(s.liveValue ?? s.value, live[s.name])).map((s) => `${s.name} (now ${String(live[s.name])})`);
}

async function ensureLiveSettings(sql: Sql, plan: BootstrapPlan): Promise<BootstrapStep[]> {
  const dynamic = plan.settings.filter((s) => s.apply === 'live');
  const live = await globals(sql, dynamic.map((s) => s.name));
  const steps: BootstrapStep[] = [];
  for (const s of dynamic) {
    const item = `setting ${s.name}`;
    if (sameSetting(s.value, live[s.name])) {
      steps.push({ item, changed: false, detail: String(live[s.name]) });
      continue;
    }
    const value = typeof s.value === 'boolean' ? Number(s.value) : s.value;
    await sql(`SET GLOBAL ${s.name} = ?`, [value]);
    steps.push({ item, changed: true, detail: `${String(live[s.name])} -> ${String(s.value)}` });
  }
  return steps;
}

async function ensureHeartbeatTable(sql: Sql): Promise<BootstrapStep> {
  const item = `table ${HEARTBEAT_SCHEMA}.heartbeat`;
  const [found] = await sql(`SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'heartbeat'`, [HEARTBEAT_SCHEMA]);
  if (found) return { item, changed: false, detail: 'exists' };
  for (const ddl of HEARTBEAT_DDL) await sql(ddl);
  return { item, changed: true, detail: 'created' };
}

/** The probe's table (after the heartbeat's, which creates the schema); before the accounts: GRANT on a table needs it. */
async function ensureProbeTable(sql: Sql): Promise<BootstrapStep> {
  const item = `table ${HEARTBEAT_SCHEMA}.${PROBE_TABLE_NAME}`;
  const [found] = await sql(`SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?`, [HEARTBEAT_SCHEMA, PROBE_TABLE_NAME]);
  if (found) return { item, changed: false, detail: 'exists' };
  await sql(PROBE_TABLE_DDL);
  return { item, changed: true, detail: 'created' };
}

/** Runs the bootstrap on the local server. Throws BootstrapError when it cannot go on. */
export async function runBootstrap(options: BootstrapOptions): Promise<BootstrapReport> {
  const m = options.config.mysql;
  const passwords = {
    replication: await readPassword(m.replicationPasswordFile, 'replication'),
    'health check': await readPassword(m.healthCheckPasswordFile, 'health-check'),
    probe: await readPassword(m.probePasswordFile, 'probe'),
  };
  const steps: BootstrapStep[] = [];
  let session = await openAdmin(options.admin);
  try {
    const plan = await planFor(session.sql, options);
    const report = (restartRequired: string[] = []): BootstrapReport => ({
      nodeId: plan.nodeId,
      serverId: plan.serverId,
      changed: steps.some((s) => s.changed),
      steps,
      restartRequired,
    });
    steps.push(await ensureDropIn(options.dropInPath, renderDropIn(plan, options.config.clusterName)));

    let pending = await pendingRestart(session.sql, plan);
    if (pending.length) {
      if (!options.restartServer) return report(pending);
      session.close();
      await options.restartServer();
      session = await openAdmin(options.admin);
      pending = await pendingRestart(session.sql, plan);
      if (pending.length) {
        throw new BootstrapError(`after the restart ${pending.join(', ')} still differ: is ${options.dropInPath} read by the server (and not overridden by a later file)?`);
      }
      steps.push({ item: 'server restart', changed: true, detail: 'restarted so the binary log settings take effect' });
    }
    const { sql } = session;

    const liveSteps = await ensureLiveSettings(sql, plan);
    steps.push(...liveSteps);
    steps.push(await ensureHeartbeatTable(sql));
    steps.push(await ensureProbeTable(sql));
    let replicationPasswordChanged = false;
    for (const spec of plan.accounts) {
      const result = await ensureAccount(sql, spec, passwords[spec.role]);
      steps.push(...result.steps);
      if (spec.role === 'replication') replicationPasswordChanged = result.passwordChanged;
    }

    const before = await readSlaveStatus(sql);
    const [ro] = await sql<{ ro: number }>('SELECT @@GLOBAL.read_only AS ro');
    if (!before && Number(ro?.ro) !== 1) {
      // First time in the pair: fenced until the agent daemon makes it the writer.
      await sql('SET GLOBAL read_only = 1');
      steps.push({ item: 'read_only', changed: true, detail: 'ON until the agent makes this node the writer' });
    } else {
      steps.push({ item: 'read_only', changed: false, detail: `${Number(ro?.ro) === 1 ? 'ON' : 'OFF'} (the agent daemon owns it)` });
    }
    steps.push(
      await ensureReplication(sql, before, {
        spec: plan.replication,
        password: passwords.replication,
        passwordChanged: replicationPasswordChanged,
        semiSyncSlaveChanged: liveSteps.some((s) => s.changed && s.item === 'setting rpl_semi_sync_slave_enabled'),
      }),
    );
    return report();
  } catch (err) {
    if (err instanceof BootstrapError) throw err;
    const e = err as { code?: string; sqlMessage?: string; message: string };
    throw new BootstrapError(`bootstrap failed: ${e.sqlMessage ?? e.message}${e.code ? ` (${e.code})` : ''}`);
  } finally {
    session.close();
  }
}
