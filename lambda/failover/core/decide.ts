/**
 * The failover decision: given what is stored, what EC2 shows and the time, where should the EIP
 * be, and what must people and dashboards learn. Pure: no I/O, no clock, no AWS types. Rules are
 * tabled in docs/controller.md; each is a case in test/unit/failover-decide.test.ts.
 */
import type { ClusterConfig } from '../../../lib/config/schema';
import { assessNode, onlySoftProblems, type NodeAssessment } from './health';
import {
  METRIC,
  type AlertKind,
  type ClusterState,
  type ControllerSettings,
  type MetricDatum,
  type MoveReason,
  type NoMoveReason,
  type Notice,
  type Observation,
} from './types';

export interface DecideInput {
  readonly config: ClusterConfig;
  readonly settings: ControllerSettings;
  /** The stored state with the triggering event (if any) already admitted. */
  readonly state: ClusterState;
  readonly observation: Observation;
  readonly nowMs: number;
}

export type Action =
  | { readonly kind: 'associate'; readonly targetNodeId: string; readonly fromNodeId: string | null; readonly reason: MoveReason; readonly why: string }
  | { readonly kind: 'none'; readonly reason: NoMoveReason; readonly why: string };

export interface Decision {
  readonly action: Action;
  /** The state to store (alerts updated); a move is claimed on top of it by the caller. */
  readonly state: ClusterState;
  readonly metrics: readonly MetricDatum[];
  readonly notices: readonly Notice[];
  readonly holderNodeId: string | null;
  readonly splitBrain: boolean;
  readonly assessments: Readonly<Record<string, NodeAssessment>>;
}

const count = (name: string, value: number): MetricDatum => ({ name, unit: 'Count', value });

/** Tracks an ongoing condition: notify once when it has lasted graceMs, say so when it ends. */
function trackAlert(
  alerts: ClusterState['alerts'],
  kind: AlertKind,
  active: boolean,
  nowMs: number,
  graceMs: number,
  notice: (sinceMs: number) => Notice,
): { alerts: ClusterState['alerts']; notices: Notice[] } {
  const current = alerts[kind];
  if (!active) {
    if (!current) return { alerts, notices: [] };
    const { [kind]: _ended, ...rest } = alerts;
    return { alerts: rest, notices: current.notified ? [{ kind: 'resolved', alert: kind, sinceMs: current.sinceMs }] : [] };
  }
  const sinceMs = current?.sinceMs ?? nowMs;
  const notifyNow = !current?.notified && nowMs - sinceMs >= graceMs;
  const next = { sinceMs, notified: (current?.notified ?? false) || notifyNow };
  return { alerts: { ...alerts, [kind]: next }, notices: notifyNow ? [notice(sinceMs)] : [] };
}

/** Both nodes claim MASTER at overlapping times: each one's latest report postdates the other's MASTER transition. */
function isSplitBrain(a: NodeAssessment, b: NodeAssessment, state: ClusterState): boolean {
  const ra = state.nodes[a.nodeId]?.report;
  const rb = state.nodes[b.nodeId]?.report;
  if (!ra || !rb || !a.masterish || !b.masterish || !a.fresh || !b.fresh) return false;
  return ra.sentAtMs >= (rb.transitionAtMs ?? Infinity) && rb.sentAtMs >= (ra.transitionAtMs ?? Infinity);
}

const list = (a: NodeAssessment) => (a.details.length ? a.details.join(', ') : 'healthy');

export function decide(input: DecideInput): Decision {
  const { config, settings, state, observation, nowMs } = input;
  const [nodeA, nodeB] = config.nodes;
  const assessments = Object.fromEntries(
    config.nodes.map((n) => [n.id, assessNode(config, n.id, state.nodes, observation.instances[n.id], settings, nowMs)]),
  ) as Record<string, NodeAssessment>;
  const holderNodeId = observation.eip.kind === 'node' ? observation.eip.nodeId : null;
  const base = { holderNodeId, assessments, splitBrain: false };
  const none = (reason: NoMoveReason, why: string, extra: Partial<Decision> = {}): Decision => ({
    action: { kind: 'none', reason, why },
    state,
    metrics: [],
    notices: [],
    ...base,
    ...extra,
  });

  // Someone else is mid-move: acting now could race its AssociateAddress.
  const pending = state.pendingMove;
  if (pending && pending.leaseUntilMs > nowMs) {
    return none('move-in-progress', `move ${pending.moveId} to ${pending.targetNodeId} started ${nowMs - pending.startedAtMs} ms ago is still in progress`);
  }
  // A read that contradicts a move we just confirmed is EC2's eventual consistency, not a new fact.
  const recorded = state.holder;
  if (recorded && observation.eip.kind !== 'foreign' && holderNodeId !== recorded.nodeId && nowMs - recorded.sinceMs < settings.moveSettleMs) {
    return none(
      'recent-move-settling',
      `EC2 shows ${holderNodeId ?? 'no association'} but the move to ${recorded.nodeId} was confirmed ${nowMs - recorded.sinceMs} ms ago; taken as a stale read`,
    );
  }

  const foreign = trackAlert(state.alerts, 'foreignAssociation', observation.eip.kind === 'foreign', nowMs, 0, () => ({
    kind: 'foreign-association',
    detail: observation.eip.kind === 'foreign' ? observation.eip.detail : '',
  }));
  if (observation.eip.kind === 'foreign') {
    return none('foreign-association', observation.eip.detail, {
      state: { ...state, alerts: foreign.alerts },
      metrics: [count(METRIC.foreignAssociation, 1)],
      notices: foreign.notices,
    });
  }

  const a = assessments[nodeA.id]!;
  const b = assessments[nodeB.id]!;
  const splitBrain = isSplitBrain(a, b, state);
  const split = trackAlert(foreign.alerts, 'splitBrain', splitBrain, nowMs, 0, () => ({
    kind: 'split-brain',
    holderNodeId,
    nodes: [nodeA.id, nodeB.id],
  }));
  const holder = holderNodeId === null ? null : assessments[holderNodeId]!;
  const holderHealthy = holder !== null && holder.holderProblems.length === 0;

  const priorityOf = (id: string) => config.nodes.find((n) => n.id === id)!.priority;
  const candidates = config.nodes
    .filter((n) => n.id !== holderNodeId && assessments[n.id]!.targetProblems.length === 0)
    .sort((x, y) => y.priority - x.priority);

  // The higher-priority node saw the holder's lower-priority adverts after the holder became MASTER:
  // a partition has healed and keepalived makes it the master again.
  const other = holderNodeId === null ? undefined : config.nodes.find((n) => n.id !== holderNodeId)!;
  const otherReport = other && state.nodes[other.id]?.report;
  const holderReport = holderNodeId === null ? undefined : state.nodes[holderNodeId]?.report;
  const reclaimSignal =
    other !== undefined &&
    otherReport?.state === 'MASTER_RX_LOWER_PRI' &&
    assessments[other.id]!.fresh &&
    priorityOf(other.id) > priorityOf(holderNodeId!) &&
    (otherReport.transitionAtMs ?? 0) >= (holderReport?.transitionAtMs ?? 0);
  const reclaimReady = reclaimSignal && candidates.some((c) => c.id === other.id);

  const noWriter = !holderHealthy && candidates.length === 0;
  const nhw = trackAlert(split.alerts, 'noHealthyWriter', noWriter, nowMs, settings.noHealthyWriterGraceMs, (sinceMs) => ({
    kind: 'no-healthy-writer',
    holderNodeId,
    sinceMs,
    problems: Object.fromEntries(config.nodes.map((n) => [n.id, assessments[n.id]!.details])),
  }));
  const gauges = [count(METRIC.splitBrain, splitBrain ? 1 : 0), count(METRIC.noHealthyWriter, noWriter ? 1 : 0), count(METRIC.foreignAssociation, 0)];
  const common = {
    state: { ...state, alerts: nhw.alerts },
    notices: [...foreign.notices, ...split.notices, ...nhw.notices],
    splitBrain,
  };
  const facts = `${nodeA.id}: ${list(a)}; ${nodeB.id}: ${list(b)}`;

  if (holderHealthy && !reclaimReady) {
    const why =
      `${holderNodeId} holds the EIP and is healthy` +
      (splitBrain ? '; split brain: both nodes report MASTER, keeping the holder' : '') +
      (reclaimSignal ? `; ${other!.id} reclaims (MASTER_RX_LOWER_PRI) but is not ready: ${list(assessments[other!.id]!)}` : '');
    // A healthy holder settles any earlier failed move.
    return none('holder-healthy', why, { ...common, state: { ...common.state, failedMove: null }, metrics: gauges });
  }
  if (noWriter) {
    return none('no-healthy-writer', `no node may hold the EIP: ${facts}`, { ...common, metrics: gauges });
  }

  const target = reclaimReady ? other! : candidates[0]!;
  const softOnly = holder !== null && (holderHealthy || onlySoftProblems(holder.holderProblems));
  const reason: MoveReason = holder === null ? 'no-holder' : !softOnly ? 'holder-unhealthy' : reclaimReady ? 'reclaim' : 'holder-silent';
  const why =
    reason === 'reclaim'
      ? `${target.id} reports MASTER_RX_LOWER_PRI after a partition: it outranks ${holderNodeId} (priority ${target.priority} > ${priorityOf(holderNodeId!)})`
      : reason === 'no-holder'
        ? `the EIP is not associated; ${target.id} is a healthy MASTER`
        : `${holderNodeId} is ${list(holder!)}; ${target.id} is a healthy MASTER`;

  // Voluntary moves (the holder is fine or merely unseen) are limited to one per damping interval.
  const voluntary = reason === 'reclaim' || reason === 'holder-silent';
  const sinceLastMove = state.lastMoveAtMs === null ? Infinity : nowMs - state.lastMoveAtMs;
  if (voluntary && sinceLastMove < settings.flapDampingMs) {
    return none('flap-damped', `would move to ${target.id} (${why}), but the last move was ${sinceLastMove} ms ago (damping ${settings.flapDampingMs} ms)`, {
      ...common,
      metrics: [...gauges, count(METRIC.flapDamped, 1)],
    });
  }
  return {
    action: { kind: 'associate', targetNodeId: target.id, fromNodeId: holderNodeId, reason, why },
    metrics: gauges,
    holderNodeId,
    assessments,
    ...common,
  };
}
