/**
 * The cluster config of a pair (lib/config/schema.ts), written to SSM Parameter Store from the
 * stack's own resource ids. The document is built by a pure function so it can be built twice:
 * with CloudFormation tokens (what is deployed) and with fake-but-valid ids (validated against the
 * shared schema at synth time, so a bad prop fails `cdk synth`, not the nodes).
 */
import { createHash } from 'node:crypto';
import { Fn, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { ConfigError, parseClusterConfig } from '../config/parse';
import type { ClusterConfig, ClusterConfigInput } from '../config/schema';
import { configParameterName } from './names';
import { PropError } from './validate';

/** Per-node values known only at deploy time (tokens) or given by the user (adopted instances). */
export interface DocumentNodeIds {
  readonly id: string;
  readonly priority: number;
  readonly instanceId: string;
  readonly privateIp: string;
  /** The secondary private IP the EIP maps to (`nodes[].eipPrivateIp`); undefined: the primary. */
  readonly eipPrivateIp?: string;
  readonly availabilityZone: string;
  readonly networkInterfaceId: string;
}

export interface ClusterDocumentInput {
  readonly clusterName: string;
  readonly region: string;
  readonly allocationId: string;
  readonly publicIp: string;
  readonly eventBusName: string;
  readonly nodes: readonly [DocumentNodeIds, DocumentNodeIds];
  /** vrrp section; `virtualRouterId` is required by the schema. */
  readonly vrrp: ClusterConfigInput['vrrp'];
  /** mysql section overrides. */
  readonly mysql?: ClusterConfigInput['mysql'];
  /** agent section overrides. */
  readonly agent?: ClusterConfigInput['agent'];
}

/** The document as the schema's input (defaults left to the readers). Pure. */
export function buildClusterDocument(input: ClusterDocumentInput): ClusterConfigInput {
  return {
    clusterName: input.clusterName,
    region: input.region,
    eip: { allocationId: input.allocationId, publicIp: input.publicIp },
    vrrp: input.vrrp,
    nodes: input.nodes.map((n) => ({
      id: n.id,
      instanceId: n.instanceId,
      privateIp: n.privateIp,
      ...(n.eipPrivateIp !== undefined ? { eipPrivateIp: n.eipPrivateIp } : {}),
      availabilityZone: n.availabilityZone,
      networkInterfaceId: n.networkInterfaceId,
      priority: n.priority,
    })),
    ...(input.mysql ? { mysql: input.mysql } : {}),
    eventBus: { name: input.eventBusName },
    ...(input.agent ? { agent: input.agent } : {}),
  };
}

/** Fake ids that satisfy the schema's patterns, for synth-time validation and tests. */
export const FAKE_IDS = {
  region: 'eu-west-1',
  allocationId: 'eipalloc-0123456789abcdef0',
  publicIp: '203.0.113.10',
  nodes: [
    { instanceId: 'i-0aaaaaaaaaaaaaaa1', privateIp: '10.42.0.10', eipPrivateIp: '10.42.0.11', availabilityZone: 'eu-west-1a', networkInterfaceId: 'eni-0aaaaaaaaaaaaaaa1' },
    { instanceId: 'i-0bbbbbbbbbbbbbbb2', privateIp: '10.42.1.10', eipPrivateIp: '10.42.1.11', availabilityZone: 'eu-west-1b', networkInterfaceId: 'eni-0bbbbbbbbbbbbbbb2' },
  ],
} as const;

export type ClusterDocumentProps = ClusterDocumentInput;

export class ClusterDocument extends Construct {
  /** The parameter the agents (`ssm:<name>`) and the controller read. */
  public readonly parameter: ssm.StringParameter;
  /** Its name, `/eip-failover/<clusterName>/config`. */
  public readonly parameterName: string;
  /** The document with tokens (what the parameter holds once deployed). */
  public readonly document: ClusterConfigInput;
  /** The document validated with fake ids: every default resolved, for synth-time decisions. */
  public readonly validated: ClusterConfig;
  /**
   * Changes whenever the deployed document changes (the static part's text and every id), for
   * the controller's environment: a new value makes Lambda start fresh instances, which reread it.
   */
  public readonly version: string;

  constructor(scope: Construct, id: string, props: ClusterDocumentProps) {
    super(scope, id);
    const fakes = buildClusterDocument({
      ...props,
      region: Token.isUnresolved(props.region) ? FAKE_IDS.region : props.region,
      allocationId: FAKE_IDS.allocationId,
      publicIp: FAKE_IDS.publicIp,
      nodes: [
        { ...props.nodes[0], ...literalOr(props.nodes[0], FAKE_IDS.nodes[0]) },
        { ...props.nodes[1], ...literalOr(props.nodes[1], FAKE_IDS.nodes[1]) },
      ],
    });
    try {
      this.validated = parseClusterConfig(fakes, `cluster config of ${this.node.path}`);
    } catch (err) {
      if (err instanceof ConfigError) throw new PropError(`ClusterDocument ${this.node.path}`, 'props', `give an invalid cluster config:\n${err.message}`, 'fix the props named above (docs/config.md)');
      throw err;
    }
    this.document = buildClusterDocument(props);
    this.parameterName = configParameterName(props.clusterName);
    this.parameter = new ssm.StringParameter(this, 'Parameter', {
      parameterName: this.parameterName,
      description: `eip-failover cluster config of ${props.clusterName} (docs/config.md); written by CDK, do not edit`,
      stringValue: Stack.of(this).toJsonString(this.document),
      tier: ssm.ParameterTier.STANDARD,
    });
    // The document without its deploy-time ids: its text changes with every prop.
    const staticPart = JSON.stringify({ ...fakes, region: null, eip: null, nodes: fakes.nodes.map((n) => ({ id: n.id, priority: n.priority })) });
    this.version = Fn.join('|', [hash(staticPart), props.allocationId, ...props.nodes.flatMap((n) => [n.instanceId, n.networkInterfaceId, n.privateIp, n.eipPrivateIp ?? '-'])]);
  }

  /** ssm:GetParameter on this parameter only. */
  grantRead(grantee: iam.IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['ssm:GetParameter'], resources: [this.parameter.parameterArn] }));
  }
}

function literalOr(node: DocumentNodeIds, fake: (typeof FAKE_IDS.nodes)[number]) {
  const pick = <K extends Exclude<keyof typeof fake, 'eipPrivateIp'>>(k: K) => (Token.isUnresolved(node[k]) ? fake[k] : node[k]);
  // No secondary IP stays none: the document then maps the EIP to the primary address.
  const eipPrivateIp = node.eipPrivateIp === undefined ? undefined : Token.isUnresolved(node.eipPrivateIp) ? fake.eipPrivateIp : node.eipPrivateIp;
  return { instanceId: pick('instanceId'), privateIp: pick('privateIp'), eipPrivateIp, availabilityZone: pick('availabilityZone'), networkInterfaceId: pick('networkInterfaceId') };
}

function hash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}
