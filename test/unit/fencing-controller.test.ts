/**
 * FencingController's own bookkeeping, and its behaviour when the database is not there (a socket
 * path with no server: the real adapter, refused at once). Scenarios on real servers are in
 * test/integration/db-replication.test.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MariaDbLocalDatabase } from '../../node-agent/db/mariadb';
import type { LocalDatabase, WaitAppliedOutcome } from '../../node-agent/db/local-database';
import type { EipHolder } from '../../node-agent/eip/ownership';
import { FencingController } from '../../node-agent/fencing/controller';

const dir = mkdtempSync(join(tmpdir(), 'fencing-ctl-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const noServer = new MariaDbLocalDatabase({ endpoint: { socket: join(dir, 'none.sock'), user: 'eip_agent', password: 'x' } });
const bounds = { eipWaitMs: 1000, catchUpWaitMs: 5000 };

function controller(holder: EipHolder = 'self') {
  return new FencingController({ db: noServer, eipHolder: () => holder, bounds });
}

describe('FencingController', () => {
  test('starts UNKNOWN, not MASTER, keepalived assumed alive', () => {
    expect(controller().snapshot).toEqual({ vrrpState: 'UNKNOWN', masterSinceMs: null, caughtUp: 'unknown', keepalivedAlive: true });
  });

  test('MASTER_RX_LOWER_PRI keeps the MASTER start; leaving MASTER clears it', () => {
    const c = controller();
    c.noteVrrpState('MASTER', 100);
    c.noteVrrpState('MASTER_RX_LOWER_PRI', 500);
    expect(c.snapshot).toMatchObject({ vrrpState: 'MASTER_RX_LOWER_PRI', masterSinceMs: 100 });
    c.noteVrrpState('MASTER', 900);
    expect(c.snapshot.masterSinceMs).toBe(100);
    c.noteVrrpState('BACKUP', 1000);
    expect(c.snapshot).toMatchObject({ vrrpState: 'BACKUP', masterSinceMs: null });
    c.noteVrrpState('MASTER_RX_LOWER_PRI', 2000); // first word after an agent restart
    expect(c.snapshot.masterSinceMs).toBe(2000);
  });

  test('database down: still tries to fence (fence on doubt), reports the failure, never throws', async () => {
    const c = controller();
    c.noteVrrpState('BACKUP');
    const started = Date.now();
    const step = await c.step();
    expect(Date.now() - started).toBeLessThan(500);
    expect(step).toMatchObject({ action: 'set-read-only', decision: { readOnly: true, reason: 'vrrp-not-master' }, view: { up: false }, changed: true });
    expect(step.error).toMatch(/^set-read-only failed: SET GLOBAL read_only=ON: server not running/);
  });

  test('database down: never tries to unfence, even when everything else says writer', async () => {
    const c = controller('self');
    c.noteVrrpState('MASTER', Date.now() - 60_000); // catch-up bound long expired
    const step = await c.step();
    expect(step.decision.readOnly).toBe(false);
    expect(step).toMatchObject({ action: 'none', error: null, catchUp: null });
  });

  test('changed is true only when the reason changes', async () => {
    const c = controller();
    c.noteVrrpState('BACKUP');
    expect((await c.step()).changed).toBe(true);
    expect((await c.step()).changed).toBe(false);
    c.noteKeepalivedAlive(false);
    expect((await c.step()).changed).toBe(true);
  });

  test('steps run one at a time, in call order', async () => {
    const c = controller();
    c.noteVrrpState('BACKUP');
    const first = c.step();
    c.noteKeepalivedAlive(false);
    const second = c.step();
    const [one, two] = await Promise.all([first, second]);
    // Both read the state when they ran; the second never overtakes the first.
    expect(one.decision.reason).toBe('keepalived-dead');
    expect(two.decision.reason).toBe('keepalived-dead');
    expect(two.changed).toBe(false);
  });

  test('a catch-up seen while the EIP was elsewhere is measured again when the EIP arrives (its holder may have written since)', async () => {
    let readOnly = true;
    let outcome: WaitAppliedOutcome = 'applied';
    const waits: WaitAppliedOutcome[] = [];
    const db: LocalDatabase = {
      view: async () => ({ up: true, readOnly, serverId: 2, gtidCurrentPos: '0-1-5', gtidIoPos: '0-1-5', replication: null, lagSeconds: null, error: null, warnings: [] }),
      setReadOnly: async (on) => void (readOnly = on),
      waitApplied: async () => (waits.push(outcome), { outcome, target: '0-1-5', waitedMs: 0 }),
      writeHeartbeat: async () => ({ written: true }),
    };
    let holder: EipHolder = 'other';
    const c = new FencingController({ db, eipHolder: () => holder, bounds: { eipWaitMs: 1000, catchUpWaitMs: 60_000 } });
    c.noteVrrpState('MASTER');
    expect(await c.step()).toMatchObject({ decision: { reason: 'eip-on-other-node' }, catchUp: { outcome: 'applied' } });
    // The EIP holder goes on writing (a partition); this replica's SQL thread falls behind.
    outcome = 'timed-out';
    holder = 'self';
    expect(await c.step()).toMatchObject({ action: 'none', decision: { readOnly: true, reason: 'waiting-for-catch-up' }, catchUp: { outcome: 'timed-out' } });
    outcome = 'applied';
    expect(await c.step()).toMatchObject({ action: 'clear-read-only', decision: { reason: 'caught-up' } });
    // Latched from there: the writer's own transactions coming back never make it wait.
    expect(await c.step()).toMatchObject({ action: 'none', decision: { reason: 'already-writable' }, catchUp: null });
    expect(waits).toEqual(['applied', 'timed-out', 'applied']);
  });
});
