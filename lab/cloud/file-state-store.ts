/**
 * StateStore in a JSON file in the lab directory, with the conditional-write contract of the
 * DynamoDB store (version must match). The lab's cloud is one process, so an in-process lock
 * around read-check-write is enough; the file lets a person read the controller's state.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { ClusterState } from '../../lambda/failover/core/types';
import type { StateStore, VersionedState } from '../../lambda/failover/ports';

export class FileStateStore implements StateStore {
  constructor(private readonly file: string) {}

  async get(): Promise<VersionedState | null> {
    await Promise.resolve();
    if (!existsSync(this.file)) return null;
    return JSON.parse(readFileSync(this.file, 'utf8')) as VersionedState;
  }

  async put(state: ClusterState, expectedVersion: number | null): Promise<{ version: number } | 'conflict'> {
    const current = await this.get();
    // Synchronous from here on: nothing interleaves between the check and the rename.
    if ((current?.version ?? null) !== expectedVersion) return 'conflict';
    const version = (expectedVersion ?? 0) + 1;
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, JSON.stringify({ version, state } satisfies VersionedState, null, 2));
    renameSync(tmp, this.file);
    return { version };
  }
}
