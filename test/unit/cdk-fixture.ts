/**
 * Shared set-up of the CDK tests: a pair synthesized with bundling skipped (no esbuild run) and a
 * stub agent package, plus a resolver that turns CloudFormation intrinsics into fake-but-valid ids.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AGENT_PACKAGE_FILES } from '../../lib/cdk/agent-package';
import type { EipFailoverPairProps } from '../../lib/cdk/pair';
import { EipFailoverStack, type EipFailoverStackProps } from '../../lib/cdk/stack';

let stubDir: string | undefined;
/** A directory with the package's files (content irrelevant to the template tests). */
export function stubAgentPackage(): string {
  if (stubDir) return stubDir;
  stubDir = mkdtempSync(join(tmpdir(), 'eip-agent-package-'));
  for (const f of AGENT_PACKAGE_FILES) {
    mkdirSync(dirname(join(stubDir, f)), { recursive: true });
    writeFileSync(join(stubDir, f), f === 'eip-agent.cjs' ? '#!/usr/bin/env node\n' : `# ${f}\n`);
  }
  return stubDir;
}

/** Context that skips asset bundling in every stack (NodejsFunction gets a placeholder). */
export const NO_BUNDLING = { 'aws:cdk:bundling-stacks': [] as string[] };

export interface Synth {
  readonly app: App;
  readonly stack: EipFailoverStack;
  readonly template: Template;
}

export function synthPairs(pairs: Partial<EipFailoverPairProps>[], stackProps: Partial<EipFailoverStackProps> = {}): Synth {
  const app = new App({ context: NO_BUNDLING });
  const stack = new EipFailoverStack(app, 'Test', {
    ...stackProps,
    pairs: pairs.map((p, i) => ({ clusterName: `pair-${i}`, agentPackageDir: stubAgentPackage(), ...p })),
  });
  return { app, stack, template: Template.fromStack(stack) };
}

export function synthPair(props: Partial<EipFailoverPairProps> = {}, stackProps: Partial<EipFailoverStackProps> = {}): Synth {
  return synthPairs([{ clusterName: 'orders-db', ...props }], stackProps);
}

type Json = unknown;
type Resources = Record<string, { Type: string; Properties?: Record<string, Json> }>;

/** The single resource of a type whose logical id contains `part` (throws unless exactly one). */
export function resourceOf(template: Template, type: string, part = ''): { id: string; props: Record<string, Json> } {
  const found = Object.entries(template.findResources(type) as Resources).filter(([id]) => id.includes(part));
  if (found.length !== 1) throw new Error(`expected one ${type} matching "${part}", found ${found.map(([id]) => id).join(', ') || 'none'}`);
  return { id: found[0]![0], props: found[0]![1].Properties ?? {} };
}

const hex = (seed: string, len: number) => {
  let h = 0;
  for (const c of seed) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return (h.toString(16).padStart(8, '0').repeat(3)).slice(0, len);
};

/**
 * Deterministic fake values for the intrinsics of this project's templates, by resource type and
 * attribute: what CloudFormation would substitute at deploy time, in the right formats. Other
 * references become `<LogicalId>` / `<LogicalId.Attr>`; the region is eu-west-1, the account
 * 123456789012.
 */
export function fakeIntrinsics(template: Template): (node: Json) => Json {
  const resources = template.toJSON().Resources as Resources;
  let ip = 10;
  const ips = new Map<string, string>();
  const value = (logicalId: string, attr: string | null): string => {
    const type = resources[logicalId]?.Type;
    const key = `${type}|${attr}`;
    switch (key) {
      case 'AWS::EC2::Instance|null':
        return `i-0${hex(logicalId, 16)}`;
      case 'AWS::EC2::Instance|AvailabilityZone':
        return logicalId.includes('NodeA') ? 'eu-west-1a' : 'eu-west-1b';
      case 'AWS::EC2::NetworkInterface|null':
        return `eni-0${hex(logicalId, 16)}`;
      case 'AWS::EC2::NetworkInterface|PrimaryPrivateIpAddress':
        if (!ips.has(logicalId)) ips.set(logicalId, `10.42.${ip++}.10`);
        return ips.get(logicalId)!;
      case 'AWS::EC2::NetworkInterface|SecondaryPrivateIpAddresses':
        return [(value(logicalId, 'PrimaryPrivateIpAddress') as string).replace(/\.10$/, '.11')] as unknown as string;
      case 'AWS::EC2::EIP|AllocationId':
        return `eipalloc-0${hex(logicalId, 16)}`;
      case 'AWS::EC2::EIP|PublicIp':
      case 'AWS::EC2::EIP|null':
        return '203.0.113.77';
      default:
        // Anything else stays recognisable: <LogicalId> or <LogicalId.Attr>.
        return `<${logicalId}${attr ? `.${attr}` : ''}>`;
    }
  };
  const resolve = (node: Json): Json => {
    if (Array.isArray(node)) return node.map(resolve);
    if (node && typeof node === 'object') {
      const o = node as Record<string, Json>;
      if ('Ref' in o) {
        const ref = o.Ref as string;
        if (ref === 'AWS::Region') return 'eu-west-1';
        if (ref === 'AWS::AccountId') return '123456789012';
        if (ref === 'AWS::Partition') return 'aws';
        return value(ref, null);
      }
      if ('Fn::GetAtt' in o) {
        const [id, attr] = o['Fn::GetAtt'] as [string, string];
        return value(id, attr);
      }
      if ('Fn::Sub' in o && typeof o['Fn::Sub'] === 'string') {
        return (o['Fn::Sub'] as string).replace(/\$\{([^}]+)\}/g, (_, name: string) => resolve({ Ref: name }) as string);
      }
      if ('Fn::Select' in o) {
        const [index, list] = o['Fn::Select'] as [number | string, Json];
        return (resolve(list) as Json[])[Number(index)];
      }
      if ('Fn::Join' in o) {
        const [sep, parts] = o['Fn::Join'] as [string, Json[]];
        return parts.map((p) => resolve(p) as string).join(sep);
      }
      return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, resolve(v)]));
    }
    return node;
  };
  return resolve;
}
