/** planSwitchover: every refusal, all reasons at once, and the plan of a ready pair. */
import { planSwitchover, refusalExitCode, type PlanResult, type RefusalCode } from '../../eipctl/core/plan';
import { pair } from './eipctl-fixtures';

const req = { to: 'db-b', maxLagSeconds: 5, catchUpTimeoutMs: 5000 };
const codes = (r: PlanResult) => (r.ok ? [] : r.refusals.map((x) => x.code));

test('a healthy pair: the plan names writer and target, five steps in order', () => {
  const r = planSwitchover(pair(), req);
  expect(r.ok).toBe(true);
  if (!r.ok) return;
  expect(r.plan).toMatchObject({ from: 'db-a', to: 'db-b', targetLagSeconds: 0.2 });
  expect(r.plan.steps).toHaveLength(5);
  expect(r.plan.steps[0]).toMatch(/^db-b: eip-agent prepare-takeover/);
  expect(r.plan.steps[1]).toMatch(/^db-a: eip-agent yield .*read_only=ON.*at most 5000 ms/);
});

test.each<[string, Parameters<typeof pair>[0], string, RefusalCode, RegExp]>([
  ['an unknown node', {}, 'db-c', 'unknown-node', /"db-c" is not a node of cluster orders-db; use one of: db-a, db-b/],
  ['the target is already the writer', {}, 'db-a', 'already-writer', /db-a already holds the EIP/],
  ['no EIP association', { view: { eip: { publicIp: '203.0.113.10', holder: null, foreign: null } } }, 'db-b', 'no-writer', /not associated/],
  ['the EIP outside the pair', { view: { eip: { publicIp: '203.0.113.10', holder: null, foreign: 'eni-0f' } } }, 'db-b', 'no-writer', /outside the pair \(eni-0f\)/],
  ['the writer is read_only', { a: { db: { readOnly: true } } }, 'db-b', 'writer-unhealthy', /writer db-a is not healthy: its database is read_only/],
  ['the writer is FAULT', { a: { vrrpState: 'FAULT' } }, 'db-b', 'writer-unhealthy', /VRRP FAULT, not MASTER/],
  ['the target cannot be read', { b: { reachable: false, problem: 'SSM: Undeliverable' } }, 'db-b', 'target-unreachable', /db-b's status cannot be read: SSM: Undeliverable/],
  ['the target database is down', { b: { db: { up: false, error: 'ECONNREFUSED' } } }, 'db-b', 'target-unhealthy', /its database is down \(ECONNREFUSED\)/],
  ['the target SQL thread is stopped', { b: { db: { sqlRunning: false } } }, 'db-b', 'target-unhealthy', /replication SQL thread not running/],
  ['the target is writable', { b: { db: { readOnly: false } } }, 'db-b', 'target-unhealthy', /writable \(fencing failed there\)/],
  ['the target agent is down', { b: { agentRunning: false } }, 'db-b', 'target-unhealthy', /its agent is not running/],
  ['the target is FAULT', { b: { vrrpState: 'FAULT' } }, 'db-b', 'target-unhealthy', /VRRP FAULT, not BACKUP/],
  ['the target lags', { b: { db: { lagSeconds: 12.34 } } }, 'db-b', 'target-lagging', /lags 12\.3 s behind the writer \(bound --max-lag-seconds 5\)/],
  ['the target lag is unknown', { b: { db: { lagSeconds: null } } }, 'db-b', 'target-lagging', /lag is unknown/],
  ['nopreempt is off', { view: { nopreempt: false } }, 'db-b', 'nopreempt-off', /vrrp.nopreempt is false/],
  ['the controller is moving', { view: { controller: { moveCount: 1, lastMoveAtMs: null, pendingMove: 'db-a → db-b', failedMove: null, alerts: [] } } }, 'db-b', 'controller-busy', /moving the EIP right now/],
  ['a lab fault is active', { view: { notes: ['fault: partition since x'] } }, 'db-b', 'faults-active', /lab faults are active \(partition since x\)/],
  ['a switchover is under way on the target', { b: { switchover: 'prepared to take over from db-a' } }, 'db-b', 'target-unhealthy', /already under way there/],
])('refuses when %s', (_what, spec, to, code, message) => {
  const r = planSwitchover(pair(spec), { ...req, to });
  expect(r.ok).toBe(false);
  if (r.ok) return;
  expect(r.refusals.map((x) => x.code)).toContain(code);
  expect(r.refusals.find((x) => x.code === code)!.message).toMatch(message);
});

test('every reason at once, so an operator fixes them in one go', () => {
  const r = planSwitchover(pair({ b: { db: { sqlRunning: false, lagSeconds: 40 } }, view: { nopreempt: false } }), req);
  expect(codes(r)).toEqual(['target-unhealthy', 'target-lagging', 'nopreempt-off']);
});

test('exit codes: a bad node name is bad input (2), any other refusal 3', () => {
  expect(refusalExitCode([{ code: 'unknown-node', message: '' }])).toBe(2);
  expect(refusalExitCode([{ code: 'target-lagging', message: '' }])).toBe(3);
});
