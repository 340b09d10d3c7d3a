/** The lab's timeline: one JSON line per thing that happened (faults, events, decisions, moves). */
import { appendFileSync, readFileSync } from 'node:fs';

export interface JournalEntry {
  readonly atMs: number;
  readonly kind: string;
  readonly [field: string]: unknown;
}

export class Journal {
  constructor(readonly file: string) {}

  add(kind: string, fields: Record<string, unknown> = {}, atMs = Date.now()): void {
    appendFileSync(this.file, `${JSON.stringify({ atMs, kind, ...fields })}\n`);
  }
}

export function readJournal(file: string, sinceMs = 0): JournalEntry[] {
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as JournalEntry)
    .filter((e) => e.atMs >= sinceMs);
}
