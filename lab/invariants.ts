/** The lab's safety invariants, checked on `eip-lab status` (used by the e2e tests and the bench). */
import { LAB_NODE_IDS, type LabNodeId } from './layout';
import type { LabStatus } from './status';

/** Violations of: the EIP is on a VRRP MASTER with a healthy database, and it is the only writable node. */
export function invariantViolations(s: LabStatus): string[] {
  const problems: string[] = [];
  const holder = s.eipHolder;
  if (!holder) return ['the EIP is not associated'];
  const h = s.nodes[holder];
  if (h.vrrpState !== 'MASTER') problems.push(`EIP holder ${holder} is VRRP ${h.vrrpState}, not MASTER`);
  if (!h.db.up) problems.push(`EIP holder ${holder}: database down`);
  if (h.db.readOnly !== false) problems.push(`EIP holder ${holder} is not writable`);
  const writable = LAB_NODE_IDS.filter((id) => s.nodes[id].db.readOnly === false);
  if (writable.length !== 1 || writable[0] !== holder) problems.push(`writable nodes: [${writable.join(', ')}], EIP holder ${holder}`);
  return problems;
}

/** What keeps the pair from being healthy (a writable MASTER holding the EIP; the peer a read-only, replicating BACKUP; both agents up). Empty when healthy. */
export function pairHealthProblems(s: LabStatus): string[] {
  if (!s.up) return ['the lab is not up'];
  const holder = s.eipHolder;
  if (!holder) return ['the EIP is not associated'];
  const peer: LabNodeId = holder === 'db-a' ? 'db-b' : 'db-a';
  const [h, p] = [s.nodes[holder], s.nodes[peer]];
  const problems: string[] = [];
  if (h.vrrpState !== 'MASTER') problems.push(`holder ${holder} is VRRP ${h.vrrpState}, not MASTER`);
  if (h.db.readOnly !== false) problems.push(`holder ${holder} is not writable (read_only=${h.db.readOnly}, db ${h.db.up ? 'up' : 'down'})`);
  if (p.vrrpState !== 'BACKUP') problems.push(`peer ${peer} is VRRP ${p.vrrpState}, not BACKUP`);
  if (p.db.readOnly !== true) problems.push(`peer ${peer} is not read-only (read_only=${p.db.readOnly}, db ${p.db.up ? 'up' : 'down'})`);
  if (!p.db.replicationRunning) problems.push(`peer ${peer} is not replicating${p.db.replicationProblem ? ` (${p.db.replicationProblem})` : ''}`);
  for (const id of [holder, peer]) if (!s.nodes[id].agent.running) problems.push(`agent on ${id} is not running`);
  return problems;
}
