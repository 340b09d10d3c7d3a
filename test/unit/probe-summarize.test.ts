import { summarizeRound } from '../../lambda/probe/core/summarize';
import { EMPTY_MEMORY, type ProbeMemory, type RawRound } from '../../lambda/probe/core/types';
import { A, B, config, eipOn, healthyRound, passiveAnswer, up, writerAnswer } from './probe-fixtures';

const summarize = (raw: RawRound, memory: ProbeMemory = EMPTY_MEMORY) => summarizeRound(config, raw, memory).summary;
const refused = { ok: false as const, connectMs: null, failure: { reason: 'refused' as const, message: 'server not running: connect ECONNREFUSED' } };

test('healthy pair: one writer, everything agrees, lag and e2e measured, nothing errant', () => {
  const s = summarize(healthyRound());
  expect(s.nodes[A.id]).toEqual({
    up: true,
    failure: null,
    connectMs: 1.3,
    queryMs: 0.7,
    serverId: 1,
    readOnly: false,
    replication: { ioRunning: true, sqlRunning: true, secondsBehindMaster: 0, lastError: null },
    lagMs: null, // the writer's "lag" would be the age of the peer's last turn as writer
    errant: null,
    passiveWrites: null,
    connections: { used: 10, max: 200, percent: 5 },
    uptimeSec: 86_400,
  });
  expect(s.nodes[B.id]).toMatchObject({ up: true, readOnly: true, lagMs: 812.3, errant: { transactions: 0, gtids: [] }, passiveWrites: null, connections: { percent: 1.5 } });
  expect(s.pair).toEqual({
    writableNodes: 1,
    writableNodeIds: [A.id],
    writer: { eipNode: A.id, writableNode: A.id, answeringNode: A.id, consistent: true, eipPrivateIp: A.privateIp, problem: null },
    writerReachable: true,
    e2e: { replicationMs: 4, writeMs: 2, skipped: null, failure: null },
  });
});

test('writer killed: down with its reason, no writable node, the EIP reaches nobody, no e2e', () => {
  const s = summarize(healthyRound({ nodes: { [A.id]: refused, [B.id]: up(passiveAnswer({ slave: { ioRunning: 'Connecting', sqlRunning: 'Yes', secondsBehindMaster: null, lastIoError: "error reconnecting to master 'eip_repl@10.0.1.10:3306'", lastSqlError: '' } })) }, eipTarget: { ok: false, failure: refused.failure }, e2e: null }));
  expect(s.nodes[A.id]).toMatchObject({ up: false, failure: refused.failure, readOnly: null, replication: null });
  expect(s.nodes[B.id]!.replication).toEqual({ ioRunning: false, sqlRunning: true, secondsBehindMaster: null, lastError: "error reconnecting to master 'eip_repl@10.0.1.10:3306'" });
  expect(s.nodes[B.id]!.errant).toBeNull(); // no writer to compare with
  expect(s.pair.writableNodes).toBe(0);
  expect(s.pair.writer).toMatchObject({ eipNode: A.id, writableNode: null, answeringNode: null, consistent: false });
  expect(s.pair.writer.problem).toMatch(/nobody answered on 10\.0\.1\.10: server not running/);
  expect(s.pair.writerReachable).toBe(false);
  expect(s.pair.e2e).toEqual({ replicationMs: null, writeMs: null, skipped: 'no writable node', failure: null });
});

test('replication stopped: the SQL thread reads not running, with its error', () => {
  const slave = { ioRunning: 'Yes', sqlRunning: 'No', secondsBehindMaster: null, lastIoError: '', lastSqlError: "Error 'Duplicate entry' on query" };
  const s = summarize(healthyRound({ nodes: { [A.id]: up(writerAnswer()), [B.id]: up(passiveAnswer({ slave, peerHeartbeatAgeMs: 95_000 })) } }));
  expect(s.nodes[B.id]!.replication).toEqual({ ioRunning: true, sqlRunning: false, secondsBehindMaster: null, lastError: "Error 'Duplicate entry' on query" });
  expect(s.nodes[B.id]!.lagMs).toBe(95_000);
});

test('no replication channel: both threads not running, said so', () => {
  const s = summarize(healthyRound({ nodes: { [A.id]: up(writerAnswer({ slave: null })), [B.id]: up(passiveAnswer()) } }));
  expect(s.nodes[A.id]!.replication).toEqual({ ioRunning: false, sqlRunning: false, secondsBehindMaster: null, lastError: 'no replication channel configured' });
});

test('both writable (split brain): count 2, no single writer, inconsistent, no write added to the divergence', () => {
  const s = summarize(healthyRound({ nodes: { [A.id]: up(writerAnswer()), [B.id]: up(passiveAnswer({ readOnly: false })) }, e2e: null }));
  expect(s.pair.writableNodes).toBe(2);
  expect(s.pair.writableNodeIds).toEqual([A.id, B.id]);
  expect(s.pair.writer).toMatchObject({ eipNode: A.id, writableNode: null, answeringNode: A.id, consistent: false });
  expect(s.pair.e2e.skipped).toBe('2 writable nodes');
  expect(s.nodes[B.id]!.lagMs).toBeNull();
});

test('the EIP on the read-only node: the three views disagree, named in the problem', () => {
  const s = summarize(healthyRound({ eip: { ok: true, association: eipOn(B) }, eipTarget: { ok: true, serverId: 2, hostname: 'ip-10-0-2-10', readOnly: true } }));
  expect(s.pair.writer).toMatchObject({ eipNode: B.id, writableNode: A.id, answeringNode: B.id, consistent: false, problem: 'EIP maps to db-b, writable is db-a, answering is db-b' });
  expect(s.pair.writerReachable).toBe(false);
});

test('a server of the pair answering on the wrong address is caught by its server id', () => {
  const s = summarize(healthyRound({ eipTarget: { ok: true, serverId: 2, hostname: 'ip-10-0-2-10', readOnly: true } }));
  expect(s.pair.writer).toMatchObject({ eipNode: A.id, answeringNode: B.id, consistent: false });
  const stranger = summarize(healthyRound({ eipTarget: { ok: true, serverId: 77, hostname: 'old-box', readOnly: false } }));
  expect(stranger.pair.writer.answeringNode).toBeNull();
  expect(stranger.pair.writer.problem).toMatch(/server id 77 \(old-box\) .*not a node of the pair/);
});

test('not associated, or associated outside the pair: no EIP node', () => {
  const none = summarize(healthyRound({ eip: { ok: true, association: null }, eipTarget: null }));
  expect(none.pair.writer).toMatchObject({ eipNode: null, consistent: false, problem: '203.0.113.10 is not associated' });
  expect(none.pair.writerReachable).toBe(false);
  const foreign = summarize(healthyRound({ eip: { ok: true, association: { associationId: 'x', networkInterfaceId: 'eni-0fffffffffffffff0', instanceId: null, privateIpAddress: '10.0.9.9' } } }));
  expect(foreign.pair.writer.eipNode).toBeNull();
  expect(foreign.pair.writer.problem).toMatch(/outside the pair/);
});

test('EC2 did not answer: consistency and reachability unknown (null), not failed', () => {
  const s = summarize(healthyRound({ eip: { ok: false, error: 'RequestLimitExceeded: Request limit exceeded.' }, eipTarget: null }));
  expect(s.pair.writer.consistent).toBeNull();
  expect(s.pair.writerReachable).toBeNull();
  expect(s.pair.writer.problem).toBe('EC2 did not answer: RequestLimitExceeded: Request limit exceeded.');
});

describe('errant transactions', () => {
  test('the passive node holds its own GTID the writer lacks (replication back to the writer broken): errant every round', () => {
    const raw = healthyRound({ nodes: { [A.id]: up(writerAnswer()), [B.id]: up(passiveAnswer({ gtidBinlogState: '0-1-120,0-2-41' })) } });
    const first = summarizeRound(config, raw, EMPTY_MEMORY);
    expect(first.summary.nodes[B.id]!.errant).toEqual({ transactions: 1, gtids: ['0-2-41'] });
    expect(summarizeRound(config, raw, first.memory).summary.nodes[B.id]!.errant).toEqual({ transactions: 1, gtids: ['0-2-41'] });
  });

  test('a write on the passive node that already replicated to the writer: seen as its own stream rising, once', () => {
    const r1 = summarizeRound(config, healthyRound(), EMPTY_MEMORY);
    expect(r1.memory.readOnlyOwnSeq).toEqual({ [B.id]: { 0: '40' } });
    const after = healthyRound({ nodes: { [A.id]: up(writerAnswer({ gtidBinlogState: '0-1-125,0-2-121' })), [B.id]: up(passiveAnswer({ gtidBinlogState: '0-1-125,0-2-121' })) } });
    const r2 = summarizeRound(config, after, r1.memory);
    expect(r2.summary.nodes[B.id]).toMatchObject({ errant: { transactions: 0, gtids: [] }, passiveWrites: { count: 1, gtids: ['0-2-121'] } });
    const r3 = summarizeRound(config, after, r2.memory);
    expect(r3.summary.nodes[B.id]!.passiveWrites).toEqual({ count: 0, gtids: [] });
  });

  test('a node that became the writer writes its own stream legitimately: its baseline is dropped', () => {
    const r1 = summarizeRound(config, healthyRound(), EMPTY_MEMORY);
    const failedOver = healthyRound({ nodes: { [A.id]: up(writerAnswer({ readOnly: true, gtidBinlogState: '0-1-120,0-2-45' })), [B.id]: up(passiveAnswer({ readOnly: false, gtidBinlogState: '0-1-120,0-2-45' })) } });
    const r2 = summarizeRound(config, failedOver, r1.memory);
    expect(r2.memory.readOnlyOwnSeq).toEqual({ [A.id]: { 0: '120' } });
    expect(r2.summary.nodes[A.id]!.passiveWrites).toBeNull(); // no baseline yet for db-a as the passive node
  });

  test('the baseline survives a round in which the node did not answer', () => {
    const r1 = summarizeRound(config, healthyRound(), EMPTY_MEMORY);
    const r2 = summarizeRound(config, healthyRound({ nodes: { [A.id]: up(writerAnswer()), [B.id]: refused } }), r1.memory);
    const r3 = summarizeRound(config, healthyRound({ nodes: { [A.id]: up(writerAnswer({ gtidBinlogState: '0-1-130,0-2-41' })), [B.id]: up(passiveAnswer({ gtidBinlogState: '0-1-130,0-2-41' })) } }), r2.memory);
    expect(r3.summary.nodes[B.id]!.passiveWrites).toEqual({ count: 1, gtids: ['0-2-41'] });
  });

  test('an unreadable GTID state gives no verdict rather than a wrong one', () => {
    const s = summarize(healthyRound({ nodes: { [A.id]: up(writerAnswer()), [B.id]: up(passiveAnswer({ gtidBinlogState: 'garbage' })) } }));
    expect(s.nodes[B.id]).toMatchObject({ up: true, errant: null, passiveWrites: null });
  });
});
