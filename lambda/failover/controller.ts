/**
 * One invocation of the failover controller: validate, read state, observe EC2, decide (pure core),
 * claim the move with a conditional write, associate, confirm, record, tell people. All I/O goes
 * through the ports, so the lab runs exactly this code with its own adapters.
 */
import { randomUUID } from 'node:crypto';
import { eipPrivateIpOf, type ClusterConfig } from '../../lib/config/schema';
import { parseClusterEvent, type ReceivedAgentEvent, type RejectReason } from '../../lib/events/parse';
import { admitEvent, type OrderRejectReason } from './core/admit';
import { decide, type Action, type Decision } from './core/decide';
import { locateEip } from './core/locate';
import { claimMove, recordMove, releaseMove } from './core/moves';
import { renderNotice } from './core/notice-text';
import { EMPTY_STATE, METRIC, type ClusterState, type InstanceFacts, type MetricDatum, type Notice, type Observation } from './core/types';
import { describeError, MoveFailedError, MoveUnconfirmedError, ObservationError, StateConflictError } from './errors';
import type { Clock, DecisionLog, Ec2Port, MetricsSink, Notifier, StateStore, VersionedState } from './ports';
import type { Settings } from './settings';

export interface ControllerDeps {
  readonly config: ClusterConfig;
  readonly settings: Settings;
  readonly ec2: Ec2Port;
  readonly store: StateStore;
  readonly notifier: Notifier;
  readonly metrics: MetricsSink;
  readonly clock: Clock;
  readonly log: DecisionLog;
  readonly newMoveId?: () => string;
}

export type Trigger = { readonly kind: 'event'; readonly raw: unknown } | { readonly kind: 'reconcile'; readonly scheduledAt: string | null };

export type Outcome =
  | { readonly kind: 'rejected'; readonly reason: RejectReason | OrderRejectReason; readonly message: string }
  | { readonly kind: 'duplicate'; readonly message: string }
  | { readonly kind: 'decided'; readonly action: Action; readonly moved: boolean };

/** Emitted as Stage<name>Ms metrics. */
type Stage = 'Validate' | 'StateRead' | 'Observe' | 'Decide' | 'StateWrite' | 'Associate' | 'Confirm' | 'Record';

const sameState = (a: ClusterState, b: ClusterState) => JSON.stringify(a) === JSON.stringify(b);

export class FailoverController {
  constructor(private readonly deps: ControllerDeps) {}

  /** deadlineMs: absolute time (deps.clock) by which the invocation must be over. */
  async handle(trigger: Trigger, deadlineMs: number): Promise<Outcome> {
    const run = new Invocation(this.deps, deadlineMs);
    try {
      return await run.handle(trigger);
    } finally {
      run.emitStageTimes();
    }
  }
}

class Invocation {
  private readonly stageMs = new Map<Stage, number>();
  private readonly signal: AbortSignal;
  private readonly startedAtMs: number;

  constructor(
    private readonly deps: ControllerDeps,
    private readonly deadlineMs: number,
  ) {
    this.startedAtMs = deps.clock.nowMs();
    this.signal = AbortSignal.timeout(Math.max(1, this.remainingMs()));
  }

  /** Time left for AWS calls, keeping the safety margin for logging and releasing a claim. */
  private remainingMs(): number {
    return this.deadlineMs - this.deps.settings.safetyMarginMs - this.deps.clock.nowMs();
  }

  private async timed<T>(stage: Stage, fn: () => Promise<T> | T): Promise<T> {
    const t0 = this.deps.clock.nowMs();
    try {
      return await fn();
    } finally {
      this.stageMs.set(stage, (this.stageMs.get(stage) ?? 0) + this.deps.clock.nowMs() - t0);
    }
  }

  emitStageTimes(): void {
    for (const [stage, ms] of this.stageMs) this.deps.metrics.record({ name: `Stage${stage}Ms`, unit: 'Milliseconds', value: ms });
    this.deps.metrics.record({ name: METRIC.invocationMs, unit: 'Milliseconds', value: this.deps.clock.nowMs() - this.startedAtMs });
  }

  private reject(reason: RejectReason | OrderRejectReason, message: string, fields: Record<string, unknown>): Outcome {
    this.deps.metrics.record({ name: METRIC.rejectedEvents, unit: 'Count', value: 1, dimensions: { Reason: reason } });
    this.deps.log.warn('event rejected', { decision: 'rejected', reason, why: message, ...fields });
    return { kind: 'rejected', reason, message };
  }

  async handle(trigger: Trigger): Promise<Outcome> {
    let event: ReceivedAgentEvent | null = null;
    if (trigger.kind === 'event') {
      const parsed = await this.timed('Validate', () => parseClusterEvent(trigger.raw, this.deps.config));
      if (!parsed.ok) return this.reject(parsed.reason, parsed.message, {});
      event = parsed.event;
    }
    const { settings, store } = this.deps;
    for (let attempt = 1; attempt <= settings.maxStateAttempts; attempt++) {
      const stored = await this.timed('StateRead', () => store.get());
      const before = stored?.state ?? EMPTY_STATE;
      const nowMs = this.deps.clock.nowMs();
      let state = before;
      const eventFields = event ? { event: summarize(event) } : { reconcile: trigger.kind === 'reconcile' ? { scheduledAt: trigger.scheduledAt } : {} };
      if (event) {
        const admission = admitEvent(event, before, settings, nowMs);
        if (admission.kind === 'rejected') return this.reject(admission.reason, admission.detail, { ...eventFields, storedVersion: stored?.version ?? null });
        if (admission.kind === 'duplicate' && !before.failedMove) {
          this.deps.metrics.record({ name: METRIC.duplicateEvents, unit: 'Count', value: 1 });
          this.deps.log.info('duplicate event ignored', { decision: 'duplicate', why: admission.detail, ...eventFields });
          return { kind: 'duplicate', message: admission.detail };
        }
        // A duplicate after a failed move is most likely Lambda's retry: decide again.
        if (admission.kind === 'accepted') state = admission.state;
      }
      const observation = await this.timed('Observe', () => this.observe());
      const decision = await this.timed('Decide', () => decide({ config: this.deps.config, settings, state, observation, nowMs }));
      const moveId = decision.action.kind === 'associate' ? (this.deps.newMoveId ?? randomUUID)() : null;
      const next =
        decision.action.kind === 'associate'
          ? claimMove(decision.state, { ...decision.action, moveId: moveId!, nowMs, leaseUntilMs: this.deadlineMs })
          : decision.state;
      if (stored === null || !sameState(next, before)) {
        const written = await this.timed('StateWrite', () => store.put(next, stored?.version ?? null));
        if (written === 'conflict') {
          this.deps.metrics.record({ name: METRIC.stateConflicts, unit: 'Count', value: 1 });
          this.deps.log.info('state changed under us; deciding again', { attempt, storedVersion: stored?.version ?? null });
          continue;
        }
      }
      this.deps.log.info(`decision: ${decision.action.kind} (${decision.action.reason})`, {
        decision: decision.action.kind,
        reason: decision.action.reason,
        why: decision.action.why,
        ...eventFields,
        storedVersion: stored?.version ?? null,
        stateBefore: before,
        observation,
        settings,
        holder: decision.holderNodeId,
        splitBrain: decision.splitBrain,
        assessments: decision.assessments,
        notices: decision.notices.map((n) => n.kind),
        attempt,
      });
      for (const m of decision.metrics) this.deps.metrics.record(m);
      await this.notify(decision.notices);
      if (decision.action.kind !== 'associate') return { kind: 'decided', action: decision.action, moved: false };
      await this.move(decision, decision.action, moveId!, next);
      return { kind: 'decided', action: decision.action, moved: true };
    }
    throw new StateConflictError(`state kept changing: gave up after ${settings.maxStateAttempts} attempts`);
  }

  private async observe(): Promise<Observation> {
    const { ec2, config } = this.deps;
    try {
      const [association, instances] = await Promise.all([
        ec2.describeEip(config.eip.allocationId, this.signal),
        ec2.describeInstances(
          config.nodes.map((n) => n.instanceId),
          this.signal,
        ),
      ]);
      const facts: Record<string, InstanceFacts> = {};
      for (const n of config.nodes) {
        const seen = instances.find((i) => i.instanceId === n.instanceId);
        facts[n.id] = seen ? { state: seen.state, eniAttached: seen.networkInterfaceIds.includes(n.networkInterfaceId) } : { state: 'missing', eniAttached: false };
      }
      return { eip: locateEip(association, config), instances: facts };
    } catch (err) {
      throw new ObservationError(`cannot observe the EIP and instances: ${describeError(err)}`, { cause: err });
    }
  }

  private async move(decision: Decision, action: Extract<Action, { kind: 'associate' }>, moveId: string, claimed: ClusterState): Promise<void> {
    const { ec2, config, clock } = this.deps;
    const target = config.nodes.find((n) => n.id === action.targetNodeId)!;
    const startedAtMs = clock.nowMs();
    const fail = async (confirmed: boolean, err: unknown) => {
      this.deps.metrics.record({ name: METRIC.moveFailures, unit: 'Count', value: 1 });
      const failure = { targetNodeId: target.id, atMs: clock.nowMs(), error: describeError(err) };
      await this.updateState((s) => releaseMove(s, moveId, failure)).catch((e: unknown) =>
        this.deps.log.error('could not release the move claim; it lapses at the invocation deadline', { moveId, error: describeError(e) }),
      );
      this.deps.log.error('move failed', { moveId, target: target.id, confirmed, error: describeError(err) });
      await this.notify([{ kind: 'move-failed', fromNodeId: action.fromNodeId, toNodeId: target.id, error: describeError(err), confirmed }]);
    };
    try {
      await this.timed('Associate', () =>
        ec2.associate({ allocationId: config.eip.allocationId, networkInterfaceId: target.networkInterfaceId, privateIpAddress: eipPrivateIpOf(target) }, this.signal),
      );
    } catch (err) {
      await fail(true, err);
      throw new MoveFailedError(`AssociateAddress ${config.eip.allocationId} -> ${target.networkInterfaceId} / ${eipPrivateIpOf(target)} failed: ${describeError(err)}`, { cause: err });
    }
    const confirmed = await this.timed('Confirm', () => this.confirm(target.id));
    if (!confirmed.ok) {
      await fail(false, confirmed.why);
      throw new MoveUnconfirmedError(`the EIP did not show on ${target.id} in time: ${confirmed.why}`);
    }
    const confirmedAtMs = clock.nowMs();
    await this.timed('Record', () => this.updateState((s) => recordMove(s, moveId, target.id, confirmedAtMs))).catch((e: unknown) =>
      this.deps.log.error('move confirmed but not recorded', { moveId, error: describeError(e) }),
    );
    const transitionAtMs = claimed.nodes[target.id]?.report.transitionAtMs ?? null;
    const latencyMs = transitionAtMs === null ? null : confirmedAtMs - transitionAtMs;
    const metrics: MetricDatum[] = [{ name: METRIC.eipMoves, unit: 'Count', value: 1 }];
    if (latencyMs !== null) metrics.push({ name: METRIC.failoverLatencyMs, unit: 'Milliseconds', value: latencyMs });
    for (const m of metrics) this.deps.metrics.record(m);
    this.deps.log.info('move confirmed', { moveId, from: decision.holderNodeId, to: target.id, reason: action.reason, tookMs: confirmedAtMs - startedAtMs, latencyMs, polls: confirmed.polls });
    await this.notify([
      { kind: 'moved', fromNodeId: action.fromNodeId, toNodeId: target.id, reason: action.reason, why: action.why, tookMs: confirmedAtMs - startedAtMs, latencyMs },
    ]);
  }

  /** Polls DescribeAddresses until it shows the target (reads are eventually consistent). Never associates again. */
  private async confirm(targetNodeId: string): Promise<{ ok: true; polls: number } | { ok: false; why: string }> {
    const { ec2, config, clock, settings } = this.deps;
    const giveUpAtMs = Math.min(clock.nowMs() + settings.confirmTimeoutMs, this.deadlineMs - settings.safetyMarginMs);
    let polls = 0;
    let last = 'no answer yet';
    for (;;) {
      polls++;
      try {
        const where = locateEip(await ec2.describeEip(config.eip.allocationId, this.signal), config);
        if (where.kind === 'node' && where.nodeId === targetNodeId) return { ok: true, polls };
        last = where.kind === 'node' ? `still on ${where.nodeId}` : where.kind === 'none' ? 'not associated' : where.detail;
      } catch (err) {
        last = describeError(err);
      }
      const gaveUp = { ok: false as const, why: `after ${polls} DescribeAddresses reads: ${last}` };
      if (clock.nowMs() + settings.confirmIntervalMs > giveUpAtMs) return gaveUp;
      const slept = await clock.sleep(settings.confirmIntervalMs, this.signal).then(
        () => true,
        () => false,
      );
      if (!slept) return gaveUp;
    }
  }

  /** Read-modify-write with the version condition, retried on conflict. */
  private async updateState(change: (s: ClusterState) => ClusterState): Promise<VersionedState> {
    for (let attempt = 1; attempt <= this.deps.settings.maxStateAttempts; attempt++) {
      const stored = await this.deps.store.get();
      const next = change(stored?.state ?? EMPTY_STATE);
      const written = await this.deps.store.put(next, stored?.version ?? null);
      if (written !== 'conflict') return { state: next, version: written.version };
      this.deps.metrics.record({ name: METRIC.stateConflicts, unit: 'Count', value: 1 });
    }
    throw new StateConflictError(`state kept changing: gave up after ${this.deps.settings.maxStateAttempts} attempts`);
  }

  /** Notification failures never undo a decision: they are logged and counted. */
  private async notify(notices: readonly Notice[]): Promise<void> {
    for (const notice of notices) {
      try {
        await this.deps.notifier.publish(renderNotice(notice, this.deps.config, this.deps.clock.nowMs()));
      } catch (err) {
        this.deps.metrics.record({ name: METRIC.notificationFailures, unit: 'Count', value: 1 });
        this.deps.log.error('notification failed', { notice: notice.kind, error: describeError(err) });
      }
    }
  }
}

function summarize(e: ReceivedAgentEvent) {
  return { id: e.id ?? null, source: e.source, detailType: e.detailType, ...e.detail };
}
