import { Command, InvalidArgumentError } from 'commander';
import { loadClusterConfig } from '../../lib/config/load';
import { readLiveStatus } from '../daemon/status';
import { localDbEndpoint } from '../db/endpoint';
import { MariaDbLocalDatabase } from '../db/mariadb';
import { DEFAULT_CONFIG_PATH } from '../keepalived/render';
import { clearTakeover, setTakeoverTrack, writeTakeover } from '../switchover/files';
import { cancelTakeover, prepareTakeover, type TakeoverPorts, type TakeoverReport } from '../switchover/takeover';
import { EXIT, UserError } from '../user-error';
import { toUserError } from './errors';
import { identifyNode } from './node-identity';

interface PrepareTakeoverFlags {
  config: string;
  dbUser: string;
  dbPasswordFile?: string;
  node?: string;
  stateDir?: string;
  forMs: number;
  cancel?: boolean;
  imdsEndpoint?: string;
  json?: boolean;
}

const forMs = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1000 || n > 600_000) throw new InvalidArgumentError('--for-ms must be a whole number of milliseconds from 1000 to 600000');
  return n;
};

function describe(r: TakeoverReport): string {
  if (r.outcome === 'prepared') return `${r.node}: ready to take over from ${r.peer} (VRRP priority 254 until ${new Date(r.untilMs!).toISOString()})`;
  if (r.outcome === 'cancelled') return `${r.node}: takeover boost dropped (VRRP priority back to normal)`;
  return `${r.node}: refused: ${r.reason}`;
}

async function run(flags: PrepareTakeoverFlags): Promise<void> {
  const config = await loadClusterConfig(flags.config);
  const stateDir = flags.stateDir ?? config.agent.stateDir;
  const nodeId = await identifyNode(config, flags);
  const peerId = config.nodes.find((n) => n.id !== nodeId)!.id;
  const localDb = new MariaDbLocalDatabase({ endpoint: await localDbEndpoint(config, flags), callDeadlineMs: config.mysql.healthCheckDeadlineMs });
  const ports: TakeoverPorts = {
    agentStatus: () => readLiveStatus(stateDir),
    db: async () => {
      const v = await localDb.view();
      return { up: v.up, readOnly: v.readOnly, ioRunning: v.replication?.ioRunning ?? false, sqlRunning: v.replication?.sqlRunning ?? false, error: v.error };
    },
    lease: { set: (lease) => writeTakeover(stateDir, lease), clear: () => clearTakeover(stateDir) },
    setBoost: (on) => setTakeoverTrack(stateDir, on),
    now: Date.now,
    pid: process.pid,
  };
  const report = flags.cancel
    ? await cancelTakeover(ports, { nodeId, peerId })
    : await prepareTakeover(ports, { nodeId, peerId, nopreempt: config.vrrp.nopreempt, forMs: flags.forMs });
  console.log(flags.json ? JSON.stringify(report) : describe(report));
  if (report.outcome === 'refused') throw new UserError(`refused: ${report.reason}`, EXIT.failed);
}

export function registerPrepareTakeover(program: Command): void {
  program
    .command('prepare-takeover')
    .description(
      "The target's side of a planned switchover (eipctl switchover runs it before the writer yields): check that this " +
        'node can take over (daemon running, BACKUP, database up, read_only, replicating), then raise its VRRP priority ' +
        "to 254 (keepalived's eip_takeover track file) so it becomes MASTER 8 ms after the writer's priority-0 advert " +
        'instead of after up to a second. The daemon drops the boost once this node is MASTER with the EIP, or after --for-ms.',
    )
    .option('--config <file|ssm:name>', 'cluster config (the node copy written by apply)', DEFAULT_CONFIG_PATH)
    .option('--node <id>', 'node id; default: the node whose instanceId matches this instance (IMDSv2)')
    .option('--state-dir <dir>', 'the daemon state directory (default: agent.stateDir)')
    .option('--for-ms <ms>', 'how long the raised priority may last', forMs, 60_000)
    .option('--cancel', 'drop the raised priority now')
    .option('--db-user <user>', 'local database user for the checks', 'root')
    .option('--db-password-file <path>', 'password file for --db-user (default: none, unix_socket authentication)')
    .option('--imds-endpoint <url>', 'instance metadata endpoint')
    .option('--json', 'print the report as one JSON object on stdout')
    .action(async (flags: PrepareTakeoverFlags) => {
      try {
        await run(flags);
      } catch (err) {
        throw toUserError(err);
      }
    });
}
