/** eipctl status rendering and eipctl history, from fixed inputs. */
import { controllerView, historyFromJournal, historyFromState, movesFromJournal, renderHistory } from '../../eipctl/core/history';
import { ago, renderStatus } from '../../eipctl/core/status-table';
import { EMPTY_STATE, type ClusterState } from '../../lambda/failover/core/types';
import { NOW, pair } from './eipctl-fixtures';

const RED = '\x1b[1;31m';
const ESC = String.fromCharCode(27);
const plain = (s: string) => s.split(ESC).map((part, i) => (i === 0 ? part : part.replace(/^\[[0-9;]*m/, ''))).join('');

describe('eipctl status', () => {
  test('plain text off a terminal: the EIP, one row per node, the moves and the alarms', () => {
    const text = renderStatus(pair({ view: { lastMoves: [{ atMs: NOW - 90_000, from: 'db-b', to: 'db-a', reason: 'holder-unhealthy', tookMs: 71 }], alarms: [] } }), { color: false, nowMs: NOW });
    expect(text).not.toContain(ESC);
    const lines = text.split('\n');
    expect(lines[0]).toBe('orders-db (lab t)  EIP 203.0.113.10 → db-a');
    expect(lines[1]).toMatch(/^NODE +VRRP +DB +READ_ONLY +REPLICATION +LAG +GTID +AGENT +FENCING \/ NOTES$/);
    expect(lines[2]).toMatch(/^db-a +MASTER +writer +OFF +io yes sql yes +- +0-1-100 +up +already-writable$/);
    expect(lines[3]).toMatch(/^db-b +BACKUP +replica +ON +io yes sql yes +0\.20 s +0-1-100 +up +vrrp-not-master$/);
    // Columns line up: every row starts its VRRP column at the same offset.
    expect(new Set(lines.slice(1, 4).map((l) => l.search(/MASTER|BACKUP|VRRP/))).size).toBe(1);
    expect(text).toContain('controller: 1 move, last 60 s ago');
    expect(text).toMatch(/db-b → db-a {2}holder-unhealthy, confirmed in 71 ms/);
    expect(text).toContain('alarms: none in ALARM');
  });

  test('on a terminal, what is wrong is red: a writable non-holder, a stopped SQL thread, alarms, no EIP', () => {
    const text = renderStatus(
      pair({ b: { db: { readOnly: false, sqlRunning: false } }, view: { alarms: [{ name: 'eip-failover orders-db critical: NoWriter', reason: 'Threshold Crossed', sinceMs: NOW - 5000 }] } }),
      { color: true, nowMs: NOW },
    );
    expect(text).toContain(`${RED}writer`);
    expect(text).toContain(`${RED}io yes sql NO`);
    expect(text).toContain(`${RED}eip-failover orders-db critical: NoWriter`);
    expect(plain(text)).toMatch(/alarms in ALARM \(1\):/);
    const none = renderStatus(pair({ view: { eip: { publicIp: '203.0.113.10', holder: null, foreign: null } } }), { color: true, nowMs: NOW });
    expect(none.split('\n')[0]).toContain(`${RED}NOT ASSOCIATED`);
  });

  test('an unreachable node says why; the lab says it has no alarms to read', () => {
    const text = renderStatus(pair({ b: { reachable: false, problem: 'SSM Undeliverable' } }), { color: false, nowMs: NOW });
    expect(text).toMatch(/db-b +\? +unreachable: SSM Undeliverable/);
    expect(text).toContain('alarms: none to read here');
  });

  test('ago', () => {
    expect(ago(NOW - 5_000, NOW)).toBe('5 s ago');
    expect(ago(NOW - 600_000, NOW)).toBe('10 min ago');
    expect(ago(NOW - 3 * 3_600_000, NOW)).toBe('3 h ago');
    expect(ago(NOW - 3 * 86_400_000, NOW)).toBe('3 d ago');
  });
});

describe('eipctl history', () => {
  const journal = [
    { atMs: 1000, kind: 'fault', fault: 'power-off', node: 'db-a' },
    { atMs: 1100, kind: 'decision', decision: 'none', reason: 'holder-healthy' },
    { atMs: 4700, kind: 'event', detailType: 'VRRP State Change', nodeId: 'db-b', state: 'MASTER', dbUp: true },
    { atMs: 4710, kind: 'event', detailType: 'VRRP Heartbeat', nodeId: 'db-b', state: 'MASTER', dbUp: true },
    { atMs: 4720, kind: 'decision', decision: 'associate', reason: 'holder-unhealthy' },
    { atMs: 4790, kind: 'eip-moved', from: 'db-a', to: 'db-b' },
    { atMs: 4800, kind: 'move-confirmed', to: 'db-b', tookMs: 80 },
    { atMs: 5000, kind: 'decision', decision: 'none', reason: 'no-healthy-writer' },
    { atMs: 5100, kind: 'decision', decision: 'none', reason: 'no-healthy-writer' },
    { atMs: 5200, kind: 'decision', decision: 'none', reason: 'no-healthy-writer' },
    { atMs: 6000, kind: 'switchover', from: 'db-b', to: 'db-a', outcome: 'switched', reason: null, downtimeMs: 240 },
  ];

  test('from the lab journal: moves with the decision reason and the confirm time, routine entries dropped, repeats folded', () => {
    const h = historyFromJournal(journal, 20);
    expect(h.map((e) => [e.kind, e.summary, e.reason, e.tookMs, e.repeated])).toEqual([
      ['fault', 'fault injected: power-off on db-a', null, null, 1],
      ['transition', 'db-b entered MASTER', null, null, 1],
      ['move', 'EIP moved db-a → db-b', 'holder-unhealthy', 80, 1],
      ['decision', 'controller: none', 'no-healthy-writer', null, 3],
      ['switchover', 'eipctl switchover db-b → db-a: switched, write downtime 240 ms', null, null, 1],
    ]);
    expect(historyFromJournal(journal, 2).map((e) => e.kind)).toEqual(['decision', 'switchover']);
    expect(movesFromJournal(journal, 5)).toEqual([{ atMs: 4790, from: 'db-a', to: 'db-b', reason: 'holder-unhealthy', tookMs: 80 }]);
    const text = renderHistory(h, 'lab journal j');
    expect(text).toContain('1970-01-01 00:00:04Z  move        EIP moved db-a → db-b  (holder-unhealthy, 80 ms)');
    expect(text).toContain('(no-healthy-writer, ×3)');
    expect(text.split('\n').at(-1)).toBe('(lab journal j)');
  });

  const state: ClusterState = {
    ...EMPTY_STATE,
    holder: { nodeId: 'db-b', sinceMs: 4790 },
    lastMoveAtMs: 4790,
    moveCount: 7,
    failedMove: { moveId: 'm', targetNodeId: 'db-a', atMs: 3000, error: 'UnauthorizedOperation' },
    alerts: { splitBrain: { sinceMs: 2000, notified: true } },
    pendingMove: { moveId: 'p', targetNodeId: 'db-a', fromNodeId: 'db-b', reason: 'reclaim', startedAtMs: 9000, leaseUntilMs: 10_000 },
  };

  test('from the controller state (AWS): the latest move, the failed one, alerts, in time order', () => {
    const h = historyFromState(state, 20);
    expect(h.map((e) => e.summary)).toEqual(['alert: splitBrain (notified)', 'move to db-a FAILED', 'EIP moved to db-b (move 7 in total)', 'move in progress db-b → db-a']);
    expect(historyFromState(null, 5)).toEqual([]);
  });

  test('controller view: a claim past its lease is no move in progress', () => {
    expect(controllerView(state, 9_500)).toMatchObject({ moveCount: 7, pendingMove: expect.stringMatching(/^db-b → db-a \(reclaim\)/), failedMove: expect.stringMatching(/^to db-a at .*UnauthorizedOperation/), alerts: [expect.stringMatching(/^splitBrain since/)] });
    expect(controllerView(state, 10_000)!.pendingMove).toBeNull();
  });
});
