/**
 * What `eip-agent mysql-bootstrap` wants a node to look like, computed from the cluster config
 * alone (pure, no I/O): engine settings, accounts with their exact privileges, the replication
 * channel to the peer, and the my.cnf drop-in that makes the settings survive a restart.
 */
import { createHash } from 'node:crypto';
import type { ClusterConfig } from '../../lib/config/schema';
import { HEARTBEAT_TABLE } from '../db/heartbeat';
import { PROBE_TABLE } from '../db/probe-table';

export type SettingValue = number | string | boolean;

/**
 * How a setting reaches the running server. `live`: SET GLOBAL now (and the drop-in for restarts).
 * `restart`: read-only at runtime, only the drop-in and a restart change it. `startup`: written to
 * the drop-in only; the live value belongs to someone else (read_only: the agent daemon).
 */
export type SettingApply = 'live' | 'restart' | 'startup';

export interface EngineSetting {
  readonly name: string;
  readonly value: SettingValue;
  readonly apply: SettingApply;
  /** What @@GLOBAL.name reads when the setting is in effect, when it differs from `value`. */
  readonly liveValue?: SettingValue;
}

/** One privilege on one object, as information_schema spells them: `*.*:REPLICATION SLAVE`. */
export type Privilege = `${string}:${string}`;

export interface AccountSpec {
  /** What the account is for, in reports. */
  readonly role: 'replication' | 'health check' | 'probe';
  readonly user: string;
  readonly host: string;
  readonly passwordFile: string;
  /** The exact privilege set; anything else found on the account is revoked. */
  readonly privileges: readonly Privilege[];
}

export interface ReplicationSpec {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly passwordFile: string;
  /** MASTER_CONNECT_RETRY: seconds between attempts to reach the peer. */
  readonly connectRetrySec: number;
}

export interface BootstrapPlan {
  readonly nodeId: string;
  readonly serverId: number;
  readonly settings: readonly EngineSetting[];
  readonly accounts: readonly AccountSpec[];
  readonly replication: ReplicationSpec;
}

export interface PlanOverrides {
  /** Where the peer's server is reached. @default the peer's privateIp and mysql.port */
  readonly peerHost?: string;
  readonly peerPort?: number;
  /** bind_address for the drop-in. @default `127.0.0.1,<privateIp>` */
  readonly bindAddress?: string;
  /** log_bin base name for the drop-in (an existing one is kept). @default 'mariadb-bin' */
  readonly logBinBasename?: string;
}

/** The peer notices a dead master after this (default 60 s); heartbeats come every half of it. */
export const SLAVE_NET_TIMEOUT_SEC = 10;
export const CONNECT_RETRY_SEC = 2;
export const DEFAULT_LOG_BIN_BASENAME = 'mariadb-bin';

export class UnknownNodeIdError extends Error {
  override readonly name = 'UnknownNodeIdError';
}

/** The plan for node `nodeId`. Order in the config decides server id and auto-increment offset. */
export function planBootstrap(config: ClusterConfig, nodeId: string, overrides: PlanOverrides = {}): BootstrapPlan {
  const index = config.nodes.findIndex((n) => n.id === nodeId);
  if (index < 0) {
    throw new UnknownNodeIdError(`node "${nodeId}" is not in the config; use one of: ${config.nodes.map((n) => n.id).join(', ')}`);
  }
  const self = config.nodes[index]!;
  const peer = config.nodes[1 - index]!;
  const m = config.mysql;
  const serverId = m.serverIdBase + index;

  const settings: EngineSetting[] = [
    { name: 'server_id', value: serverId, apply: 'live' },
    // Both nodes may write during a split brain: keys they generate can never collide.
    { name: 'auto_increment_increment', value: 2, apply: 'live' },
    { name: 'auto_increment_offset', value: index + 1, apply: 'live' },
    { name: 'log_bin', value: overrides.logBinBasename ?? DEFAULT_LOG_BIN_BASENAME, apply: 'restart', liveValue: true },
    // The peer's transactions go into this node's binlog too, so either node can feed the other.
    { name: 'log_slave_updates', value: true, apply: 'restart' },
    { name: 'binlog_format', value: 'ROW', apply: 'live' },
    { name: 'sync_binlog', value: 1, apply: 'live' },
    { name: 'gtid_strict_mode', value: true, apply: 'live' },
    // Each node logs its own commits under its own GTID domain (= server id). A writer that dies
    // with a commit binlogged but not yet sent comes back ahead in its domain only: the commit then
    // replicates to the new writer. In one shared domain its sequence number would collide with the
    // new writer's, and strict mode stops replication both ways for good.
    { name: 'gtid_domain_id', value: serverId, apply: 'live' },
    { name: 'slave_net_timeout', value: SLAVE_NET_TIMEOUT_SEC, apply: 'live' },
    { name: 'rpl_semi_sync_master_enabled', value: m.semiSync, apply: 'live' },
    { name: 'rpl_semi_sync_slave_enabled', value: m.semiSync, apply: 'live' },
    { name: 'rpl_semi_sync_master_timeout', value: m.semiSyncTimeoutMs, apply: 'live' },
    // Debian's 50-server.cnf binds 127.0.0.1 only; the peer and the EIP need the private IP.
    // ... and the EIP's secondary address when it has one (nodes[].eipPrivateIp).
    { name: 'bind_address', value: overrides.bindAddress ?? ['127.0.0.1', self.privateIp, ...(self.eipPrivateIp ? [self.eipPrivateIp] : [])].join(','), apply: 'startup' },
    // A (re)started node never accepts writes until the agent makes it the writer.
    { name: 'read_only', value: true, apply: 'startup' },
  ];

  const accounts: AccountSpec[] = [
    {
      role: 'replication',
      user: m.replicationUser,
      host: m.replicationUserHost ?? peer.privateIp,
      passwordFile: m.replicationPasswordFile,
      privileges: ['*.*:REPLICATION SLAVE'],
    },
    // The local check connects over the socket (localhost) or, with socket "", over 127.0.0.1.
    ...['localhost', '127.0.0.1'].map(
      (host): AccountSpec => ({ role: 'health check', user: m.healthCheckUser, host, passwordFile: m.healthCheckPasswordFile, privileges: [] }),
    ),
    {
      role: 'probe',
      user: m.probeUser,
      host: m.probeUserHost,
      passwordFile: m.probePasswordFile,
      // The probe's own table: one row written through the writer, timed until the peer shows it.
      privileges: ['*.*:SLAVE MONITOR', `${HEARTBEAT_TABLE}:SELECT`, `${PROBE_TABLE}:SELECT`, `${PROBE_TABLE}:INSERT`, `${PROBE_TABLE}:UPDATE`],
    },
  ];

  return {
    nodeId,
    serverId,
    settings,
    accounts,
    replication: {
      host: overrides.peerHost ?? peer.privateIp,
      port: overrides.peerPort ?? m.port,
      user: m.replicationUser,
      passwordFile: m.replicationPasswordFile,
      connectRetrySec: CONNECT_RETRY_SEC,
    },
  };
}

function optionValue(v: SettingValue): string {
  return typeof v === 'boolean' ? (v ? 'ON' : 'OFF') : String(v);
}

/** The drop-in file: deterministic, so an unchanged plan rewrites nothing. */
export function renderDropIn(plan: BootstrapPlan, clusterName: string): string {
  const lines = [
    `# Written by eip-agent mysql-bootstrap for cluster ${clusterName}, node ${plan.nodeId}.`,
    '# Do not edit: change the cluster config and run the bootstrap again (docs/mysql.md).',
    '[mariadb]',
    ...plan.settings.map((s) => `${s.name} = ${optionValue(s.value)}`),
  ];
  return `${lines.join('\n')}\n`;
}

/** True when a live value read with SELECT @@GLOBAL.x equals the desired one. */
export function sameSetting(desired: SettingValue, live: unknown): boolean {
  if (live === null || live === undefined) return false;
  if (typeof desired === 'boolean') return Number(live) === (desired ? 1 : 0) || String(live).toUpperCase() === (desired ? 'ON' : 'OFF');
  if (typeof desired === 'number') return Number(live) === desired;
  return String(live).toUpperCase() === desired.toUpperCase();
}

/** MariaDB's mysql_native_password hash of a password: '*' + upper hex SHA1(SHA1(password)). */
export function nativePasswordHash(password: string): string {
  const sha1 = (data: Buffer) => createHash('sha1').update(data).digest();
  return `*${sha1(sha1(Buffer.from(password, 'utf8'))).toString('hex').toUpperCase()}`;
}
