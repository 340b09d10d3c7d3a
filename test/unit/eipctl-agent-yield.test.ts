/**
 * The agent's side of a planned switchover (node-agent/switchover): the yield procedure over fake
 * ports (order of the steps, catch-up, every way it rolls back, the point of no return),
 * prepare-takeover's checks, the hold rule in fencing, and the rendered keepalived track files.
 * The real thing runs in test/integration/eipctl-lab.test.ts.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AgentStatus } from '../../node-agent/daemon/status';
import type { DbView, LocalDatabase } from '../../node-agent/db/local-database';
import { FencingController } from '../../node-agent/fencing/controller';
import { DEFAULT_FENCING_BOUNDS, decideFencing } from '../../node-agent/fencing/decide';
import { renderKeepalivedConf } from '../../node-agent/keepalived/render';
import * as files from '../../node-agent/switchover/files';
import { prepareTakeover, cancelTakeover, type TakeoverPorts } from '../../node-agent/switchover/takeover';
import { HOLD_MARGIN_MS, LEAVE_MASTER_TIMEOUT_MS, yieldWriter, type YieldPorts } from '../../node-agent/switchover/yield';
import { config } from './failover-fixtures';

function agentStatus(over: { vrrp?: Partial<AgentStatus['vrrp']>; db?: Partial<AgentStatus['db']>; eip?: Partial<AgentStatus['eip']>; switchover?: AgentStatus['switchover'] } = {}): AgentStatus {
  return {
    cluster: 'orders-db',
    nodeId: 'db-a',
    pid: 4242,
    startedAtMs: 0,
    updatedAtMs: 0,
    vrrp: { state: 'MASTER', priority: 150, transitionAtMs: 0, source: 'fifo', keepalivedRunning: true, ...over.vrrp },
    events: { epoch: 1, lastSeq: 1 } as AgentStatus['events'],
    db: { up: true, readOnly: false, ioRunning: true, sqlRunning: true, gtidCurrentPos: '0-1-10', lagSeconds: null, error: null, role: 'writer', ...over.db },
    eip: { holder: 'self', ageMs: 0, lastError: null, ...over.eip },
    fencing: { reason: 'already-writable', detail: '', warning: null, error: null },
    ...(over.switchover ? { switchover: over.switchover } : {}),
  };
}

/** A scripted writer: a fake clock, a log of every action in order, knobs for each port. */
function writer(o: { binlog?: string[]; peer?: Array<string | Error>; leavesMaster?: boolean; eipLeavesAfterMs?: number; abortAt?: string; fenceFails?: boolean; status?: AgentStatus | null; readOnly?: boolean | null; hold?: files.SwitchoverHold } = {}) {
  let now = 1_000_000;
  const log: string[] = [];
  const binlog = [...(o.binlog ?? ['0-1-10'])];
  const peer = [...(o.peer ?? ['0-1-10'])];
  let master = true;
  let yieldedAt: number | null = null;
  let aborted = false;
  let status: AgentStatus | null = o.status === undefined ? agentStatus() : o.status;
  const ports: YieldPorts = {
    agentStatus: () => {
      if (!status) return null;
      const eipGone = yieldedAt !== null && o.eipLeavesAfterMs !== undefined && now - yieldedAt >= o.eipLeavesAfterMs;
      return { status: eipGone ? { ...status, eip: { ...status.eip, holder: 'other' } } : status, running: true };
    },
    local: {
      readOnly: async () => (o.readOnly === undefined ? false : o.readOnly),
      fence: async () => {
        log.push('fence');
        if (o.fenceFails) throw new Error('lock wait timeout');
        if (o.abortAt === 'fence') aborted = true;
      },
      binlogPos: async () => (binlog.length > 1 ? binlog.shift()! : binlog[0]!),
    },
    peer: {
      appliedPos: async () => {
        const next = peer.length > 1 ? peer.shift()! : peer[0]!;
        if (next instanceof Error) throw next;
        return next;
      },
      close: () => log.push('peer closed'),
    },
    hold: {
      current: () => o.hold ?? null,
      set: async (h) => void log.push(`hold until +${h.untilMs - now}`),
      clear: () => void log.push('hold cleared'),
    },
    keepalived: {
      setYield: async (on) => {
        log.push(`yield ${on ? 1 : 0}`);
        if (on) {
          yieldedAt = now;
          if (o.leavesMaster !== false) master = false;
          if (o.abortAt === 'yield') aborted = true;
        }
      },
      isMaster: () => master,
    },
    abortRequested: () => aborted,
    now: () => now,
    sleep: async (ms) => {
      now += ms;
    },
    progress: () => undefined,
    pid: 777,
  };
  return { ports, log, setStatus: (s: AgentStatus | null) => (status = s) };
}

const opts = { nodeId: 'db-a', peerId: 'db-b', catchUpTimeoutMs: 1000, handoverTimeoutMs: 5000 };

describe('eip-agent yield (the writer side)', () => {
  test('hands over: hold before fence, fence before catch-up, catch-up before the step-down, release after the EIP left', async () => {
    const w = writer({ peer: ['0-1-9', '0-1-9', '0-1-10'], eipLeavesAfterMs: 300 });
    const r = await yieldWriter(w.ports, opts);
    expect(r).toMatchObject({ outcome: 'handed-over', reason: null, interrupted: false, binlogPos: '0-1-10', peerAppliedPos: '0-1-10' });
    expect(w.log).toEqual([`hold until +${1000 + LEAVE_MASTER_TIMEOUT_MS + 5000 + HOLD_MARGIN_MS}`, 'fence', 'yield 1', 'yield 0', 'hold cleared', 'peer closed']);
    // The first read is the check before the fence; then one behind, then caught up: one 20 ms poll.
    expect(r.caughtUpAtMs! - r.fencedAtMs!).toBe(20);
    expect(r.fencedAtMs! <= r.caughtUpAtMs! && r.caughtUpAtMs! <= r.yieldedAtMs! && r.yieldedAtMs! <= r.leftMasterAtMs! && r.leftMasterAtMs! < r.eipLeftAtMs!).toBe(true);
  });

  test('a write that slipped in before read_only took moves the binlog: the peer must apply that one too', async () => {
    const w = writer({ binlog: ['0-1-10', '0-1-11', '0-1-11'], peer: ['0-1-10', '0-1-10', '0-1-11'], eipLeavesAfterMs: 0 });
    const r = await yieldWriter(w.ports, opts);
    expect(r).toMatchObject({ outcome: 'handed-over', binlogPos: '0-1-11', peerAppliedPos: '0-1-11' });
  });

  test('GTID in every domain: a peer ahead in one domain but behind in another has not caught up', async () => {
    const w = writer({ binlog: ['0-1-10,1-3-5'], peer: ['0-1-12,1-3-4'] });
    const r = await yieldWriter(w.ports, opts);
    expect(r).toMatchObject({ outcome: 'rolled-back', yieldedAtMs: null });
    expect(r.reason).toMatch(/db-b did not apply 0-1-10,1-3-5 within 1000 ms \(it has 0-1-12,1-3-4\)/);
    expect(w.log).not.toContain('yield 1');
    expect(w.log.slice(-2)).toEqual(['hold cleared', 'peer closed']);
  });

  test('peer unreadable during the catch-up: rolls back at the bound and says why', async () => {
    const w = writer({ peer: ['0-1-10', new Error('connect ETIMEDOUT')] });
    const r = await yieldWriter(w.ports, opts);
    expect(r.outcome).toBe('rolled-back');
    expect(r.reason).toMatch(/its database could not be read: connect ETIMEDOUT/);
  });

  test('peer unreadable before the fence: refused, nothing touched', async () => {
    const w = writer({ peer: [new Error('Access denied')] });
    const r = await yieldWriter(w.ports, opts);
    expect(r).toMatchObject({ outcome: 'refused', fencedAtMs: null });
    expect(r.reason).toMatch(/cannot read db-b's GTID position.*Access denied/);
    expect(w.log).toEqual(['peer closed']);
  });

  test.each<[string, Parameters<typeof writer>[0], RegExp]>([
    ['no daemon status', { status: null }, /agent daemon has not run/],
    ['not MASTER', { status: agentStatus({ vrrp: { state: 'BACKUP' } }) }, /VRRP BACKUP, not MASTER/],
    ['EIP elsewhere', { status: agentStatus({ eip: { holder: 'other' } }) }, /EIP is not on this node/],
    // Read live: the daemon's status may still say "writer" a second after a fence.
    ['read_only now', { readOnly: true }, /the database here is read_only: this node is not the writer/],
    ['the database not answering', { readOnly: null }, /not answering/],
    ['a switchover already running', { hold: { pid: 9, sinceMs: 0, untilMs: 9e15, peer: 'db-b' } }, /already in progress.*pid 9/],
  ])('refuses when %s, changing nothing', async (_what, spec, reason) => {
    const w = writer(spec);
    const r = await yieldWriter(w.ports, opts);
    expect(r.outcome).toBe('refused');
    expect(r.reason).toMatch(reason);
    expect(w.log).toEqual(['peer closed']);
  });

  test('fencing fails: the hold is removed again (the daemon keeps it the writer)', async () => {
    const w = writer({ fenceFails: true });
    const r = await yieldWriter(w.ports, opts);
    expect(r).toMatchObject({ outcome: 'rolled-back', fencedAtMs: null });
    expect(r.reason).toMatch(/could not fence: lock wait timeout/);
    expect(w.log).toEqual([expect.stringMatching(/^hold until/), 'fence', 'hold cleared', 'peer closed']);
  });

  test('interrupted before the step-down: rolls back and says so', async () => {
    const w = writer({ abortAt: 'fence', peer: ['0-1-9'] });
    const r = await yieldWriter(w.ports, opts);
    expect(r).toMatchObject({ outcome: 'rolled-back', interrupted: true, reason: 'interrupted before the handover', yieldedAtMs: null });
    expect(w.log).not.toContain('yield 1');
  });

  test('interrupted after the step-down: the handover runs to its end', async () => {
    const w = writer({ abortAt: 'yield', eipLeavesAfterMs: 200 });
    const r = await yieldWriter(w.ports, opts);
    expect(r).toMatchObject({ outcome: 'handed-over', interrupted: true });
    expect(w.log.slice(-4)).toEqual(['yield 1', 'yield 0', 'hold cleared', 'peer closed']);
  });

  test('keepalived ignores the track file: undone like a rollback, with what to fix', async () => {
    const w = writer({ leavesMaster: false });
    const r = await yieldWriter(w.ports, opts);
    expect(r).toMatchObject({ outcome: 'rolled-back', leftMasterAtMs: null });
    expect(r.reason).toMatch(/did not leave MASTER.*run eip-agent apply and restart keepalived/);
    expect(w.log.slice(-4)).toEqual(['yield 1', 'yield 0', 'hold cleared', 'peer closed']);
  });

  test('the EIP never leaves: keepalived is released anyway after the bound, reported as a failed handover', async () => {
    const w = writer({});
    const r = await yieldWriter(w.ports, opts);
    expect(r).toMatchObject({ outcome: 'handover-failed', eipLeftAtMs: null });
    expect(r.reason).toMatch(/did not leave db-a within 5000 ms/);
    expect(w.log.slice(-3)).toEqual(['yield 0', 'hold cleared', 'peer closed']);
  });
});

describe('eip-agent prepare-takeover (the target side)', () => {
  const backup = () => agentStatus({ vrrp: { state: 'BACKUP', priority: 100 }, db: { readOnly: true, role: 'read-only', lagSeconds: 0.2 }, eip: { holder: 'other' } });
  function target(status: AgentStatus | null, running = true) {
    const log: string[] = [];
    // The live database view: here the status's own, the adapter reads the server.
    const db = status?.db ?? { up: false, readOnly: null, ioRunning: false, sqlRunning: false, error: 'no status' };
    const ports: TakeoverPorts = {
      agentStatus: () => (status ? { status, running } : null),
      db: async () => ({ up: db.up, readOnly: db.readOnly, ioRunning: db.ioRunning, sqlRunning: db.sqlRunning, error: db.error }),
      lease: { set: async (l) => void log.push(`lease ${l.untilMs - 5000} ${l.peer}`), clear: () => void log.push('lease cleared') },
      setBoost: async (on) => void log.push(`boost ${on ? 1 : 0}`),
      now: () => 5000,
      pid: 1,
    };
    return { ports, log };
  }
  const o = { nodeId: 'db-b', peerId: 'db-a', nopreempt: true, forMs: 60_000 };

  test('a healthy BACKUP: lease first, then the boost', async () => {
    const t = target(backup());
    await expect(prepareTakeover(t.ports, o)).resolves.toEqual({ node: 'db-b', peer: 'db-a', outcome: 'prepared', reason: null, untilMs: 65_000 });
    expect(t.log).toEqual(['lease 60000 db-a', 'boost 1']);
    await cancelTakeover(t.ports, o);
    expect(t.log.slice(-2)).toEqual(['boost 0', 'lease cleared']);
  });

  test.each([
    ['nopreempt off', backup(), true, false, /nopreempt is false/],
    ['daemon stopped', backup(), false, true, /not running/],
    ['MASTER', agentStatus({ vrrp: { state: 'MASTER' } }), true, true, /VRRP MASTER, not BACKUP/],
    ['database down', agentStatus({ vrrp: { state: 'BACKUP' }, db: { up: false, readOnly: null, error: 'ECONNREFUSED' } }), true, true, /database is down \(ECONNREFUSED\)/],
    ['writable', agentStatus({ vrrp: { state: 'BACKUP' } }), true, true, /writable: fencing failed/],
    ['SQL thread stopped', agentStatus({ vrrp: { state: 'BACKUP' }, db: { readOnly: true, sqlRunning: false } }), true, true, /replication is not running \(IO yes, SQL no\)/],
  ])('refuses when %s, changing nothing', async (_what, status, running, nopreempt, reason) => {
    const t = target(status, running);
    const r = await prepareTakeover(t.ports, { ...o, nopreempt });
    expect(r.outcome).toBe('refused');
    expect(r.reason).toMatch(reason);
    expect(t.log).toEqual([]);
  });
});

describe('fencing during a switchover', () => {
  const base = { vrrpState: 'MASTER' as const, keepalivedAlive: true, eipHolder: 'self' as const, db: { up: true, readOnly: true, caughtUp: true as const }, masterSinceMs: 0, nowMs: 60_000, bounds: DEFAULT_FENCING_BOUNDS };

  test('a held MASTER with the EIP and caught up stays fenced; without the hold it is unfenced', () => {
    expect(decideFencing(base)).toMatchObject({ readOnly: false, reason: 'caught-up' });
    expect(decideFencing({ ...base, switchoverHold: true })).toMatchObject({ readOnly: true, reason: 'switchover-hold' });
    expect(decideFencing({ ...base, switchoverHold: true, db: { ...base.db, readOnly: false } })).toMatchObject({ readOnly: true, reason: 'switchover-hold' });
  });

  test('the controller reads the hold after the database view (a fence set after the hold is never seen without it)', async () => {
    const order: string[] = [];
    const view: DbView = { up: true, readOnly: true, serverId: 1, gtidCurrentPos: '', gtidIoPos: '', replication: null, lagSeconds: null, error: null, warnings: [] };
    const db: LocalDatabase = {
      view: async () => (order.push('view'), view),
      setReadOnly: async (on) => void order.push(`set ${on}`),
      waitApplied: async () => ({ outcome: 'not-a-replica', target: null, waitedMs: 0 }),
      writeHeartbeat: async () => ({ written: true }),
    };
    let held = true;
    const c = new FencingController({ db, eipHolder: () => 'self', bounds: DEFAULT_FENCING_BOUNDS, switchoverHold: () => (order.push('hold?'), held) });
    c.noteVrrpState('MASTER');
    expect((await c.step()).decision.reason).toBe('switchover-hold');
    expect(order.slice(0, 2)).toEqual(['view', 'hold?']);
    expect(order).not.toContain('set false');
    held = false;
    await c.step(); // the EIP arrives "again" in the latch: measured this step
    const last = await c.step();
    expect(last.decision.reason).toBe('caught-up');
    expect(order).toContain('set false');
  });
});

describe('switchover files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'eipctl-files-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('leases round-trip, expire, and a missing or broken file is no lease', async () => {
    expect(files.readHold(dir)).toBeNull();
    await files.writeHold(dir, { pid: 1, sinceMs: 10, untilMs: 20, peer: 'db-b' });
    expect(files.readHold(dir)).toEqual({ pid: 1, sinceMs: 10, untilMs: 20, peer: 'db-b' });
    expect(files.holdActive(files.readHold(dir), 19)).toBe(true);
    expect(files.holdActive(files.readHold(dir), 20)).toBe(false);
    files.clearHold(dir);
    expect(files.readHold(dir)).toBeNull();
  });

  test('track files hold exactly what keepalived reads: 1 or 0', async () => {
    await files.setYieldTrack(dir, true);
    expect(readFileSync(files.yieldTrackPath(dir), 'utf8')).toBe('1\n');
    expect(files.yieldTrackSet(dir)).toBe(true);
    await files.setTakeoverTrack(dir, false);
    expect(readFileSync(files.takeoverTrackPath(dir), 'utf8')).toBe('0\n');
    expect(files.takeoverTrackSet(dir)).toBe(false);
  });
});

describe('keepalived.conf for a switchover', () => {
  const conf = renderKeepalivedConf(config, 'db-a', { agentPath: '/usr/local/bin/eip-agent', configPath: '/etc/eip-failover/cluster.json' });

  test('declares both track files in the state directory, reset whenever keepalived starts', () => {
    expect(conf).toContain(`track_file eip_yield {\n    file "${config.agent.stateDir}/vrrp-yield"\n    weight 0\n    init_file 0 overwrite\n}`);
    expect(conf).toContain(`track_file eip_takeover {\n    file "${config.agent.stateDir}/vrrp-takeover"\n    weight 254\n    init_file 0 overwrite\n}`);
  });

  test('the instance tracks both', () => {
    expect(conf).toMatch(/vrrp_instance [^{]+\{[\s\S]*\n {4}track_file \{\n {8}eip_yield\n {8}eip_takeover\n {4}\}/);
  });
});
