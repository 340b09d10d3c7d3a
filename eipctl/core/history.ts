/**
 * `eipctl history`: the controller's decisions and the EIP's moves, newest last. Pure: from the
 * lab's journal, or from the controller's state item (AWS keeps only the latest of each there).
 */
import type { ClusterState } from '../../lambda/failover/core/types';
import { utc } from './status-table';
import type { ControllerView, MoveRecord } from './view';

export type HistoryKind = 'move' | 'decision' | 'transition' | 'fault' | 'heal' | 'switchover' | 'error' | 'report';

export interface HistoryEntry {
  readonly atMs: number;
  readonly kind: HistoryKind;
  /** One line a person reads. */
  readonly summary: string;
  readonly reason: string | null;
  /** How long it took (a move: decision to confirmed), when known. */
  readonly tookMs: number | null;
  /** This many identical entries in a row were folded into this one (the first's time is kept). */
  readonly repeated: number;
}

/** The journal's entries, as lab/journal.ts writes them. */
export interface JournalLike {
  readonly atMs: number;
  readonly kind: string;
  readonly [field: string]: unknown;
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' ? v : null);

/** Decisions that only say "nothing to do" are routine; everything else is history. */
const ROUTINE_DECISIONS = new Set(['none:holder-healthy', 'duplicate:null']);

/** The move journaled at `all[i]` (an 'eip-moved'), with the reason of the decision before it and the confirmation after it. */
function moveAt(all: readonly JournalLike[], i: number): MoveRecord {
  const e = all[i]!;
  const decision = all.slice(0, i).reverse().find((d) => d.kind === 'decision' && d.decision === 'associate');
  const confirmed = all.slice(i).find((d) => d.kind === 'move-confirmed' && d.to === e.to);
  return { atMs: e.atMs, from: str(e.from), to: str(e.to) ?? '?', reason: str(decision?.reason), tookMs: num(confirmed?.tookMs) };
}

/** The last `limit` EIP moves in the journal, newest last. */
export function movesFromJournal(journal: readonly JournalLike[], limit: number): MoveRecord[] {
  return journal.flatMap((e, i) => (e.kind === 'eip-moved' ? [moveAt(journal, i)] : [])).slice(-limit);
}

function fromJournalEntry(e: JournalLike, all: readonly JournalLike[], i: number): Omit<HistoryEntry, 'repeated'> | null {
  const base = { atMs: e.atMs, reason: null, tookMs: null };
  switch (e.kind) {
    case 'eip-moved': {
      const m = moveAt(all, i);
      return { ...base, kind: 'move', summary: `EIP moved ${m.from ?? '(none)'} → ${m.to}`, reason: m.reason, tookMs: m.tookMs };
    }
    case 'decision': {
      const key = `${str(e.decision)}:${str(e.reason)}`;
      if (ROUTINE_DECISIONS.has(key) || e.decision === 'associate') return null; // an associate shows as its move
      return { ...base, kind: 'decision', summary: `controller: ${str(e.decision)}`, reason: str(e.reason) };
    }
    case 'event':
      if (e.detailType !== 'VRRP State Change') return null;
      return { ...base, kind: 'transition', summary: `${str(e.nodeId) ?? '?'} entered ${str(e.state) ?? '?'}`, reason: e.dbUp === false ? 'database down' : null };
    case 'fault':
      return { ...base, kind: 'fault', summary: `fault injected: ${str(e.fault)}${e.node ? ` on ${str(e.node)}` : ''}` };
    case 'heal':
      return { ...base, kind: 'heal', summary: 'healed' };
    case 'switchover':
      return {
        ...base,
        kind: 'switchover',
        summary: `eipctl switchover ${str(e.from)} → ${str(e.to)}: ${str(e.outcome)}${num(e.downtimeMs) === null ? '' : `, write downtime ${num(e.downtimeMs)} ms`}`,
        reason: str(e.reason),
      };
    case 'invocation-failed':
    case 'controller-error':
      return { ...base, kind: 'error', summary: `controller ${e.kind === 'invocation-failed' ? 'invocation failed' : 'error'}`, reason: str(e.error) ?? str(e.message) };
    case 'ec2-throttled':
      return { ...base, kind: 'error', summary: `EC2 throttled ${str(e.call)}` };
    default:
      return null;
  }
}

/** Folds runs of identical entries (a "no healthy writer" on every event of an outage) into one. */
function fold(entries: Array<Omit<HistoryEntry, 'repeated'>>): HistoryEntry[] {
  const out: HistoryEntry[] = [];
  for (const e of entries) {
    const last = out.at(-1);
    if (last && last.kind === e.kind && last.summary === e.summary && last.reason === e.reason) out[out.length - 1] = { ...last, repeated: last.repeated + 1 };
    else out.push({ ...e, repeated: 1 });
  }
  return out;
}

export function historyFromJournal(journal: readonly JournalLike[], limit: number): HistoryEntry[] {
  const entries = journal.map((e, i) => fromJournalEntry(e, journal, i)).filter((e): e is Omit<HistoryEntry, 'repeated'> => e !== null);
  return fold(entries).slice(-limit);
}

/** What the controller's state item holds: the latest move, a failed move, alerts, each node's latest report. */
export function historyFromState(state: ClusterState | null, limit: number): HistoryEntry[] {
  if (!state) return [];
  const entries: Array<Omit<HistoryEntry, 'repeated'>> = [];
  const none = { reason: null, tookMs: null };
  if (state.holder && state.lastMoveAtMs !== null) {
    entries.push({ ...none, atMs: state.lastMoveAtMs, kind: 'move', summary: `EIP moved to ${state.holder.nodeId} (move ${state.moveCount} in total)` });
  }
  if (state.pendingMove) {
    const p = state.pendingMove;
    entries.push({ ...none, atMs: p.startedAtMs, kind: 'decision', summary: `move in progress ${p.fromNodeId ?? '(none)'} → ${p.targetNodeId}`, reason: p.reason });
  }
  if (state.failedMove) entries.push({ ...none, atMs: state.failedMove.atMs, kind: 'error', summary: `move to ${state.failedMove.targetNodeId} FAILED`, reason: state.failedMove.error });
  for (const [kind, alert] of Object.entries(state.alerts)) {
    if (alert) entries.push({ ...none, atMs: alert.sinceMs, kind: 'decision', summary: `alert: ${kind}${alert.notified ? ' (notified)' : ''}` });
  }
  for (const [id, n] of Object.entries(state.nodes)) {
    const r = n.report;
    if (r.transitionAtMs !== null) entries.push({ ...none, atMs: r.transitionAtMs, kind: 'transition', summary: `${id} entered ${r.state} (its latest transition)` });
    entries.push({ ...none, atMs: r.sentAtMs, kind: 'report', summary: `${id} latest report: ${r.state}, database ${r.db.up ? (r.db.readOnly ? 'read-only' : 'writable') : 'down'}`, reason: r.lastError });
  }
  return fold(entries.sort((a, b) => a.atMs - b.atMs)).slice(-limit);
}

export function renderHistory(entries: readonly HistoryEntry[], source: string): string {
  if (entries.length === 0) return `no history recorded (${source})`;
  const lines = entries.map((e) => {
    const extra = [e.reason, e.tookMs === null ? null : `${e.tookMs} ms`, e.repeated > 1 ? `×${e.repeated}` : null].filter(Boolean).join(', ');
    return `${utc(e.atMs)}  ${e.kind.padEnd(10)}  ${e.summary}${extra ? `  (${extra})` : ''}`;
  });
  return [...lines, `(${source})`].join('\n');
}

/** The controller's state item, as the status shows it. */
export function controllerView(state: ClusterState | null, nowMs: number): ControllerView | null {
  if (!state) return null;
  // A claim past its lease is void (its invocation ended without releasing it).
  const p = state.pendingMove && state.pendingMove.leaseUntilMs > nowMs ? state.pendingMove : null;
  const f = state.failedMove;
  return {
    moveCount: state.moveCount,
    lastMoveAtMs: state.lastMoveAtMs,
    pendingMove: p ? `${p.fromNodeId ?? '(none)'} → ${p.targetNodeId} (${p.reason}), lease until ${utc(p.leaseUntilMs)}` : null,
    failedMove: f ? `to ${f.targetNodeId} at ${utc(f.atMs)}: ${f.error}` : null,
    alerts: Object.entries(state.alerts)
      .filter(([, a]) => a)
      .map(([kind, a]) => `${kind} since ${utc(a!.sinceMs)}`),
  };
}

/** The state item knows only the latest move (and its holder). */
export function movesFromState(state: ClusterState | null): MoveRecord[] {
  if (!state?.holder || state.lastMoveAtMs === null) return [];
  return [{ atMs: state.lastMoveAtMs, from: null, to: state.holder.nodeId, reason: null, tookMs: null }];
}
