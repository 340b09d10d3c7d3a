import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** A temp path in the same directory as `target`, so that rename() is atomic. */
export function siblingTempPath(target: string): string {
  return join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/** Writes `content` to `path` durably (fsync). */
export async function writeFileSynced(path: string, content: string | Buffer, mode = 0o644): Promise<void> {
  const handle = await open(path, 'w', mode);
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Makes a rename inside `dir` durable. */
async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Moves a fully written temp file over `target` in one step; readers see old or new, never half. */
export async function commitTempFile(tempPath: string, target: string): Promise<void> {
  await rename(tempPath, target);
  await syncDir(dirname(target));
}

/** Replaces `target` atomically: readers see either the old or the new content, never a mix. */
export async function writeFileAtomic(target: string, content: string | Buffer, mode = 0o644): Promise<void> {
  const temp = siblingTempPath(target);
  try {
    await writeFileSynced(temp, content, mode);
    await commitTempFile(temp, target);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}
