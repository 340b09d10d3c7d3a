/** `eip-lab demo`: up if needed, one measured failover of the writer, a timeline and an SVG. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { addUpOptions, progress, upOptions, type UpFlags } from '../cli';
import { labStatus, up } from '../control';
import { FAULTS, type Fault } from '../faults';
import { DEFAULT_LAB_NAME, LAB_ROOT, labLayout } from '../layout';
import { formatReport } from './report';
import { runDemo } from './run-demo';

export function registerDemo(program: Command): void {
  addUpOptions(program.command('demo').description('Bring the lab up if needed, write through the EIP, fail the writer, and show what the client saw'))
    .option('--name <name>', 'lab name (prefix of its namespaces)', DEFAULT_LAB_NAME)
    .option('--root <dir>', 'parent of the lab directory', LAB_ROOT)
    .addOption(new Option('--fault <fault>', 'how the writer fails').choices(FAULTS.filter((f) => !['partition', 'bus-outage', 'api-throttle'].includes(f))).default('power-off'))
    .option('--no-heal', 'leave the failed node failed afterwards')
    .option('--json', 'print the report as one JSON object')
    .action(async (f: UpFlags & { fault: Fault; heal: boolean; json?: boolean }) => {
      const layout = labLayout(f.name, f.root);
      if (!(await labStatus(layout)).up) {
        progress(`bringing lab ${f.name} up (first time: about a minute)`);
        await up(upOptions(f));
      }
      const { report, dir } = await runDemo(layout, { fault: f.fault, healAfter: f.heal, progress });
      const text = formatReport(report);
      writeFileSync(join(dir, 'report.txt'), `${text}\n`);
      if (f.json) console.log(JSON.stringify({ ...report, reportDir: dir }, null, 2));
      else console.log(`${text}\nreport: ${join(dir, 'report.json')}, timeline: ${join(dir, 'timeline.svg')}`);
    });
}
