/** The lab's safety invariants, checked on `eip-lab status` (used by the e2e tests and the bench). */
import { LAB_NODE_IDS } from './layout';
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
