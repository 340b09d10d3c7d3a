/**
 * The lab's Ec2Port: the EIP is the gateway's nftables DNAT map. associate() swaps the map in one
 * transaction, drops the old target's tracked flows and writes the agents' EIP file, after an
 * optional propagation delay (AWS takes a moment too; describeEip shows the map, so the
 * controller's confirm step waits it out). describeInstances answers from the lab's node states.
 * api-throttle makes the next N calls fail like EC2's RequestLimitExceeded.
 */
import { renameSync, writeFileSync } from 'node:fs';
import { eipPrivateIpOf, type ClusterConfig } from '../../lib/config/schema';
import type { EipAssociation } from '../../lambda/failover/core/types';
import type { AssociateRequest, Ec2Port, InstanceView } from '../../lambda/failover/ports';
import type { GatewayNft } from '../gateway-nft';

/** What EC2 answers when the account's request rate is exceeded (the SDK's error name). */
export class RequestLimitExceededError extends Error {
  override readonly name = 'RequestLimitExceeded';
  readonly $metadata = { httpStatusCode: 503 };
}

export interface EipMove {
  readonly atMs: number;
  readonly fromNodeId: string | null;
  readonly toNodeId: string;
  readonly propagationDelayMs: number;
}

export interface LabEc2Options {
  readonly config: ClusterConfig;
  readonly nft: GatewayNft;
  /** The agents' EIP-ownership file (`{"holderNodeId": ...}`, read by `eip-agent run --eip-source file:`). */
  readonly eipFile: string;
  readonly propagationDelayMs: number;
  /** 'stopped' while a node is powered off. */
  readonly instanceState: (nodeId: string) => 'running' | 'stopped';
  readonly onMove?: (move: EipMove) => void;
  readonly onCall?: (call: string, outcome: 'ok' | 'throttled') => void;
}

export function writeEipFile(file: string, holderNodeId: string | null): void {
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, JSON.stringify({ holderNodeId }));
  renameSync(tmp, file); // the agents never read half a file
}

export class LabEc2 implements Ec2Port {
  private throttleLeft = 0;
  private associations = 0;
  /** Serializes moves: two overlapping associates apply in call order. */
  private moving: Promise<void> = Promise.resolve();

  constructor(private readonly o: LabEc2Options) {}

  /** The next `calls` EC2 calls fail with RequestLimitExceeded. */
  throttle(calls: number): void {
    this.throttleLeft = calls;
  }

  get throttledCallsLeft(): number {
    return this.throttleLeft;
  }

  private gate(call: string): void {
    if (this.throttleLeft > 0) {
      this.throttleLeft--;
      this.o.onCall?.(call, 'throttled');
      throw new RequestLimitExceededError('Request limit exceeded. (lab: api-throttle)');
    }
    this.o.onCall?.(call, 'ok');
  }

  /** The node whose EIP address (`eipPrivateIp`, else the primary) the map points at. */
  private nodeByIp(ip: string | null) {
    return this.o.config.nodes.find((n) => eipPrivateIpOf(n) === ip) ?? null;
  }

  /** Where the EIP points now (the nft map), in node terms. */
  async holderNodeId(): Promise<string | null> {
    return this.nodeByIp(await this.o.nft.target())?.id ?? null;
  }

  async describeEip(): Promise<EipAssociation | null> {
    this.gate('DescribeAddresses');
    const ip = await this.o.nft.target();
    if (ip === null) return null;
    const node = this.nodeByIp(ip);
    return {
      associationId: `eipassoc-lab${this.associations}`,
      networkInterfaceId: node?.networkInterfaceId ?? null,
      instanceId: node?.instanceId ?? null,
      privateIpAddress: ip,
    };
  }

  async describeInstances(instanceIds: readonly string[]): Promise<InstanceView[]> {
    this.gate('DescribeInstances');
    return this.o.config.nodes
      .filter((n) => instanceIds.includes(n.instanceId))
      .map((n) => ({ instanceId: n.instanceId, state: this.o.instanceState(n.id), networkInterfaceIds: [n.networkInterfaceId] }));
  }

  async associate(request: AssociateRequest): Promise<{ associationId: string | null }> {
    this.gate('AssociateAddress');
    // Like EC2, the lab maps the EIP to exactly the private IP asked for; it knows only the nodes' EIP addresses.
    const to = this.o.config.nodes.find((n) => n.networkInterfaceId === request.networkInterfaceId && eipPrivateIpOf(n) === request.privateIpAddress);
    if (!to) throw new Error(`InvalidNetworkInterfaceID.NotFound: ${request.networkInterfaceId} / ${request.privateIpAddress} is not a lab node's EIP address`);
    this.associations++;
    const delay = this.o.propagationDelayMs;
    const apply = async () => {
      const fromIp = await this.o.nft.target();
      await this.o.nft.setTarget(eipPrivateIpOf(to));
      await this.o.nft.dropFlows(fromIp);
      writeEipFile(this.o.eipFile, to.id);
      this.o.onMove?.({ atMs: Date.now(), fromNodeId: this.nodeByIp(fromIp)?.id ?? null, toNodeId: to.id, propagationDelayMs: delay });
    };
    const move = this.moving.then(() => (delay > 0 ? new Promise((r) => setTimeout(r, delay)) : undefined)).then(apply);
    this.moving = move.catch(() => undefined);
    if (delay === 0) await move;
    else move.catch(() => undefined); // a failure shows as an unconfirmed move
    return { associationId: `eipassoc-lab${this.associations}` };
  }
}
