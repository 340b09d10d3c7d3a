/** eip-lab entry point: the commands of cli.ts, the demo, and the internal supervisor and client. */
import { buildProgram } from './cli';
import { registerDemo } from './demo/command';
import { registerInternal } from './internal';

const program = buildProgram();
registerDemo(program);
registerInternal(program);
program.parseAsync(process.argv).catch((err: Error) => {
  process.stderr.write(`eip-lab: ${err.message}\n`);
  process.exit(1);
});
