/**
 * The round, the loop and the invocation with fake ports (plain objects implementing them, no mocking
 * library) on a virtual clock: deadlines handed down, a part that never settles written off at the
 * round's deadline, rounds per invocation, memory between rounds, a failed cold start retried.
 */
import type { EipAssociation } from '../../lambda/failover/core/types';
import type { IdentityProbe, NodeProbe, ReplicationRoundTrip, RoundSummary } from '../../lambda/probe/core/types';
import { createProbeHandler, type ProbeLog } from '../../lambda/probe/invocation';
import type { EipMappingPort, EmittedRound, Endpoint, MysqlProbePort, ProbeClock } from '../../lambda/probe/ports';
import { runProbeRound } from '../../lambda/probe/round';
import { ProbeRunner } from '../../lambda/probe/runner';
import { A, AT_MS, B, config, eipOn, healthyRound, passiveAnswer, up, writerAnswer } from './probe-fixtures';

/** Virtual time: sleep yields a macrotask (anything already settled runs first), then advances. */
class VirtualClock implements ProbeClock {
  t = 0;
  wallMs = () => AT_MS + this.t;
  monoMs = () => this.t;
  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    await new Promise((r) => setImmediate(r));
    if (!signal?.aborted) this.t += Math.max(0, ms);
  }
}

const never = <T>() => new Promise<T>(() => undefined);

class FakeMysql implements MysqlProbePort {
  readonly calls: Array<{ call: string; host: string; deadlineMs: number; atMs: number }> = [];
  nodes: Record<string, NodeProbe | 'hang' | 'throw'> = { [A.privateIp]: up(writerAnswer()), [B.privateIp]: up(passiveAnswer()) };
  constructor(private readonly clock: VirtualClock) {}
  probeNode(at: Endpoint, deadlineMs: number): Promise<NodeProbe> {
    this.calls.push({ call: 'probeNode', host: at.host, deadlineMs, atMs: this.clock.t });
    const r = this.nodes[at.host]!;
    if (r === 'throw') return Promise.reject(new Error('adapter bug'));
    return r === 'hang' ? never() : Promise.resolve(r);
  }
  identify(at: Endpoint, deadlineMs: number): Promise<IdentityProbe> {
    this.calls.push({ call: 'identify', host: at.host, deadlineMs, atMs: this.clock.t });
    return Promise.resolve({ ok: true, serverId: at.host === A.privateIp ? 1 : 2, hostname: at.host, readOnly: at.host !== A.privateIp });
  }
  replicationRoundTrip(writer: Endpoint & { serverId: number }, _peer: Endpoint, deadlineMs: number): Promise<ReplicationRoundTrip> {
    this.calls.push({ call: 'e2e', host: writer.host, deadlineMs, atMs: this.clock.t });
    return Promise.resolve({ ok: true, writeMs: 2, replicatedMs: 5 });
  }
}

class FakeEip implements EipMappingPort {
  answer: EipAssociation | null | Error = eipOn(A);
  async describe(): Promise<EipAssociation | null> {
    if (this.answer instanceof Error) throw this.answer;
    return this.answer;
  }
}

const limits = { connectTimeoutMs: 2000, queryTimeoutMs: 2000 };

function setup() {
  const clock = new VirtualClock();
  const mysql = new FakeMysql(clock);
  const eip = new FakeEip();
  const emitted: EmittedRound[] = [];
  const runner = new ProbeRunner({ config, mysql, eip, clock, limits, sink: { emit: (r) => void emitted.push(r) } });
  return { clock, mysql, eip, emitted, runner, deps: { config, mysql, eip, clock, limits } };
}

describe('runProbeRound', () => {
  test('both nodes and the EIP within connect + query timeouts, then the write with a fresh budget', async () => {
    const { mysql, deps, clock } = setup();
    clock.t = 1000;
    const raw = await runProbeRound(deps, 1000 + 8000);
    expect(raw).toEqual(healthyRound({ eipTarget: { ok: true, serverId: 1, hostname: A.privateIp, readOnly: false }, e2e: { ok: true, writeMs: 2, replicatedMs: 5 }, atMs: AT_MS + 1000, durationMs: 0 }));
    expect(mysql.calls).toEqual([
      { call: 'probeNode', host: A.privateIp, deadlineMs: 5000, atMs: 1000 },
      { call: 'probeNode', host: B.privateIp, deadlineMs: 5000, atMs: 1000 },
      { call: 'identify', host: A.privateIp, deadlineMs: 5000, atMs: 1000 },
      { call: 'e2e', host: A.privateIp, deadlineMs: 5000, atMs: 1000 },
    ]);
  });

  test('every deadline is capped by the round’s', async () => {
    const { mysql, deps } = setup();
    await runProbeRound(deps, 1500);
    expect(mysql.calls.map((c) => c.deadlineMs)).toEqual([1500, 1500, 1500, 1500]);
  });

  test('a probe that never settles is written off at the round’s deadline (+250 ms); the rest is kept', async () => {
    const { mysql, deps } = setup();
    mysql.nodes[B.privateIp] = 'hang';
    const raw = await runProbeRound(deps, 8000);
    expect(raw.durationMs).toBe(8250);
    expect(raw.nodes[A.id]).toEqual(up(writerAnswer()));
    expect(raw.nodes[B.id]).toEqual({ ok: false, connectMs: null, failure: { reason: 'timeout', message: "probe of db-b: not settled by the round's deadline" } });
    expect(raw.e2e).toBeNull(); // the peer never answered: nothing to time
  });

  test('an adapter that rejects (a bug) is written off like one that hangs, on a clock with fractions of a millisecond', async () => {
    const { mysql, deps, clock } = setup();
    clock.t = 0.625;
    mysql.nodes[A.privateIp] = 'throw';
    const raw = await runProbeRound(deps, 8000.625);
    expect(raw.nodes[A.id]).toEqual({ ok: false, connectMs: null, failure: { reason: 'timeout', message: "probe of db-a: not settled by the round's deadline" } });
    expect(raw.nodes[B.id]).toEqual(up(passiveAnswer()));
    expect(raw.eip).toEqual({ ok: true, association: eipOn(A) });
  });

  test('EC2 failing: the error is kept, the EIP target is not asked', async () => {
    const { mysql, eip, deps } = setup();
    eip.answer = Object.assign(new Error('Rate exceeded'), { name: 'RequestLimitExceeded' });
    const raw = await runProbeRound(deps, 8000);
    expect(raw.eip).toEqual({ ok: false, error: 'RequestLimitExceeded: Rate exceeded' });
    expect(raw.eipTarget).toBeNull();
    expect(mysql.calls.map((c) => c.call)).not.toContain('identify');
  });

  test('not associated: nobody to identify', async () => {
    const { eip, deps } = setup();
    eip.answer = null;
    const raw = await runProbeRound(deps, 8000);
    expect(raw.eip).toEqual({ ok: true, association: null });
    expect(raw.eipTarget).toBeNull();
  });
});

describe('ProbeRunner', () => {
  test('emits the EMF lines and summary of each round, and carries the memory: a write on the passive node shows next round', async () => {
    const { runner, emitted, mysql } = setup();
    await runner.round(8000);
    mysql.nodes[A.privateIp] = up(writerAnswer({ gtidBinlogState: '0-1-130,0-2-41' }));
    mysql.nodes[B.privateIp] = up(passiveAnswer({ gtidBinlogState: '0-1-130,0-2-41' }));
    const second = (await runner.round(16_000)) as RoundSummary;
    expect(second.nodes[B.id]!.passiveWrites).toEqual({ count: 1, gtids: ['0-2-41'] });
    expect(emitted).toHaveLength(2);
    expect(emitted[1]!.lines.map((l) => JSON.parse(l).Target)).toEqual([A.id, B.id, 'eip']);
    expect(JSON.parse(emitted[1]!.lines[1]!)).toMatchObject({ PassiveWrites: 1, ErrantTransactions: 0 });
  });

  test('a window of 60 s every 10 s within a 70 s invocation: 6 rounds, 10 s apart', async () => {
    const { runner, emitted, clock } = setup();
    const rounds = await runner.runWindow({ everyMs: 10_000, windowMs: 60_000, stopAtMs: 69_000 });
    expect(rounds).toBe(6);
    expect(emitted.map((r) => r.summary.atMs - AT_MS)).toEqual([0, 10_000, 20_000, 30_000, 40_000, 50_000]);
    expect(clock.t).toBe(50_000);
  });

  test('no round starts unless its whole budget fits before the stop time', async () => {
    const { runner } = setup();
    // Budget 8 s: rounds at 0 and 10 s end by 18 s; one at 20 s could run until 28 s > 25 s.
    expect(await runner.runWindow({ everyMs: 10_000, windowMs: 60_000, stopAtMs: 25_000 })).toBe(2);
    expect(await runner.runWindow({ everyMs: 10_000, windowMs: 60_000, stopAtMs: 7_000 })).toBe(0);
  });

  test('a sink that throws loses that round only', async () => {
    const clock = new VirtualClock();
    const errors: string[] = [];
    let calls = 0;
    const runner = new ProbeRunner({ config, mysql: new FakeMysql(clock), eip: new FakeEip(), clock, limits, sink: { emit: () => void (calls++ === 0 && (() => { throw new Error('disk full'); })()) }, onError: (m, e) => void errors.push(`${m}: ${(e as Error).message}`) });
    expect(await runner.runWindow({ everyMs: 10_000, windowMs: 20_000, stopAtMs: 100_000 })).toBe(2);
    expect(errors).toEqual(['probe round not emitted: disk full']);
  });
});

describe('createProbeHandler', () => {
  const log: Array<[string, string]> = [];
  const logger: ProbeLog = (level, message) => void log.push([level, message]);

  test('builds once per cold start, retries a failed build at the next invocation, probes within the time left', async () => {
    const { runner, emitted, clock } = setup();
    let builds = 0;
    const handler = createProbeHandler({
      clock,
      log: logger,
      build: async () => {
        if (++builds === 1) throw new Error('ConfigUnavailableError: cannot read SSM parameter');
        return { runner, everyMs: 10_000 };
      },
    });
    await expect(handler({}, { getRemainingTimeInMillis: () => 70_000 })).rejects.toThrow(/cannot read SSM/);
    expect(log.at(-1)).toEqual(['ERROR', 'probe not started: cannot load its config or password; no metrics this minute']);
    await handler({}, { getRemainingTimeInMillis: () => 70_000 });
    expect(emitted).toHaveLength(6);
    clock.t += 10_000;
    await handler({}, { getRemainingTimeInMillis: () => 30_000 }); // a short timeout: rounds at 0, 10 and 20 s end by 28 s ≤ 29 s
    expect(builds).toBe(2);
    expect(emitted).toHaveLength(6 + 3);
  });

  test('says so when not one round fits', async () => {
    const { runner, clock } = setup();
    const handler = createProbeHandler({ clock, log: logger, build: async () => ({ runner, everyMs: 10_000 }) });
    await handler({}, { getRemainingTimeInMillis: () => 5_000 });
    expect(log.at(-1)).toEqual(['WARN', 'no probe round fitted in this invocation: raise the function timeout (70 s expected)']);
  });
});
