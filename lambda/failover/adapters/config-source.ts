/**
 * ConfigSource from a reference: `ssm:<parameter name>` (what CDK writes and the agents read) or a
 * file path (the lab). The handler loads it once per cold start; a failed load is not cached.
 *
 * Not lib/config/load.ts's loadClusterConfig: that one imports the SSM reader with import() (the
 * agent's check-mysql must not load the SDK), and esbuild then bundles and initialises all of
 * @aws-sdk/client-ssm instead of GetParameter alone. Every cold start on AWS reads SSM, so here it
 * is a static import (docs/controller.md, "Bundle and cold start").
 */
import { parseClusterConfigText } from '../../../lib/config/parse';
import type { ClusterConfig } from '../../../lib/config/schema';
import { readConfigFile, SSM_PREFIX, ssmParameterName, type ConfigRef } from '../../../lib/config/source';
import { readSsmParameterText } from '../../../lib/config/ssm-read';
import type { ConfigSource } from '../ports';

export class RefConfigSource implements ConfigSource {
  constructor(
    private readonly ref: ConfigRef,
    private readonly region?: string,
  ) {}

  async load(): Promise<ClusterConfig> {
    const text = this.ref.startsWith(SSM_PREFIX)
      ? await readSsmParameterText(ssmParameterName(this.ref), this.region ? { region: this.region } : {})
      : await readConfigFile(this.ref);
    return parseClusterConfigText(text, this.ref);
  }
}

/** An already validated config (tests, the lab, the bench). */
export const staticConfigSource = (config: ClusterConfig): ConfigSource => ({ load: async () => config });
