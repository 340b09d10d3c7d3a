/**
 * Issue 3's benchmark: a VRRP transition from keepalived's notify FIFO to an event accepted by
 * PutEvents, through the real agent daemon, against the AWS CLI that notify scripts use today.
 * Entries: the agent (p50 ≤ 50 ms), one baseline row per AWS CLI found, and the speedup (≥ 10×).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { measuredEntry, meetsTarget } from './entry';
import { round, summarize } from './stats';
import { findAwsClis, measureAwsCli, type CliRun } from './aws-cli-baseline';
import { measureFifoToAccepted } from './agent-fifo-latency';
import type { BenchContext, BenchEntry } from './types';

export const AGENT_TRANSITIONS = 100;
export const CLI_SAMPLES = 15;
const AGENT_P50_TARGET_MS = 50;
const SPEEDUP_TARGET = 10;

function cliEntry(run: CliRun): BenchEntry {
  const exit = summarize(run.exitMs);
  return measuredEntry({
    name: `AWS CLI put-events, spawn → accepted (${run.cli.version.split(' ')[0]})`,
    unit: 'ms',
    values: run.acceptedMs,
    target: null,
    notes:
      `Baseline: ${run.cli.path} (${run.cli.version}) posting the agent's last event with --endpoint-url to a local PutEvents endpoint, ` +
      `dummy credentials, one untimed warm-up call first. Process exit: p50 ${round(exit.median)} ms, max ${round(exit.max)} ms.`,
  });
}

export async function runAgentPublishBench(ctx: BenchContext): Promise<BenchEntry[]> {
  ctx.progress(`bundling the agent and timing ${AGENT_TRANSITIONS} FIFO transitions`);
  const agent = await measureFifoToAccepted(ctx, AGENT_TRANSITIONS);
  const totals = agent.samples.map((s) => s.totalMs);
  const read = summarize(agent.samples.map((s) => s.readMs));
  const agentEntry = measuredEntry({
    name: 'Agent: FIFO transition line → event accepted by PutEvents',
    unit: 'ms',
    values: totals,
    target: { text: `p50 ≤ ${AGENT_P50_TARGET_MS} ms`, op: '<=', value: AGENT_P50_TARGET_MS, of: 'median' },
    notes:
      `Real bundled eip-agent run (node ${process.version}) against the local PutEvents endpoint (test/helpers/events-endpoint.ts), ` +
      `${AGENT_TRANSITIONS} alternating MASTER/BACKUP lines written into the notify FIFO 50–100 ms apart, each matched to its accepted event by seq and state; ` +
      `all delivered once, in order. FIFO write → agent read (transitionAtMs, whole ms): p50 ${round(read.median)} ms, max ${round(read.max)} ms. ` +
      `State dir (spool, fsynced per event) on ${agent.stateFsType}. No database (its view reports down), keepalived's pid file names a live stand-in process; config defaults otherwise. Daemon log: bench/out/agent-daemon.log.`,
  });

  const clis = await findAwsClis();
  if (clis.length === 0) throw new Error('no AWS CLI found (/usr/bin/aws or aws on PATH): the baseline cannot be measured');
  const cliRuns: CliRun[] = [];
  for (const cli of clis) {
    ctx.progress(`baseline: ${CLI_SAMPLES} calls of ${cli.path} (${cli.version.split(' ')[0]})`);
    cliRuns.push(await measureAwsCli(ctx, cli, agent.lastEntry, agent.config.region, CLI_SAMPLES));
  }
  const cliEntries = cliRuns.map(cliEntry);
  const agentP50 = agentEntry.median!;
  const fastest = cliEntries.reduce((a, b) => (b.median! < a.median! ? b : a));
  const ratios = cliEntries.map((e) => `${e.name.replace(/^.*\((.*)\)$/, '$1')}: ${round(e.median! / agentP50)}×`).join(', ');
  const speedupTarget = { text: `≥ ${SPEEDUP_TARGET}×`, op: '>=', value: SPEEDUP_TARGET, of: 'median' } as const;
  const speedup = round(fastest.median! / agentP50);
  const speedupEntry: BenchEntry = {
    name: 'Agent speedup over the fastest AWS CLI (p50 / p50)',
    unit: '×',
    median: speedup,
    samples: agentEntry.samples + fastest.samples,
    target: speedupTarget,
    pass: meetsTarget(speedupTarget, { median: speedup }),
    notes: `CLI p50 divided by agent p50 (samples: agent + that CLI), against the fastest CLI measured (conservative). Per CLI: ${ratios}.`,
  };
  writeRawSamples(agent.samples, cliRuns);
  return [agentEntry, ...cliEntries, speedupEntry];
}

/** Every raw sample, for checking the statistics (bench/out is not committed). */
function writeRawSamples(agent: unknown, cli: readonly CliRun[]): void {
  const dir = join(__dirname, 'out');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'agent-publish-samples.json'), `${JSON.stringify({ agent, cli }, null, 1)}\n`);
}
