/**
 * The app's parameters from CDK context (`cdk.json` "context", or `-c key=value`), validated with
 * errors that name the key. Values from `-c` are strings; cdk.json may also use JSON types.
 * Documented in docs/deploy.md.
 */
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type { Construct } from 'constructs';
import type { AlarmThresholds } from './monitoring/thresholds';
import type { AdoptedInstance } from './nodes';
import type { EipFailoverPairProps } from './pair';

export class ContextError extends Error {
  override readonly name = 'ContextError';
  constructor(key: string, problem: string, fix: string) {
    super(`context key "${key}" ${problem}; ${fix} (set it in cdk.json "context" or with -c ${key}=...; see docs/deploy.md)`);
  }
}

/** Every key this app reads; anything else without ':' '/' or '@' is taken for a typo. */
export const CONTEXT_KEYS = [
  'clusterName',
  'stackName',
  'account',
  'region',
  'availabilityZones',
  'vpcId',
  'vpcCidr',
  'publicSubnetIds',
  'instanceType',
  'rootVolumeGiB',
  'terminationProtection',
  'clientCidrs',
  'allowWorldAccess',
  'alertEmails',
  'virtualRouterId',
  'adoptInstances',
  'alarmThresholds',
  'probeVpcEndpoints',
  'runbookUrl',
] as const;
export type ContextKey = (typeof CONTEXT_KEYS)[number];

export interface AppSettings {
  readonly stackName: string;
  readonly env?: { account?: string; region?: string };
  /** The pair, except the VPC (built by `vpcFromSettings` inside the stack). */
  readonly pair: Omit<EipFailoverPairProps, 'vpc'>;
  /** Existing VPC attributes, when `vpcId` is set. */
  readonly existingVpc?: { vpcId: string; vpcCidr?: string; publicSubnetIds: string[]; availabilityZones: string[] };
}

type Get = (key: ContextKey) => unknown;

const str = (get: Get, key: ContextKey): string | undefined => {
  const v = get(key);
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') throw new ContextError(key, `is ${JSON.stringify(v)}`, 'use a string');
  return v;
};
const list = (get: Get, key: ContextKey): string[] | undefined => {
  const v = get(key);
  if (v === undefined || v === null || v === '') return undefined;
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  if (typeof v === 'string') return v.split(',').map((s) => s.trim()).filter(Boolean);
  throw new ContextError(key, `is ${JSON.stringify(v)}`, 'use a comma-separated string or a JSON array of strings');
};
const bool = (get: Get, key: ContextKey): boolean | undefined => {
  const v = get(key);
  if (v === undefined || v === null || v === '') return undefined;
  if (v === true || v === 'true') return true;
  if (v === false || v === 'false') return false;
  throw new ContextError(key, `is ${JSON.stringify(v)}`, 'use true or false');
};
const int = (get: Get, key: ContextKey, min: number, max: number): number | undefined => {
  const v = get(key);
  if (v === undefined || v === null || v === '') return undefined;
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : NaN;
  if (!Number.isInteger(n) || n < min || n > max) throw new ContextError(key, `is ${JSON.stringify(v)}`, `use a whole number from ${min} to ${max}`);
  return n;
};

function adoptInstances(get: Get): [AdoptedInstance, AdoptedInstance] | undefined {
  let v = get('adoptInstances');
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v === 'string') {
    try {
      v = JSON.parse(v);
    } catch {
      throw new ContextError('adoptInstances', 'is not valid JSON', 'use a JSON array of two {instanceId, networkInterfaceId, privateIp, availabilityZone[, eipPrivateIp]} objects');
    }
  }
  const fields = ['instanceId', 'networkInterfaceId', 'privateIp', 'availabilityZone'] as const;
  if (!Array.isArray(v) || v.length !== 2) throw new ContextError('adoptInstances', `is ${JSON.stringify(v)}`, 'list exactly two instances');
  return v.map((item, i) => {
    for (const f of fields) {
      if (typeof item?.[f] !== 'string') throw new ContextError('adoptInstances', `[${i}].${f} is missing`, `give ${fields.join(', ')} for each instance`);
    }
    const eipPrivateIp: unknown = item.eipPrivateIp;
    if (eipPrivateIp !== undefined && typeof eipPrivateIp !== 'string') {
      throw new ContextError('adoptInstances', `[${i}].eipPrivateIp is ${JSON.stringify(eipPrivateIp)}`, 'give a secondary private IP of the instance as a string, or leave it out');
    }
    return { ...Object.fromEntries(fields.map((f) => [f, item[f]])), ...(eipPrivateIp !== undefined ? { eipPrivateIp } : {}) } as unknown as AdoptedInstance;
  }) as [AdoptedInstance, AdoptedInstance];
}

/** A JSON object of numbers (cdk.json), or its text (-c); PairMonitoring checks the names and ranges. */
function alarmThresholds(get: Get): AlarmThresholds | undefined {
  let v = get('alarmThresholds');
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v === 'string') {
    try {
      v = JSON.parse(v);
    } catch {
      throw new ContextError('alarmThresholds', 'is not valid JSON', 'use a JSON object such as {"lagWarningSec":30} (names: docs/alarms.md)');
    }
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v) || Object.values(v).some((x) => typeof x !== 'number')) {
    throw new ContextError('alarmThresholds', `is ${JSON.stringify(v)}`, 'use a JSON object of numbers such as {"lagWarningSec":30} (names: docs/alarms.md)');
  }
  return v as AlarmThresholds;
}

/** Reads and validates the app's context. `get` is `app.node.tryGetContext` (or a map, in tests). */
export function settingsFromContext(get: (key: string) => unknown, allKeys: readonly string[] = []): AppSettings {
  for (const key of allKeys) {
    if (!/[:/@]/.test(key) && !(CONTEXT_KEYS as readonly string[]).includes(key)) {
      throw new ContextError(key, 'is not a setting of this app', `use one of ${CONTEXT_KEYS.join(', ')}`);
    }
  }
  const g: Get = (k) => get(k);
  const clusterName = str(g, 'clusterName');
  if (!clusterName) throw new ContextError('clusterName', 'is missing', 'name the pair, e.g. -c clusterName=orders-db');
  if (!/^[a-z][a-z0-9-]{0,31}$/.test(clusterName)) throw new ContextError('clusterName', `is ${JSON.stringify(clusterName)}`, 'use lower case letters, digits and dashes, starting with a letter, at most 32');
  const account = str(g, 'account');
  if (account !== undefined && !/^\d{12}$/.test(account)) throw new ContextError('account', `is ${JSON.stringify(account)}`, 'use a 12-digit account id');
  const region = str(g, 'region');
  if (region !== undefined && !/^[a-z]{2}(-gov)?-[a-z]+-\d$/.test(region)) throw new ContextError('region', `is ${JSON.stringify(region)}`, 'use a region such as eu-west-1');
  const availabilityZones = list(g, 'availabilityZones');
  const vpcId = str(g, 'vpcId');
  const publicSubnetIds = list(g, 'publicSubnetIds');
  let existingVpc: AppSettings['existingVpc'];
  if (vpcId !== undefined) {
    if (!/^vpc-([0-9a-f]{8}|[0-9a-f]{17})$/.test(vpcId)) throw new ContextError('vpcId', `is ${JSON.stringify(vpcId)}`, 'use a VPC id such as vpc-0123456789abcdef0');
    if (!publicSubnetIds || publicSubnetIds.length < 2) throw new ContextError('publicSubnetIds', 'must list two public subnets when vpcId is set', 'give two subnet ids, e.g. subnet-0a...,subnet-0b...');
    if (!availabilityZones || availabilityZones.length !== publicSubnetIds.length) {
      throw new ContextError('availabilityZones', 'must list the AZ of each public subnet when vpcId is set', 'give them in the order of publicSubnetIds');
    }
    existingVpc = { vpcId, vpcCidr: str(g, 'vpcCidr'), publicSubnetIds, availabilityZones };
  } else if (publicSubnetIds) {
    throw new ContextError('publicSubnetIds', 'is set without vpcId', 'set vpcId too, or remove publicSubnetIds to create a new VPC');
  } else if (region !== undefined && availabilityZones === undefined) {
    throw new ContextError('availabilityZones', `is needed with region (${region}) so that synth needs no AZ lookup`, `give two AZs, e.g. -c availabilityZones=${region}a,${region}b`);
  }
  const instanceTypeName = str(g, 'instanceType');
  let instanceType: ec2.InstanceType | undefined;
  if (instanceTypeName !== undefined) {
    if (!/^[a-z][a-z0-9-]*\.[a-z0-9]+$/.test(instanceTypeName)) throw new ContextError('instanceType', `is ${JSON.stringify(instanceTypeName)}`, 'use an instance type such as t4g.small');
    instanceType = new ec2.InstanceType(instanceTypeName);
  }
  return {
    stackName: str(g, 'stackName') ?? `EipFailover-${clusterName}`,
    env: account || region ? { account, region } : undefined,
    existingVpc,
    pair: {
      clusterName,
      vpcCidr: existingVpc ? undefined : str(g, 'vpcCidr'),
      availabilityZones: existingVpc ? undefined : availabilityZones,
      instanceType,
      rootVolumeGiB: int(g, 'rootVolumeGiB', 8, 16384),
      terminationProtection: bool(g, 'terminationProtection'),
      clientCidrs: list(g, 'clientCidrs'),
      allowWorldAccess: bool(g, 'allowWorldAccess'),
      alertEmails: list(g, 'alertEmails'),
      virtualRouterId: int(g, 'virtualRouterId', 1, 255),
      adoptInstances: adoptInstances(g),
      monitoring: { thresholds: alarmThresholds(g), vpcEndpoints: bool(g, 'probeVpcEndpoints'), runbookUrl: str(g, 'runbookUrl') },
    },
  };
}

/** The existing VPC from its attributes: no lookup, so synth needs no credentials. */
export function vpcFromSettings(scope: Construct, settings: Pick<AppSettings, 'existingVpc'>): ec2.IVpc | undefined {
  const v = settings.existingVpc;
  if (!v) return undefined;
  return ec2.Vpc.fromVpcAttributes(scope, 'ExistingVpc', {
    vpcId: v.vpcId,
    vpcCidrBlock: v.vpcCidr,
    availabilityZones: v.availabilityZones,
    publicSubnetIds: v.publicSubnetIds,
  });
}
