/**
 * The on-disk outbound queue. Every event is written here before it is sent (write-ahead) and
 * removed once PutEvents accepts it, so a restart resends whatever was not yet accepted.
 * One file per event, named by (epoch, seq): appending is a durable create, acknowledging an
 * unlink, and sorting the names restores the order; nothing is ever rewritten or compacted.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { EventOrder } from '../../lib/events/order';
import { compareEventOrder } from '../../lib/events/order';
import { AgentEvent, DETAIL_SCHEMAS, DETAIL_TYPES, isTransition } from '../../lib/events/schema';
import { TEMP_SUFFIX, writeFileAtomicSync } from './atomic-file';
import type { EventsLog } from './log';
import { planAppend, SpoolKind } from './spool-policy';

export const SPOOL_DIR = 'spool';
/** About 8 hours of heartbeats at the default 15 s, a few MB of disk. */
export const DEFAULT_SPOOL_MAX_ENTRIES = 2000;

export interface SpoolItem {
  readonly name: string;
  readonly order: EventOrder;
  readonly kind: SpoolKind;
  readonly event: AgentEvent;
}

export interface SpoolOptions {
  /** Bound on spooled events; reached, heartbeats are dropped (never transitions). */
  readonly maxEntries: number;
  readonly log: EventsLog;
}

export class SpoolOrderError extends Error {
  override readonly name = 'SpoolOrderError';
}

const NAME = /^(\d{16})-(\d{16})-([th])\.json$/;
const pad = (n: number) => String(n).padStart(16, '0');

export function spoolFileName(order: EventOrder, kind: SpoolKind): string {
  return `${pad(order.epoch)}-${pad(order.seq)}-${kind === 'transition' ? 't' : 'h'}.json`;
}

export class Spool {
  private items: SpoolItem[];
  private dropped = 0;

  private constructor(
    private readonly dir: string,
    private readonly options: SpoolOptions,
    items: SpoolItem[],
  ) {
    this.items = items;
  }

  /** Opens (creating if needed) `<stateDir>/spool` and loads what a previous run left. */
  static open(stateDir: string, options: SpoolOptions): Spool {
    if (!Number.isInteger(options.maxEntries) || options.maxEntries < 1) {
      throw new RangeError(`spool maxEntries must be a whole number >= 1, got ${options.maxEntries}`);
    }
    const dir = path.join(stateDir, SPOOL_DIR);
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const items = loadItems(dir, options.log);
    if (items.length > 0) options.log.info('spool holds events from a previous run', { depth: items.length, dir });
    return new Spool(dir, options, items);
  }

  get depth(): number {
    return this.items.length;
  }

  get droppedHeartbeats(): number {
    return this.dropped;
  }

  /** Oldest first. */
  list(): readonly SpoolItem[] {
    return this.items;
  }

  newest(): EventOrder | undefined {
    return this.items.at(-1)?.order;
  }

  has(item: SpoolItem): boolean {
    return this.items.includes(item);
  }

  /** Durably stores the event (synchronous: on disk when it returns), applying the bound. */
  append(event: AgentEvent): void {
    const order = { epoch: event.detail.epoch, seq: event.detail.seq };
    const tail = this.newest();
    if (tail && compareEventOrder(order, tail) <= 0) {
      throw new SpoolOrderError(`event ${fmt(order)} is not newer than the spool's newest ${fmt(tail)}`);
    }
    const kind: SpoolKind = isTransition(event) ? 'transition' : 'heartbeat';
    const plan = planAppend(this.items, kind, this.options.maxEntries);
    if (plan.evict !== null) this.dropHeartbeat(this.items[plan.evict]!);
    if (plan.dropIncoming) {
      this.dropped += 1;
      this.options.log.warn('spool full of transitions: heartbeat not spooled', { seq: order.seq, ...this.counts() });
      return;
    }
    if (plan.overBound) {
      this.options.log.warn('spool over its bound: transitions are never dropped', { seq: order.seq, ...this.counts() });
    }
    const name = spoolFileName(order, kind);
    writeFileAtomicSync(path.join(this.dir, name), JSON.stringify(event));
    this.items.push({ name, order, kind, event });
  }

  /** Forgets accepted events. Not fsynced: a file that comes back after a crash is only resent. */
  remove(done: readonly SpoolItem[]): void {
    for (const item of done) unlinkIfPresent(path.join(this.dir, item.name));
    this.items = this.items.filter((i) => !done.includes(i));
  }

  private dropHeartbeat(item: SpoolItem): void {
    unlinkIfPresent(path.join(this.dir, item.name));
    this.items = this.items.filter((i) => i !== item);
    this.dropped += 1;
    this.options.log.warn('spool full: dropped the oldest heartbeat', { droppedSeq: item.order.seq, droppedEpoch: item.order.epoch, ...this.counts() });
  }

  private counts() {
    return { depth: this.items.length, maxEntries: this.options.maxEntries, droppedHeartbeats: this.dropped };
  }
}

const fmt = (o: EventOrder) => `(epoch ${o.epoch}, seq ${o.seq})`;

function unlinkIfPresent(file: string): void {
  try {
    fs.unlinkSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

function loadItems(dir: string, log: EventsLog): SpoolItem[] {
  const items: SpoolItem[] = [];
  for (const name of fs.readdirSync(dir).sort()) {
    const file = path.join(dir, name);
    if (name.endsWith(TEMP_SUFFIX)) {
      unlinkIfPresent(file); // a write cut short by a crash: the event was never appended
      continue;
    }
    const match = NAME.exec(name);
    if (!match) continue;
    const order = { epoch: Number(match[1]), seq: Number(match[2]) };
    const kind: SpoolKind = match[3] === 't' ? 'transition' : 'heartbeat';
    const event = readEvent(file);
    const consistent = event && event.detail.epoch === order.epoch && event.detail.seq === order.seq && isTransition(event) === (kind === 'transition');
    if (!consistent) {
      // Keep it for a human, out of the queue: a damaged file must not block every later event.
      fs.renameSync(file, `${file}.corrupt`);
      log.error('spool file is damaged; moved aside', { file: `${file}.corrupt` });
      continue;
    }
    items.push({ name, order, kind, event });
  }
  return items;
}

function readEvent(file: string): AgentEvent | undefined {
  try {
    const raw = JSON.parse(fs.readFileSync(file, 'utf8')) as { detailType?: unknown; detail?: unknown };
    const detailType = DETAIL_TYPES.find((t) => t === raw.detailType);
    if (!detailType) return undefined;
    const parsed = DETAIL_SCHEMAS[detailType].safeParse(raw.detail);
    return parsed.success ? ({ detailType, detail: parsed.data } as AgentEvent) : undefined;
  } catch {
    return undefined;
  }
}
