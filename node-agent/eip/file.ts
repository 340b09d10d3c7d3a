/**
 * EIP ownership read from a JSON file `{ "holderNodeId": "db-a" | null }`. The lab's cloud writes
 * that file whenever it moves its emulated EIP; tests write it by hand. Never throws.
 */
import { readFile } from 'node:fs/promises';
import type { EipHolder, EipOwnership } from './ownership';

export class FileEipOwnership implements EipOwnership {
  constructor(
    private readonly path: string,
    private readonly selfNodeId: string,
  ) {}

  async holder(): Promise<EipHolder> {
    return (await this.observe()).holder;
  }

  async observe(): Promise<{ holder: EipHolder; detail: string }> {
    try {
      const { holderNodeId } = JSON.parse(await readFile(this.path, 'utf8')) as { holderNodeId?: unknown };
      if (holderNodeId === null) return { holder: 'none', detail: `${this.path}: not associated` };
      if (typeof holderNodeId !== 'string') return { holder: 'unknown', detail: `${this.path}: holderNodeId missing` };
      return { holder: holderNodeId === this.selfNodeId ? 'self' : 'other', detail: `${this.path}: on ${holderNodeId}` };
    } catch (err) {
      return { holder: 'unknown', detail: `${this.path} unreadable: ${(err as Error).message}` };
    }
  }
}
