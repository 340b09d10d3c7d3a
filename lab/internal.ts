/** Commands the lab runs itself: the supervisor (detached, by `up`) and the client (in the client namespace). */
import { Command } from 'commander';
import { addUpOptions, type UpFlags } from './cli';
import { runWriterClient } from './demo/writer-client';
import { DEFAULT_LAB_NAME, LAB_ROOT } from './layout';
import { runSupervisor } from './supervisor';

export function registerInternal(program: Command): void {
  addUpOptions(program.command('_supervise', { hidden: true }).description('(internal) the lab process started by up'))
    .option('--name <name>', 'lab name', DEFAULT_LAB_NAME)
    .option('--root <dir>', 'parent of the lab directory', LAB_ROOT)
    .action((f: UpFlags) => runSupervisor({ name: f.name, root: f.root, propagationDelayMs: f.propagationDelayMs, reconcileIntervalMs: f.reconcileIntervalMs, semiSync: !f.async }));
  program
    .command('_client', { hidden: true })
    .description('(internal) writes numbered rows through the EIP; one JSON line per attempt on stdout')
    .requiredOption('--run <id>', 'run id stored with each row')
    .option('--interval-ms <ms>', 'pause between writes', '50')
    .action((f: { run: string; intervalMs: string }) => runWriterClient({ run: f.run, intervalMs: Number(f.intervalMs) }));
}
