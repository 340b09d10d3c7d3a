/** `eipctl status` as text: a compact table, red where something is wrong. Pure. */
import { cell, paint, table, type Cell } from './ansi';
import type { NodeView, PairView } from './view';

export interface RenderOptions {
  readonly color: boolean;
  readonly nowMs: number;
}

/** "12 s ago", "4 min ago", "3 h ago", "2 d ago". */
export function ago(atMs: number, nowMs: number): string {
  const s = Math.max(0, Math.round((nowMs - atMs) / 1000));
  if (s < 120) return `${s} s ago`;
  if (s < 7200) return `${Math.round(s / 60)} min ago`;
  if (s < 172_800) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86_400)} d ago`;
}

/** UTC, to the second: what a person compares with logs. */
export const utc = (ms: number): string => new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');

const LAG_WARN_S = 1;

function nodeRow(n: NodeView, holder: string | null): Cell[] {
  const holds = n.id === holder;
  if (!n.reachable) return [cell(n.id), cell('?', 'bad'), cell(`unreachable: ${n.problem ?? 'no status'}`, 'bad')];
  const master = n.vrrpState === 'MASTER' || n.vrrpState === 'MASTER_RX_LOWER_PRI';
  const vrrpTone = n.vrrpState === 'BACKUP' ? (holds ? 'bad' : 'ok') : master ? (holds ? 'ok' : 'bad') : 'bad';
  const db = n.db;
  const role = !db.up ? cell('down', 'bad') : db.readOnly === false ? cell('writer', holds ? 'ok' : 'bad') : cell('replica', holds ? 'bad' : 'ok');
  const ro = !db.up || db.readOnly === null ? cell('-', 'dim') : cell(db.readOnly ? 'ON' : 'OFF', db.readOnly === holds ? 'bad' : 'ok');
  const repl = !db.up ? cell('-', 'dim') : cell(`io ${db.ioRunning ? 'yes' : 'NO'} sql ${db.sqlRunning ? 'yes' : 'NO'}`, db.ioRunning && db.sqlRunning ? 'ok' : 'bad');
  const lag = db.lagSeconds === null ? cell('-', 'dim') : cell(`${db.lagSeconds.toFixed(2)} s`, db.lagSeconds > LAG_WARN_S ? 'warn' : 'ok');
  const agent = cell(n.agentRunning ? 'up' : 'DOWN', n.agentRunning ? 'ok' : 'bad');
  const notes = [n.fencing ?? '', n.switchover ? `switchover: ${n.switchover}` : '', n.problem ?? ''].filter(Boolean).join('; ');
  return [
    cell(n.id, holds ? 'ok' : 'plain'),
    cell(n.vrrpState ?? '?', vrrpTone),
    role,
    ro,
    repl,
    lag,
    cell(db.gtidCurrentPos || '-', 'dim'),
    agent,
    cell(notes, n.switchover || n.problem ? 'warn' : 'dim'),
  ];
}

export function renderStatus(view: PairView, o: RenderOptions): string {
  const { color, nowMs } = o;
  const out: string[] = [];
  const holder = view.eip.holder;
  const where = holder ? cell(holder, 'ok') : cell(view.eip.foreign ? `outside the pair: ${view.eip.foreign}` : 'NOT ASSOCIATED', 'bad');
  out.push(`${view.clusterName} (${view.target})  EIP ${view.eip.publicIp} → ${paint(where, color)}`);
  const header = ['NODE', 'VRRP', 'DB', 'READ_ONLY', 'REPLICATION', 'LAG', 'GTID', 'AGENT', 'FENCING / NOTES'].map((h) => cell(h, 'dim'));
  out.push(...table([header, ...view.nodes.map((n) => nodeRow(n, holder))], color));

  const c = view.controller;
  if (c) {
    const extra = [c.pendingMove ? `moving now: ${c.pendingMove}` : '', c.failedMove ? `last move FAILED: ${c.failedMove}` : '', c.alerts.length ? `alerts: ${c.alerts.join(', ')}` : ''].filter(Boolean);
    out.push(`controller: ${c.moveCount} move${c.moveCount === 1 ? '' : 's'}${c.lastMoveAtMs ? `, last ${ago(c.lastMoveAtMs, nowMs)}` : ''}${extra.length ? `; ${paint(cell(extra.join('; '), 'bad'), color)}` : ''}`);
  }
  if (view.lastMoves.length) {
    out.push('last moves:');
    for (const m of view.lastMoves) {
      const why = [m.reason, m.tookMs === null ? null : `confirmed in ${m.tookMs} ms`].filter(Boolean).join(', ');
      out.push(`  ${utc(m.atMs)} (${ago(m.atMs, nowMs)})  ${m.from ?? '(none)'} → ${m.to}${why ? `  ${why}` : ''}`);
    }
  } else out.push('last moves: none recorded');
  if (view.alarms === null) out.push(paint(cell('alarms: none to read here (CloudWatch alarms exist only on AWS)', 'dim'), color));
  else if (view.alarms.length === 0) out.push(`alarms: ${paint(cell('none in ALARM', 'ok'), color)}`);
  else {
    out.push(paint(cell(`alarms in ALARM (${view.alarms.length}):`, 'bad'), color));
    for (const a of view.alarms) out.push(`  ${paint(cell(a.name, 'bad'), color)}${a.sinceMs ? ` since ${utc(a.sinceMs)}` : ''}: ${a.reason}`);
  }
  for (const n of view.notes) out.push(paint(cell(n, 'warn'), color));
  return out.join('\n');
}
