/**
 * The probe's lab adapters. The EIP mapping is the lab's emulated EC2 (lab/cloud/lab-ec2.ts: the
 * gateway's nftables map, in node terms), read from the probe's own process; its calls never
 * count against `api-throttle`, which is aimed at the controller. Metrics go to files: the EMF
 * lines appended, the latest summary replaced in one rename.
 */
import { appendFileSync, renameSync, writeFileSync } from 'node:fs';
import type { ClusterConfig } from '../../lib/config/schema';
import type { EipAssociation } from '../../lambda/failover/core/types';
import type { EipMappingPort, EmittedRound, ProbeSink } from '../../lambda/probe/ports';
import { LabEc2 } from '../cloud/lab-ec2';
import { GatewayNft } from '../gateway-nft';
import type { LabLayout } from '../layout';
import { NetnsLab } from '../netns';
import type { ProbeFiles } from './files';

export class LabEipMapping implements EipMappingPort {
  private readonly ec2: LabEc2;

  constructor(config: ClusterConfig, layout: LabLayout) {
    const nft = new GatewayNft(new NetnsLab('prb'), layout.namespaces.gateway);
    // Only describeEip is used: nothing here moves the EIP or writes the agents' EIP file.
    this.ec2 = new LabEc2({ config, nft, eipFile: layout.files.eipFile, propagationDelayMs: 0, instanceState: () => 'running' });
  }

  describe(): Promise<EipAssociation | null> {
    return this.ec2.describeEip();
  }
}

export class LabFileSink implements ProbeSink {
  constructor(private readonly files: ProbeFiles) {}

  emit(round: EmittedRound): void {
    if (round.lines.length) appendFileSync(this.files.metrics, `${round.lines.join('\n')}\n`);
    writeFileSync(`${this.files.latest}.tmp`, JSON.stringify(round.summary));
    renameSync(`${this.files.latest}.tmp`, this.files.latest);
  }
}
