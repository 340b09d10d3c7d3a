/** Entry point of the eip-agent executable (bundled into dist/eip-agent.cjs). */
import { runCli } from './cli';

runCli(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(`eip-agent: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  },
);
