import { Command } from 'commander';
import { loadClusterConfig } from '../../lib/config/load';
import { DEFAULT_AGENT_PATH, DEFAULT_CONFIG_PATH, renderKeepalivedConf } from '../keepalived/render';
import { toUserError } from './errors';

export interface RenderFlags {
  config: string;
  node: string;
  agentPath: string;
  nodeConfigPath: string;
}

/** Options shared by `render` and `apply`: where keepalived finds the agent and the config. */
export function addRenderPathOptions(cmd: Command): Command {
  return cmd
    .option('--agent-path <path>', 'eip-agent executable keepalived runs as its track script', DEFAULT_AGENT_PATH)
    .option('--node-config-path <path>', 'cluster config path on the node, passed to check-mysql', DEFAULT_CONFIG_PATH);
}

export function registerRender(program: Command): void {
  const cmd = program
    .command('render')
    .description("Print the keepalived.conf for one node of the pair (read-only; 'apply' installs it).")
    .requiredOption('--config <file|ssm:name>', 'cluster config: a JSON file, or ssm:<parameter name>')
    .requiredOption('--node <id>', 'node id from the config (e.g. db-a)');
  addRenderPathOptions(cmd).action(async (flags: RenderFlags) => {
    try {
      const config = await loadClusterConfig(flags.config);
      process.stdout.write(
        renderKeepalivedConf(config, flags.node, { agentPath: flags.agentPath, configPath: flags.nodeConfigPath }),
      );
    } catch (err) {
      throw toUserError(err);
    }
  });
}
