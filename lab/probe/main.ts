/**
 * `eip-lab-probe`: the lab's probe process, bundled at `eip-lab up` (LabProbeProcess) into
 * `<labDir>/bin/eip-lab-probe.cjs` and run by the supervisor in the gateway namespace.
 */
import { Command, InvalidArgumentError } from 'commander';
import { LAB_PROBE_CONNECT_TIMEOUT_MS, LAB_PROBE_EVERY_MS } from './settings';
import { runLabProbe } from './run-probe';

const ms = (what: string, min: number) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${what} must be a whole number of milliseconds ≥ ${min}`);
  return n;
};

new Command('eip-lab-probe')
  .description('Probes the lab’s nodes and EIP every --every-ms until SIGTERM; EMF lines and the latest round go to <lab-dir>/cloud/ (run by the lab supervisor)')
  .requiredOption('--lab-dir <dir>', 'the lab directory, e.g. /run/eip-lab/eiplab')
  .option('--every-ms <ms>', 'between rounds', ms('--every-ms', 1000), LAB_PROBE_EVERY_MS)
  .option('--connect-timeout-ms <ms>', 'a connection attempt’s limit', ms('--connect-timeout-ms', 100), LAB_PROBE_CONNECT_TIMEOUT_MS)
  .showHelpAfterError()
  .action((f: { labDir: string; everyMs: number; connectTimeoutMs: number }) => runLabProbe({ labDir: f.labDir, everyMs: f.everyMs, connectTimeoutMs: f.connectTimeoutMs }))
  .parseAsync(process.argv)
  .catch((err: Error) => {
    process.stderr.write(`eip-lab-probe: ${err.message}\n`);
    process.exit(1);
  });
