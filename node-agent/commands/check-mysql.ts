import { Command, InvalidArgumentError } from 'commander';
import { performance } from 'node:perf_hooks';
import { loadClusterConfig } from '../../lib/config/load';
import { ClusterConfig, MysqlSchema } from '../../lib/config/schema';
import { HealthCheckTarget, checkMysqlHealth } from '../mysql/health-check';
import { EXIT, UserError } from '../user-error';
import { toUserError } from './errors';

export interface CheckMysqlFlags {
  config?: string;
  socket?: string;
  host?: string;
  port?: number;
  user?: string;
  passwordFile?: string;
  deadlineMs?: number;
  json?: boolean;
}

const positiveInt = (what: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${what} must be a positive whole number`);
  return n;
};

/**
 * Where and how to check: the config's mysql section, then the flags. An explicit --host or
 * --port means TCP unless --socket is given too; --socket '' forces TCP.
 */
export function resolveHealthTarget(mysqlConfig: ClusterConfig['mysql'], flags: CheckMysqlFlags): HealthCheckTarget {
  const tcpRequested = flags.host !== undefined || flags.port !== undefined;
  const socket = flags.socket ?? (tcpRequested ? '' : mysqlConfig.socket);
  return {
    ...(socket ? { socketPath: socket } : {}),
    host: flags.host ?? '127.0.0.1',
    port: flags.port ?? mysqlConfig.port,
    user: flags.user ?? mysqlConfig.healthCheckUser,
    passwordFile: flags.passwordFile ?? mysqlConfig.healthCheckPasswordFile,
    deadlineMs: flags.deadlineMs ?? mysqlConfig.healthCheckDeadlineMs,
  };
}

export function registerCheckMysql(program: Command): void {
  program
    .command('check-mysql')
    .description(
      "keepalived's track script: exit 0 when the local MariaDB answers a trivial query within the deadline, 1 otherwise. " +
        'Quiet when healthy; one line on stderr when not.',
    )
    .option('--config <file|ssm:name>', 'cluster config (its mysql section); without it the documented defaults apply')
    .option('--socket <path>', "unix socket to use ('' for TCP)")
    .option('--host <address>', 'TCP host (implies TCP unless --socket is given)')
    .option('--port <n>', 'TCP port (implies TCP unless --socket is given)', positiveInt('--port'))
    .option('--user <name>', 'MySQL user of the check')
    .option('--password-file <path>', "file with that user's password")
    .option('--deadline-ms <ms>', 'hard deadline of the whole check, config loading included', positiveInt('--deadline-ms'))
    .option('--json', 'print {healthy, reason, kind, elapsedMs} on stdout')
    .action(async (flags: CheckMysqlFlags) => {
      const started = performance.now();
      let mysqlConfig: ClusterConfig['mysql'];
      try {
        mysqlConfig = flags.config ? (await loadClusterConfig(flags.config)).mysql : MysqlSchema.parse({});
      } catch (err) {
        throw toUserError(err);
      }
      const target = resolveHealthTarget(mysqlConfig, flags);
      const spent = Math.round(performance.now() - started);
      const result = await checkMysqlHealth({ ...target, deadlineMs: Math.max(1, target.deadlineMs - spent) });
      const elapsedMs = result.elapsedMs + spent;
      if (flags.json) {
        process.stdout.write(`${JSON.stringify({ healthy: result.healthy, reason: result.reason, kind: result.kind, elapsedMs })}\n`);
      }
      if (!result.healthy) throw new UserError(`check-mysql: unhealthy: ${result.reason}`, EXIT.failed);
    });
}
