/**
 * nftables in the gateway namespace: the EIP (a DNAT map from the public address to the holder's
 * private address, swapped in one transaction), masquerading towards the cloud, and the fault
 * rules (partition between the nodes on the bridge, bus outage towards the cloud).
 * nft 1.0.6 wants a newline before each closing brace, hence the multi-line rulesets.
 */
import { ADDR } from './layout';
import type { NetnsLab } from './netns';

const NAT = 'eiplab';
const FAULTS = 'eiplab_faults';

export class GatewayNftError extends Error {
  override readonly name = 'GatewayNftError';
}

export class GatewayNft {
  constructor(
    private readonly lab: NetnsLab,
    private readonly netns: string,
  ) {}

  private async apply(ruleset: string): Promise<void> {
    const out = await this.lab.exec(this.netns, 'sh', ['-c', `printf '%s' "$1" | nft -f -`, 'sh', ruleset], { allowFailure: true });
    if (out.code !== 0) throw new GatewayNftError(`nft failed in ${this.netns}: ${out.stderr.trim()}\n${ruleset}`);
  }

  async install(cloudIp: string): Promise<void> {
    await this.apply(`table ip ${NAT} {
  map target {
    type ipv4_addr : ipv4_addr
  }
  chain prerouting {
    type nat hook prerouting priority dstnat; policy accept;
    dnat to ip daddr map @target
  }
  chain postrouting {
    type nat hook postrouting priority srcnat; policy accept;
    ip daddr ${cloudIp} masquerade
  }
}
table bridge ${FAULTS} {
  set cut {
    type ipv4_addr
  }
  chain forward {
    type filter hook forward priority 0; policy accept;
    ip saddr @cut ip daddr @cut drop
  }
}
table ip ${FAULTS} {
  set offline {
    type ipv4_addr
  }
  chain forward {
    type filter hook forward priority 0; policy accept;
    ip saddr @offline ip daddr ${cloudIp} drop
    ip daddr @offline ip saddr ${cloudIp} drop
  }
}
`);
  }

  /** Points the EIP at `privateIp` (null: not associated) in one transaction. */
  async setTarget(privateIp: string | null): Promise<void> {
    const add = privateIp ? `add element ip ${NAT} target { ${ADDR.eip} : ${privateIp} }\n` : '';
    await this.apply(`flush map ip ${NAT} target\n${add}`);
  }

  /** The private address the EIP maps to now (null: none). */
  async target(): Promise<string | null> {
    const out = await this.lab.exec(this.netns, 'nft', ['-j', 'list', 'map', 'ip', NAT, 'target']);
    const doc = JSON.parse(out.stdout) as { nftables: Array<{ map?: { elem?: Array<[string, string]> } }> };
    const elem = doc.nftables.find((o) => o.map)?.map?.elem ?? [];
    return elem.find(([k]) => k === ADDR.eip)?.[1] ?? null;
  }

  /** Drops the tracked flows to the EIP that went to `privateIp` (an EIP move breaks flows on AWS too). */
  async dropFlows(privateIp: string | null): Promise<void> {
    const args = ['-D', '-p', 'tcp', '--orig-dst', ADDR.eip, ...(privateIp ? ['--reply-src', privateIp] : [])];
    // Exit 1 with "0 flow entries" is fine: nothing to drop.
    await this.lab.exec(this.netns, 'conntrack', args, { allowFailure: true });
  }

  /** Partition: the two addresses cannot reach each other across the bridge. */
  async setPartition(ips: readonly string[]): Promise<void> {
    const add = ips.length ? `add element bridge ${FAULTS} cut { ${ips.join(', ')} }\n` : '';
    await this.apply(`flush set bridge ${FAULTS} cut\n${add}`);
  }

  /** Bus outage: these nodes cannot reach the cloud (packets dropped, so clients time out). */
  async setOffline(ips: readonly string[]): Promise<void> {
    const add = ips.length ? `add element ip ${FAULTS} offline { ${ips.join(', ')} }\n` : '';
    await this.apply(`flush set ip ${FAULTS} offline\n${add}`);
  }
}
