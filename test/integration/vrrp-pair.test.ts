/**
 * A real unicast VRRP pair: two keepalived processes running the rendered configs, each in its
 * own namespace, joined by a veth pair. The track script is a fixture that fails while a flag
 * file exists. Each test starts a fresh pair; states come from the notify FIFO (in order) and the
 * marker address on `lo`.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import example from '../../examples/cluster.json';
import { parseClusterConfig } from '../../lib/config/parse';
import type { ClusterConfig } from '../../lib/config/schema';
import { markerAddress, renderKeepalivedConf } from '../../node-agent/keepalived/render';
import { KeepalivedNode } from '../helpers/keepalived';
import { NetnsLab } from '../helpers/netns';

const LAB_NODES = [
  { privateIp: '10.99.0.1', interface: 'eth-a' },
  { privateIp: '10.99.0.2', interface: 'eth-b' },
] as const;

/** The example on lab addresses; each node gets its own FIFO since both share one filesystem. */
function labConfig(notifyFifo: string): ClusterConfig {
  const doc = structuredClone(example);
  return parseClusterConfig({ ...doc, nodes: doc.nodes.map((n, i) => ({ ...n, ...LAB_NODES[i] })), agent: { ...doc.agent, notifyFifo } });
}

const ADVERT_MS = example.vrrp.advertIntervalSec * 1000;
/** RFC 3768 Master_Down_Interval for a backup of this priority. */
const masterDownMs = (priority: number) => 3 * ADVERT_MS + ((256 - priority) * ADVERT_MS) / 256;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
/** Per test: a pair needs ~4 s to elect, each scenario a few more. */
const TEST_TIMEOUT_MS = 30000;

interface LabNode {
  readonly id: string;
  readonly netns: string;
  readonly confPath: string;
  readonly fifo: string;
  /** While this file exists the node's track script fails. */
  readonly failFlag: string;
}

const lab = new NetnsLab('vrp');
let workDir = '';
let marker = '';
let labNodes: LabNode[] = [];
let running: KeepalivedNode[] = [];

beforeAll(async () => {
  const [nsA, nsB] = [await lab.createNamespace(), await lab.createNamespace()];
  const [a, b] = LAB_NODES;
  await lab.connect({ netns: nsA, name: a.interface, address: `${a.privateIp}/24` }, { netns: nsB, name: b.interface, address: `${b.privateIp}/24` });
  workDir = await lab.tempDir();
  labNodes = [];
  for (const [i, netns] of [nsA, nsB].entries()) {
    const id = example.nodes[i]!.id;
    const fifo = join(workDir, `${id}.fifo`);
    const failFlag = join(workDir, `${id}.fail`);
    const agent = await lab.fixtureScript('eip-agent', `#!/bin/sh\n# stands in for: eip-agent check-mysql\n[ -e ${failFlag} ] && exit 1\nexit 0\n`);
    const config = labConfig(fifo);
    marker = markerAddress(config);
    const confPath = join(workDir, `${id}.conf`);
    writeFileSync(confPath, renderKeepalivedConf(config, id, { agentPath: agent.path, configPath: '/etc/eip-failover/cluster.json' }));
    labNodes.push({ id, netns, confPath, fifo, failFlag });
  }
}, TEST_TIMEOUT_MS);

afterEach(async () => {
  await Promise.all(running.map((n) => n.close()));
  running = [];
  for (const n of labNodes) rmSync(n.failFlag, { force: true });
}, TEST_TIMEOUT_MS);

afterAll(() => lab.cleanup(), TEST_TIMEOUT_MS);

/** Starts both nodes together and resolves once one of them is MASTER. */
async function startPair(): Promise<{ master: KeepalivedNode; backup: KeepalivedNode }> {
  running = await Promise.all(
    labNodes.map((n) => KeepalivedNode.start({ lab, netns: n.netns, confPath: n.confPath, notifyFifo: n.fifo, workDir, label: n.id, marker })),
  );
  const [a, b] = running as [KeepalivedNode, KeepalivedNode];
  const context = () => `${a.describe()}\n${b.describe()}`;
  // Both start as BACKUP; the first whose master-down timer expires (~3.6 s) takes over.
  const first = await Promise.race([a, b].map((n) => n.waitForState('MASTER', { timeoutMs: 10000, context }).then(() => n)));
  return first === a ? { master: a, backup: b } : { master: b, backup: a };
}

const priorityOf = (node: KeepalivedNode) => node.transitions[0]!.priority;
const bothLogs = () => running.map((n) => n.describe()).join('\n');

it('elects exactly one MASTER; the other stays BACKUP', async () => {
  const { master, backup } = await startPair();
  // Several adverts later nothing has changed: the backup hears the master over unicast.
  await sleep(3 * ADVERT_MS);
  expect(master.statesSince()).toEqual(['BACKUP', 'MASTER']);
  expect(backup.statesSince()).toEqual(['BACKUP']);
  expect(await master.hasMarker()).toBe(true);
  expect(await backup.hasMarker()).toBe(false);
  expect(master.transitions.every((t) => t.instance === 'eip_orders_db')).toBe(true);
}, TEST_TIMEOUT_MS);

it('a graceful stop (SIGTERM) hands over within the skew, far below the master-down interval', async () => {
  const { master, backup } = await startPair();
  const [masterMark, backupMark] = [master.transitions.length, backup.transitions.length];
  const stoppedAt = Date.now();
  await master.stop();
  const takeover = await backup.waitForState('MASTER', { after: backupMark, timeoutMs: 5000, context: bothLogs });
  const tookMs = takeover.atMs - stoppedAt;
  // The stopping master sends priority 0, so the backup waits only its skew (< 1 advert).
  expect(tookMs).toBeLessThan(ADVERT_MS + 500);
  expect(tookMs).toBeLessThan(masterDownMs(priorityOf(backup)) / 2);
  expect(backup.log()).toMatch(/Backup received priority 0 advertisement/);
  // Order: the old master announced STOP before the peer took over.
  expect(master.statesSince(masterMark)).toEqual(['STOP']);
  expect(master.transitions.at(-1)!.atMs).toBeLessThanOrEqual(takeover.atMs);
  expect(await master.hasMarker()).toBe(false);
  expect(await backup.hasMarker()).toBe(true);
}, TEST_TIMEOUT_MS);

it('a crash (SIGKILL) is noticed after the master-down interval, 3 × advert + skew', async () => {
  const { master, backup } = await startPair();
  const [masterMark, backupMark] = [master.transitions.length, backup.transitions.length];
  const logBefore = backup.log().length;
  const killedAt = Date.now();
  await master.kill();
  const takeover = await backup.waitForState('MASTER', { after: backupMark, timeoutMs: 8000, context: bothLogs });
  const tookMs = takeover.atMs - killedAt;
  const downMs = masterDownMs(priorityOf(backup));
  // The last advert came at most one interval before the kill; allow 1 s for scheduling.
  expect(tookMs).toBeGreaterThan(downMs - ADVERT_MS - 200);
  expect(tookMs).toBeLessThan(downMs + 1000);
  // A crash says nothing: no priority-0 advert, no STOP line...
  expect(backup.log().slice(logBefore)).not.toMatch(/priority 0/);
  expect(master.statesSince(masterMark)).toEqual([]);
  // ...and leaves the marker behind: an address on lo is no proof of being MASTER.
  expect(await master.hasMarker()).toBe(true);
  expect(await backup.hasMarker()).toBe(true);
}, TEST_TIMEOUT_MS);

it('a failing track script puts the master in FAULT, the peer takes over and keeps it after recovery', async () => {
  const { master, backup } = await startPair();
  const [masterMark, backupMark] = [master.transitions.length, backup.transitions.length];
  const failedAt = Date.now();
  writeFileSync(labNodes.find((n) => master.options.label === n.id)!.failFlag, '');
  const fault = await master.waitForState('FAULT', { after: masterMark, timeoutMs: 8000, context: bothLogs });
  const takeover = await backup.waitForState('MASTER', { after: backupMark, timeoutMs: 5000, context: bothLogs });
  // fall (2) failed checks one interval apart, then FAULT sends priority 0: the peer follows within its skew.
  expect(fault.atMs - failedAt).toBeLessThan((example.vrrp.healthCheckFall + 1) * ADVERT_MS + 500);
  expect(fault.atMs).toBeLessThanOrEqual(takeover.atMs);
  expect(takeover.atMs - fault.atMs).toBeLessThan(ADVERT_MS + 500);
  expect(await master.hasMarker()).toBe(false);
  expect(await backup.hasMarker()).toBe(true);

  // Recovery: after `rise` good checks the old master returns as BACKUP; nopreempt keeps the new master.
  rmSync(labNodes.find((n) => master.options.label === n.id)!.failFlag);
  await master.waitForState('BACKUP', { after: masterMark, timeoutMs: (example.vrrp.healthCheckRise + 2) * ADVERT_MS, context: bothLogs });
  await sleep(2 * ADVERT_MS);
  expect(master.statesSince(masterMark)).toEqual(['FAULT', 'BACKUP']);
  expect(backup.statesSince(backupMark)).toEqual(['MASTER']);
  expect(await backup.hasMarker()).toBe(true);
  expect(await master.hasMarker()).toBe(false);
}, TEST_TIMEOUT_MS);
