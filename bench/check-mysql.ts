/**
 * What keepalived's track script costs. `eip-agent check-mysql` runs every advert interval (1 s by
 * default) on both nodes, as a fresh Node.js process: its CPU time is a permanent load on the
 * database host. Measured on the real bundled agent against a real local MariaDB (healthy path,
 * config file and password file as on an instance), with bash's `time` for the child's CPU.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { bundleAgent } from '../test/helpers/agent-bundle';
import { startMariaDb } from '../test/helpers/mariadb';
import { measuredEntry } from './entry';
import type { BenchContext, BenchEntry } from './types';

export const CHECK_RUNS = 40;
const USER = 'eip_health';

interface CheckRun {
  readonly wallMs: number;
  readonly cpuMs: number;
}

/** One check as keepalived runs it; throws unless it exits 0 (healthy). */
function timedCheck(bundle: string, config: string): Promise<CheckRun> {
  // bash's `time` reports the child's user and system CPU; TIMEFORMAT keeps it parseable.
  const script = `TIMEFORMAT='%3R %3U %3S'; time node "$0" check-mysql --config "$1"`;
  return new Promise((done, fail) => {
    execFile('bash', ['-c', script, bundle, config], { timeout: 30_000 }, (err, _stdout, stderr) => {
      if (err) return fail(new Error(`check-mysql failed: ${stderr.trim() || err.message}`));
      const m = /(\d+\.\d+) (\d+\.\d+) (\d+\.\d+)\s*$/.exec(stderr);
      if (!m) return fail(new Error(`no timing in: ${stderr}`));
      done({ wallMs: Number(m[1]) * 1000, cpuMs: (Number(m[2]) + Number(m[3])) * 1000 });
    });
  });
}

export async function runCheckMysqlBench(ctx: BenchContext): Promise<BenchEntry[]> {
  ctx.progress('bundling the agent and starting MariaDB');
  const [bundle, db] = await Promise.all([bundleAgent(), startMariaDb({ name: 'bench-check' })]);
  const work = mkdtempSync(join(tmpdir(), 'eip-bench-check-'));
  try {
    const password = `pw-${process.pid}`;
    for (const host of ['localhost', '127.0.0.1']) await db.query('CREATE USER ?@? IDENTIFIED BY ?', [USER, host, password]);
    const passwordFile = join(work, 'health.password');
    writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
    const config = JSON.parse(readFileSync(resolve(__dirname, '../examples/cluster.json'), 'utf8'));
    config.mysql = { ...config.mysql, port: db.port, socket: db.socket, healthCheckUser: USER, healthCheckPasswordFile: passwordFile };
    const configFile = join(work, 'cluster.json');
    writeFileSync(configFile, JSON.stringify(config));

    await timedCheck(bundle.file, configFile); // warm the page cache; not counted
    const runs: CheckRun[] = [];
    for (let i = 1; i <= CHECK_RUNS; i++) {
      runs.push(await timedCheck(bundle.file, configFile));
      if (i % 10 === 0) ctx.progress(`${i}/${CHECK_RUNS} checks`);
    }
    const note = `${CHECK_RUNS} runs, one after another, of node ${process.version} on the bundled agent (healthy MariaDB over the socket, config and password files as on an instance); bash's time`;
    return [
      measuredEntry({
        name: 'keepalived track script (eip-agent check-mysql), CPU per run',
        unit: 'ms',
        values: runs.map((r) => r.cpuMs),
        target: null,
        notes: `${note}. At the default 1 s interval this is that many ms of CPU per second on each node; see README, Known limitations`,
        decimals: 0,
      }),
      measuredEntry({
        name: 'keepalived track script (eip-agent check-mysql), wall time per run',
        unit: 'ms',
        values: runs.map((r) => r.wallMs),
        target: { text: 'p99 ≤ 1000 ms (the advert interval)', op: '<=', value: 1000, of: 'p99' },
        notes: note,
        decimals: 0,
      }),
    ];
  } finally {
    await db.cleanup().catch(() => undefined);
    bundle.cleanup();
    rmSync(work, { recursive: true, force: true });
  }
}
