import { Command } from 'commander';
import { loadClusterConfig } from '../../lib/config/load';
import { AgentStatus, STATUS_STALE_MS, readStatus, statusPath } from '../daemon/status';
import { DEFAULT_CONFIG_PATH } from '../keepalived/render';
import { isProcessAlive } from '../process-alive';
import { switchoverState } from '../switchover/files';
import { EXIT, UserError } from '../user-error';

interface StatusFlags {
  config: string;
  stateDir?: string;
  json?: boolean;
}

const ago = (ms: number | null) => (ms === null ? 'never' : `${((Date.now() - ms) / 1000).toFixed(1)} s ago`);

function describe(s: AgentStatus, running: boolean): string {
  const rows: [string, string][] = [
    ['node', `${s.nodeId} (cluster ${s.cluster})`],
    ['daemon', running ? `running, pid ${s.pid}, up ${ago(s.startedAtMs)}` : `NOT RUNNING (last status ${ago(s.updatedAtMs)})`],
    ['vrrp state', `${s.vrrp.state} (priority ${s.vrrp.priority}, since ${ago(s.vrrp.transitionAtMs)}, from ${s.vrrp.source}); keepalived ${s.vrrp.keepalivedRunning ? 'running' : 'NOT running'}`],
    ['database', `${s.db.role}${s.db.up ? `, read_only=${s.db.readOnly ? 'ON' : 'OFF'}` : ''}${s.db.error ? ` (${s.db.error})` : ''}`],
    ['replication', `io ${s.db.ioRunning ? 'running' : 'stopped'}, sql ${s.db.sqlRunning ? 'running' : 'stopped'}, lag ${s.db.lagSeconds ?? '-'} s, gtid ${s.db.gtidCurrentPos || '-'}`],
    ['eip holder', `${s.eip.holder}${s.eip.lastError ? ` (last poll failed: ${s.eip.lastError})` : ''}`],
    ['fencing', `${s.fencing.reason}: ${s.fencing.detail}${s.fencing.warning ? ` WARNING: ${s.fencing.warning}` : ''}${s.fencing.error ? ` ERROR: ${s.fencing.error}` : ''}`],
    ...(s.switchover && (s.switchover.hold || s.switchover.yielding || s.switchover.takeover || s.switchover.boosted)
      ? [['switchover', switchoverLine(s.switchover)] as [string, string]]
      : []),
    ['events', `epoch ${s.events.epoch}, last seq ${s.events.lastSeq}, spool depth ${s.events.spoolDepth}, accepted ${s.events.acceptedCount}`],
    ['last publish', `${s.events.lastResult} ${ago(s.events.lastAttemptAtMs)}${s.events.lastError ? ` (${s.events.lastError})` : ''}`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n');
}

function switchoverLine(sw: NonNullable<AgentStatus['switchover']>): string {
  const until = (ms: number) => new Date(ms).toISOString();
  return [
    sw.hold ? `fenced by eip-agent yield (pid ${sw.hold.pid}) until ${until(sw.hold.untilMs)}, handing over to ${sw.hold.peer}` : null,
    sw.yielding ? 'keepalived yielding (FAULT)' : null,
    sw.takeover ? `prepared to take over from ${sw.takeover.peer} until ${until(sw.takeover.untilMs)}` : null,
    sw.boosted ? 'VRRP priority raised to 254' : null,
  ]
    .filter(Boolean)
    .join('; ');
}

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description("Show the agent daemon's view: VRRP state, sequence, spool, last publish, database role and replication.")
    .option('--config <file|ssm:name>', 'cluster config, for agent.stateDir', DEFAULT_CONFIG_PATH)
    .option('--state-dir <dir>', 'the daemon state directory (default: agent.stateDir of the config)')
    .option('--json', 'print the status as JSON (adds "running")')
    .action(async (flags: StatusFlags) => {
      const stateDir = flags.stateDir ?? (await loadClusterConfig(flags.config)).agent.stateDir;
      let status: AgentStatus;
      try {
        status = readStatus(stateDir);
      } catch {
        throw new UserError(`no agent status at ${statusPath(stateDir)}: the daemon has not run here (start it: systemctl start eip-agent)`, EXIT.failed);
      }
      const running = isProcessAlive(status.pid) && Date.now() - status.updatedAtMs < STATUS_STALE_MS;
      // The switchover files as they are now, not as the daemon last copied them.
      status = { ...status, switchover: switchoverState(stateDir) };
      console.log(flags.json ? JSON.stringify({ running, ...status }, null, 2) : describe(status, running));
      if (!running) throw new UserError('the agent daemon is not running', EXIT.failed);
    });
}
