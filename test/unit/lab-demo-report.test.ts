/** The demo report from the client's attempts and the lab journal (pure). */
import { buildReport, formatReport } from '../../lab/demo/report';
import type { JournalEntry } from '../../lab/journal';

const T0 = 1_800_000_000_000;
const journal = [
  { atMs: T0 + 3000, kind: 'event', nodeId: 'db-b', state: 'MASTER', detailType: 'VRRP State Change', transitionAtMs: T0 + 2990, acceptedAtMs: T0 + 3005 },
  { atMs: T0 + 3020, kind: 'decision', decision: 'associate' },
  { atMs: T0 + 3070, kind: 'eip-moved', from: 'db-a', to: 'db-b' },
] as unknown as JournalEntry[];

const report = (attempts: Parameters<typeof buildReport>[0]['attempts'], presentIds: number[]) =>
  buildReport({ fault: 'power-off', failedNode: 'db-a', attempts, journal, faultAtMs: T0, presentIds: new Set(presentIds), newWriter: 'db-b', propagationDelayMs: 0, semiSync: true });

test('acknowledged ids missing on the new writer are lost; in-doubt ids are listed apart and never count as lost', () => {
  const r = report(
    [
      { id: 1, ok: true, atMs: T0 - 100 },
      { id: 2, ok: true, atMs: T0 - 50 },
      { id: 3, ok: false, atMs: T0 + 10, error: 'PROTOCOL_CONNECTION_LOST', inDoubt: true },
      { id: 4, ok: false, atMs: T0 + 600, error: 'ETIMEDOUT' },
      { id: 4, ok: true, atMs: T0 + 3900 },
    ],
    [1, 4],
  );
  expect(r).toMatchObject({ ackedWrites: 3, lostAckedWrites: 1, lostAckedIds: [2], inDoubtIds: [3], eipMoves: 1, downtimeMs: 3950, transitionToEipMovedMs: 80 });
  expect(formatReport(r)).toContain('in doubt (sent, answer lost): 1, ids 3; not acknowledged');
});

test('no in-doubt line when every attempt had a definite answer', () => {
  const r = report([{ id: 1, ok: true, atMs: T0 - 10 }, { id: 2, ok: true, atMs: T0 + 3500 }], [1, 2]);
  expect(r.inDoubtIds).toEqual([]);
  expect(formatReport(r)).not.toContain('in doubt');
});
