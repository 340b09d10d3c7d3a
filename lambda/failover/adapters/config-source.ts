/**
 * ConfigSource from a reference: `ssm:<parameter name>` (what CDK writes and the agents read) or a
 * file path (the lab). The handler loads it once per cold start; a failed load is not cached.
 */
import { loadClusterConfig, type ConfigRef } from '../../../lib/config/load';
import type { ClusterConfig } from '../../../lib/config/schema';
import type { ConfigSource } from '../ports';

export class RefConfigSource implements ConfigSource {
  constructor(
    private readonly ref: ConfigRef,
    private readonly region?: string,
  ) {}

  load(): Promise<ClusterConfig> {
    return loadClusterConfig(this.ref, this.region ? { region: this.region } : {});
  }
}

/** An already validated config (tests, the lab, the bench). */
export const staticConfigSource = (config: ClusterConfig): ConfigSource => ({ load: async () => config });
