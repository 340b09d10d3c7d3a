/** A one-line SVG timeline of the demo: the stages as marks on a time axis, downtime shaded. */
import type { DemoReport } from './report';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

export function timelineSvg(r: DemoReport): string {
  const marks = (Object.entries(r.stages) as Array<[string, number | null]>).filter((e): e is [string, number] => e[1] !== null).sort((a, b) => a[1] - b[1]);
  const min = Math.min(0, ...marks.map((m) => m[1])) - 200;
  const max = Math.max(1000, ...marks.map((m) => m[1])) + 500;
  const W = 900;
  const x = (ms: number) => 40 + ((ms - min) / (max - min)) * (W - 80);
  const down = r.stages.lastAckBeforeFault !== null && r.stages.firstSuccessfulWrite !== null ? [x(r.stages.lastAckBeforeFault), x(r.stages.firstSuccessfulWrite)] : null;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${110 + marks.length * 18}" font-family="sans-serif" font-size="12">`,
    `<text x="20" y="20" font-size="14">${esc(`${r.fault} on ${r.failedNode}: downtime ${r.downtimeMs ?? 'n/a'} ms, ${r.ackedWrites} acked, ${r.lostAckedWrites} lost, ${r.eipMoves} EIP move(s)`)}</text>`,
    down ? `<rect x="${down[0]}" y="40" width="${Math.max(1, down[1]! - down[0]!)}" height="20" fill="#f8d7da"/>` : '',
    `<line x1="40" y1="60" x2="${W - 40}" y2="60" stroke="#333"/>`,
  ];
  marks.forEach(([name, ms], i) => {
    const px = x(ms);
    parts.push(`<line x1="${px}" y1="35" x2="${px}" y2="${80 + i * 18}" stroke="#36c" stroke-dasharray="2,2"/>`);
    parts.push(`<text x="${px + 3}" y="${90 + i * 18}">${esc(`${name} ${ms >= 0 ? '+' : ''}${ms} ms`)}</text>`);
  });
  parts.push('</svg>');
  return parts.filter(Boolean).join('\n');
}
