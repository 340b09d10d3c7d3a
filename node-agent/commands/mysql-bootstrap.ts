import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { Command, InvalidArgumentError } from 'commander';
import mysql from 'mysql2/promise';
import { loadClusterConfig } from '../../lib/config/load';
import { BootstrapError, BootstrapReport, runBootstrap } from '../mysql/bootstrap';
import { UnknownNodeIdError } from '../mysql/bootstrap-plan';
import { destroyConnection, passwordFromFileText } from '../mysql/connection';
import { EXIT, UserError } from '../user-error';
import { toUserError } from './errors';

/** Debian's MariaDB reads /etc/mysql/mariadb.conf.d/*.cnf in name order; 60 comes after 50-server.cnf. */
export const DEFAULT_DROP_IN = '/etc/mysql/mariadb.conf.d/60-eip-failover.cnf';
/** Exit code when settings wait for a restart of MariaDB (no --restart-command given). */
export const EXIT_RESTART_REQUIRED = 3;

export interface MysqlBootstrapFlags {
  config: string;
  node: string;
  socket?: string;
  adminUser: string;
  adminPasswordFile?: string;
  dropIn: string;
  peerHost?: string;
  peerPort?: number;
  bindAddress?: string;
  restartCommand?: string;
  json?: boolean;
}

const positiveInt = (what: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new InvalidArgumentError(`${what} must be a port number`);
  return n;
};

/** Runs the restart command (no shell), then waits until the server answers again. */
function restarter(command: string, socket: string, admin: { user: string; password?: string }): () => Promise<void> {
  return async () => {
    const [cmd, ...args] = command.split(/\s+/).filter(Boolean);
    const code = await new Promise<number | null>((resolve) => {
      const child = spawn(cmd!, args, { stdio: 'inherit' });
      child.on('error', () => resolve(null));
      child.on('close', resolve);
    });
    if (code !== 0) throw new BootstrapError(`restart command "${command}" failed (${code === null ? 'could not run' : `exit ${code}`})`);
    const deadline = Date.now() + 120000;
    for (;;) {
      const conn = await mysql.createConnection({ socketPath: socket, user: admin.user, password: admin.password, connectTimeout: 2000 }).catch(() => undefined);
      if (conn) return destroyConnection(conn);
      if (Date.now() > deadline) throw new BootstrapError(`MariaDB did not come back within 120 s after "${command}"`);
      await new Promise((r) => setTimeout(r, 500));
    }
  };
}

function formatReport(r: BootstrapReport): string {
  const lines = r.steps.map((s) => `${s.changed ? 'changed  ' : 'no change'}  ${s.item}: ${s.detail}`);
  const total = r.steps.filter((s) => s.changed).length;
  lines.push(`node ${r.nodeId} (server_id ${r.serverId}): ${total ? `${total} change(s)` : 'no change'}`);
  return `${lines.join('\n')}\n`;
}

export function registerMysqlBootstrap(program: Command): void {
  program
    .command('mysql-bootstrap')
    .description(
      'Set up (idempotently) master-master GTID replication with the peer, the engine settings, the accounts and the heartbeat table ' +
        'on the local MariaDB. Passwords come from the files named in the config. See docs/mysql.md.',
    )
    .requiredOption('--config <file|ssm:name>', 'cluster config: a JSON file, or ssm:<parameter name>')
    .requiredOption('--node <id>', 'this node id from the config (decides server id and auto-increment offset)')
    .option('--socket <path>', 'local server socket (default: mysql.socket from the config)')
    .option('--admin-user <name>', 'admin account on the local server (unix_socket auth as OS root)', 'root')
    .option('--admin-password-file <path>', "file with the admin account's password, when it has one")
    .option('--drop-in <path>', 'my.cnf drop-in the bootstrap writes', DEFAULT_DROP_IN)
    .option('--peer-host <address>', "where the peer's server is reached (default: its privateIp)")
    .option('--peer-port <n>', 'peer port (default: mysql.port)', positiveInt('--peer-port'))
    .option('--bind-address <list>', 'bind_address written to the drop-in (default: 127.0.0.1,<privateIp>)')
    .option('--restart-command <cmd>', 'restart MariaDB with this command when start-only settings change, e.g. "systemctl restart mariadb"')
    .option('--json', 'print the report as JSON')
    .action(async (flags: MysqlBootstrapFlags) => {
      try {
        const config = await loadClusterConfig(flags.config);
        const socket = flags.socket ?? config.mysql.socket;
        if (!socket) throw new UserError('mysql-bootstrap talks to the local server over its socket; set mysql.socket or pass --socket', EXIT.badInput);
        const password = flags.adminPasswordFile
          ? passwordFromFileText(
              await readFile(flags.adminPasswordFile, 'utf8').catch((e: Error) => {
                throw new UserError(`cannot read the admin password file: ${e.message}`, EXIT.badInput);
              }),
            )
          : undefined;
        const admin = { socket, user: flags.adminUser, ...(password !== undefined ? { password } : {}) };
        const report = await runBootstrap({
          config,
          nodeId: flags.node,
          admin,
          dropInPath: flags.dropIn,
          overrides: { peerHost: flags.peerHost, peerPort: flags.peerPort, bindAddress: flags.bindAddress },
          ...(flags.restartCommand ? { restartServer: restarter(flags.restartCommand, socket, admin) } : {}),
        });
        process.stdout.write(flags.json ? `${JSON.stringify(report)}\n` : formatReport(report));
        if (report.restartRequired.length) {
          throw new UserError(
            `${report.restartRequired.join(', ')} only change at start: restart MariaDB (it reads ${flags.dropIn}) and run mysql-bootstrap again, ` +
              'or pass --restart-command',
            EXIT_RESTART_REQUIRED,
          );
        }
      } catch (err) {
        if (err instanceof BootstrapError) throw new UserError(err.message, EXIT.failed);
        if (err instanceof UnknownNodeIdError) throw new UserError(err.message, EXIT.badInput);
        throw toUserError(err);
      }
    });
}
