/**
 * The install script's part for nodes[].eipPrivateIp (lib/cdk/eip-private-address.ts), run for
 * real with bash inside a network namespace: it finds the interface by the primary address, writes
 * the environment file and the unit only on change, and the unit's own ExecStart/ExecStop (run by
 * a stand-in `systemctl`) put the /32 on the interface and take it off. Also: the node lookup
 * program, and `systemd-analyze verify` of the unit where systemd-analyze exists.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  EIP_ADDRESS_ENV_PATH,
  EIP_ADDRESS_UNIT,
  EIP_ADDRESS_UNIT_NAME,
  EIP_ADDRESS_UNIT_PATH,
  NODE_FACTS_JS,
  eipAddressStep,
} from '../../lib/cdk/eip-private-address';
import { NetnsLab, run } from '../../lab/netns';

const lab = new NetnsLab('sec');
const PRIMARY = '10.199.7.10';
const SECONDARY = '10.199.7.11';
const IFACE = 'eth-sec'; // not ens5: the step must find the interface, not assume it
let ns = '';
let root = '';

/** Stands in for systemctl: logs its arguments; start/restart/stop run the unit's Exec lines with its environment file. */
const SYSTEMCTL = `#!/bin/bash
echo "$*" >> "$ROOT/systemctl.log"
unit="$ROOT${EIP_ADDRESS_UNIT_PATH.replace(EIP_ADDRESS_UNIT_NAME, '')}$2"
exec_line() { sed -n "s/^$1=//p" "$unit"; }
set -a; [ ! -f "$ROOT${EIP_ADDRESS_ENV_PATH}" ] || . "$ROOT${EIP_ADDRESS_ENV_PATH}"; set +a
case "$1" in
  start|restart) eval "$(exec_line ExecStart)" ;;
  stop) eval "$(exec_line ExecStop)" ;;
esac
`;

beforeAll(async () => {
  ns = await lab.createNamespace();
  const peer = await lab.createNamespace();
  await lab.connect({ netns: ns, name: IFACE, address: `${PRIMARY}/24` }, { netns: peer, name: 'eth-peer', address: '10.199.7.20/24' });
  root = await lab.tempDir();
  for (const p of [EIP_ADDRESS_ENV_PATH, EIP_ADDRESS_UNIT_PATH]) mkdirSync(join(root, p, '..'), { recursive: true });
  mkdirSync(join(root, 'bin'));
  writeFileSync(join(root, 'bin', 'systemctl'), SYSTEMCTL, { mode: 0o755 });
}, 30_000);

afterAll(() => lab.cleanup(), 30_000);

async function step(eipIp: string) {
  writeFileSync(join(root, 'systemctl.log'), '');
  const script = ['set -euo pipefail', `primary_ip=${PRIMARY}`, `eip_ip=${eipIp}`, ...eipAddressStep(root)].join('\n');
  const out = await lab.exec(ns, 'env', [`ROOT=${root}`, `PATH=${root}/bin:/usr/sbin:/sbin:/usr/bin:/bin`, 'bash', '-c', script], { allowFailure: true });
  return { ...out, systemctl: readFileSync(join(root, 'systemctl.log'), 'utf8').trim().split('\n').filter(Boolean) };
}
const addresses = async () => (await lab.exec(ns, 'ip', ['-o', '-4', 'address', 'show', 'dev', IFACE])).stdout;

test('first run: files written, the unit restarted, the /32 on the interface next to the primary', async () => {
  const out = await step(SECONDARY);
  expect(out.stderr).toBe('');
  expect(out.code).toBe(0);
  expect(readFileSync(join(root, EIP_ADDRESS_ENV_PATH), 'utf8')).toBe(`EIP_PRIVATE_IP=${SECONDARY}\nEIP_INTERFACE=${IFACE}\n`);
  expect(readFileSync(join(root, EIP_ADDRESS_UNIT_PATH), 'utf8')).toBe(EIP_ADDRESS_UNIT);
  expect(out.systemctl).toEqual(['daemon-reload', `enable ${EIP_ADDRESS_UNIT_NAME}`, `restart ${EIP_ADDRESS_UNIT_NAME}`]);
  const now = await addresses();
  expect(now).toContain(`inet ${SECONDARY}/32 `);
  expect(now).toContain(`inet ${PRIMARY}/24 `);
  // The node's own connections still leave from the primary address (its own public IPv4 on AWS).
  const route = await lab.exec(ns, 'ip', ['-4', 'route', 'get', '10.199.7.20']);
  expect(route.stdout).toContain(`src ${PRIMARY}`);
});

test('second run: nothing rewritten, no reload, the unit only started (idempotent)', async () => {
  const out = await step(SECONDARY);
  expect(out.code).toBe(0);
  expect(out.stdout).not.toContain('wrote ');
  expect(out.systemctl).toEqual([`enable ${EIP_ADDRESS_UNIT_NAME}`, `start ${EIP_ADDRESS_UNIT_NAME}`]);
  expect((await addresses()).match(new RegExp(`inet ${SECONDARY.replace(/\./g, '\\.')}/32`, 'g'))).toHaveLength(1);
});

test("the unit's ExecStop takes the address off again", async () => {
  await lab.exec(ns, 'env', [`ROOT=${root}`, join(root, 'bin', 'systemctl'), 'stop', EIP_ADDRESS_UNIT_NAME]);
  expect(await addresses()).not.toContain(SECONDARY);
});

test('without eipPrivateIp ("-") nothing is written or started', async () => {
  const fresh = await lab.tempDir();
  const script = ['set -euo pipefail', `primary_ip=${PRIMARY}`, 'eip_ip=-', ...eipAddressStep(fresh)].join('\n');
  const out = await lab.exec(ns, 'env', [`ROOT=${fresh}`, `PATH=${root}/bin:/usr/sbin:/sbin:/usr/bin:/bin`, 'bash', '-c', script], { allowFailure: true });
  expect(out.code).toBe(0);
  expect(out.stdout).toContain(`no eipPrivateIp: the Elastic IP maps to the primary address ${PRIMARY}`);
  expect(existsSync(join(fresh, EIP_ADDRESS_UNIT_PATH))).toBe(false);
  expect(existsSync(join(fresh, 'systemctl.log'))).toBe(false); // the stand-in was never called
});

test('a primary address no interface carries fails the step with a message', async () => {
  const script = ['set -euo pipefail', 'primary_ip=10.199.8.10', `eip_ip=${SECONDARY}`, ...eipAddressStep(root)].join('\n');
  const out = await lab.exec(ns, 'bash', ['-c', script], { allowFailure: true });
  expect(out.code).toBe(1);
  expect(out.stderr).toContain('no interface carries 10.199.8.10');
});

test('the node lookup prints id, primary and EIP address, "-" without one, and fails for a stranger', async () => {
  const doc = join(root, 'cluster.json');
  writeFileSync(
    doc,
    JSON.stringify({
      nodes: [
        { id: 'db-a', instanceId: 'i-0aaaaaaaaaaaaaaaa', privateIp: '10.42.0.10', eipPrivateIp: '10.42.0.11' },
        { id: 'db-b', instanceId: 'i-0bbbbbbbbbbbbbbbb', privateIp: '10.42.1.10' },
      ],
    }),
  );
  const facts = (iid: string) => run(process.execPath, ['-e', NODE_FACTS_JS, doc, iid], { allowFailure: true });
  expect((await facts('i-0aaaaaaaaaaaaaaaa')).stdout).toBe('db-a 10.42.0.10 10.42.0.11\n');
  expect((await facts('i-0bbbbbbbbbbbbbbbb')).stdout).toBe('db-b 10.42.1.10 -\n');
  expect((await facts('i-0cccccccccccccccc')).code).toBe(1);
});

test('systemd-analyze verify accepts the unit (where systemd-analyze exists)', async () => {
  const found = await run('sh', ['-c', 'command -v systemd-analyze'], { allowFailure: true });
  if (found.code !== 0) return; // no systemd tooling on this machine: the other tests still ran the unit's commands
  const dir = await lab.tempDir();
  const file = join(dir, EIP_ADDRESS_UNIT_NAME);
  writeFileSync(file, EIP_ADDRESS_UNIT);
  const out = await run('systemd-analyze', ['verify', file], { allowFailure: true });
  expect({ code: out.code, output: out.stderr.split('\n').filter((l) => l.includes(EIP_ADDRESS_UNIT_NAME)) }).toEqual({ code: 0, output: [] });
});
