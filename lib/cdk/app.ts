/**
 * Builds the CDK app from its context: assembles the agent package, creates the stack, and runs
 * cdk-nag's AwsSolutions checks at synth (any unacknowledged finding fails `cdk synth`).
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { assembleAgentPackage } from './agent-package';
import { settingsFromContext } from './context';
import { EipFailoverStack } from './stack';

export interface BuildAppOptions {
  /** Assemble dist/agent-package before synth. @default true */
  readonly assemblePackage?: boolean;
  /** Agent package directory passed to the pair. @default dist/agent-package */
  readonly agentPackageDir?: string;
  /** Register cdk-nag AwsSolutions as a validation plugin. @default true */
  readonly nag?: boolean;
}

export function buildApp(app: App, options: BuildAppOptions = {}): EipFailoverStack {
  const contextKeys = Object.keys((app.node as unknown as { _context?: Record<string, unknown> })._context ?? {});
  const settings = settingsFromContext((k) => app.node.tryGetContext(k), contextKeys);
  if (options.assemblePackage ?? true) assembleAgentPackage(options.agentPackageDir);
  const stack = new EipFailoverStack(app, settings.stackName, {
    env: settings.env,
    existingVpc: settings.existingVpc,
    description: `eip-failover pair ${settings.pair.clusterName}: one Elastic IP on the healthy MySQL/MariaDB writer`,
    pairs: [{ ...settings.pair, agentPackageDir: options.agentPackageDir }],
  });
  if (options.nag ?? true) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return stack;
}
