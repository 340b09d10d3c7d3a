/**
 * The real ports of `eip-agent yield`: the local database (root over the socket, like the daemon),
 * the peer's database (TCP to its private IP as the replication user: that account exists on the
 * peer for this node's address by construction, and reading a global variable needs no
 * privilege), the state-directory files, keepalived's marker address, signals and the abort file.
 */
import { readFile } from 'node:fs/promises';
import type { ClusterConfig } from '../../lib/config/schema';
import { readLiveStatus } from '../daemon/status';
import { hasMarkerAddress } from '../daemon/keepalived-watch';
import { MariaDbLocalDatabase } from '../db/mariadb';
import { withSession, type DbEndpoint } from '../db/session';
import { markerAddress } from '../keepalived/render';
import { abortRequestedByFile, clearHold, readHold, setYieldTrack, writeHold } from './files';
import { PeerPosition } from './peer-position';
import type { YieldPorts } from './yield';

export interface YieldWiringOptions {
  readonly config: ClusterConfig;
  readonly nodeId: string;
  readonly stateDir: string;
  readonly local: DbEndpoint;
  readonly progress: (line: string) => void;
  /** Set by the caller's SIGINT/SIGTERM handlers. */
  readonly interrupted: () => boolean;
}

export async function yieldPorts(o: YieldWiringOptions): Promise<YieldPorts> {
  const { config, nodeId, stateDir } = o;
  const peer = config.nodes.find((n) => n.id !== nodeId)!;
  const deadlineMs = config.mysql.healthCheckDeadlineMs;
  const password = (await readFile(config.mysql.replicationPasswordFile, 'utf8')).replace(/\r?\n$/, '');
  const peerEndpoint: DbEndpoint = { host: peer.privateIp, port: config.mysql.port, user: config.mysql.replicationUser, password };
  const localDb = new MariaDbLocalDatabase({ endpoint: o.local, callDeadlineMs: deadlineMs });
  const binlogPos = async () => {
    const [row] = await withSession(o.local, deadlineMs, 'local gtid_binlog_pos', (s) => s.rows<{ pos: unknown }>('SELECT @@GLOBAL.gtid_binlog_pos AS pos'));
    return String(row?.pos ?? '');
  };
  const peerPosition = new PeerPosition(peerEndpoint, deadlineMs, `${peer.id} gtid_current_pos`);
  const marker = markerAddress(config);
  return {
    agentStatus: () => readLiveStatus(stateDir),
    local: { readOnly: async () => (await localDb.view()).readOnly, fence: () => localDb.setReadOnly(true), binlogPos },
    peer: { appliedPos: () => peerPosition.read(), close: () => peerPosition.close() },
    hold: { current: () => readHold(stateDir), set: (hold) => writeHold(stateDir, hold), clear: () => clearHold(stateDir) },
    keepalived: { setYield: (on) => setYieldTrack(stateDir, on), isMaster: () => hasMarkerAddress(marker) },
    abortRequested: () => o.interrupted() || abortRequestedByFile(stateDir),
    now: Date.now,
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    progress: o.progress,
    pid: process.pid,
  };
}
