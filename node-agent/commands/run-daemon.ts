/** The daemon's wiring: loaded only when `eip-agent run` starts (it pulls in the AWS SDK clients). */
import { loadClusterConfig } from '../../lib/config/load';
import type { ClusterConfig } from '../../lib/config/schema';
import { AgentDaemon } from '../daemon/agent-daemon';
import { MariaDbLocalDatabase } from '../db/mariadb';
import { localDbEndpoint } from '../db/endpoint';
import { AwsEipOwnership, createEc2Client } from '../eip/aws';
import { FileEipOwnership } from '../eip/file';
import type { EipOwnership } from '../eip/ownership';
import { createEventBridgeClient } from '../events/client';
import { jsonLog } from '../log';
import { EXIT, UserError } from '../user-error';
import { identifyNode } from './node-identity';

export interface RunFlags {
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

export async function runDaemon(flags: RunFlags): Promise<void> {
  const config = await loadClusterConfig(flags.config);
  const nodeId = await identifyNode(config, flags);
  const log = jsonLog('agent');
  const daemon = new AgentDaemon({
    config,
    nodeId,
    log,
    db: new MariaDbLocalDatabase({ endpoint: await localDbEndpoint(config, flags), callDeadlineMs: config.mysql.healthCheckDeadlineMs }),
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

