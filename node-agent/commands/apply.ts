import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { Command } from 'commander';
import { SSM_PREFIX, readConfigText } from '../../lib/config/load';
import { parseClusterConfigText } from '../../lib/config/parse';
import { fetchInstanceIdentity } from '../aws/imds';
import { ApplyOutcome, applyKeepalivedConfig } from '../keepalived/apply';
import { keepalivedConfigTest } from '../keepalived/config-test';
import { reloadKeepalived } from '../keepalived/reload';
import { toUserError } from './errors';
import { identifyNode } from './node-identity';
import { addRenderPathOptions } from './render';

interface ApplyFlags {
  config: string;
  node?: string;
  region?: string;
  agentPath: string;
  nodeConfigPath: string;
  keepalivedConf: string;
  keepalivedPidFile: string;
  keepalivedBin: string;
  imdsEndpoint?: string;
  json?: boolean;
}

async function regionForSsm(flags: ApplyFlags): Promise<string | undefined> {
  if (!flags.config.startsWith(SSM_PREFIX)) return undefined;
  const fromEnv = flags.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  return fromEnv ?? (await fetchInstanceIdentity({ endpoint: flags.imdsEndpoint })).region;
}

function describe(outcome: ApplyOutcome, flags: ApplyFlags): string {
  if (!outcome.keepalivedConfChanged && !outcome.nodeConfigChanged) {
    return `node ${outcome.nodeId}: ${flags.keepalivedConf} and ${flags.nodeConfigPath} already up to date; nothing changed`;
  }
  const lines = [`node ${outcome.nodeId}:`];
  if (outcome.nodeConfigChanged) lines.push(`  wrote ${flags.nodeConfigPath}`);
  if (outcome.keepalivedConfChanged) lines.push(`  config test passed; replaced ${flags.keepalivedConf}`);
  if (outcome.reload) lines.push(`  ${outcome.reload.detail}`);
  return lines.join('\n');
}

async function runApply(flags: ApplyFlags): Promise<void> {
  const configText = await readConfigText(flags.config, { region: await regionForSsm(flags) });
  const config = parseClusterConfigText(configText, flags.config);
  const nodeId = await identifyNode(config, flags);
  const sameFile = !flags.config.startsWith(SSM_PREFIX) && resolve(flags.config) === resolve(flags.nodeConfigPath);
  for (const dir of [dirname(flags.keepalivedConf), dirname(flags.nodeConfigPath), dirname(config.agent.notifyFifo)]) {
    await mkdir(dir, { recursive: true, mode: 0o755 });
  }
  const outcome = await applyKeepalivedConfig(
    {
      config,
      configText,
      nodeId,
      render: { agentPath: flags.agentPath, configPath: flags.nodeConfigPath },
      keepalivedConfPath: flags.keepalivedConf,
      nodeConfigPath: sameFile ? null : flags.nodeConfigPath,
    },
    {
      configTest: (path) => keepalivedConfigTest(path, { keepalivedBin: flags.keepalivedBin }),
      reload: () => reloadKeepalived(flags.keepalivedPidFile),
    },
  );
  console.log(flags.json ? JSON.stringify(outcome) : describe(outcome, flags));
}

export function registerApply(program: Command): void {
  const cmd = program
    .command('apply')
    .description(
      'Render this node\'s keepalived.conf, check it with "keepalived --config-test", replace the installed file ' +
        'atomically only when it changed, and reload keepalived. On any failure the last good file stays.',
    )
    .requiredOption('--config <file|ssm:name>', 'cluster config: a JSON file, or ssm:<parameter name>')
    .option('--node <id>', 'node id; default: the node whose instanceId matches this instance (IMDSv2)')
    .option('--region <region>', 'region for ssm: (default: AWS_REGION, else the instance metadata)')
    .option('--keepalived-conf <path>', 'installed keepalived config', '/etc/keepalived/keepalived.conf')
    .option('--keepalived-pid-file <path>', 'keepalived pid file, for the reload (SIGHUP)', '/run/keepalived.pid')
    .option('--keepalived-bin <path>', 'keepalived executable used for --config-test', 'keepalived')
    .option('--imds-endpoint <url>', 'instance metadata endpoint (default: AWS_EC2_METADATA_SERVICE_ENDPOINT or 169.254.169.254)')
    .option('--json', 'print the outcome as one JSON object');
  addRenderPathOptions(cmd).action(async (flags: ApplyFlags) => {
    try {
      await runApply(flags);
    } catch (err) {
      throw toUserError(err);
    }
  });
}
