/**
 * `eip-agent run`, the events half: a real keepalived pair in two namespaces, real MariaDB per
 * node (the track script is the real `eip-agent check-mysql`), the real bundled daemon on each
 * node as the FIFO's only reader, and a local PutEvents endpoint that records what the real SDK
 * client sends. Every FIFO line must arrive as one event, in order, exactly once — through a
 * graceful failover, and through an outage of every kind with a daemon restart in the middle.
 *
 * What keepalived really wrote to the FIFO is reconstructed independently of the daemon, from
 * keepalived's own log ("Entering X STATE", plus STOP for a graceful stop).
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { AgentLab, NodeId } from '../helpers/agent-lab';
import { waitFor } from '../helpers/keepalived';

jest.setTimeout(120000);

let lab: AgentLab;
const context = () => lab.describe();

/** Fails with the whole picture when the accepted transitions differ from keepalived's own account. */
function expectEveryFifoLineDelivered(id: NodeId): void {
  const delivered = lab.transitionStates(id);
  const written = lab.keepalivedStates(id);
  if (JSON.stringify(delivered) !== JSON.stringify(written)) {
    throw new Error(`${id}: keepalived wrote [${written.join(', ')}] but the endpoint accepted [${delivered.join(', ')}]\n${context()}`);
  }
  const violations = lab.orderViolations(id);
  if (violations.length > 0) throw new Error(`${id}: order contract broken:\n${violations.join('\n')}\n${context()}`);
}

/** Waits until the accepted transitions of both nodes match what keepalived wrote. */
async function waitAllDelivered(timeoutMs: number): Promise<void> {
  await waitFor(
    'every FIFO line of both nodes to arrive',
    () => (['db-a', 'db-b'] as const).every((id) => JSON.stringify(lab.transitionStates(id)) === JSON.stringify(lab.keepalivedStates(id))),
    timeoutMs,
    context,
  );
}

beforeAll(async () => {
  lab = await AgentLab.create('agev');
  // db-a: the daemon first (it creates the FIFO), as systemd orders them.
  await lab.startDaemon('db-a');
  await lab.startKeepalived('db-a');
  await lab.waitForTransition('db-a', 'MASTER', { timeoutMs: 15000 });
  // db-b: keepalived first, so keepalived creates its own FIFO (and deletes it when it stops);
  // the daemon started afterwards must still follow it across keepalived restarts.
  await lab.startKeepalived('db-b');
  expect(existsSync(lab.nodes['db-b'].fifo)).toBe(true);
  await lab.startDaemon('db-b');
  await lab.waitForTransition('db-b', 'BACKUP');
});

afterAll(async () => {
  await lab?.cleanup();
});

test('start-up: every FIFO line becomes one valid event, heartbeats report UNKNOWN until the first line', () => {
  expect(lab.transitionStates('db-a')).toEqual(['BACKUP', 'MASTER']);
  expect(lab.transitionStates('db-b')).toEqual(['BACKUP']);
  for (const id of ['db-a', 'db-b'] as const) {
    expectEveryFifoLineDelivered(id);
    // Until the first FIFO line a heartbeat says UNKNOWN (db-b's daemon found keepalived running,
    // not MASTER, and its BACKUP line waiting in the FIFO; db-a's started before keepalived).
    const events = lab.events(id);
    const firstTransition = events.findIndex((e) => e.transition);
    for (const e of events.slice(0, firstTransition)) expect(e.detail).toMatchObject({ state: 'UNKNOWN', transitionAtMs: null });
    if (id === 'db-a') expect(firstTransition).toBeGreaterThan(0);
    const { priority } = lab.nodes[id].config.nodes.find((n) => n.id === id)!;
    for (const t of lab.transitions(id)) expect(t.detail.priority).toBe(priority);
    // With the endpoint accepting everything, even heartbeats arrive strictly in seq order.
    const seqs = lab.events(id).map((e) => e.detail.seq);
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    expect(new Set(lab.events(id).map((e) => e.detail.epoch)).size).toBe(1);
  }
  // The real SDK signed every request (the endpoint records the Authorization header).
  expect(lab.endpoint.requests.every((r) => /^AWS4-HMAC-SHA256 Credential=AKIDLOCALTEST\//.test(r.authorization ?? ''))).toBe(true);
});

test("graceful stop of the master: its STOP arrives, then the peer's MASTER with a larger seq than its earlier events", async () => {
  const [markA, markB] = [lab.transitions('db-a').length, lab.transitions('db-b').length];
  const before = lab.events('db-b');
  await lab.stopKeepalived('db-a');
  const stop = await lab.waitForTransition('db-a', 'STOP', { after: markA });
  const master = await lab.waitForTransition('db-b', 'MASTER', { after: markB });
  expect(stop.detail.priority).toBe(150); // the FIFO line's priority: keepalived said it, not the watch
  expect(stop.detail.lastError ?? '').not.toMatch(/without a STOP line/);
  for (const earlier of before) {
    expect(master.index).toBeGreaterThan(earlier.index);
    expect(master.detail.seq).toBeGreaterThan(earlier.detail.seq);
  }
  // Give the daemon's keepalived watch time to notice the exit: it must not add a second STOP.
  await new Promise((r) => setTimeout(r, 1500));
  expect(lab.transitionStates('db-a').slice(markA)).toEqual(['STOP']);
  expect(lab.transitionStates('db-b').slice(markB)).toEqual(['MASTER']);

  // keepalived back on db-a: BACKUP (nopreempt keeps db-b the master).
  await lab.startKeepalived('db-a');
  await lab.waitForTransition('db-a', 'BACKUP', { after: markA + 1 });
  expectEveryFifoLineDelivered('db-a');
  expectEveryFifoLineDelivered('db-b');
});

test('outage: refused entries, HTTP 500s, refused connections and a daemon restart lose nothing and reorder nothing', async () => {
  const { endpoint } = lab;
  const requestsBefore = endpoint.requests.length;
  const outcomesSince = () => endpoint.requests.slice(requestsBefore).map((r) => r.outcome);

  // 1. PutEvents refuses every entry with an odd seq (FailedEntryCount > 0), accepts the rest.
  endpoint.mode = {
    kind: 'fail-entries',
    fail: (entry) => ((JSON.parse(String(entry.Detail)) as { seq: number }).seq % 2 === 1 ? { code: 'InternalFailure', message: 'injected' } : undefined),
  };
  await lab.stopKeepalived('db-b'); // db-b: STOP; db-a: MASTER
  await waitFor('db-a MASTER in keepalived log', () => lab.keepalivedStates('db-a').at(-1) === 'MASTER', 10000, context);
  await waitFor('a partially refused PutEvents call', () => outcomesSince().includes('partial'), 10000, context);

  // 2. HTTP 500 on every call.
  endpoint.mode = { kind: 'http-error', status: 500, errorType: 'InternalException', message: 'injected outage' };
  await lab.startKeepalived('db-b'); // db-b: BACKUP
  // The daemon reads the FIFO of the new keepalived process (the old one deleted its FIFO).
  await waitFor("db-b's daemon to read BACKUP from the new keepalived", () => lab.statusFile('db-b')?.vrrp.state === 'BACKUP', 5000, context);
  await waitFor('an HTTP 500 answer', () => outcomesSince().includes('http-error'), 10000, context);

  // 3. Nobody listening (ECONNREFUSED). db-b's daemon stops with events in its spool; while it
  // is down keepalived fails over, so db-b's MASTER line waits in the FIFO for the next daemon.
  await endpoint.stop();
  const stopAt = Date.now();
  expect(await lab.stopDaemon('db-b')).toEqual({ code: 0, signal: null });
  expect(Date.now() - stopAt).toBeLessThan(5000); // SIGTERM ends it promptly, mid-outage too
  const spooled = readdirSync(join(lab.nodes['db-b'].stateDir, 'spool')).filter((f) => f.endsWith('.json'));
  expect(spooled.length).toBeGreaterThan(0);
  const stopped = await lab.status('db-b');
  expect(stopped.code).toBe(1); // "the agent daemon is not running"
  expect(stopped.status).toMatchObject({ running: false, events: { spoolDepth: spooled.length } });
  await lab.stopKeepalived('db-a'); // db-a: STOP; db-b: MASTER, read by nobody yet
  await waitFor('db-b MASTER in keepalived log', () => lab.keepalivedStates('db-b').at(-1) === 'MASTER', 10000, context);
  await lab.startDaemon('db-b');
  await lab.startKeepalived('db-a'); // db-a: BACKUP
  await waitFor("db-b's new daemon to read MASTER from the FIFO", () => lab.statusFile('db-b')?.vrrp.source === 'fifo' && lab.statusFile('db-b')?.vrrp.state === 'MASTER', 5000, context);

  // The operator's view during the outage: events wait in the spool, the last error is shown.
  for (const id of ['db-a', 'db-b'] as const) {
    await waitFor(
      `${id}: its status showing the outage`,
      () => {
        const events = lab.statusFile(id)?.events;
        return !!events && events.spoolDepth > 0 && events.lastResult !== 'ok' && !!events.lastError;
      },
      10000,
      context,
    );
    const { code, status } = await lab.status(id);
    expect(code).toBe(0);
    expect(status.running).toBe(true);
    expect(status.events.spoolDepth).toBeGreaterThan(0);
    // db-b's new daemon has only ever met the refused connections; db-a may still be backing off
    // after an earlier phase.
    expect(status.events.lastError).toMatch(id === 'db-b' ? /ECONNREFUSED/ : /ECONNREFUSED|HTTP 500|refused \d+ of \d+ entries/);
    expect(status.events.consecutiveFailures).toBeGreaterThan(0);
  }

  // 4. Back on the same port: everything drains, in order, exactly once.
  endpoint.mode = { kind: 'accept' };
  await endpoint.start();
  await waitAllDelivered(45000);
  for (const id of ['db-a', 'db-b'] as const) {
    expectEveryFifoLineDelivered(id);
    await waitFor(`${id}: empty spool`, () => lab.statusFile(id)?.events.spoolDepth === 0, 45000, context);
    expect(lab.statusFile(id)?.events).toMatchObject({ spoolDepth: 0, droppedHeartbeats: 0, lastResult: 'ok', lastError: null });
  }
  expect(outcomesSince()).toEqual(expect.arrayContaining(['partial', 'http-error', 'accepted']));

  // db-b's events span two epochs: the old one's spool went out first, seq kept growing.
  const b = lab.events('db-b');
  const epochs = [...new Set(b.map((e) => e.detail.epoch))];
  expect(epochs).toHaveLength(2);
  const firstOfNew = b.findIndex((e) => e.detail.epoch === epochs[1]);
  expect(b.slice(firstOfNew).every((e) => e.detail.epoch === epochs[1])).toBe(true);
  expect(Math.min(...b.slice(firstOfNew).map((e) => e.detail.seq))).toBeGreaterThan(Math.max(...b.slice(0, firstOfNew).map((e) => e.detail.seq)));
  // Every spooled file of the stopped daemon was delivered.
  const delivered = new Set(b.map((e) => `${String(e.detail.epoch).padStart(16, '0')}-${String(e.detail.seq).padStart(16, '0')}`));
  expect(spooled.filter((f) => !delivered.has(f.slice(0, 33)))).toEqual([]);
});
