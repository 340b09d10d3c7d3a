/**
 * The event counter: epoch grows at every start (even with a lost file or a clock that went back),
 * seq grows with every event and continues across restarts, and every value is on disk before use.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { memoryLog } from '../../node-agent/events/log';
import { DEFAULT_SEQ_BLOCK, resumeSequence, SEQUENCE_FILE, SeqStore } from '../../node-agent/events/seq-store';

let stateDir: string;
beforeEach(() => {
  stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'eip-seq-'));
});
afterEach(() => fs.rmSync(stateDir, { recursive: true, force: true }));

const onDisk = () => JSON.parse(fs.readFileSync(path.join(stateDir, SEQUENCE_FILE), 'utf8')) as unknown;

describe('resumeSequence', () => {
  test.each([
    ['first start ever: the clock', undefined, undefined, 5000, { epoch: 5000, seq: 0 }],
    ['a normal restart: the clock, seq kept', { epoch: 4000, seq: 17 }, undefined, 5000, { epoch: 5000, seq: 17 }],
    ['the clock went back: one above the stored epoch', { epoch: 9000, seq: 17 }, undefined, 5000, { epoch: 9001, seq: 17 }],
    ['file lost, spool kept: continue from the spool', undefined, { epoch: 4000, seq: 30 }, 5000, { epoch: 5000, seq: 30 }],
    ['spool newer than the file (old file restored)', { epoch: 3000, seq: 5 }, { epoch: 4000, seq: 30 }, 3500, { epoch: 4001, seq: 30 }],
    ['fractional clock', undefined, undefined, 5000.7, { epoch: 5000, seq: 0 }],
  ])('%s', (_name, stored, spooled, now, expected) => {
    expect(resumeSequence(stored, spooled, now)).toEqual(expected);
  });
});

describe('SeqStore', () => {
  test('hands out 1, 2, 3 in one epoch, each covered by the file before it is returned', () => {
    const store = SeqStore.open(stateDir, { now: () => 1_000_000, block: 1, log: memoryLog() });
    expect(store.epoch).toBe(1_000_000);
    expect(onDisk()).toEqual({ version: 1, epoch: 1_000_000, seq: 0 });
    expect(store.next()).toEqual({ epoch: 1_000_000, seq: 1 });
    expect(onDisk()).toEqual({ version: 1, epoch: 1_000_000, seq: 1 });
    expect(store.next()).toEqual({ epoch: 1_000_000, seq: 2 });
    expect(store.next()).toEqual({ epoch: 1_000_000, seq: 3 });
    expect(store.lastSeq).toBe(3);
    expect(onDisk()).toEqual({ version: 1, epoch: 1_000_000, seq: 3 });
    expect(fs.readdirSync(stateDir)).toEqual([SEQUENCE_FILE]); // no temp file left behind
  });

  test('reserves a block at a time: the file holds a ceiling no handed-out seq exceeds', () => {
    const store = SeqStore.open(stateDir, { now: () => 1000, block: 3, log: memoryLog() });
    const ceilings = [1, 2, 3, 4, 5, 6, 7].map((expected) => {
      expect(store.next().seq).toBe(expected);
      return (onDisk() as { seq: number }).seq;
    });
    expect(ceilings).toEqual([3, 3, 3, 6, 6, 6, 9]);
  });

  test('a restart continues above the ceiling in a new, larger epoch, even when the clock went back', () => {
    const first = SeqStore.open(stateDir, { now: () => 2_000_000, log: memoryLog() });
    first.next();
    first.next();
    const second = SeqStore.open(stateDir, { now: () => 1_000_000, log: memoryLog() });
    expect(second.epoch).toBe(2_000_001);
    expect(second.next()).toEqual({ epoch: 2_000_001, seq: DEFAULT_SEQ_BLOCK + 1 });
    const third = SeqStore.open(stateDir, { now: () => 3_000_000, block: 1, log: memoryLog() });
    expect(third.next()).toEqual({ epoch: 3_000_000, seq: 2 * DEFAULT_SEQ_BLOCK + 1 });
  });

  test('a restart that sends nothing still moves the epoch on', () => {
    const epochs = [1, 2, 3].map(() => SeqStore.open(stateDir, { now: () => 500, log: memoryLog() }).epoch);
    expect(epochs).toEqual([500, 501, 502]);
  });

  test('with the file deleted, seq continues from the spool', () => {
    SeqStore.open(stateDir, { now: () => 1000, log: memoryLog() }).next();
    fs.rmSync(path.join(stateDir, SEQUENCE_FILE));
    const store = SeqStore.open(stateDir, { spooled: { epoch: 1000, seq: 41 }, now: () => 2000, log: memoryLog() });
    expect(store.next()).toEqual({ epoch: 2000, seq: 42 });
  });

  test('a damaged file is reported and the store resumes from the spool and the clock', () => {
    fs.writeFileSync(path.join(stateDir, SEQUENCE_FILE), '{"version":1,"epoch":');
    const log = memoryLog();
    const store = SeqStore.open(stateDir, { spooled: { epoch: 900, seq: 7 }, now: () => 1000, block: 1, log });
    expect(store.next()).toEqual({ epoch: 1000, seq: 8 });
    expect(log.lines).toContainEqual(expect.objectContaining({ level: 'warn', message: expect.stringMatching(/sequence file is unreadable/) }));
    expect(onDisk()).toEqual({ version: 1, epoch: 1000, seq: 8 });
  });

  test('rejects a block that is not a positive whole number', () => {
    expect(() => SeqStore.open(stateDir, { block: 0, log: memoryLog() })).toThrow(RangeError);
  });

  test('creates a missing state dir, private to the agent', () => {
    const nested = path.join(stateDir, 'a', 'b');
    SeqStore.open(nested, { now: () => 1000, log: memoryLog() });
    expect(fs.statSync(nested).mode & 0o777).toBe(0o700);
    expect(fs.statSync(path.join(nested, SEQUENCE_FILE)).mode & 0o777).toBe(0o600);
  });
});
