import { Command, CommanderError } from 'commander';
import { ConfigError } from '../lib/config/parse';
import { registerApply } from './commands/apply';
import { registerCheckMysql } from './commands/check-mysql';
import { registerMysqlBootstrap } from './commands/mysql-bootstrap';
import { registerRender } from './commands/render';
import { registerRun } from './commands/run';
import { registerStatus } from './commands/status';
import { registerPrepareTakeover } from './commands/prepare-takeover';
import { registerYield } from './commands/yield';
import { EXIT, UserError } from './user-error';

export { EXIT, UserError };

export function buildProgram(): Command {
  const program = new Command('eip-agent')
    .description('Node agent of eip-failover: manages keepalived and the local database on one node of the pair.')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerRender(program);
  registerApply(program);
  registerCheckMysql(program);
  registerMysqlBootstrap(program);
  registerRun(program);
  registerStatus(program);
  registerPrepareTakeover(program);
  registerYield(program);
  return program;
}

/**
 * Runs one command and returns its exit code. Commands report failure by throwing UserError
 * (or ConfigError); anything else is a bug and propagates with its stack.
 */
export async function runCli(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv as string[]);
    return EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version arrive here too, with exit code 0.
      return err.exitCode === 0 ? EXIT.ok : EXIT.badInput;
    }
    if (err instanceof ConfigError || err instanceof UserError) {
      console.error(`eip-agent: ${err.message}`);
      return err instanceof UserError ? err.exitCode : EXIT.badInput;
    }
    throw err;
  }
}
