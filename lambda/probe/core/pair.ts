/** The pair as the probe sees it: whom to probe, and whose answers mean what. Pure. */
import type { ClusterConfig } from '../../../lib/config/schema';
import type { NodeProbe } from './types';

export interface ProbeTarget {
  readonly nodeId: string;
  /** The node's primary private IP, where the probe connects. */
  readonly host: string;
  /** The server id mysql-bootstrap gives the node: mysql.serverIdBase + its index (bootstrap-plan.ts). */
  readonly serverId: number;
}

export function probeTargets(config: ClusterConfig): ProbeTarget[] {
  return config.nodes.map((n, i) => ({ nodeId: n.id, host: n.privateIp, serverId: config.mysql.serverIdBase + i }));
}

/** The node whose server answers with `serverId`, null when none of the pair's does. */
export function nodeOfServerId(config: ClusterConfig, serverId: number): string | null {
  return probeTargets(config).find((t) => t.serverId === serverId)?.nodeId ?? null;
}

/** Nodes that answered with read_only OFF, in config order. */
export function writableNodeIds(nodes: Readonly<Record<string, NodeProbe>>): string[] {
  return Object.entries(nodes).flatMap(([id, p]) => (p.ok && !p.answer.readOnly ? [id] : []));
}

export type E2ePlan = { readonly writer: ProbeTarget; readonly peer: ProbeTarget } | { readonly skip: string };

/**
 * Whether to write through the writer this round, and where. Only with exactly one writable node
 * (a write during a split brain would add to the divergence) and a peer that answered.
 */
export function e2ePlan(config: ClusterConfig, nodes: Readonly<Record<string, NodeProbe>>): E2ePlan {
  const writable = writableNodeIds(nodes);
  if (writable.length !== 1) return { skip: writable.length === 0 ? 'no writable node' : `${writable.length} writable nodes` };
  const targets = probeTargets(config);
  const writer = targets.find((t) => t.nodeId === writable[0])!;
  const peer = targets.find((t) => t.nodeId !== writer.nodeId)!;
  if (!nodes[peer.nodeId]?.ok) return { skip: `the peer ${peer.nodeId} did not answer` };
  return { writer, peer };
}
