/**
 * Every process the lab starts gets `<labDir>/pids/<label>.pid`, so `eip-lab down` can kill them
 * even after the supervisor crashed. A pid is only signalled while its /proc cmdline still names
 * the lab (pids are reused).
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export class PidRegistry {
  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  record(label: string, pid: number | undefined): void {
    if (pid !== undefined) writeFileSync(join(this.dir, `${label}.pid`), `${pid}\n`);
  }

  entries(): Array<{ label: string; pid: number }> {
    let names: string[] = [];
    try {
      names = readdirSync(this.dir).filter((n) => n.endsWith('.pid'));
    } catch {
      return [];
    }
    return names.map((n) => ({ label: n.slice(0, -4), pid: Number(readFileSync(join(this.dir, n), 'utf8').trim()) })).filter((e) => e.pid > 1);
  }
}

/** The process's command line, '' when it is gone. */
export function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}
