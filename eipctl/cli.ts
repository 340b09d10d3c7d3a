/** `eipctl`: the operator's CLI. Commands status, switchover, history; against a lab or an AWS stack. */
import { Command, InvalidArgumentError, Option } from 'commander';
import { DEFAULT_LAB_NAME, LAB_ROOT } from '../lab/layout';
import { refusalExitCode } from './core/plan';
import { renderHistory } from './core/history';
import { formatSwitchover } from './core/report-text';
import { renderStatus } from './core/status-table';
import { EXIT, UsageError } from './errors';
import { LabTarget } from './lab/lab-target';
import type { PairTarget } from './ports';
import { runSwitchover, SWITCHOVER_DEFAULTS, type SwitchoverReport } from './switchover';

export interface TargetFlags {
  lab?: string | true;
  labRoot: string;
  stack?: string;
  cluster?: string;
  region?: string;
  profile?: string;
  json?: boolean;
  color: boolean;
}

const progress = (line: string) => process.stderr.write(`${line}\n`);

const number = (flag: string, min: number, max: number, integer = true) => (value: string) => {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < min || n > max) {
    throw new InvalidArgumentError(`${flag} must be ${integer ? 'a whole number' : 'a number'} from ${min} to ${max}, got "${value}"`);
  }
  return n;
};

function withTarget(cmd: Command): Command {
  return cmd
    .addOption(new Option('--lab [name]', `act on a lab (eip-lab) instead of AWS; name default ${DEFAULT_LAB_NAME}`))
    .option('--lab-root <dir>', 'parent of the lab directory', LAB_ROOT)
    .option('--stack <name>', 'CloudFormation stack of the pair (default: EipFailover-<cluster>)')
    .option('--cluster <name>', 'the pair in the stack (default: the only one)')
    .option('--region <region>', 'AWS region (default: AWS_REGION, then the profile)')
    .option('--profile <name>', 'AWS profile (default: AWS_PROFILE, then the default chain)')
    .option('--json', 'one JSON object on stdout')
    .option('--no-color', 'no colours (default: colours on a terminal unless NO_COLOR is set)');
}

/** Where the pair is: a lab, or an AWS stack (the SDK is loaded only then). */
export async function resolveTarget(f: TargetFlags): Promise<PairTarget> {
  if (f.lab !== undefined) {
    if (f.stack || f.cluster) throw new UsageError('--lab and --stack/--cluster name two different places; give one of them');
    return new LabTarget(f.lab === true ? DEFAULT_LAB_NAME : f.lab, f.labRoot);
  }
  if (!f.stack && !f.cluster) throw new UsageError('say where the pair is: --lab [name] for a lab, or --stack NAME (and/or --cluster NAME) for AWS');
  // Loaded only here: the AWS SDK clients are most of eipctl's start-up time.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { awsTarget } = require('./aws/aws-target') as typeof import('./aws/aws-target');
  return awsTarget({ stack: f.stack, cluster: f.cluster, region: f.region, profile: f.profile, progress });
}

const useColor = (f: TargetFlags) => f.color && process.stdout.isTTY === true && !process.env.NO_COLOR;

interface SwitchoverFlags extends TargetFlags {
  to: string;
  maxLagSeconds: number;
  catchUpTimeoutMs: number;
  handoverTimeoutMs: number;
  confirmTimeoutMs: number;
  dryRun?: boolean;
  client: boolean;
}

export function exitCodeOf(r: SwitchoverReport): number {
  if (r.outcome === 'switched' || r.outcome === 'dry-run') return EXIT.ok;
  if (r.outcome === 'refused') return refusalExitCode(r.refusals);
  if (r.outcome === 'interrupted') return EXIT.interrupted;
  return EXIT.failed;
}

/** Ctrl-C once: abort (the switchover undoes itself if it still can); twice: leave at once. */
function interruptions(): { signal: AbortSignal; dispose: () => void } {
  const ac = new AbortController();
  const on = (sig: NodeJS.Signals) => {
    if (!ac.signal.aborted) {
      progress(`${sig}: undoing the switchover if the writer has not stepped down yet, else letting it finish (${sig} again quits at once)`);
      ac.abort();
      return;
    }
    progress(`${sig} again: quitting now; the pair may be mid-switchover: check it with eipctl status`);
    process.exit(EXIT.interrupted);
  };
  process.on('SIGINT', on);
  process.on('SIGTERM', on);
  return { signal: ac.signal, dispose: () => (process.off('SIGINT', on), process.off('SIGTERM', on)) };
}

export function buildProgram(): Command {
  const program = new Command('eipctl')
    .description("The operator's CLI of eip-failover: the pair's state, a planned switchover without losing a write, and what the controller did.")
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();

  withTarget(program.command('status').description('The EIP and where it points, each node (VRRP, database role, read_only, replication, lag), the last moves, alarms in ALARM')).action(
    async (f: TargetFlags) => {
      const view = await (await resolveTarget(f)).view();
      console.log(f.json ? JSON.stringify(view, null, 2) : renderStatus(view, { color: useColor(f), nowMs: Date.now() }));
    },
  );

  withTarget(
    program
      .command('switchover')
      .description(
        'Planned switchover to NODE with no lost write: prepare the target, fence the writer (read_only=ON), wait until the target has applied ' +
          'everything (GTID), let keepalived hand over, confirm the controller moved the EIP, report the write downtime. Refuses when the pair is ' +
          'not ready. Ctrl-C undoes it until the writer steps down, then lets it finish. Progress on stderr.',
      )
      .requiredOption('--to <node>', 'the node that becomes the writer')
      .option('--max-lag-seconds <s>', "refuse when the target's replication lag is above this", number('--max-lag-seconds', 0, 3600, false), SWITCHOVER_DEFAULTS.maxLagSeconds)
      .option('--catch-up-timeout-ms <ms>', 'how long the writer stays fenced waiting for the target to apply everything, then undoes', number('--catch-up-timeout-ms', 100, 600_000), SWITCHOVER_DEFAULTS.catchUpTimeoutMs)
      .option('--handover-timeout-ms <ms>', 'after the writer steps down, how long it waits for the EIP to leave', number('--handover-timeout-ms', 1000, 600_000), SWITCHOVER_DEFAULTS.handoverTimeoutMs)
      .option('--confirm-timeout-ms <ms>', 'how long eipctl waits for the EIP and the new writer', number('--confirm-timeout-ms', 1000, 600_000), SWITCHOVER_DEFAULTS.confirmTimeoutMs)
      .option('--dry-run', 'check and print the plan; change nothing')
      .option('--no-client', "lab: do not run the lab's writer client during the switchover (no lost-write count then)"),
  ).action(async (f: SwitchoverFlags) => {
    const target = await resolveTarget(f);
    const { signal, dispose } = interruptions();
    let report: SwitchoverReport;
    try {
      report = await runSwitchover(target, {
        to: f.to,
        maxLagSeconds: f.maxLagSeconds,
        catchUpTimeoutMs: f.catchUpTimeoutMs,
        handoverTimeoutMs: f.handoverTimeoutMs,
        confirmTimeoutMs: f.confirmTimeoutMs,
        dryRun: f.dryRun === true,
        withLoad: f.client,
        progress,
        signal,
      });
    } finally {
      dispose();
    }
    console.log(f.json ? JSON.stringify(report, null, 2) : formatSwitchover(report));
    process.exitCode = exitCodeOf(report);
  });

  withTarget(program.command('history').description("The last decisions and EIP moves with reasons and timings (the lab's journal; on AWS the controller's state item)"))
    .option('--limit <n>', 'how many entries', number('--limit', 1, 10_000), 20)
    .action(async (f: TargetFlags & { limit: number }) => {
      const { entries, source } = await (await resolveTarget(f)).history(f.limit);
      console.log(f.json ? JSON.stringify({ source, entries }, null, 2) : renderHistory(entries, source));
    });

  return program;
}
