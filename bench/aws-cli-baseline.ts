/**
 * The baseline notify scripts use today: `aws events put-events` posting the same event, timed
 * from spawning the CLI to the local endpoint accepting the entry (the agent is timed to the same
 * point). Every distinct AWS CLI on this machine is measured: Debian's /usr/bin/aws and `aws` on PATH.
 */
import { execFile, spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { LocalEventBridge, type AcceptedEntry } from '../test/helpers/events-endpoint';
import { AcceptedFeed } from './accepted-feed';
import { localAwsEnv } from './agent-fifo-latency';
import type { BenchContext } from './types';

export interface AwsCli {
  /** Executable to run (a pyenv shim resolved to its target, so the shim's own startup is not counted). */
  readonly path: string;
  /** `aws --version`, e.g. "aws-cli/2.9.19 Python/3.11.2 ...". */
  readonly version: string;
}

export interface CliRun {
  readonly cli: AwsCli;
  /** Spawn to entry accepted, ms. */
  readonly acceptedMs: number[];
  /** Spawn to process exit, ms (what a notify script waits for). */
  readonly exitMs: number[];
}

const run = promisify(execFile);

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    try {
      accessSync(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

async function resolveShim(path: string): Promise<string> {
  if (!path.includes('/.pyenv/shims/')) return path;
  return (await run('pyenv', ['which', 'aws'])).stdout.trim();
}

/** Debian's package first (the baseline), then a different `aws` found on PATH. */
export async function findAwsClis(): Promise<AwsCli[]> {
  const candidates = ['/usr/bin/aws', onPath('aws')].filter((p): p is string => p !== undefined);
  const seen = new Set<string>();
  const clis: AwsCli[] = [];
  for (const candidate of candidates) {
    let path: string;
    try {
      path = await resolveShim(candidate);
      accessSync(path, constants.X_OK);
    } catch {
      continue;
    }
    if (seen.has(realpathSync(path))) continue;
    seen.add(realpathSync(path));
    const { stdout, stderr } = await run(path, ['--version']);
    clis.push({ path, version: (stdout || stderr).trim() });
  }
  return clis;
}

function failedEntryCount(output: string): number | undefined {
  try {
    return (JSON.parse(output) as { FailedEntryCount?: number }).FailedEntryCount;
  } catch {
    return undefined;
  }
}

function putEvents(cli: AwsCli, url: string, entriesFile: string, env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const args = ['events', 'put-events', '--endpoint-url', url, '--entries', `file://${entriesFile}`, '--output', 'json'];
    const child = spawn(cli.path, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      const failed = failedEntryCount(out);
      if (code === 0 && failed === 0) resolve();
      else reject(new Error(`${cli.path} put-events exited ${code}, FailedEntryCount ${failed}: ${(err || out).trim().slice(0, 300)}`));
    });
  });
}

/** `samples` timed calls after one untimed warm-up (page cache), per CLI. */
export async function measureAwsCli(ctx: BenchContext, cli: AwsCli, entry: AcceptedEntry, region: string, samples: number): Promise<CliRun> {
  const dir = mkdtempSync(join(tmpdir(), 'eip-bench-cli-'));
  const feed = new AcceptedFeed();
  const endpoint = new LocalEventBridge({ onEntries: feed.record });
  try {
    await endpoint.start();
    const entriesFile = join(dir, 'entries.json');
    writeFileSync(entriesFile, JSON.stringify([{ Source: entry.source, DetailType: entry.detailType, Detail: entry.detail, EventBusName: entry.eventBusName }]));
    const env = localAwsEnv(dir, { AWS_DEFAULT_REGION: region, AWS_PAGER: '' });
    const result: CliRun = { cli, acceptedMs: [], exitMs: [] };
    for (let i = 0; i <= samples; i++) {
      const t0 = performance.now();
      const accepted = feed.next((e) => e.detail === entry.detail, 60_000, `${cli.path} call ${i}`);
      accepted.catch(() => undefined); // awaited below; a failed call throws first
      await putEvents(cli, endpoint.url, entriesFile, env);
      const exitAt = performance.now();
      const acceptedAt = (await accepted).atPerfMs;
      if (i === 0) continue; // warm-up
      result.acceptedMs.push(acceptedAt - t0);
      result.exitMs.push(exitAt - t0);
      if (i % 5 === 0) ctx.progress(`${cli.version.split(' ')[0]}: ${i}/${samples} calls timed`);
    }
    return result;
  } finally {
    await endpoint.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
