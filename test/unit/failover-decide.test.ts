/**
 * The decision table of docs/controller.md: one row per rule, each a case of the pure core.
 * Times are relative to T ("now"); db-a (priority 150) and db-b (100) are the example cluster.
 */
import { admitEvent } from '../../lambda/failover/core/admit';
import { decide, type Decision } from '../../lambda/failover/core/decide';
import type { ClusterState, StoredNode } from '../../lambda/failover/core/types';
import { A, B, config, eventOf, NEW_MASTER, REPLICA, settings, stored, T, world, WRITER, type EventSpec, type WorldSpec } from './failover-fixtures';

interface Expect {
  action: 'associate' | 'none';
  reason: string;
  target?: string;
  /** Subset of the metrics (name -> value) the decision must carry. */
  metrics?: Record<string, number>;
  /** Exact list of notice kinds. */
  notices?: string[];
  /** A problem code the named node must show as a target. */
  targetProblem?: [string, string];
}

const run = (spec: WorldSpec): Decision => {
  const { state, observation } = world(spec);
  return decide({ config, settings, state, observation, nowMs: T });
};

function check(d: Decision, e: Expect) {
  expect({ kind: d.action.kind, reason: d.action.reason }).toEqual({ kind: e.action, reason: e.reason });
  if (e.target) expect(d.action.kind === 'associate' && d.action.targetNodeId).toBe(e.target);
  const metrics = Object.fromEntries(d.metrics.map((m) => [m.name, m.value]));
  if (e.metrics) expect(metrics).toMatchObject(e.metrics);
  expect(d.notices.map((n) => n.kind)).toEqual(e.notices ?? []);
  if (e.targetProblem) expect(d.assessments[e.targetProblem[0]]!.targetProblems).toContain(e.targetProblem[1]);
}

// Holder db-a has failed in various ways; it was last seen writable 20 s ago.
const failedWriter = (over: Partial<typeof WRITER>): StoredNode => stored({ ...WRITER, priority: A.priority, ...over }, T - 20_000);
const FAULT_A = failedWriter({ state: 'FAULT', transitionAtMs: T - 3_000, sentAtMs: T - 3_000, db: { readOnly: true, lagSeconds: null } });
const healthyMasterB = (db: Partial<NonNullable<typeof NEW_MASTER.db>> = {}) => ({ ...NEW_MASTER, db: { ...NEW_MASTER.db, ...db } });
// A partition healed: db-b (holder, lower priority) wrote until 3 s ago; db-a saw its adverts 1 s ago.
const holderB = (over: Partial<typeof WRITER> = {}) => stored({ ...WRITER, priority: B.priority, transitionAtMs: T - 600_000, sentAtMs: T - 3_000, ...over }, T - 3_000);
const reclaimingA = (lagSeconds: number) => ({ state: 'MASTER_RX_LOWER_PRI' as const, transitionAtMs: T - 1_000, sentAtMs: T - 990, db: { lagSeconds } });
const splitB = { state: 'MASTER' as const, transitionAtMs: T - 30_000, sentAtMs: T - 1_000, db: { ioRunning: false, lagSeconds: 2 } };

type Row = [string, WorldSpec, Expect];
const table: Row[] = [
  // Steady state and the writer's own transitions.
  ['steady: the writer holds the EIP, the replica is BACKUP', {}, { action: 'none', reason: 'holder-healthy', metrics: { SplitBrain: 0, NoHealthyWriter: 0, ForeignAssociation: 0 } }],
  ['a MASTER_RX_LOWER_PRI holder still counts as MASTER', { a: { ...WRITER, state: 'MASTER_RX_LOWER_PRI', transitionAtMs: T - 10_000 } }, { action: 'none', reason: 'holder-healthy' }],
  ['holder FAULT, peer a healthy MASTER: move', { a: FAULT_A, b: NEW_MASTER }, { action: 'associate', reason: 'holder-unhealthy', target: B.id, metrics: { NoHealthyWriter: 0 } }],
  ['holder STOP (keepalived stopped): move', { a: failedWriter({ state: 'STOP', transitionAtMs: T - 3_000, sentAtMs: T - 3_000 }), b: NEW_MASTER }, { action: 'associate', reason: 'holder-unhealthy', target: B.id }],
  ['holder BACKUP (it yielded): move', { a: failedWriter({ state: 'BACKUP', transitionAtMs: T - 3_000, sentAtMs: T - 3_000 }), b: NEW_MASTER }, { action: 'associate', reason: 'holder-unhealthy', target: B.id }],
  ['holder UNKNOWN (agent restarted, fenced): move', { a: failedWriter({ state: 'UNKNOWN', transitionAtMs: null, sentAtMs: T - 1_000 }), b: NEW_MASTER }, { action: 'associate', reason: 'holder-unhealthy', target: B.id }],
  ['holder instance stopping: move even though its last report looked fine', { a: failedWriter({ sentAtMs: T - 1_000 }), b: { ...NEW_MASTER, transitionAtMs: T - 3_000 }, instances: { a: { state: 'stopping' } } }, { action: 'associate', reason: 'holder-unhealthy', target: B.id, notices: ['split-brain'] }],
  ['holder database down: move', { a: failedWriter({ db: { up: false, readOnly: null, error: 'connect ECONNREFUSED' } }), b: NEW_MASTER }, { action: 'associate', reason: 'holder-unhealthy', target: B.id }],
  ['writer went silent and the peer became MASTER after its last report: move at once', { a: WRITER, b: NEW_MASTER }, { action: 'associate', reason: 'holder-silent', target: B.id }],
  ['holder stale (no report within the heartbeat timeout), peer MASTER: move', { a: stored({ ...WRITER, sentAtMs: T - 60_000 }), b: { state: 'MASTER', transitionAtMs: T - 120_000, sentAtMs: T - 2_000, db: { ioRunning: false, lagSeconds: 58 } } }, { action: 'associate', reason: 'holder-silent', target: B.id }],
  ['reconcile long after a lost MASTER event: the lag grew only because the writer died; still caught up', { a: stored({ ...WRITER, sentAtMs: T - 600_000 }), b: { state: 'MASTER', transitionAtMs: T - 590_000, sentAtMs: T - 1_000, db: { ioRunning: false, lagSeconds: 595 } } }, { action: 'associate', reason: 'holder-silent', target: B.id }],
  ['EIP not associated, one healthy MASTER: move there', { eip: 'none', a: REPLICA, b: NEW_MASTER }, { action: 'associate', reason: 'no-holder', target: B.id }],
  ['EIP not associated, two fenced MASTERs: the higher priority wins', { eip: 'none', a: NEW_MASTER, b: NEW_MASTER }, { action: 'associate', reason: 'no-holder', target: A.id, metrics: { SplitBrain: 1 }, notices: ['split-brain'] }],
  // Split brain.
  ['split brain, holder healthy and fresh: keep it, SplitBrain and notify', { b: splitB }, { action: 'none', reason: 'holder-healthy', metrics: { SplitBrain: 1 }, notices: ['split-brain'] }],
  ['split brain already notified: metric again, no second message', { b: splitB, state: { alerts: { splitBrain: { sinceMs: T - 60_000, notified: true } } } }, { action: 'none', reason: 'holder-healthy', metrics: { SplitBrain: 1 }, notices: [] }],
  ['split brain, holder database down: move to the healthy MASTER', { a: failedWriter({ db: { up: false, readOnly: null } }), b: splitB }, { action: 'associate', reason: 'holder-unhealthy', target: B.id, metrics: { SplitBrain: 1 }, notices: ['split-brain'] }],
  ['split brain ends: resolved message', { state: { alerts: { splitBrain: { sinceMs: T - 60_000, notified: true } } } }, { action: 'none', reason: 'holder-healthy', metrics: { SplitBrain: 0 }, notices: ['resolved'] }],
  // Nobody healthy.
  ['holder FAULT, peer BACKUP: no move, NoHealthyWriter, no message within the grace', { a: FAULT_A, b: REPLICA }, { action: 'none', reason: 'no-healthy-writer', metrics: { NoHealthyWriter: 1 }, notices: [] }],
  ['no healthy writer past the grace: one message', { a: FAULT_A, b: REPLICA, state: { alerts: { noHealthyWriter: { sinceMs: T - 25_000, notified: false } } } }, { action: 'none', reason: 'no-healthy-writer', notices: ['no-healthy-writer'] }],
  ['no healthy writer, already told: no second message', { a: FAULT_A, b: REPLICA, state: { alerts: { noHealthyWriter: { sinceMs: T - 90_000, notified: true } } } }, { action: 'none', reason: 'no-healthy-writer', metrics: { NoHealthyWriter: 1 }, notices: [] }],
  ['a healthy holder again: resolved message', { state: { alerts: { noHealthyWriter: { sinceMs: T - 60_000, notified: true } } } }, { action: 'none', reason: 'holder-healthy', metrics: { NoHealthyWriter: 0 }, notices: ['resolved'] }],
  ['empty store (first run): no reports, no move', { a: null, b: null }, { action: 'none', reason: 'no-healthy-writer', targetProblem: [B.id, 'no-report'] }],
  // What a target must be.
  ['target writable without the EIP (fencing failed): refused', { a: FAULT_A, b: healthyMasterB({ readOnly: false }) }, { action: 'none', reason: 'no-healthy-writer', targetProblem: [B.id, 'db-writable'] }],
  ['target SQL thread stopped: refused', { a: FAULT_A, b: healthyMasterB({ sqlRunning: false }) }, { action: 'none', reason: 'no-healthy-writer', targetProblem: [B.id, 'replication-stopped'] }],
  ['target 60 s behind the last writer: refused', { a: FAULT_A, b: healthyMasterB({ lagSeconds: 60 }) }, { action: 'none', reason: 'no-healthy-writer', targetProblem: [B.id, 'lagging'] }],
  ['target lag unknown: refused', { a: FAULT_A, b: healthyMasterB({ lagSeconds: null }) }, { action: 'none', reason: 'no-healthy-writer', targetProblem: [B.id, 'lag-unknown'] }],
  ['target database down: refused', { a: FAULT_A, b: healthyMasterB({ up: false, readOnly: null }) }, { action: 'none', reason: 'no-healthy-writer', targetProblem: [B.id, 'db-down'] }],
  ['target instance stopped: refused', { a: FAULT_A, b: NEW_MASTER, instances: { b: { state: 'stopped' } } }, { action: 'none', reason: 'no-healthy-writer', targetProblem: [B.id, 'instance-not-running'] }],
  ['target ENI detached from its instance: refused', { a: FAULT_A, b: NEW_MASTER, instances: { b: { eniAttached: false } } }, { action: 'none', reason: 'no-healthy-writer', targetProblem: [B.id, 'eni-not-attached'] }],
  ['target instance missing from EC2: refused', { a: FAULT_A, b: NEW_MASTER, instances: { b: { state: 'missing', eniAttached: false } } }, { action: 'none', reason: 'no-healthy-writer', targetProblem: [B.id, 'instance-not-running'] }],
  ['target MASTER report stale: refused', { a: FAULT_A, b: { ...NEW_MASTER, sentAtMs: T - 80_000, transitionAtMs: T - 80_000 } }, { action: 'none', reason: 'no-healthy-writer', targetProblem: [B.id, 'stale-report'] }],
  ['peer never seen writable: target GTID behind the peer is refused', { eip: 'none', a: { ...REPLICA, db: { gtidCurrentPos: '0-1-500' } }, b: healthyMasterB({ gtidCurrentPos: '0-1-499' }) }, { action: 'none', reason: 'no-healthy-writer', targetProblem: [B.id, 'gtid-behind'] }],
  ['peer never seen writable: target GTID covering every domain is accepted', { eip: 'none', a: { ...REPLICA, db: { gtidCurrentPos: '0-1-500,1-2-30' } }, b: healthyMasterB({ gtidCurrentPos: '1-2-31,0-1-500' }) }, { action: 'associate', reason: 'no-holder', target: B.id }],
  // Flap damping.
  ['silent holder, last move 30 s ago: damped, logged, counted', { a: WRITER, b: NEW_MASTER, state: { lastMoveAtMs: T - 30_000 } }, { action: 'none', reason: 'flap-damped', metrics: { FlapDamped: 1 } }],
  ['damping never holds back a move from a failed holder', { a: FAULT_A, b: NEW_MASTER, state: { lastMoveAtMs: T - 30_000 } }, { action: 'associate', reason: 'holder-unhealthy', target: B.id }],
  ['damping interval over: the silent holder loses the EIP', { a: WRITER, b: NEW_MASTER, state: { lastMoveAtMs: T - 130_000 } }, { action: 'associate', reason: 'holder-silent', target: B.id }],
  // Foreign association.
  ['EIP on an ENI outside the pair: no move, ForeignAssociation, message', { eip: { kind: 'foreign', detail: '203.0.113.10 is on eni-0ffff' }, a: FAULT_A, b: NEW_MASTER }, { action: 'none', reason: 'foreign-association', metrics: { ForeignAssociation: 1 }, notices: ['foreign-association'] }],
  ['foreign association persists: no second message', { eip: { kind: 'foreign', detail: 'x' }, state: { alerts: { foreignAssociation: { sinceMs: T - 60_000, notified: true } } } }, { action: 'none', reason: 'foreign-association', notices: [] }],
  ['foreign association ends: resolved', { state: { alerts: { foreignAssociation: { sinceMs: T - 60_000, notified: true } } } }, { action: 'none', reason: 'holder-healthy', metrics: { ForeignAssociation: 0 }, notices: ['resolved'] }],
  // Concurrency and eventual consistency.
  ['another invocation is moving (lease valid): wait', { a: FAULT_A, b: NEW_MASTER, state: { pendingMove: { moveId: 'm1', targetNodeId: B.id, fromNodeId: A.id, reason: 'holder-unhealthy', startedAtMs: T - 500, leaseUntilMs: T + 5_000 } } }, { action: 'none', reason: 'move-in-progress' }],
  ['a lapsed claim (crashed invocation) does not block', { a: FAULT_A, b: NEW_MASTER, state: { pendingMove: { moveId: 'm1', targetNodeId: B.id, fromNodeId: A.id, reason: 'holder-unhealthy', startedAtMs: T - 60_000, leaseUntilMs: T - 1 } } }, { action: 'associate', reason: 'holder-unhealthy', target: B.id }],
  ['read shows the old holder 5 s after a confirmed move: a stale read, no second associate', { a: FAULT_A, b: NEW_MASTER, state: { holder: { nodeId: B.id, sinceMs: T - 5_000 } } }, { action: 'none', reason: 'recent-move-settling' }],
  ['the settle window is over: a disagreeing read is acted on', { a: FAULT_A, b: NEW_MASTER, state: { holder: { nodeId: B.id, sinceMs: T - 20_000 } } }, { action: 'associate', reason: 'holder-unhealthy', target: B.id }],
  // Partition heals: MASTER_RX_LOWER_PRI.
  ['reclaim: the higher-priority node reports MASTER_RX_LOWER_PRI, caught up', { eip: 'db-b', b: holderB(), a: reclaimingA(1.5) }, { action: 'associate', reason: 'reclaim', target: A.id }],
  ['reclaim waits while the reclaimer is behind; the holder keeps writing', { eip: 'db-b', b: holderB({ sentAtMs: T - 500 }), a: reclaimingA(60) }, { action: 'none', reason: 'holder-healthy', metrics: { SplitBrain: 1 }, notices: ['split-brain'] }],
  ['reclaim is flap-damped', { eip: 'db-b', b: holderB(), a: reclaimingA(1.5), state: { lastMoveAtMs: T - 60_000 } }, { action: 'none', reason: 'flap-damped', metrics: { FlapDamped: 1 } }],
  ['after the heal the low-priority holder went BACKUP: move back, not damped', { eip: 'db-b', b: holderB({ state: 'BACKUP', transitionAtMs: T - 600, sentAtMs: T - 500, db: { readOnly: true } }), a: reclaimingA(1.5), state: { lastMoveAtMs: T - 60_000 } }, { action: 'associate', reason: 'holder-unhealthy', target: A.id }],
  // Partition healed, db-b (holder) yielded while db-a was MASTER: db-b is alive, so db-a must have what it wrote, not just be within maxReplicaLag.
  ['partition healed, holder yielded: a target 9 s behind the live writer waits (no loss within maxReplicaLag)', { eip: 'db-b', b: holderB({ state: 'BACKUP', transitionAtMs: T - 600, sentAtMs: T - 500 }), a: { state: 'MASTER', transitionAtMs: T - 10_000, sentAtMs: T - 1_000, db: { lagSeconds: 8.5 } } }, { action: 'none', reason: 'no-healthy-writer', targetProblem: [A.id, 'lagging'] }],
  ['partition healed, holder yielded: once caught up with the live writer the target takes the EIP', { eip: 'db-b', b: holderB({ state: 'BACKUP', transitionAtMs: T - 600, sentAtMs: T - 500 }), a: { state: 'MASTER', transitionAtMs: T - 10_000, sentAtMs: T - 100, db: { lagSeconds: 0.5 } } }, { action: 'associate', reason: 'holder-unhealthy', target: A.id }],
  ['the writer died (silent since the peer became MASTER): maxReplicaLag still applies', { a: stored({ ...WRITER, sentAtMs: T - 4_000 }), b: { ...NEW_MASTER, db: { ioRunning: false, lagSeconds: 8 } } }, { action: 'associate', reason: 'holder-silent', target: B.id }],
  ['MASTER_RX_LOWER_PRI from the lower-priority node does not take the EIP', { a: { ...WRITER, sentAtMs: T - 500 }, b: { state: 'MASTER_RX_LOWER_PRI', transitionAtMs: T - 1_000, sentAtMs: T - 990, db: { lagSeconds: 1 } } }, { action: 'none', reason: 'holder-healthy', metrics: { SplitBrain: 1 }, notices: ['split-brain'] }],
];

describe('decide: the decision table', () => {
  test.each(table)('%s', (_name, spec, e) => check(run(spec), e));

  test('every move reason and every no-move reason is covered by a row', () => {
    const reasons = new Set(table.map(([, spec]) => run(spec).action.reason));
    for (const r of ['no-holder', 'holder-unhealthy', 'holder-silent', 'reclaim', 'holder-healthy', 'move-in-progress', 'recent-move-settling', 'foreign-association', 'no-healthy-writer', 'flap-damped']) {
      expect(reasons).toContain(r);
    }
  });

  test('a decision carries the alert it notified, so the next one does not notify again', () => {
    const first = run({ b: splitB });
    expect(first.notices.map((n) => n.kind)).toEqual(['split-brain']);
    const { observation } = world({ b: splitB });
    const second = decide({ config, settings, state: first.state, observation, nowMs: T + 1_000 });
    expect(second.notices).toEqual([]);
    expect(second.state.alerts.splitBrain).toEqual({ sinceMs: T, notified: true });
  });
});

// Events are admitted one by one into the stored state, then the cluster is decided.
/** [case, world, events in delivery order, admission of each, action, reason, target ('' for none)] */
type EventRow = [string, WorldSpec, EventSpec[], string[], Expect['action'], string, string];
const eventTable: EventRow[] = [
  ['first event of a node is accepted', { a: FAULT_A, b: null }, [{ node: 'db-b', seq: 1 }], ['accepted'], 'associate', 'holder-unhealthy', B.id],
  ['duplicate delivery: the second copy is a no-op', { a: FAULT_A, b: REPLICA }, [{ node: 'db-b', seq: 11 }, { node: 'db-b', seq: 11 }], ['accepted', 'duplicate'], 'associate', 'holder-unhealthy', B.id],
  ['late duplicate of an earlier event after a newer one: still a duplicate, not a replay', { a: FAULT_A, b: REPLICA }, [{ node: 'db-b', seq: 11 }, { node: 'db-b', seq: 12, detailType: 'VRRP Heartbeat' }, { node: 'db-b', seq: 11 }], ['accepted', 'accepted', 'duplicate'], 'associate', 'holder-unhealthy', B.id],
  ['reordered: BACKUP seq 9 arrives after MASTER seq 11: not newer, MASTER stands', { a: FAULT_A, b: REPLICA }, [{ node: 'db-b', seq: 11 }, { node: 'db-b', seq: 9, state: 'BACKUP' }], ['accepted', 'not-newer'], 'associate', 'holder-unhealthy', B.id],
  ['replayed old MASTER event of a node now BACKUP: rejected, no move', { a: WRITER, b: REPLICA }, [{ node: 'db-b', seq: 5 }], ['not-newer'], 'none', 'holder-healthy', ''],
  ['older epoch with a higher seq is not newer', { a: FAULT_A, b: REPLICA }, [{ node: 'db-b', epoch: 999, seq: 50 }], ['not-newer'], 'none', 'no-healthy-writer', ''],
  ['newer epoch with a lower seq (state dir lost) is newer', { a: FAULT_A, b: REPLICA }, [{ node: 'db-b', epoch: 2000, seq: 1 }], ['accepted'], 'associate', 'holder-unhealthy', B.id],
  ['late event: sent 61 s ago, past the maximum age', { a: FAULT_A, b: REPLICA }, [{ node: 'db-b', seq: 11, sentAtMs: T - 61_000 }], ['too-old'], 'none', 'no-healthy-writer', ''],
  ['a heartbeat 40 s late but newer is accepted (and shows db-b still BACKUP)', { a: FAULT_A, b: REPLICA }, [{ node: 'db-b', seq: 11, state: 'BACKUP', sentAtMs: T - 40_000, transitionAtMs: T - 3_600_000, detailType: 'VRRP Heartbeat' }], ['accepted'], 'none', 'no-healthy-writer', ''],
  ['dated 31 s in the future: rejected (node clock)', { a: FAULT_A, b: REPLICA }, [{ node: 'db-b', seq: 11, sentAtMs: T + 31_000 }], ['from-the-future'], 'none', 'no-healthy-writer', ''],
  ['stale MASTER replayed after the holder died: rejected, the peer still gets the EIP', { a: FAULT_A, b: NEW_MASTER }, [{ node: 'db-a', seq: 3, state: 'MASTER', db: { readOnly: false, lagSeconds: null } }], ['not-newer'], 'associate', 'holder-unhealthy', B.id],
];

describe('admitEvent, then decide', () => {
  test.each(eventTable)('%s', (_name, spec, events, admissions, action, reason, target) => {
    let { state } = world(spec);
    const { observation } = world(spec);
    const seen: string[] = [];
    for (const e of events) {
      const admission = admitEvent(eventOf(e), state, settings, T);
      seen.push(admission.kind === 'rejected' ? admission.reason : admission.kind);
      if (admission.kind === 'accepted') state = admission.state;
    }
    expect(seen).toEqual(admissions);
    const d = decide({ config, settings, state, observation, nowMs: T });
    expect({ kind: d.action.kind, reason: d.action.reason }).toEqual({ kind: action, reason });
    if (target) expect(d.action.kind === 'associate' && d.action.targetNodeId).toBe(target);
  });

  test('an accepted writable report remembers when the node was last writable; a fenced one keeps it', () => {
    let state: ClusterState = world({ a: null, b: null }).state;
    const admit = (e: EventSpec) => {
      const a = admitEvent(eventOf(e), state, settings, T);
      if (a.kind !== 'accepted') throw new Error(a.kind);
      state = a.state;
      return state.nodes[A.id]!;
    };
    expect(admit({ seq: 1, sentAtMs: T - 9_000, db: { readOnly: false, lagSeconds: null } }).lastWritableAtMs).toBe(T - 9_000);
    expect(admit({ seq: 2, sentAtMs: T - 5_000, state: 'FAULT', db: { readOnly: true } }).lastWritableAtMs).toBe(T - 9_000);
    expect(admit({ seq: 3, sentAtMs: T - 4_000, db: { up: false, readOnly: null } }).lastWritableAtMs).toBe(T - 9_000);
  });

  test('only the last 16 keys are kept per node', () => {
    let state: ClusterState = world({ a: null, b: null }).state;
    for (let seq = 1; seq <= 40; seq++) {
      const a = admitEvent(eventOf({ seq }), state, settings, T);
      if (a.kind === 'accepted') state = a.state;
    }
    expect(state.nodes[A.id]!.recentKeys).toHaveLength(16);
    expect(admitEvent(eventOf({ seq: 30 }), state, settings, T).kind).toBe('duplicate');
    expect(admitEvent(eventOf({ seq: 20 }), state, settings, T)).toMatchObject({ kind: 'rejected', reason: 'not-newer' });
  });
});
