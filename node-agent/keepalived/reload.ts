import { livePidFromFile } from '../process-alive';
import type { ReloadResult } from './apply';

/** SIGHUP makes keepalived re-read its config without dropping VRRP state. */
export async function reloadKeepalived(pidFile: string): Promise<ReloadResult> {
  const pid = livePidFromFile(pidFile);
  if (pid === null) {
    return { reloaded: false, detail: `keepalived is not running (no live pid in ${pidFile}); it reads the new file when it starts` };
  }
  process.kill(pid, 'SIGHUP');
  return { reloaded: true, detail: `sent SIGHUP to keepalived (pid ${pid})` };
}
