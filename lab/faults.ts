/**
 * Fault injection and healing. Every fault acts on real pieces: processes get real signals,
 * links go down in the gateway, nftables drops packets; only api-throttle is inside the lab's
 * emulated EC2. `heal` undoes all of them and restarts whatever is not running.
 */
import type { LabCloud } from './cloud/cloud';
import type { GatewayNft } from './gateway-nft';
import type { Journal } from './journal';
import { ADDR, LAB_NODE_IDS, type LabLayout, type LabNodeId } from './layout';
import type { NetnsLab } from './netns';
import type { LabNode } from './node';
import { setNodeLink } from './topology';

export const FAULTS = ['kill-mysqld', 'kill-keepalived', 'stop-keepalived', 'power-off', 'partition', 'bus-outage', 'api-throttle', 'flap'] as const;
export type Fault = (typeof FAULTS)[number];

export class FaultError extends Error {
  override readonly name = 'FaultError';
}

export interface FaultRequest {
  readonly fault: Fault;
  /** The node to fail; partition, bus-outage and api-throttle do not need one. */
  readonly node?: LabNodeId;
  /** bus-outage and flap: how long (s). @default 10 */
  readonly seconds?: number;
  /** api-throttle: how many EC2 calls fail. @default 3 */
  readonly calls?: number;
}

export class FaultInjector {
  private readonly active = new Map<string, { fault: Fault; node: LabNodeId | null; sinceMs: number; timer?: NodeJS.Timeout }>();

  constructor(
    private readonly lab: NetnsLab,
    private readonly layout: LabLayout,
    private readonly nodes: Record<LabNodeId, LabNode>,
    private readonly nft: GatewayNft,
    private readonly cloud: LabCloud,
    private readonly journal: Journal,
  ) {}

  activeFaults(): Array<{ fault: Fault; node: LabNodeId | null; sinceMs: number }> {
    return [...this.active.values()].map(({ fault, node, sinceMs }) => ({ fault, node, sinceMs }));
  }

  async inject(req: FaultRequest): Promise<{ atMs: number }> {
    if (!FAULTS.includes(req.fault)) throw new FaultError(`unknown fault "${req.fault}"; one of ${FAULTS.join(', ')}`);
    const needsNode = !['partition', 'bus-outage', 'api-throttle'].includes(req.fault);
    if (needsNode && (!req.node || !LAB_NODE_IDS.includes(req.node))) throw new FaultError(`${req.fault} needs --node ${LAB_NODE_IDS.join('|')}`);
    const node = req.node ? this.nodes[req.node] : undefined;
    const seconds = req.seconds ?? 10;
    const atMs = Date.now();
    this.journal.add('fault', { fault: req.fault, node: req.node ?? null, seconds: req.seconds ?? null, calls: req.calls ?? null }, atMs);
    const key = `${req.fault}:${req.node ?? '*'}`;
    this.active.set(key, { fault: req.fault, node: req.node ?? null, sinceMs: atMs });
    switch (req.fault) {
      case 'kill-mysqld':
        await node!.killDb();
        break;
      case 'kill-keepalived':
        await node!.killKeepalived();
        break;
      case 'stop-keepalived':
        await node!.stopKeepalived();
        break;
      case 'power-off':
        // The database dies first: with the cable cut first, a commit in flight would complete
        // locally without reaching the peer (an errant GTID on return, see the closing note of
        // 2026-11-27), a window a real power loss does not open. Then the cable, so nothing the
        // other dying processes send gets out.
        await node!.killDb();
        await setNodeLink(this.lab, this.layout, node!.id, false);
        await node!.powerOff();
        break;
      case 'partition':
        await this.nft.setPartition(Object.values(ADDR.nodes));
        break;
      case 'bus-outage': {
        const ips = node ? [node.privateIp] : Object.values(ADDR.nodes);
        await this.nft.setOffline(ips);
        this.active.get(key)!.timer = setTimeout(() => void this.endBusOutage(key), seconds * 1000);
        break;
      }
      case 'api-throttle':
        this.cloud.ec2.throttle(req.calls ?? 3);
        break;
      case 'flap': {
        let up = false;
        const end = atMs + seconds * 1000;
        const bounce = async () => {
          const entry = this.active.get(key);
          if (!entry) return;
          await setNodeLink(this.lab, this.layout, node!.id, up).catch(() => undefined);
          if (Date.now() >= end && up) return void this.active.delete(key);
          up = !up;
          entry.timer = setTimeout(() => void bounce(), 1000);
        };
        await bounce();
        break;
      }
    }
    return { atMs };
  }

  private async endBusOutage(key: string): Promise<void> {
    this.active.delete(key);
    await this.nft.setOffline([]);
    this.journal.add('fault-ended', { fault: 'bus-outage' });
  }

  /** Undoes every fault: links up, no drop rules, no throttling, every process running again. */
  async heal(): Promise<void> {
    this.journal.add('heal', { faults: this.activeFaults().map((f) => `${f.fault}${f.node ? `@${f.node}` : ''}`) });
    for (const f of this.active.values()) clearTimeout(f.timer);
    this.active.clear();
    this.cloud.ec2.throttle(0);
    await this.nft.setPartition([]);
    await this.nft.setOffline([]);
    for (const id of LAB_NODE_IDS) await setNodeLink(this.lab, this.layout, id, true);
    for (const id of LAB_NODE_IDS) await this.lab.waitForCarrier(this.layout.namespaces.nodes[id], 'eth0');
    for (const id of LAB_NODE_IDS) await this.nodes[id].ensureRunning();
    this.journal.add('healed', {});
  }
}
