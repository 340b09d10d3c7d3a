/** The switchover report as text for a person. Pure. */
import type { SwitchoverReport } from '../switchover';

const ms = (v: number | null) => (v === null ? 'n/a' : `${v} ms`);

export function formatSwitchover(r: SwitchoverReport): string {
  const route = `${r.from ?? '(no writer)'} → ${r.to}`;
  if (r.outcome === 'dry-run' && r.plan) {
    return [`switchover ${route}: dry run, nothing changed. The plan:`, ...r.plan.steps.map((s, i) => `  ${i + 1}. ${s}`)].join('\n');
  }
  if (r.outcome === 'refused') {
    const reasons = r.refusals.length ? r.refusals.map((x) => `  - ${x.code}: ${x.message}`) : [`  - ${r.reason}`];
    return [`switchover ${route}: REFUSED, nothing changed:`, ...reasons].join('\n');
  }
  const lines = [`switchover ${route}: ${r.outcome}${r.reason && r.outcome !== 'switched' ? ` (${r.reason})` : ''}`];
  if (r.downtimeMs !== null) {
    const how = r.downtimeSource === 'client' ? 'client-observed: longest gap between acknowledged writes' : 'from the fence to the new writer taking writes, as eipctl saw it';
    lines.push(`  write downtime: ${r.downtimeMs} ms (${how})`);
  }
  if (r.ackedWrites !== null) lines.push(`  acknowledged writes: ${r.ackedWrites}; lost acknowledged writes: ${r.lostAckedWrites}`);
  const s = r.stagesMs;
  if (r.yield?.fencedAtMs != null) {
    lines.push(`  after the fence: ${r.to} caught up ${ms(s.caughtUp)}, ${r.from} left MASTER ${ms(s.steppedDown)}, EIP on ${r.to} ${ms(s.eipMoved)}, ${r.to} writable ${ms(s.writable)}`);
  }
  lines.push(`  EIP moved: ${r.eipMoved ? 'yes' : 'no'}; ${r.from} read_only: ${r.oldWriterReadOnly ?? 'unknown'}; ${r.to} writable: ${r.newWriterWritable ?? 'unknown'}`);
  lines.push(`  left: ${r.leftState}`);
  return lines.join('\n');
}
