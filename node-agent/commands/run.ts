import { readFile } from 'node:fs/promises';
import { Command } from 'commander';
import { loadClusterConfig } from '../../lib/config/load';
import type { ClusterConfig } from '../../lib/config/schema';
import { AgentDaemon } from '../daemon/agent-daemon';
import { MariaDbLocalDatabase } from '../db/mariadb';
import type { DbEndpoint } from '../db/session';
import { AwsEipOwnership, createEc2Client } from '../eip/aws';
import { FileEipOwnership } from '../eip/file';
import type { EipOwnership } from '../eip/ownership';
import { createEventBridgeClient } from '../events/client';
import { jsonLog } from '../log';
import { DEFAULT_CONFIG_PATH } from '../keepalived/render';
import { EXIT, UserError } from '../user-error';
import { toUserError } from './errors';
import { identifyNode } from './node-identity';

interface RunFlags {
  config: string;
  node?: string;
  stateDir?: string;
  keepalivedPidFile?: string;
  eipSource: string;
  dbUser: string;
  dbPasswordFile?: string;
  imdsEndpoint?: string;
}

const FILE_PREFIX = 'file:';

function eipOwnership(config: ClusterConfig, nodeId: string, source: string): EipOwnership {
  if (source === 'aws') return AwsEipOwnership.fromConfig(config, nodeId, createEc2Client({ region: config.region }));
  if (source.startsWith(FILE_PREFIX) && source.length > FILE_PREFIX.length) {
    return new FileEipOwnership(source.slice(FILE_PREFIX.length), nodeId);
  }
  throw new UserError(`--eip-source "${source}" is not valid; use "aws" or "file:<path>"`, EXIT.badInput);
}

async function dbEndpoint(config: ClusterConfig, flags: RunFlags): Promise<DbEndpoint> {
  // The default is root over the local socket (unix_socket authentication: no password to keep).
  const password = flags.dbPasswordFile ? (await readFile(flags.dbPasswordFile, 'utf8')).replace(/\r?\n$/, '') : '';
  const { socket, port } = config.mysql;
  return socket ? { user: flags.dbUser, password, socket } : { user: flags.dbUser, password, host: '127.0.0.1', port };
}

async function runDaemon(flags: RunFlags): Promise<void> {
  const config = await loadClusterConfig(flags.config);
  const nodeId = await identifyNode(config, flags);
  const log = jsonLog('agent');
  const daemon = new AgentDaemon({
    config,
    nodeId,
    log,
    db: new MariaDbLocalDatabase({ endpoint: await dbEndpoint(config, flags), callDeadlineMs: config.mysql.healthCheckDeadlineMs }),
    eip: eipOwnership(config, nodeId, flags.eipSource),
    eventsClient: createEventBridgeClient({ region: config.region }),
    ...(flags.stateDir ? { stateDir: flags.stateDir } : {}),
    ...(flags.keepalivedPidFile ? { keepalivedPidFile: flags.keepalivedPidFile } : {}),
  });
  await daemon.start();
  await new Promise<void>((resolve) => {
    const shutdown = (signal: string) => {
      log.info('agent stopping', { signal });
      daemon.stop().then(resolve, resolve);
    };
    process.once('SIGTERM', () => shutdown('SIGTERM'));
    process.once('SIGINT', () => shutdown('SIGINT'));
  });
}

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
        await runDaemon(flags);
      } catch (err) {
        throw toUserError(err);
      }
    });
}
