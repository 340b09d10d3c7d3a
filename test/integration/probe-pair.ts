/**
 * A real MariaDB pair for the probe's integration tests: two servers on two loopback addresses
 * (the nodes' "private IPs"), one port, each bootstrapped by the real mysql-bootstrap core
 * (accounts, heartbeat and probe tables, master-master GTID replication, semi-sync), db-a made the
 * writer as the agent would. Addresses carry the caller's tag so parallel files never collide.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseClusterConfig } from '../../lib/config/parse';
import type { ClusterConfig, ClusterConfigInput } from '../../lib/config/schema';
import { UPSERT_HEARTBEAT_SQL } from '../../node-agent/db/heartbeat';
import { runBootstrap } from '../../node-agent/mysql/bootstrap';
import { freePort, MariaDbInstance, startMariaDb } from '../helpers/mariadb';

export const PROBE_PASSWORD = 'probe-pw';

export interface ProbePair {
  readonly config: ClusterConfig;
  /** The config as written (for a copy with other values, e.g. in an SSM parameter). */
  readonly input: ClusterConfigInput;
  readonly db: { readonly 'db-a': MariaDbInstance; readonly 'db-b': MariaDbInstance };
  readonly ip: { readonly 'db-a': string; readonly 'db-b': string };
  readonly port: number;
  cleanup(): Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 30_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

async function portFreeOn(hosts: readonly string[]): Promise<number> {
  for (;;) {
    const port = await freePort(hosts[0]);
    const free = await Promise.all(
      hosts.slice(1).map((h) => new Promise<boolean>((done) => {
        const s = createServer().once('error', () => done(false));
        s.listen(port, h, () => s.close(() => done(true)));
      })),
    );
    if (free.every(Boolean)) return port;
  }
}

/** Both replication threads running on `db`. */
export const replicating = (db: MariaDbInstance) =>
  waitFor(`replication on ${db.socket}`, async () => {
    const [s] = await db.query<Record<string, string>>('SHOW SLAVE STATUS');
    return s?.Slave_IO_Running === 'Yes' && s.Slave_SQL_Running === 'Yes';
  });

/** The agent daemon's heartbeat write, once (it only writes where read_only is OFF). */
export const heartbeat = (db: MariaDbInstance, serverId: number) => db.query(UPSERT_HEARTBEAT_SQL, [2, serverId]);

/** `octet`: the third octet of the nodes' 127.0.X.{1,2} addresses; pick one per test file. */
export async function startProbePair(tag: string, octet: number): Promise<ProbePair> {
  const work = mkdtempSync(join(tmpdir(), `eip-probe-${tag}-`));
  const secret = (name: string, value: string) => {
    writeFileSync(join(work, name), `${value}\n`, { mode: 0o600 });
    return join(work, name);
  };
  const ip = { 'db-a': `127.0.${octet}.1`, 'db-b': `127.0.${octet}.2` } as const;
  const port = await portFreeOn([ip['db-a'], ip['db-b']]);
  const example = JSON.parse(readFileSync(resolve(__dirname, '../../examples/cluster.json'), 'utf8')) as ClusterConfigInput;
  const input: ClusterConfigInput = {
    ...example,
    clusterName: `probe-${tag}`,
    nodes: [
      { ...example.nodes[0]!, privateIp: ip['db-a'] },
      { ...example.nodes[1]!, privateIp: ip['db-b'] },
    ],
    mysql: {
      port,
      socket: '',
      healthCheckPasswordFile: secret('health.password', 'health-pw'),
      replicationPasswordFile: secret('repl.password', 'repl-pw'),
      probePasswordFile: secret('probe.password', PROBE_PASSWORD),
      // Connections between 127.0.x.y addresses leave from 127.0.0.1 (the loopback route's source).
      replicationUserHost: '127.0.0.1',
      // A commit waiting for a stopped or frozen peer goes through (async) after this.
      semiSyncTimeoutMs: 500,
    },
  };
  const config = parseClusterConfig(input);
  const dbs: MariaDbInstance[] = [];
  const cleanup = async () => {
    await Promise.all(dbs.map((d) => d.cleanup()));
    rmSync(work, { recursive: true, force: true });
  };
  try {
    for (const id of ['db-a', 'db-b'] as const) {
      const dropIn = join(work, `${id}.cnf`);
      writeFileSync(dropIn, '[mariadb]\n');
      dbs.push(await startMariaDb({ name: `${tag}-${id}`, bindAddress: ip[id], port, defaultsFile: dropIn, serverOptions: { 'skip-name-resolve': true } }));
    }
    const db = { 'db-a': dbs[0]!, 'db-b': dbs[1]! };
    for (const id of ['db-a', 'db-b'] as const) {
      await runBootstrap({ config, nodeId: id, admin: { socket: db[id].socket }, dropInPath: join(work, `${id}.cnf`), overrides: { bindAddress: ip[id] }, restartServer: () => db[id].restart() });
    }
    await Promise.all([replicating(db['db-a']), replicating(db['db-b'])]);
    await db['db-a'].query('SET GLOBAL read_only = 0');
    return { config, input, db, ip, port, cleanup };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
