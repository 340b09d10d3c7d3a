/** runSwitchover over fake ports: the order of the calls, what each outcome reports, Ctrl-C at each step. */
import { exitCodeOf } from '../../eipctl/cli';
import type { NodeAgentPort, PairTarget, WriteLoad } from '../../eipctl/ports';
import { formatSwitchover } from '../../eipctl/core/report-text';
import { runSwitchover, type SwitchoverOptions } from '../../eipctl/switchover';
import type { YieldReport } from '../../node-agent/switchover/yield';
import { pair } from './eipctl-fixtures';

const FENCED = 10_000;

function yieldReport(over: Partial<YieldReport> = {}): YieldReport {
  return {
    node: 'db-a',
    peer: 'db-b',
    outcome: 'handed-over',
    reason: null,
    interrupted: false,
    startedAtMs: FENCED - 100,
    fencedAtMs: FENCED,
    binlogPos: '0-1-100',
    peerAppliedPos: '0-1-100',
    caughtUpAtMs: FENCED + 15,
    yieldedAtMs: FENCED + 16,
    leftMasterAtMs: FENCED + 20,
    eipLeftAtMs: FENCED + 400,
    finishedAtMs: FENCED + 420,
    ...over,
  };
}

/** A fake pair on a fake clock: the EIP reaches db-b at +150 ms, db-b is writable at +240 ms. */
function fake(o: { view?: Parameters<typeof pair>[0]; yield?: Partial<YieldReport> | Error; prepare?: 'prepared' | 'refused'; eipAtMs?: number | null; writableAtMs?: number | null; abortDuring?: 'load' | 'prepare' | 'yield' | 'confirm'; load?: boolean } = {}) {
  let now = FENCED - 1000;
  const calls: string[] = [];
  const ac = new AbortController();
  const eipAt = o.eipAtMs === undefined ? FENCED + 150 : o.eipAtMs;
  const writableAt = o.writableAtMs === undefined ? FENCED + 240 : o.writableAtMs;
  const agent: NodeAgentPort = {
    prepareTakeover: async (id, forMs) => {
      calls.push(`prepare ${id} ${forMs}`);
      if (o.abortDuring === 'prepare') ac.abort();
      return { node: id, peer: 'db-a', outcome: o.prepare ?? 'prepared', reason: o.prepare === 'refused' ? 'replication is not running' : null, untilMs: 1 };
    },
    cancelTakeover: async (id) => void calls.push(`cancel ${id}`),
    yieldWriter: async (id, req) => {
      calls.push(`yield ${id} ${req.catchUpTimeoutMs} ${req.handoverTimeoutMs}`);
      if (o.abortDuring === 'yield') ac.abort();
      now = FENCED + 20;
      if (o.yield instanceof Error) throw o.yield;
      return yieldReport(o.yield);
    },
  };
  const load: WriteLoad = {
    start: async () => {
      calls.push('load start');
      if (o.abortDuring === 'load') ac.abort();
    },
    finish: async (f) => (calls.push(`load finish ${f.fencedAtMs} ${f.writer}`), { downtimeMs: 260, ackedWrites: 90, lostAckedWrites: 0, lostAckedIds: [] }),
    stop: async () => void calls.push('load stop'),
  };
  const target: PairTarget = {
    view: async () => pair(o.view),
    history: async () => ({ entries: [], source: 'x' }),
    agent,
    probe: {
      eipHolder: async () => {
        if (o.abortDuring === 'confirm') ac.abort();
        return eipAt !== null && now >= eipAt ? 'db-b' : 'db-a';
      },
      // db-b writable from writableAt; db-a read_only after its fence, writable again 1.2 s after a rollback.
      readOnly: async (id) => (id === 'db-b' ? !(writableAt !== null && now >= writableAt) : !(o.yield instanceof Error) && o.yield?.outcome === 'rolled-back' ? now < FENCED + 1200 : true),
    },
    probeEveryMs: 25,
    ...(o.load === false ? {} : { writeLoad: () => load }),
    record: (fields) => void calls.push(`record ${String(fields.outcome)} ${String(fields.downtimeMs)}`),
  };
  const options: SwitchoverOptions = {
    to: 'db-b',
    maxLagSeconds: 5,
    catchUpTimeoutMs: 5000,
    handoverTimeoutMs: 15_000,
    confirmTimeoutMs: 20_000,
    dryRun: false,
    withLoad: true,
    progress: () => undefined,
    signal: ac.signal,
    now: () => now,
    sleep: async (ms) => void (now += ms),
  };
  return { target, options, calls };
}

test('switched: prepare the target, yield the writer, confirm EIP and writer; the client tally is the downtime', async () => {
  const f = fake();
  const r = await runSwitchover(f.target, f.options);
  expect(f.calls).toEqual(['load start', 'prepare db-b 50000', 'yield db-a 5000 15000', `load finish ${FENCED} db-b`, 'load stop', 'record switched 260']);
  expect(r).toMatchObject({ from: 'db-a', to: 'db-b', outcome: 'switched', reason: null, eipMoved: true, newWriterWritable: true, oldWriterReadOnly: true, downtimeMs: 260, downtimeSource: 'client', ackedWrites: 90, lostAckedWrites: 0, interrupted: false });
  expect(r.stagesMs).toEqual({ caughtUp: 15, steppedDown: 20, eipMoved: 170, writable: 245 });
  expect(r.leftState).toMatch(/^switched: db-b is the writer and holds the EIP; db-a is read_only/);
  expect(exitCodeOf(r)).toBe(0);
  expect(formatSwitchover(r)).toMatch(/switchover db-a → db-b: switched\n {2}write downtime: 260 ms \(client-observed/);
});

test('without a client the downtime is the fence to the new writer taking writes', async () => {
  const f = fake({ load: false });
  const r = await runSwitchover(f.target, f.options);
  expect(r).toMatchObject({ outcome: 'switched', downtimeMs: 245, downtimeSource: 'fence-to-writable', ackedWrites: null, lostAckedWrites: null });
});

test('refused by the plan: nothing is called on the nodes', async () => {
  const f = fake({ view: { b: { db: { lagSeconds: 30 } } } });
  const r = await runSwitchover(f.target, f.options);
  expect(r).toMatchObject({ outcome: 'refused', leftState: 'unchanged: nothing was done' });
  expect(r.refusals.map((x) => x.code)).toEqual(['target-lagging']);
  expect(f.calls).toEqual(['record refused null']);
  expect(exitCodeOf(r)).toBe(3);
  expect(formatSwitchover(r)).toMatch(/REFUSED, nothing changed:\n {2}- target-lagging: db-b lags 30\.0 s/);
});

test('dry run: the plan, nothing called', async () => {
  const f = fake();
  const r = await runSwitchover(f.target, { ...f.options, dryRun: true });
  expect(r.outcome).toBe('dry-run');
  expect(f.calls).toEqual([]); // not even recorded
  expect(formatSwitchover(r)).toMatch(/dry run, nothing changed. The plan:\n {2}1\. db-b: eip-agent prepare-takeover/);
});

test('the target refuses to prepare: refused, the writer never touched', async () => {
  const f = fake({ prepare: 'refused' });
  const r = await runSwitchover(f.target, f.options);
  expect(r).toMatchObject({ outcome: 'refused', reason: 'db-b refused to prepare: replication is not running' });
  expect(f.calls).toEqual(['load start', 'prepare db-b 50000', 'load stop', 'record refused null']);
});

test('the writer rolls back (catch-up too slow): the boost is dropped, the old writer is waited back, the client tally still counts', async () => {
  const f = fake({ yield: { outcome: 'rolled-back', reason: 'db-b did not apply 0-1-100 within 5000 ms', caughtUpAtMs: null, yieldedAtMs: null, leftMasterAtMs: null, eipLeftAtMs: null } });
  const r = await runSwitchover(f.target, f.options);
  expect(f.calls).toEqual(['load start', 'prepare db-b 50000', 'yield db-a 5000 15000', 'cancel db-b', `load finish ${FENCED} db-a`, 'load stop', 'record rolled-back 260']);
  expect(r).toMatchObject({ outcome: 'rolled-back', reason: 'db-b did not apply 0-1-100 within 5000 ms', eipMoved: false, downtimeMs: 260 });
  expect(r.leftState).toMatch(/^unchanged: db-a is the writer again \(its fence was undone after \d+ ms\)/);
  expect(exitCodeOf(r)).toBe(1);
});

test.each(['load', 'prepare'] as const)('Ctrl-C during %s: nothing left changed (a prepared target is cancelled)', async (step) => {
  const f = fake({ abortDuring: step });
  const r = await runSwitchover(f.target, f.options);
  expect(r).toMatchObject({ outcome: 'interrupted', interrupted: true, leftState: 'unchanged: db-a is the writer' });
  expect(f.calls).not.toContainEqual(expect.stringMatching(/^yield/));
  if (step === 'prepare') expect(f.calls).toContain('cancel db-b');
  expect(exitCodeOf(r)).toBe(130);
});

test('Ctrl-C while the writer yields, before its step-down: its report says rolled back and interrupted', async () => {
  const f = fake({ abortDuring: 'yield', yield: { outcome: 'rolled-back', interrupted: true, reason: 'interrupted before the handover', caughtUpAtMs: null, yieldedAtMs: null, leftMasterAtMs: null, eipLeftAtMs: null } });
  const r = await runSwitchover(f.target, f.options);
  expect(r).toMatchObject({ outcome: 'interrupted', interrupted: true });
  expect(r.leftState).toMatch(/^unchanged: db-a is the writer again/);
  expect(f.calls).toContain('cancel db-b');
});

test('Ctrl-C after the step-down: the handover is left to finish and the report says so', async () => {
  const f = fake({ abortDuring: 'confirm', eipAtMs: FENCED + 5000 });
  const r = await runSwitchover(f.target, f.options);
  expect(r).toMatchObject({ outcome: 'interrupted', interrupted: true, eipMoved: false });
  expect(r.leftState).toMatch(/db-a stepped down before the interrupt, so the handover was left to finish: the EIP had not reached db-b yet/);
});

test('the EIP never arrives: failed after the confirm bound, with where to look', async () => {
  const f = fake({ eipAtMs: null, yield: { outcome: 'handover-failed', reason: 'the EIP did not leave db-a within 15000 ms', eipLeftAtMs: null } });
  const r = await runSwitchover(f.target, f.options);
  expect(r).toMatchObject({ outcome: 'failed', eipMoved: false, newWriterWritable: false, downtimeMs: null });
  expect(r.leftState).toMatch(/^handover failed: .*eipctl history/);
});

test('no report from the writer (SSM failed): the boost is dropped and the error says the state is unknown', async () => {
  const f = fake({ yield: new Error('SSM command cmd-9 on i-0a had no final status after 110 s') });
  await expect(runSwitchover(f.target, f.options)).rejects.toThrow(/^no report from eip-agent yield on db-a \(SSM command cmd-9 .*\); the pair's state is unknown: check it with eipctl status$/);
  expect(f.calls).toEqual(['load start', 'prepare db-b 50000', 'yield db-a 5000 15000', 'cancel db-b', 'load stop']);
});
