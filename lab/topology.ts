/**
 * The lab's network: node namespaces on a bridge (the "VPC") inside the gateway namespace, a
 * client on the gateway's public side, and a link from the gateway to the host, where the cloud
 * listens. The gateway holds the EIP (see eip-nat.ts) and the fault tables (faults.ts).
 *
 *   client 198.51.100.2 ── pub0 [gateway: EIP 203.0.113.10, bridge vpc0 10.97.0.254] vpc-a ── eth0 db-a 10.97.0.1 (+ .11, the EIP's)
 *                                        cloud0 10.96.X.2                                  vpc-b ── eth0 db-b 10.97.0.2 (+ .12, the EIP's)
 *                                            └── host 10.96.X.1 (the cloud's PutEvents endpoint)
 */
import { ADDR, LAB_NODE_IDS, type LabLayout, type LabNodeId } from './layout';
import { NetnsLab, run, unusedSubnet24 } from './netns';

export interface CloudLink {
  /** The host's address: the PutEvents endpoint listens here. */
  readonly hostIp: string;
  readonly gatewayIp: string;
}

/** The gateway-side port of a node's link ("the node's cable"). */
export const nodePort = (id: LabNodeId) => `vpc-${id.slice(-1)}`;

const sysctl = (lab: NetnsLab, ns: string, setting: string) => lab.exec(ns, 'sysctl', ['-qw', setting]);

/** Builds every namespace and link; `lab` owns them (its cleanup removes them on a failed start). */
export async function buildTopology(lab: NetnsLab, layout: LabLayout): Promise<CloudLink> {
  const { gateway, client, nodes } = layout.namespaces;
  await lab.createNamespace(gateway);
  await lab.createNamespace(client);
  for (const id of LAB_NODE_IDS) await lab.createNamespace(nodes[id]);

  await lab.exec(gateway, 'ip', ['link', 'add', 'vpc0', 'type', 'bridge']);
  await lab.exec(gateway, 'ip', ['addr', 'add', `${ADDR.vpcGateway}/${ADDR.vpcPrefix}`, 'dev', 'vpc0']);
  await lab.exec(gateway, 'ip', ['link', 'set', 'vpc0', 'up']);
  for (const id of LAB_NODE_IDS) {
    await lab.connect({ netns: gateway, name: nodePort(id) }, { netns: nodes[id], name: 'eth0', address: `${ADDR.nodes[id]}/${ADDR.vpcPrefix}` });
    // The address the EIP maps to, a /32 as the CDK install script adds it on AWS (no route, never a source).
    await lab.exec(nodes[id], 'ip', ['addr', 'add', `${ADDR.eipTargets[id]}/32`, 'dev', 'eth0']);
    await lab.exec(gateway, 'ip', ['link', 'set', nodePort(id), 'master', 'vpc0']);
    await lab.exec(nodes[id], 'ip', ['route', 'add', 'default', 'via', ADDR.vpcGateway]);
  }

  await lab.connect({ netns: gateway, name: 'pub0', address: `${ADDR.publicGateway}/${ADDR.publicPrefix}` }, { netns: client, name: 'eth0', address: `${ADDR.client}/${ADDR.publicPrefix}` });
  await lab.exec(gateway, 'ip', ['addr', 'add', `${ADDR.eip}/32`, 'dev', 'pub0']);
  await lab.exec(client, 'ip', ['route', 'add', 'default', 'via', ADDR.publicGateway]);

  const net = await unusedSubnet24('10.96');
  const link = { hostIp: `${net}.1`, gatewayIp: `${net}.2` };
  await lab.connect({ name: layout.hostLink, address: `${link.hostIp}/30` }, { netns: gateway, name: 'cloud0', address: `${link.gatewayIp}/30` });
  await sysctl(lab, gateway, 'net.ipv4.ip_forward=1');
  // Loose TCP pick-up: after an EIP move drops a flow's conntrack entry, the client's next
  // segment is NATed to the new holder, which answers RST, as on AWS (the old flow breaks).
  await sysctl(lab, gateway, 'net.netfilter.nf_conntrack_tcp_loose=1').catch(() => undefined);
  return link;
}

/** Sets a node's cable (the gateway-side port) up or down: power-off and flap. */
export async function setNodeLink(lab: NetnsLab, layout: LabLayout, id: LabNodeId, up: boolean): Promise<void> {
  await lab.exec(layout.namespaces.gateway, 'ip', ['link', 'set', nodePort(id), up ? 'up' : 'down']);
}

/** Namespaces whose name says they belong to this lab (also those a crashed run left). */
export async function labNamespaces(layout: LabLayout): Promise<string[]> {
  const out = await run('ip', ['netns', 'list'], { allowFailure: true });
  return out.stdout
    .split('\n')
    .map((l) => l.split(' ')[0]!)
    .filter((ns) => ns.startsWith(`${layout.name}-`));
}
