/** eipctl entry point: runs the command, maps failures to exit codes (docs/eipctl.md). */
import { CommanderError } from 'commander';
import { buildProgram } from './cli';
import { EipctlError, EXIT } from './errors';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

buildProgram()
  .parseAsync(process.argv)
  .catch((err: unknown) => {
    if (err instanceof CommanderError) {
      // --help and --version arrive here with exit code 0; commander already printed the problem.
      process.exitCode = err.exitCode === 0 ? EXIT.ok : EXIT.badInput;
      return;
    }
    process.stderr.write(`eipctl: ${err instanceof Error ? err.message : String(err)}\n`);
    if (!(err instanceof EipctlError) && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
    process.exitCode = err instanceof EipctlError ? err.exitCode : EXIT.failed;
  });
