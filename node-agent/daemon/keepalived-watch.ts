/**
 * What the daemon can learn about keepalived without a FIFO line: is it running, and does it
 * hold the marker address (it adds it to `lo` only while MASTER).
 */
import { networkInterfaces } from 'node:os';

/** Whether `lo` carries the marker (e.g. 169.254.255.51/32). */
export function hasMarkerAddress(markerCidr: string): boolean {
  const address = markerCidr.split('/')[0];
  return (networkInterfaces().lo ?? []).some((a) => a.address === address);
}

/**
 * The VRRP state to assume when the daemon starts between transitions (e.g. after a restart).
 * A crashed keepalived leaves its marker behind, so the marker counts only while keepalived runs.
 * Without the marker the node may be BACKUP or FAULT: UNKNOWN keeps it fenced until a line says.
 */
export function inferVrrpState(keepalivedRunning: boolean, markerPresent: boolean): 'MASTER' | 'UNKNOWN' {
  return keepalivedRunning && markerPresent ? 'MASTER' : 'UNKNOWN';
}
