/**
 * The systemd units shipped in systemd/: the agent's service and the keepalived drop-in that
 * orders keepalived after it. Their settings are checked against what the daemon needs (and the
 * config's default paths), and `systemd-analyze verify` / `security --offline` check them as
 * systemd reads them, when systemd-analyze is on this machine.
 */
import { execFile } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { AgentSchema } from '../../lib/config/schema';

const UNIT = resolve(__dirname, '../../systemd/eip-agent.service');
const DROP_IN = resolve(__dirname, '../../systemd/keepalived.service.d/eip-failover.conf');
const AGENT = '/usr/local/bin/eip-agent';

type Unit = Record<string, Record<string, string[]>>;

/** A unit file as section → key → values (in order; an empty assignment resets the list). */
function parseUnit(text: string): Unit {
  const unit: Unit = {};
  let section = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      section = header[1]!;
      unit[section] ??= {};
      continue;
    }
    const eq = line.indexOf('=');
    if (eq < 0) throw new Error(`not a unit line: ${line}`);
    const key = line.slice(0, eq).trim();
    const value = line.slice(eq + 1).trim();
    const values = (unit[section]![key] ??= []);
    if (value === '') values.length = 0;
    else values.push(value);
  }
  return unit;
}

const words = (values: string[] | undefined) => (values ?? []).flatMap((v) => v.split(/\s+/));

function run(file: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string }> {
  return new Promise((done) => {
    execFile(file, args, { env: { ...process.env, ...env }, timeout: 30000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      done({ code, out: `${stdout}${stderr}` });
    });
  });
}

async function systemdAnalyze(): Promise<string | undefined> {
  const found = await run('sh', ['-c', 'command -v systemd-analyze']);
  return found.code === 0 ? found.out.trim() : undefined;
}

describe('systemd/eip-agent.service', () => {
  const unit = parseUnit(readFileSync(UNIT, 'utf8'));
  const service = unit.Service!;
  const defaults = AgentSchema.parse({});

  it('runs `eip-agent run` as a simple service that always comes back after a second', () => {
    expect(service.Type).toEqual(['simple']);
    expect(service.ExecStart).toEqual([`${AGENT} run`]);
    expect(service.Restart).toEqual(['always']);
    expect(service.RestartSec).toEqual(['1']);
    expect(unit.Install?.WantedBy).toEqual(['multi-user.target']);
  });

  it("starts before keepalived and owns the FIFO's directory, kept across agent restarts", () => {
    expect(words(unit.Unit!.Before)).toContain('keepalived.service');
    expect(service.RuntimeDirectory).toEqual(['eip-failover']);
    // Without Preserve, systemd deletes /run/eip-failover (and the FIFO keepalived writes to)
    // whenever the agent stops or restarts.
    expect(service.RuntimeDirectoryPreserve).toEqual(['yes']);
    expect(service.StateDirectory).toEqual(['eip-failover']);
    // The config's defaults live exactly there.
    expect(dirname(defaults.notifyFifo)).toBe(`/run/${service.RuntimeDirectory![0]}`);
    expect(defaults.stateDir).toBe(`/var/lib/${service.StateDirectory![0]}`);
  });

  it('is hardened without taking away what the daemon needs', () => {
    expect(service.ProtectSystem).toEqual(['strict']);
    expect(service.NoNewPrivileges).toEqual(['yes']);
    expect(service.CapabilityBoundingSet).toEqual([]);
    // root: unix_socket authentication of the default database login, which SET GLOBAL read_only needs.
    expect(service.User ?? []).toEqual([]);
    expect(service.DynamicUser ?? []).toEqual([]);
    expect(service.PrivateUsers ?? []).toEqual([]);
    // The database socket, EventBridge/EC2 over HTTPS, and getifaddrs() for the marker address on lo.
    expect(words(service.RestrictAddressFamilies).sort()).toEqual(['AF_INET', 'AF_INET6', 'AF_NETLINK', 'AF_UNIX']);
    for (const key of ['PrivateNetwork', 'IPAddressDeny', 'MemoryDenyWriteExecute', 'InaccessiblePaths']) expect(service[key] ?? []).toEqual([]);
  });
});

describe('systemd/keepalived.service.d/eip-failover.conf', () => {
  it('orders keepalived after the agent and pulls the agent in', () => {
    const dropIn = parseUnit(readFileSync(DROP_IN, 'utf8'));
    expect(Object.keys(dropIn)).toEqual(['Unit']);
    expect(words(dropIn.Unit!.After)).toContain('eip-agent.service');
    expect(words(dropIn.Unit!.Wants)).toContain('eip-agent.service');
  });
});

describe('systemd-analyze', () => {
  let dir = '';
  let unitDir = '';
  let analyze: string | undefined;
  const env = () => ({ SYSTEMD_UNIT_PATH: `${unitDir}:` }); // ours first, then the system's

  beforeAll(async () => {
    analyze = await systemdAnalyze();
    if (!analyze) {
      console.warn('systemd-analyze is not installed here: `systemd-analyze verify` NOT run; only the unit texts were checked');
      return;
    }
    dir = mkdtempSync(join(tmpdir(), 'eip-units-'));
    unitDir = join(dir, 'system');
    mkdirSync(join(unitDir, 'keepalived.service.d'), { recursive: true });
    // verify checks that ExecStart exists: point it at a stand-in, change nothing else.
    const agent = join(dir, 'eip-agent');
    writeFileSync(agent, '#!/bin/sh\nexit 0\n');
    chmodSync(agent, 0o755);
    const text = readFileSync(UNIT, 'utf8');
    expect(text.split(AGENT).length).toBe(2); // exactly the ExecStart
    writeFileSync(join(unitDir, 'eip-agent.service'), text.replace(AGENT, agent));
    copyFileSync(DROP_IN, join(unitDir, 'keepalived.service.d', 'eip-failover.conf'));
    // keepalived's own unit from the system when installed, else a stand-in.
    if (!['/lib/systemd/system/keepalived.service', '/usr/lib/systemd/system/keepalived.service'].some(existsSync)) {
      writeFileSync(join(unitDir, 'keepalived.service'), '[Unit]\nDescription=stand-in\n[Service]\nExecStart=/bin/true\n');
    }
  });

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('verify: both units load with the drop-in, without a single warning', async () => {
    if (!analyze) return;
    const result = await run(analyze, ['verify', join(unitDir, 'eip-agent.service'), 'keepalived.service'], env());
    expect(result).toEqual({ code: 0, out: '' });

    // Control: verify really reads drop-ins from there (a bad one next to ours is reported).
    const bad = join(unitDir, 'keepalived.service.d', 'zz-control.conf');
    writeFileSync(bad, '[Unit]\nAfterr=eip-agent.service\n');
    try {
      const control = await run(analyze, ['verify', 'keepalived.service'], env());
      expect(control.out).toContain(`${bad}:2: Unknown key 'Afterr'`);
    } finally {
      rmSync(bad);
    }
  });

  it('security --offline rates the agent unit OK', async () => {
    if (!analyze) return;
    const help = await run(analyze, ['--help']);
    if (!help.out.includes('--offline')) {
      console.warn('this systemd-analyze has no --offline: the exposure score was NOT checked');
      return;
    }
    const result = await run(analyze, ['security', '--offline=yes', '--no-pager', join(unitDir, 'eip-agent.service')], env());
    const level = /Overall exposure level for eip-agent\.service: (\d+\.\d+) (\w+)/.exec(result.out);
    expect(level).not.toBeNull();
    expect(Number(level![1])).toBeLessThanOrEqual(3.0);
    expect(level![2]).toBe('OK');
  });
});
