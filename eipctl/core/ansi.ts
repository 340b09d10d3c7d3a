/** Cells with a tone, rendered with ANSI colours on a terminal and as plain text otherwise. */
export type Tone = 'ok' | 'warn' | 'bad' | 'plain' | 'dim';

export interface Cell {
  readonly text: string;
  readonly tone: Tone;
}

export const cell = (text: string, tone: Tone = 'plain'): Cell => ({ text, tone });

const CODES: Record<Tone, [string, string]> = {
  ok: ['\x1b[32m', '\x1b[39m'],
  warn: ['\x1b[33m', '\x1b[39m'],
  bad: ['\x1b[1;31m', '\x1b[22;39m'],
  dim: ['\x1b[2m', '\x1b[22m'],
  plain: ['', ''],
};

export function paint(c: Cell, color: boolean): string {
  const [on, off] = CODES[c.tone];
  return color && on ? `${on}${c.text}${off}` : c.text;
}

/** Columns padded to their widest cell (widths measured without colour codes). */
export function table(rows: readonly (readonly Cell[])[], color: boolean): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.text.length)));
  return rows.map((row) =>
    row
      .map((c, i) => paint(c, color) + (i === row.length - 1 ? '' : ' '.repeat(widths[i]! - c.text.length + 2)))
      .join('')
      .trimEnd(),
  );
}
