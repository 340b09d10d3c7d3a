import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileEipOwnership } from '../../node-agent/eip/file';

describe('FileEipOwnership (the lab adapter of the EIP ownership port)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'eip-file-'));
  const path = join(dir, 'eip.json');
  const ownership = new FileEipOwnership(path, 'db-a');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    [{ holderNodeId: 'db-a' }, 'self'],
    [{ holderNodeId: 'db-b' }, 'other'],
    [{ holderNodeId: 'somewhere-else' }, 'other'],
    [{ holderNodeId: null }, 'none'],
    [{}, 'unknown'],
  ])('%j → %s', async (doc, holder) => {
    writeFileSync(path, JSON.stringify(doc));
    expect(await ownership.holder()).toBe(holder);
  });

  it('answers unknown, never throws, when the file is missing or garbled', async () => {
    expect(await new FileEipOwnership(join(dir, 'missing.json'), 'db-a').holder()).toBe('unknown');
    writeFileSync(path, '{ not json');
    const seen = await ownership.observe();
    expect(seen.holder).toBe('unknown');
    expect(seen.detail).toContain('unreadable');
  });
});
