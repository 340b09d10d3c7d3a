/** A healthy pair as eipctl sees it (db-a the writer), with overrides per node. */
import type { NodeView, PairView } from '../../eipctl/core/view';

type NodeSpec = Partial<Omit<NodeView, 'db'>> & { db?: Partial<NodeView['db']> };

export const NOW = 1_800_000_000_000;

export function node(id: 'db-a' | 'db-b', spec: NodeSpec = {}): NodeView {
  const writer = id === 'db-a';
  const { db, ...rest } = spec;
  return {
    id,
    privateIp: writer ? '10.0.1.10' : '10.0.2.10',
    priority: writer ? 150 : 100,
    reachable: true,
    problem: null,
    agentRunning: true,
    keepalivedRunning: true,
    vrrpState: writer ? 'MASTER' : 'BACKUP',
    db: { up: true, readOnly: !writer, ioRunning: true, sqlRunning: true, lagSeconds: writer ? null : 0.2, gtidCurrentPos: '0-1-100', error: null, ...db },
    fencing: writer ? 'already-writable' : 'vrrp-not-master',
    switchover: null,
    ...rest,
  };
}

export function pair(o: { a?: NodeSpec; b?: NodeSpec; view?: Partial<PairView> } = {}): PairView {
  return {
    source: 'lab',
    target: 'lab t',
    clusterName: 'orders-db',
    nopreempt: true,
    eip: { publicIp: '203.0.113.10', holder: 'db-a', foreign: null },
    nodes: [node('db-a', o.a), node('db-b', o.b)],
    lastMoves: [],
    alarms: null,
    controller: { moveCount: 1, lastMoveAtMs: NOW - 60_000, pendingMove: null, failedMove: null, alerts: [] },
    notes: [],
    observedAtMs: NOW,
    ...o.view,
  };
}
