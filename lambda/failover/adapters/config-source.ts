/**
 * ConfigSource of an already validated config (tests, the lab, the bench). The Lambda's own source,
 * from its environment, is lib/config/env-source.ts (shared with the probe).
 */
import type { ClusterConfig } from '../../../lib/config/schema';
import type { ConfigSource } from '../ports';

export const staticConfigSource = (config: ClusterConfig): ConfigSource => ({ load: async () => config });
