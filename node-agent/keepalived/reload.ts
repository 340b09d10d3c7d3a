import { readFile } from 'node:fs/promises';
import type { ReloadResult } from './apply';

/** Whether a process exists (signal 0 checks without delivering anything). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** SIGHUP makes keepalived re-read its config without dropping VRRP state. */
export async function reloadKeepalived(pidFile: string): Promise<ReloadResult> {
  let pid: number;
  try {
    pid = Number.parseInt((await readFile(pidFile, 'utf8')).trim(), 10);
  } catch {
    return { reloaded: false, detail: `keepalived is not running (no pid file ${pidFile}); it reads the new file when it starts` };
  }
  if (!Number.isInteger(pid) || pid <= 1 || !isAlive(pid)) {
    return { reloaded: false, detail: `keepalived is not running (stale pid file ${pidFile}); it reads the new file when it starts` };
  }
  process.kill(pid, 'SIGHUP');
  return { reloaded: true, detail: `sent SIGHUP to keepalived (pid ${pid})` };
}
