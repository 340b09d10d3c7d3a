/**
 * `eipctl switchover --to NODE`: plan (pure, eipctl/core/plan.ts), then drive the agents through
 * the ports: prepare the target, let the writer yield (fence, catch-up, step down, all on the
 * writer), confirm the EIP moved and the target writes, count what a client saw.
 *
 * Ctrl-C (the `signal`): before the writer's step-down the switchover is undone (the target's
 * boost dropped, the writer's fence undone by its yield); from the step-down on it runs to its end
 * and only the waiting here is cut short. Either way the report says in which state it left.
 */
import type { YieldReport } from '../node-agent/switchover/yield';
import { planSwitchover, type Refusal, type SwitchoverPlan, type SwitchoverRequest } from './core/plan';
import { EipctlError } from './errors';
import type { PairTarget, Progress, WriteLoad, WriteLoadResult } from './ports';

export interface SwitchoverOptions extends SwitchoverRequest {
  readonly handoverTimeoutMs: number;
  /** How long to wait for the EIP and the new writer once the writer stepped down. */
  readonly confirmTimeoutMs: number;
  readonly dryRun: boolean;
  /** Run the target's write load (the lab's client) during the switchover. */
  readonly withLoad: boolean;
  readonly progress: Progress;
  readonly signal: AbortSignal;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** The CLI's defaults (docs/eipctl.md), shared with the bench and the tests. */
export const SWITCHOVER_DEFAULTS = { maxLagSeconds: 5, catchUpTimeoutMs: 5000, handoverTimeoutMs: 15_000, confirmTimeoutMs: 20_000 } as const;

export type SwitchoverOutcome = 'switched' | 'dry-run' | 'refused' | 'rolled-back' | 'failed' | 'interrupted';

export interface SwitchoverReport {
  readonly from: string | null;
  readonly to: string;
  readonly outcome: SwitchoverOutcome;
  /** Why it did not switch; null when it did. */
  readonly reason: string | null;
  readonly refusals: readonly Refusal[];
  readonly plan: SwitchoverPlan | null;
  readonly eipMoved: boolean;
  /** Client-observed when a client wrote (`downtimeSource` 'client'), else fence to new writer writable. */
  readonly downtimeMs: number | null;
  readonly downtimeSource: 'client' | 'fence-to-writable' | null;
  readonly ackedWrites: number | null;
  readonly lostAckedWrites: number | null;
  readonly oldWriterReadOnly: boolean | null;
  readonly newWriterWritable: boolean | null;
  readonly interrupted: boolean;
  /** The state the pair was left in, in words. */
  readonly leftState: string;
  /** ms after the fence, as eipctl observed them; null when it did not happen. */
  readonly stagesMs: { readonly caughtUp: number | null; readonly steppedDown: number | null; readonly eipMoved: number | null; readonly writable: number | null };
  readonly yield: YieldReport | null;
}

/** The takeover boost outlasts every bound of the switchover, then the target's daemon drops it. */
const boostMs = (o: SwitchoverOptions) => o.catchUpTimeoutMs + o.handoverTimeoutMs + 30_000;

const NO_STAGES = { caughtUp: null, steppedDown: null, eipMoved: null, writable: null };

function base(o: SwitchoverOptions, from: string | null, plan: SwitchoverPlan | null): SwitchoverReport {
  return {
    from,
    to: o.to,
    outcome: 'failed',
    reason: null,
    refusals: [],
    plan,
    eipMoved: false,
    downtimeMs: null,
    downtimeSource: null,
    ackedWrites: null,
    lostAckedWrites: null,
    oldWriterReadOnly: null,
    newWriterWritable: null,
    interrupted: false,
    leftState: '',
    stagesMs: NO_STAGES,
    yield: null,
  };
}

export async function runSwitchover(t: PairTarget, o: SwitchoverOptions): Promise<SwitchoverReport> {
  const r = await attempt(t, o);
  if (r.outcome !== 'dry-run') t.record?.({ from: r.from, to: r.to, outcome: r.outcome, reason: r.reason, downtimeMs: r.downtimeMs });
  return r;
}

async function attempt(t: PairTarget, o: SwitchoverOptions): Promise<SwitchoverReport> {
  const say = o.progress;
  const view = await t.view();
  const planned = planSwitchover(view, o);
  if (!planned.ok) {
    return { ...base(o, view.eip.holder, null), outcome: 'refused', refusals: planned.refusals, reason: planned.refusals.map((r) => r.message).join('; '), leftState: 'unchanged: nothing was done' };
  }
  const { plan } = planned;
  const r = base(o, plan.from, plan);
  if (o.dryRun) return { ...r, outcome: 'dry-run', leftState: 'unchanged: dry run' };
  const unchanged = { ...r, outcome: 'interrupted' as const, interrupted: true, reason: 'interrupted before anything was changed', leftState: `unchanged: ${plan.from} is the writer` };

  const load = o.withLoad ? t.writeLoad?.() : undefined;
  try {
    if (load) await load.start(say);
    if (o.signal.aborted) return unchanged;
    say(`${plan.to}: preparing the takeover (eip-agent prepare-takeover)`);
    const prep = await t.agent.prepareTakeover(plan.to, boostMs(o));
    if (prep.outcome !== 'prepared') {
      return { ...r, outcome: 'refused', reason: `${plan.to} refused to prepare: ${prep.reason}`, refusals: [{ code: 'target-unhealthy', message: prep.reason ?? 'refused' }], leftState: 'unchanged: nothing was done' };
    }
    if (o.signal.aborted) {
      await t.agent.cancelTakeover(plan.to);
      return unchanged;
    }
    say(`${plan.from}: yielding (eip-agent yield): fence, wait for ${plan.to} to catch up, step down`);
    // Watched from now on, not after the yield returns (it returns only once its own agent saw the
    // EIP go), so the times of the EIP move and of the first write on the target are the real ones.
    const watch = new TargetWatch(t, o);
    const y = await t.agent.yieldWriter(plan.from, { catchUpTimeoutMs: o.catchUpTimeoutMs, handoverTimeoutMs: o.handoverTimeoutMs }, o.signal, say).catch(async (err: Error) => {
      // No report from the writer: it may not have started, or still be running (then it finishes
      // or rolls back on its own; its hold expires in any case). Without the boost a takeover is only slower.
      watch.stop();
      await t.agent.cancelTakeover(plan.to).catch(() => undefined);
      throw new EipctlError(`no report from eip-agent yield on ${plan.from} (${err.message}); the pair's state is unknown: check it with eipctl status`);
    });
    if (y.outcome === 'refused' || y.outcome === 'rolled-back') {
      watch.stop();
      return await undone(t, o, r, y, load);
    }
    return await confirm(t, o, r, y, load, watch);
  } finally {
    await load?.stop();
  }
}

const realSleep = (ms: number) => new Promise<void>((res) => setTimeout(res, ms));

/** Polls the target until the EIP is on it and it takes writes, noting when each was first seen. */
class TargetWatch {
  eipAt: number | null = null;
  writableAt: number | null = null;
  private stopped = false;
  /** Set by settle(): from then on the poll ends at this time or on the interrupt. */
  private deadline: number | null = null;
  private readonly done: Promise<void>;

  constructor(
    private readonly t: PairTarget,
    private readonly o: SwitchoverOptions,
  ) {
    this.done = this.loop();
  }

  private async loop(): Promise<void> {
    const now = this.o.now ?? Date.now;
    const sleep = this.o.sleep ?? realSleep;
    let said = now();
    while (!this.stopped) {
      if (this.eipAt === null && (await this.t.probe.eipHolder()) === this.o.to) this.eipAt = now();
      if (this.eipAt !== null && (await this.t.probe.readOnly(this.o.to)) === false) {
        this.writableAt = now();
        return;
      }
      if (this.deadline !== null) {
        if (now() >= this.deadline || this.o.signal.aborted) return;
        if (now() - said >= 2000) {
          this.o.progress(`still waiting for ${this.eipAt === null ? `the EIP to move to ${this.o.to}` : `${this.o.to} to take writes`}`);
          said = now();
        }
      }
      await sleep(this.t.probeEveryMs);
    }
  }

  /** Waits until both were seen, `timeoutMs` passed or the interrupt came. */
  settle(timeoutMs: number): Promise<void> {
    this.deadline = (this.o.now ?? Date.now)() + timeoutMs;
    return this.done;
  }

  stop(): void {
    this.stopped = true;
  }
}

async function until(o: SwitchoverOptions, t: PairTarget, what: string, timeoutMs: number, done: () => Promise<boolean>): Promise<number | null> {
  const now = o.now ?? Date.now;
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((res) => setTimeout(res, ms)));
  const started = now();
  let said = started;
  for (;;) {
    if (await done()) return now();
    if (o.signal.aborted || now() - started >= timeoutMs) return null;
    if (now() - said >= 2000) {
      o.progress(`still waiting for ${what} (${((now() - started) / 1000).toFixed(0)} s)`);
      said = now();
    }
    await sleep(t.probeEveryMs);
  }
}

/** The yield did not step down: the writer is (becoming) the writer again. */
async function undone(t: PairTarget, o: SwitchoverOptions, r: SwitchoverReport, y: YieldReport, load: WriteLoad | undefined): Promise<SwitchoverReport> {
  const from = r.from!;
  await t.agent.cancelTakeover(o.to).catch((err: Error) => o.progress(`could not drop ${o.to}'s takeover boost (its daemon drops it within ${boostMs(o) / 1000} s): ${err.message}`));
  let left = `unchanged: ${from} is the writer; nothing was fenced`;
  let counted: WriteLoadResult | null = null;
  if (y.fencedAtMs !== null) {
    o.progress(`${from} rolled back (${y.reason}); waiting for its agent to unfence it`);
    const back = await until({ ...o, signal: new AbortController().signal }, t, `${from} to be writable again`, 10_000, async () => (await t.probe.readOnly(from)) === false);
    left = back ? `unchanged: ${from} is the writer again (its fence was undone after ${back - y.fencedAtMs} ms)` : `${from} is still read_only 10 s after the rollback: check eipctl status (its agent should unfence it)`;
    if (load) counted = await load.finish({ fencedAtMs: y.fencedAtMs, from, to: o.to, writer: from });
  }
  const outcome = y.interrupted ? 'interrupted' : y.outcome === 'refused' ? 'refused' : 'rolled-back';
  return {
    ...r,
    outcome,
    reason: y.reason,
    refusals: y.outcome === 'refused' ? [{ code: 'writer-unhealthy', message: y.reason ?? 'refused' }] : [],
    interrupted: y.interrupted,
    leftState: left,
    yield: y,
    ...(counted ? { downtimeMs: counted.downtimeMs, downtimeSource: 'client' as const, ackedWrites: counted.ackedWrites, lostAckedWrites: counted.lostAckedWrites } : {}),
  };
}

/** The writer stepped down: wait for the EIP and the new writer, then count. */
async function confirm(t: PairTarget, o: SwitchoverOptions, r: SwitchoverReport, y: YieldReport, load: WriteLoad | undefined, watch: TargetWatch): Promise<SwitchoverReport> {
  const from = r.from!;
  const fencedAt = y.fencedAtMs!;
  o.progress(`${from} stepped down; confirming that the EIP is on ${o.to} and ${o.to} takes writes`);
  await watch.settle(o.confirmTimeoutMs);
  const { eipAt, writableAt } = watch;
  const oldReadOnly = await t.probe.readOnly(from);
  const switched = eipAt !== null && writableAt !== null && y.outcome === 'handed-over';
  const counted = load && switched ? await load.finish({ fencedAtMs: fencedAt, from, to: o.to, writer: o.to }) : null;
  const rel = (ms: number | null) => (ms === null ? null : ms - fencedAt);
  const interrupted = o.signal.aborted || y.interrupted;
  const left = switched
    ? `switched: ${o.to} is the writer and holds the EIP; ${from} is ${oldReadOnly ? 'read_only' : 'NOT read_only (check it!)'} and returns as BACKUP`
    : interrupted
      ? `${from} stepped down before the interrupt, so the handover was left to finish: ${eipAt === null ? `the EIP had not reached ${o.to} yet` : `${o.to} was not writable yet`}; check eipctl status`
      : y.outcome === 'handover-failed'
        ? `handover failed: ${y.reason}; ${from} returned as BACKUP; check eipctl status and the controller's decisions (eipctl history)`
        : `${from} stepped down but ${eipAt === null ? `the EIP did not reach ${o.to}` : `${o.to} did not become writable`} within ${o.confirmTimeoutMs} ms; check eipctl status`;
  return {
    ...r,
    outcome: switched ? 'switched' : interrupted ? 'interrupted' : 'failed',
    reason: switched ? null : (y.reason ?? left),
    eipMoved: eipAt !== null,
    interrupted,
    oldWriterReadOnly: oldReadOnly,
    newWriterWritable: writableAt !== null,
    downtimeMs: counted ? counted.downtimeMs : rel(writableAt),
    downtimeSource: counted ? 'client' : writableAt === null ? null : 'fence-to-writable',
    ackedWrites: counted?.ackedWrites ?? null,
    lostAckedWrites: counted?.lostAckedWrites ?? null,
    leftState: left,
    stagesMs: { caughtUp: rel(y.caughtUpAtMs), steppedDown: rel(y.leftMasterAtMs), eipMoved: rel(eipAt), writable: rel(writableAt) },
    yield: y,
  };
}
