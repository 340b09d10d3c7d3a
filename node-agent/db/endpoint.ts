/** The local database login of the agent's own commands (the daemon, yield). */
import { readFile } from 'node:fs/promises';
import type { ClusterConfig } from '../../lib/config/schema';
import type { DbEndpoint } from './session';

export async function localDbEndpoint(config: ClusterConfig, flags: { dbUser: string; dbPasswordFile?: string }): Promise<DbEndpoint> {
  // The default is root over the local socket (unix_socket authentication: no password to keep).
  const password = flags.dbPasswordFile ? (await readFile(flags.dbPasswordFile, 'utf8')).replace(/\r?\n$/, '') : '';
  const { socket, port } = config.mysql;
  return socket ? { user: flags.dbUser, password, socket } : { user: flags.dbUser, password, host: '127.0.0.1', port };
}
