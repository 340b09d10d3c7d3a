/** scripts/install-agent.sh into a temp root: files, modes, idempotency, refusal of bad input. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { AgentBundle, bundleAgent } from '../helpers/agent-bundle';

const script = resolve(__dirname, '../../scripts/install-agent.sh');
const mode = (p: string) => (statSync(p).mode & 0o7777).toString(8);

describe('install-agent.sh', () => {
  let root: string;
  let bundle: AgentBundle;
  const install = (...extra: string[]) =>
    spawnSync('bash', [script, '--bundle', bundle.file, '--root', root, '--no-systemctl', ...extra], { encoding: 'utf8' });

  beforeAll(async () => {
    bundle = await bundleAgent();
    root = mkdtempSync(join(tmpdir(), 'eip-install-'));
  });
  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
    bundle.cleanup();
  });

  it('installs the agent, the units and the directories with the right modes', () => {
    const result = install();
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(`installed ${root}/usr/local/bin/eip-agent`);
    expect(mode(`${root}/usr/local/bin/eip-agent`)).toBe('755');
    expect(readFileSync(`${root}/usr/local/bin/eip-agent`)).toEqual(readFileSync(bundle.file));
    expect(readFileSync(`${root}/etc/systemd/system/eip-agent.service`, 'utf8')).toContain('ExecStart=/usr/local/bin/eip-agent run');
    expect(mode(`${root}/etc/systemd/system/keepalived.service.d/eip-failover.conf`)).toBe('644');
    expect(mode(`${root}/var/lib/eip-failover`)).toBe('700');
    const help = spawnSync(process.execPath, [`${root}/usr/local/bin/eip-agent`, '--help'], { encoding: 'utf8' });
    expect(help.stdout).toContain('Usage: eip-agent');
  });

  it('changes nothing and says so on a second run', () => {
    const before = statSync(`${root}/usr/local/bin/eip-agent`);
    const result = install();
    expect(result.status).toBe(0);
    expect(result.stdout.trim()).toBe('eip-agent already installed and up to date; nothing changed');
    expect(statSync(`${root}/usr/local/bin/eip-agent`).ino).toBe(before.ino);
  });

  it('refuses a file that is not the agent bundle and leaves the installed one alone', () => {
    const before = readFileSync(`${root}/usr/local/bin/eip-agent`);
    const result = spawnSync('bash', [script, '--bundle', '/etc/hostname', '--root', root, '--no-systemctl'], { encoding: 'utf8' });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('is not the agent bundle');
    expect(readFileSync(`${root}/usr/local/bin/eip-agent`)).toEqual(before);
  });
});
