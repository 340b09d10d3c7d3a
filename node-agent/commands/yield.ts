import { Command, InvalidArgumentError } from 'commander';
import { DEFAULT_CONFIG_PATH } from '../keepalived/render';
import { EXIT, UserError } from '../user-error';
import { toUserError } from './errors';

export interface YieldFlags {
  config: string;
  node?: string;
  stateDir?: string;
  catchUpTimeoutMs: number;
  handoverTimeoutMs: number;
  dbUser: string;
  dbPasswordFile?: string;
  imdsEndpoint?: string;
  abort?: boolean;
  json?: boolean;
}

const ms = (what: string, min: number, max: number) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`${what} must be a whole number of milliseconds from ${min} to ${max}`);
  return n;
};

export function registerYield(program: Command): void {
  program
    .command('yield')
    .description(
      "The writer's side of a planned switchover (eipctl switchover runs it on the writer): fence the database " +
        "(read_only=ON, held against the daemon), wait until the peer has applied this node's whole binlog (GTID), " +
        'then make keepalived step down (track file → FAULT, a priority-0 advert) so the peer becomes MASTER and ' +
        'the controller moves the EIP; once the EIP has left, come back as BACKUP. Interrupted (or failing) before ' +
        'the step-down it rolls back: the node stays the writer. Progress on stderr.',
    )
    .option('--config <file|ssm:name>', 'cluster config (the node copy written by apply)', DEFAULT_CONFIG_PATH)
    .option('--node <id>', 'node id; default: the node whose instanceId matches this instance (IMDSv2)')
    .option('--state-dir <dir>', 'the daemon state directory (default: agent.stateDir)')
    .option('--catch-up-timeout-ms <ms>', 'how long to stay fenced waiting for the peer to apply everything, then roll back', ms('--catch-up-timeout-ms', 100, 600_000), 5000)
    .option('--handover-timeout-ms <ms>', 'after stepping down, how long to wait for the EIP to leave', ms('--handover-timeout-ms', 1000, 600_000), 15_000)
    .option('--db-user <user>', 'local database user (needs READ ONLY ADMIN)', 'root')
    .option('--db-password-file <path>', 'password file for --db-user (default: none, unix_socket authentication)')
    .option('--imds-endpoint <url>', 'instance metadata endpoint')
    .option('--abort', 'ask a running yield on this node to roll back (only before its step-down) and exit')
    .option('--json', 'print the report as one JSON object on stdout')
    .action(async (flags: YieldFlags) => {
      try {
        const { runYield } = await import('./yield-run');
        const ok = await runYield(flags);
        if (!ok) throw new UserError('no handover (see the reason above)', EXIT.failed);
      } catch (err) {
        throw toUserError(err);
      }
    });
}
