import { Command } from 'commander';
import { DEFAULT_CONFIG_PATH } from '../keepalived/render';
import { toUserError } from './errors';
import type { RunFlags } from './run-daemon';

export function registerRun(program: Command): void {
  program
    .command('run')
    .description(
      "Run the agent daemon: read keepalived's notify FIFO and publish every transition (and a heartbeat) to " +
        'EventBridge in order, keep the local database read_only unless this node is MASTER and holds the EIP, ' +
        'and write the replication heartbeat row on the writer. Logs are JSON lines on stderr.',
    )
    .option('--config <file|ssm:name>', 'cluster config (the node copy written by apply)', DEFAULT_CONFIG_PATH)
    .option('--node <id>', 'node id; default: the node whose instanceId matches this instance (IMDSv2)')
    .option('--state-dir <dir>', 'durable state: sequence, spool, status.json (default: agent.stateDir)')
    .option('--keepalived-pid-file <path>', 'keepalived pid file to watch (default: agent.keepalivedPidFile)')
    .option('--eip-source <aws|file:path>', 'where EIP ownership is read: EC2 DescribeAddresses, or a JSON file (the lab)', 'aws')
    .option('--db-user <user>', 'local database user for fencing and the heartbeat row (needs READ ONLY ADMIN)', 'root')
    .option('--db-password-file <path>', 'password file for --db-user (default: none, unix_socket authentication)')
    .option('--imds-endpoint <url>', 'instance metadata endpoint')
    .action(async (flags: RunFlags) => {
      try {
        await (await import('./run-daemon')).runDaemon(flags);
      } catch (err) {
        throw toUserError(err);
      }
    });
}
