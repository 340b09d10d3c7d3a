/** eipctl's command line: bad input names the option and the fix, and exits 2. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { CommanderError } from 'commander';
import { buildProgram, resolveTarget, type TargetFlags } from '../../eipctl/cli';
import { UsageError } from '../../eipctl/errors';

const LAUNCHER = join(__dirname, '../../bin/eipctl.cjs');

async function parse(args: string[]): Promise<unknown> {
  const program = buildProgram();
  program.configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
  for (const c of program.commands) c.exitOverride().configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
  try {
    await program.parseAsync(['node', 'eipctl', ...args]);
    return null;
  } catch (err) {
    return err;
  }
}

const flags = (over: Partial<TargetFlags>): TargetFlags => ({ labRoot: '/run/eip-lab', color: false, ...over });

test.each([
  [['switchover', '--lab', 'x', '--to', 'db-b', '--max-lag-seconds', 'abc'], /--max-lag-seconds must be a number from 0 to 3600, got "abc"/],
  [['switchover', '--lab', 'x', '--to', 'db-b', '--catch-up-timeout-ms', '50'], /--catch-up-timeout-ms must be a whole number from 100 to 600000, got "50"/],
  [['history', '--lab', 'x', '--limit', '0'], /--limit must be a whole number from 1 to 10000, got "0"/],
  [['switchover', '--lab', 'x'], /required option '--to <node>' not specified/],
])('%j is refused naming the option', async (args, message) => {
  const err = await parse(args);
  expect(err).toBeInstanceOf(CommanderError);
  expect((err as CommanderError).message).toMatch(message);
});

test('where the pair is: exactly one of --lab and --stack/--cluster; a lab name is checked', async () => {
  await expect(resolveTarget(flags({}))).rejects.toThrow(new UsageError('say where the pair is: --lab [name] for a lab, or --stack NAME (and/or --cluster NAME) for AWS'));
  await expect(resolveTarget(flags({ lab: true, stack: 's' }))).rejects.toThrow(UsageError);
  await expect(resolveTarget(flags({ lab: 'Not_A_Name' }))).rejects.toThrow(/^--lab: lab name must be 1-10 lower-case letters/);
});

test('the launcher exits 2 on bad input and 0 on --help', () => {
  const bad = spawnSync(process.execPath, [LAUNCHER, 'status'], { encoding: 'utf8' });
  expect(bad.status).toBe(2);
  expect(bad.stderr).toMatch(/^eipctl: say where the pair is/);
  const help = spawnSync(process.execPath, [LAUNCHER, 'switchover', '--help'], { encoding: 'utf8' });
  expect(help.status).toBe(0);
  expect(help.stdout).toMatch(/--max-lag-seconds <s>/);
}, 30_000);
