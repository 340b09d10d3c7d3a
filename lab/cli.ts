/** `eip-lab`: commands up, down, status, fail, heal, demo (and the internal _supervise, _client). */
import { Command, InvalidArgumentError, Option } from 'commander';
import { down, fail, heal, labStatus, up } from './control';
import { FAULTS, type Fault } from './faults';
import { DEFAULT_LAB_NAME, LAB_NODE_IDS, LAB_ROOT, labLayout, type LabNodeId } from './layout';
import { probeStatusLines } from './probe/status';
import type { LabStatus } from './status';

const int = (what: string, min = 0) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${what} must be a whole number ≥ ${min}`);
  return n;
};

export const progress = (line: string) => process.stderr.write(`${line}\n`);

interface LabFlags {
  name: string;
  root: string;
}

const withLab = (cmd: Command) =>
  cmd.option('--name <name>', 'lab name (prefix of its namespaces)', DEFAULT_LAB_NAME).option('--root <dir>', 'parent of the lab directory', LAB_ROOT);

export const addUpOptions = (cmd: Command) =>
  cmd
    .option('--propagation-delay-ms <ms>', 'emulated AWS propagation time of an EIP move', int('--propagation-delay-ms'), 0)
    .option('--reconcile-interval-ms <ms>', 'period of the scheduled reconcile tick', int('--reconcile-interval-ms', 500), 10_000)
    .option('--async', 'replicate asynchronously (semi-sync off), to compare lost writes');

export interface UpFlags extends LabFlags {
  propagationDelayMs: number;
  reconcileIntervalMs: number;
  async?: boolean;
}

export const upOptions = (f: UpFlags) => ({ name: f.name, root: f.root, propagationDelayMs: f.propagationDelayMs, reconcileIntervalMs: f.reconcileIntervalMs, semiSync: !f.async, progress });

function printStatus(s: LabStatus): void {
  if (!s.up) return void console.log(`lab ${s.name} (${s.labDir}): ${s.phase}`);
  console.log(`lab ${s.name} (${s.labDir}): up; EIP ${s.eip.publicIp} on ${s.eipHolder ?? 'nothing'} (propagation delay ${s.eip.propagationDelayMs} ms)`);
  console.log(`cloud: PutEvents ${s.cloud.eventsEndpoint}, reconcile every ${s.cloud.reconcileIntervalMs} ms`);
  if (s.faults.length) console.log(`active faults: ${s.faults.map((f) => `${f.fault}${f.node ? ` on ${f.node}` : ''}`).join(', ')}`);
  for (const [id, n] of Object.entries(s.nodes)) {
    const db = n.db.up ? `db up, ${n.db.readOnly ? 'read-only' : 'WRITABLE'}, replication ${n.db.replicationRunning ? 'running' : `stopped${n.db.replicationProblem ? ` (${n.db.replicationProblem})` : ''}`}` : 'db down';
    console.log(`${id} (${n.namespace}, ${n.privateIp}, power ${n.power}): VRRP ${n.vrrpState}; ${db}; agent ${n.agent.running ? `running, spool ${n.agent.spoolDepth}, fencing ${n.agent.fencing}` : 'not running'}`);
  }
  if (s.probe) for (const line of probeStatusLines(s.probe)) console.log(line);
}

export function buildProgram(): Command {
  const program = new Command('eip-lab')
    .description('The whole EIP failover system on one Linux host: two MariaDB nodes with keepalived and the agent, the controller, a client. Only AWS is emulated. Needs root.')
    .showHelpAfterError();

  addUpOptions(withLab(program.command('up').description('Start the lab (idempotent: a running lab is left as is); prints progress on stderr'))).action(async (f: UpFlags) => {
    const { alreadyUp } = await up(upOptions(f));
    console.log(alreadyUp ? `lab ${f.name} is already up` : `lab ${f.name} is up (${labLayout(f.name, f.root).dir}); see: eip-lab status`);
  });

  withLab(program.command('down').description('Remove every namespace, process, nft table and file of the lab, also after a crash (idempotent)')).action(async (f: LabFlags) => {
    const { removed } = await down(f.name, f.root, progress);
    console.log(removed.length ? `removed: ${removed.join(', ')}` : `lab ${f.name}: nothing to remove`);
  });

  withLab(program.command('status').description('Where the EIP is, and each node: VRRP state, database, agent'))
    .option('--json', 'one JSON object (stable keys, see docs/lab.md)')
    .action(async (f: LabFlags & { json?: boolean }) => {
      const s = await labStatus(labLayout(f.name, f.root));
      if (f.json) console.log(JSON.stringify(s, null, 2));
      else printStatus(s);
    });

  withLab(program.command('fail').description(`Inject a fault: ${FAULTS.join(', ')}`))
    .addArgument(new Command().createArgument('fault', 'the fault').choices(FAULTS))
    .addOption(new Option('--node <id>', 'the node (not needed for partition, api-throttle; bus-outage: default both)').choices(LAB_NODE_IDS))
    .option('--seconds <n>', 'bus-outage and flap: duration', int('--seconds', 1), 10)
    .option('--calls <n>', 'api-throttle: how many EC2 calls fail', int('--calls', 1), 3)
    .action(async (fault: Fault, f: LabFlags & { node?: LabNodeId; seconds: number; calls: number }) => {
      const { atMs } = await fail(labLayout(f.name, f.root), { fault, node: f.node, seconds: f.seconds, calls: f.calls });
      console.log(`${fault}${f.node ? ` on ${f.node}` : ''} injected at ${new Date(atMs).toISOString()}`);
    });

  withLab(program.command('heal').description('Undo every fault and restart whatever is not running')).action(async (f: LabFlags) => {
    await heal(labLayout(f.name, f.root));
    console.log('healed');
  });

  return program;
}
