/**
 * Durable small-file writes, synchronous so that enqueue() has the event on disk when it returns
 * (lib/fs/atomic-write.ts is the async counterpart for config files).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { siblingTempPath } from '../../lib/fs/atomic-write';

/** Temp files end with this; a crash can leave one behind, and openers delete them. */
export const TEMP_SUFFIX = '.tmp';

/** Writes a temp file, fsyncs it, renames it over `file` and fsyncs the directory (so the rename survives power loss). */
export function writeFileAtomicSync(file: string, data: string): void {
  const temp = siblingTempPath(file);
  try {
    const fd = fs.openSync(temp, 'w', 0o600);
    try {
      fs.writeSync(fd, data);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temp, file);
  } catch (err) {
    fs.rmSync(temp, { force: true });
    throw err;
  }
  fsyncDirSync(path.dirname(file));
}

export function fsyncDirSync(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
