/**
 * StateStore in memory with the same conditional-write contract as DynamoDB (see
 * test/integration/failover-state-store.test.ts, which runs one contract against both). For the
 * lab, the bench and tests. The state is deep-copied in and out, as a database would.
 */
import type { ClusterState } from '../../core/types';
import type { StateStore, VersionedState } from '../../ports';

export class MemoryStateStore implements StateStore {
  private item: { json: string; version: number } | null = null;

  async get(): Promise<VersionedState | null> {
    await Promise.resolve(); // answer asynchronously, like any real store
    return this.item ? { version: this.item.version, state: JSON.parse(this.item.json) as ClusterState } : null;
  }

  async put(state: ClusterState, expectedVersion: number | null): Promise<{ version: number } | 'conflict'> {
    await Promise.resolve();
    if ((this.item?.version ?? null) !== expectedVersion) return 'conflict';
    const version = (expectedVersion ?? 0) + 1;
    this.item = { json: JSON.stringify(state), version };
    return { version };
  }
}
