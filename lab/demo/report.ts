/** Turns the client's attempts and the lab journal into the demo report (stages in ms after the fault). */
import type { JournalEntry } from '../journal';
import type { WriteAttempt } from './writer-client';

export interface DemoReport {
  readonly fault: string;
  readonly failedNode: string;
  readonly newWriter: string | null;
  readonly faultAtMs: number;
  readonly downtimeMs: number | null;
  readonly ackedWrites: number;
  readonly lostAckedWrites: number;
  readonly lostAckedIds: number[];
  /** Ids whose INSERT went out but whose answer was lost (the commit is in doubt: see docs/mysql.md). */
  readonly inDoubtIds: number[];
  readonly eipMoves: number;
  readonly eipPropagationDelayMs: number;
  readonly semiSync: boolean;
  /** ms after the fault; null when it did not happen. */
  readonly stages: {
    readonly fault: 0;
    readonly lastAckBeforeFault: number | null;
    readonly vrrpTransition: number | null;
    readonly eventReceived: number | null;
    readonly decision: number | null;
    readonly eipMoved: number | null;
    readonly firstSuccessfulWrite: number | null;
  };
  /** VRRP transition (new MASTER) to EIP moved. */
  readonly transitionToEipMovedMs: number | null;
}

export function buildReport(o: {
  fault: string;
  failedNode: string;
  attempts: readonly WriteAttempt[];
  journal: readonly JournalEntry[];
  faultAtMs: number;
  presentIds: ReadonlySet<number>;
  newWriter: string | null;
  propagationDelayMs: number;
  semiSync: boolean;
}): DemoReport {
  const t0 = o.faultAtMs;
  const rel = (ms: number | null | undefined) => (ms === null || ms === undefined ? null : ms - t0);
  const acked = o.attempts.filter((a) => a.ok);
  const lastBefore = acked.filter((a) => a.atMs <= t0).at(-1);
  const after = o.journal.filter((e) => e.atMs >= t0);
  const master = after.find((e) => e.kind === 'event' && e.nodeId !== o.failedNode && e.state === 'MASTER' && e.detailType === 'VRRP State Change');
  const decision = after.find((e) => e.kind === 'decision' && e.decision === 'associate');
  const moved = after.find((e) => e.kind === 'eip-moved');
  // Writes are back once they reach the new writer: after the EIP moved (a gracefully stopped
  // writer keeps acknowledging until its agent fences it).
  const firstAfter = acked.find((a) => a.atMs > (moved?.atMs ?? t0));
  const window = acked.filter((a) => lastBefore && firstAfter && a.atMs >= lastBefore.atMs && a.atMs <= firstAfter.atMs);
  const longestGap = window.slice(1).reduce((gap, a, i) => Math.max(gap, a.atMs - window[i]!.atMs), 0);
  const lost = acked.map((a) => a.id).filter((id) => !o.presentIds.has(id));
  const transitionAt = (master?.transitionAtMs as number | null | undefined) ?? null;
  return {
    fault: o.fault,
    failedNode: o.failedNode,
    newWriter: o.newWriter,
    faultAtMs: t0,
    downtimeMs: lastBefore && firstAfter ? longestGap : null,
    ackedWrites: acked.length,
    lostAckedWrites: lost.length,
    lostAckedIds: lost.slice(0, 50),
    inDoubtIds: o.attempts.filter((a) => a.inDoubt).map((a) => a.id),
    eipMoves: after.filter((e) => e.kind === 'eip-moved').length,
    eipPropagationDelayMs: o.propagationDelayMs,
    semiSync: o.semiSync,
    stages: {
      fault: 0,
      lastAckBeforeFault: rel(lastBefore?.atMs),
      vrrpTransition: rel(transitionAt),
      eventReceived: rel(master?.acceptedAtMs as number | undefined),
      decision: rel(decision?.atMs),
      eipMoved: rel(moved?.atMs),
      firstSuccessfulWrite: rel(firstAfter?.atMs),
    },
    transitionToEipMovedMs: transitionAt !== null && moved ? moved.atMs - transitionAt : null,
  };
}

const STAGE_TEXT: Record<keyof DemoReport['stages'], string> = {
  lastAckBeforeFault: 'last acknowledged write before the fault',
  fault: 'FAULT injected',
  vrrpTransition: 'VRRP: the peer entered MASTER',
  eventReceived: 'the cloud received the MASTER event',
  decision: 'the controller decided to move the EIP',
  eipMoved: 'the EIP moved (nft map swapped, flows dropped)',
  firstSuccessfulWrite: 'first acknowledged write after the EIP moved',
};

export function formatReport(r: DemoReport): string {
  const rows = (Object.entries(r.stages) as Array<[keyof DemoReport['stages'], number | null]>)
    .sort((a, b) => (a[1] ?? Infinity) - (b[1] ?? Infinity))
    .map(([k, v]) => `  ${v === null ? '     (never)' : `${v >= 0 ? '+' : ''}${(v / 1000).toFixed(3).padStart(8)} s`}  ${STAGE_TEXT[k]}`);
  return [
    `fault: ${r.fault} on ${r.failedNode} (the writer); new writer: ${r.newWriter ?? 'none'}`,
    ...rows,
    `client-observed downtime (longest gap between acknowledged writes): ${r.downtimeMs === null ? 'n/a' : `${r.downtimeMs} ms`}`,
    `acknowledged writes: ${r.ackedWrites}; lost acknowledged writes: ${r.lostAckedWrites}${r.lostAckedWrites ? ` (ids ${r.lostAckedIds.join(', ')})` : ''} (${r.semiSync ? 'semi-sync' : 'async'})`,
    ...(r.inDoubtIds.length ? [`in doubt (sent, answer lost): ${r.inDoubtIds.length}, ids ${r.inDoubtIds.join(', ')}; not acknowledged, so either outcome is correct`] : []),
    `EIP moves: ${r.eipMoves}; VRRP transition → EIP moved: ${r.transitionToEipMovedMs ?? 'n/a'} ms; EIP propagation delay: ${r.eipPropagationDelayMs} ms`,
  ].join('\n');
}
