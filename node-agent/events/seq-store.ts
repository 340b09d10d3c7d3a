/**
 * The node's event counter: epoch (once per agent start) and seq (once per event), kept in the
 * state dir so both keep growing across restarts. The file holds a ceiling: no seq above it has
 * been handed out. It is raised a block at a time, on disk before any seq under it is used, so a
 * restart (or a power loss) skips at most one block and never reuses a number, at one durable
 * write per block instead of one per event.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import type { EventOrder } from '../../lib/events/order';
import { writeFileAtomicSync } from './atomic-file';
import type { EventsLog } from './log';

export const SEQUENCE_FILE = 'sequence.json';

/** seq is the ceiling: every seq handed out so far is at most this. */
const StoredSchema = z.strictObject({ version: z.literal(1), epoch: z.int().min(1), seq: z.int().min(0) });
type Stored = z.output<typeof StoredSchema>;

/**
 * Where a new agent start resumes. epoch is the start time in ms, raised above every epoch seen
 * before (a clock that went back cannot reuse one), so it grows even if the file is lost with the
 * disk. seq continues from the larger of the file and the spool (the file alone may be lost).
 */
export function resumeSequence(stored: EventOrder | undefined, spooled: EventOrder | undefined, nowMs: number): EventOrder {
  const epoch = Math.max(Math.floor(nowMs), (stored?.epoch ?? 0) + 1, (spooled?.epoch ?? 0) + 1);
  const seq = Math.max(stored?.seq ?? 0, spooled?.seq ?? 0);
  return { epoch, seq };
}

export const DEFAULT_SEQ_BLOCK = 100;

export interface SeqStoreOptions {
  /** The newest event still in the spool, if any. */
  readonly spooled?: EventOrder;
  /** Sequence numbers reserved per durable write (1: write at every event). */
  readonly block?: number;
  readonly now?: () => number;
  readonly log: EventsLog;
}

export class SeqStore {
  private seq: number;
  private ceiling: number;

  private constructor(
    private readonly file: string,
    readonly epoch: number,
    seq: number,
    private readonly block: number,
  ) {
    this.seq = seq;
    this.ceiling = seq;
  }

  /** Starts a new epoch: reads the file, resumes, and writes the new epoch before returning. */
  static open(stateDir: string, options: SeqStoreOptions): SeqStore {
    fs.mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    const file = path.join(stateDir, SEQUENCE_FILE);
    const stored = readStored(file, options.log);
    const resumed = resumeSequence(stored, options.spooled, (options.now ?? Date.now)());
    const block = options.block ?? DEFAULT_SEQ_BLOCK;
    if (!Number.isInteger(block) || block < 1) throw new RangeError(`seq block must be a whole number >= 1, got ${block}`);
    const store = new SeqStore(file, resumed.epoch, resumed.seq, block);
    store.persist();
    options.log.info('event sequence resumed', { epoch: resumed.epoch, lastSeq: resumed.seq, file });
    return store;
  }

  get lastSeq(): number {
    return this.seq;
  }

  /** The next (epoch, seq); the file already covers it. */
  next(): EventOrder {
    this.seq += 1;
    if (this.seq > this.ceiling) {
      this.ceiling = this.seq + this.block - 1;
      this.persist();
    }
    return { epoch: this.epoch, seq: this.seq };
  }

  private persist(): void {
    const stored: Stored = { version: 1, epoch: this.epoch, seq: this.ceiling };
    writeFileAtomicSync(this.file, `${JSON.stringify(stored)}\n`);
  }
}

function readStored(file: string, log: EventsLog): Stored | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    return StoredSchema.parse(JSON.parse(text));
  } catch {
    // Only an outside hand can damage it (writes are atomic): resume from the spool and the clock.
    log.warn('sequence file is unreadable; resuming from the spool and the clock', { file, content: text.slice(0, 200) });
    return undefined;
  }
}
