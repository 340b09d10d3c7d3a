/**
 * The on-disk spool: oldest first, survives a restart, bounded by dropping heartbeats (never
 * transitions), and the batching rule that keeps transitions strictly ordered.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AgentEvent, DETAIL_TYPE } from '../../lib/events';
import { siblingTempPath } from '../../lib/fs/atomic-write';
import { memoryLog } from '../../node-agent/events/log';
import { Spool, SPOOL_DIR, spoolFileName, SpoolOrderError } from '../../node-agent/events/spool';
import { planAppend, selectBatch, SpoolKind } from '../../node-agent/events/spool-policy';

const EPOCH = 1_760_000_000_000;

function event(kind: SpoolKind, seq: number, epoch = EPOCH): AgentEvent {
  const detail = {
    schemaVersion: 1 as const,
    cluster: 'orders-db',
    nodeId: 'db-a',
    instanceId: 'i-0a1b2c3d4e5f60718',
    state: 'MASTER' as const,
    priority: 150,
    transitionAtMs: EPOCH + 5,
    sentAtMs: EPOCH + seq,
    epoch,
    seq,
    db: { up: true, readOnly: true, ioRunning: true, sqlRunning: true, gtidCurrentPos: '0-1-9', lagSeconds: 0, error: null },
    lastError: null,
  };
  return kind === 'transition' ? { detailType: DETAIL_TYPE.stateChange, detail } : { detailType: DETAIL_TYPE.heartbeat, detail };
}

const t = (seq: number) => event('transition', seq);
const h = (seq: number) => event('heartbeat', seq);
const kinds = (s: string) => [...s].map((c) => ({ kind: (c === 't' ? 'transition' : 'heartbeat') as SpoolKind, c }));

let stateDir: string;
beforeEach(() => {
  stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'eip-spool-'));
});
afterEach(() => fs.rmSync(stateDir, { recursive: true, force: true }));

const open = (maxEntries = 100, log = memoryLog()) => Spool.open(stateDir, { maxEntries, log });
const seqs = (spool: Spool) => spool.list().map((i) => i.order.seq);
const filesOnDisk = () => fs.readdirSync(path.join(stateDir, SPOOL_DIR)).sort();

describe('planAppend', () => {
  test.each([
    ['room left', 'hth', 'transition', 4, { evict: null, dropIncoming: false, overBound: false }],
    ['full: the oldest heartbeat goes', 'thth', 'transition', 4, { evict: 1, dropIncoming: false, overBound: false }],
    ['full: a heartbeat makes room for a heartbeat too', 'tthh', 'heartbeat', 4, { evict: 2, dropIncoming: false, overBound: false }],
    ['full of transitions: an incoming heartbeat is refused', 'tttt', 'heartbeat', 4, { evict: null, dropIncoming: true, overBound: false }],
    ['full of transitions: a transition is kept over the bound', 'tttt', 'transition', 4, { evict: null, dropIncoming: false, overBound: true }],
    ['already over the bound: still drops heartbeats first', 'ttttth', 'transition', 4, { evict: 5, dropIncoming: false, overBound: false }],
  ] as const)('%s', (_name, spooled, incoming, max, expected) => {
    expect(planAppend(kinds(spooled), incoming, max)).toEqual(expected);
  });
});

describe('selectBatch', () => {
  const batch = (spooled: string, max: number) => selectBatch(kinds(spooled).map((k, i) => ({ ...k, i })), max).map((k) => k.i);
  test.each([
    ['empty spool', '', 10, []],
    ['a transition at the head travels alone', 'thhh', 10, [0]],
    ['heartbeats are batched up to the next transition', 'hhhth', 10, [0, 1, 2]],
    ['and up to the batch size', 'hhhhh', 2, [0, 1]],
    ['batch size 1 sends one at a time', 'hht', 1, [0]],
  ])('%s', (_name, spooled, max, expected) => {
    expect(batch(spooled, max)).toEqual(expected);
  });
});

describe('Spool', () => {
  test('lists events oldest first and forgets accepted ones, on disk too', () => {
    const spool = open();
    [h(1), t(2), h(3)].forEach((e) => spool.append(e));
    expect(seqs(spool)).toEqual([1, 2, 3]);
    expect(spool.list().map((i) => i.kind)).toEqual(['heartbeat', 'transition', 'heartbeat']);
    expect(filesOnDisk()).toEqual([1, 2, 3].map((s) => spoolFileName({ epoch: EPOCH, seq: s }, s === 2 ? 'transition' : 'heartbeat')));
    spool.remove(spool.list().slice(0, 2));
    expect(seqs(spool)).toEqual([3]);
    expect(filesOnDisk()).toHaveLength(1);
    expect(spool.depth).toBe(1);
  });

  test('a reopened spool holds exactly what was not removed, in order, with the same content', () => {
    const first = open();
    [t(1), h(2), t(3), h(4)].forEach((e) => first.append(e));
    first.remove([first.list()[0]!]);
    const second = open();
    expect(seqs(second)).toEqual([2, 3, 4]);
    expect(second.list().map((i) => i.event)).toEqual([h(2), t(3), h(4)]);
    expect(second.newest()).toEqual({ epoch: EPOCH, seq: 4 });
  });

  test('orders across epochs: a later agent start sorts after every seq of an earlier one', () => {
    const spool = open();
    spool.append(event('transition', 900, EPOCH));
    spool.append(event('transition', 1, EPOCH + 1)); // state dir lost: seq restarted, epoch moved on
    expect(open().list().map((i) => i.order)).toEqual([
      { epoch: EPOCH, seq: 900 },
      { epoch: EPOCH + 1, seq: 1 },
    ]);
  });

  test('refuses an event that is not newer than the newest spooled one', () => {
    const spool = open();
    spool.append(t(5));
    expect(() => spool.append(h(5))).toThrow(SpoolOrderError);
    expect(() => spool.append(h(4))).toThrow(SpoolOrderError);
    expect(seqs(spool)).toEqual([5]);
  });

  test('at its bound it drops the oldest heartbeat with a warning, never a transition', () => {
    const log = memoryLog();
    const spool = open(3, log);
    [h(1), t(2), h(3), t(4)].forEach((e) => spool.append(e));
    expect(seqs(spool)).toEqual([2, 3, 4]);
    expect(spool.droppedHeartbeats).toBe(1);
    expect(log.lines).toContainEqual({
      level: 'warn',
      message: 'spool full: dropped the oldest heartbeat',
      fields: { droppedSeq: 1, droppedEpoch: EPOCH, depth: 2, maxEntries: 3, droppedHeartbeats: 1 },
    });
    [t(5), t(6)].forEach((e) => spool.append(e)); // drops h3, then goes over the bound
    expect(seqs(spool)).toEqual([2, 4, 5, 6]);
    expect(log.lines.at(-1)).toMatchObject({ level: 'warn', message: 'spool over its bound: transitions are never dropped', fields: { depth: 3, maxEntries: 3 } });
    spool.append(h(7));
    expect(seqs(spool)).toEqual([2, 4, 5, 6]);
    expect(log.lines.at(-1)).toMatchObject({ level: 'warn', message: 'spool full of transitions: heartbeat not spooled', fields: { seq: 7 } });
    expect(spool.droppedHeartbeats).toBe(3);
    expect(filesOnDisk()).toHaveLength(4);
  });

  test('the bound holds across a restart', () => {
    const first = open(3);
    [h(1), h(2), h(3)].forEach((e) => first.append(e));
    const second = open(3);
    second.append(h(4));
    expect(seqs(second)).toEqual([2, 3, 4]);
  });

  test('on open it deletes half-written temp files and moves damaged files aside', () => {
    const spool = open();
    [t(1), t(2), t(3)].forEach((e) => spool.append(e));
    const dir = path.join(stateDir, SPOOL_DIR);
    const name = (seq: number, kind: SpoolKind = 'transition') => path.join(dir, spoolFileName({ epoch: EPOCH, seq }, kind));
    fs.writeFileSync(siblingTempPath(name(4)), '{"detailType":'); // an append cut short by a crash
    fs.writeFileSync(name(2), '{"detailType": "VRRP State Change", "detail": {"seq": "x"}}');
    fs.renameSync(name(3), name(3, 'heartbeat')); // name and content disagree
    const log = memoryLog();
    const reopened = open(100, log);
    expect(seqs(reopened)).toEqual([1]);
    expect(fs.readdirSync(dir).sort()).toEqual([path.basename(name(1)), `${path.basename(name(2))}.corrupt`, `${path.basename(name(3, 'heartbeat'))}.corrupt`]);
    expect(log.lines.filter((l) => l.level === 'error')).toHaveLength(2);
  });

  test('rejects a bound that is not a positive whole number', () => {
    expect(() => open(0)).toThrow(RangeError);
    expect(() => open(2.5)).toThrow(RangeError);
  });
});
