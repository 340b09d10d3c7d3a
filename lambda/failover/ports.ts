/**
 * What the controller needs from the outside world. AWS adapters live in adapters/aws; the lab
 * brings its own (an nftables "EIP", a file or in-memory store, a console notifier). Each port is
 * a few methods with plain data, so an adapter is a page of code.
 */
import type { ClusterConfig } from '../../lib/config/schema';
import type { ClusterState, EipAssociation, MetricDatum } from './core/types';
import type { NoticeText } from './core/notice-text';

export interface InstanceView {
  readonly instanceId: string;
  /** EC2 state name: 'pending', 'running', 'stopping', 'stopped', 'shutting-down', 'terminated'. */
  readonly state: string;
  /** ENIs attached to the instance. */
  readonly networkInterfaceIds: readonly string[];
}

export interface AssociateRequest {
  readonly allocationId: string;
  readonly networkInterfaceId: string;
  readonly privateIpAddress: string;
}

/** `signal` aborts when the invocation's time is up; adapters stop retrying then. */
export interface Ec2Port {
  /** The allocation's association, null when not associated. Throws when it cannot tell. */
  describeEip(allocationId: string, signal: AbortSignal): Promise<EipAssociation | null>;
  /** Instances EC2 knows of among `instanceIds` (missing ones are absent, not an error). */
  describeInstances(instanceIds: readonly string[], signal: AbortSignal): Promise<InstanceView[]>;
  /** One call that moves the EIP, reassociation allowed. Throws on final failure. */
  associate(request: AssociateRequest, signal: AbortSignal): Promise<{ associationId: string | null }>;
}

export interface VersionedState {
  readonly state: ClusterState;
  /** Grows by one at every write; the next write must name it. */
  readonly version: number;
}

/** One cluster's state, written only if nobody wrote since it was read (optimistic concurrency). */
export interface StateStore {
  get(): Promise<VersionedState | null>;
  /** expectedVersion null: create, only if absent. Returns the new version, or 'conflict'. */
  put(state: ClusterState, expectedVersion: number | null): Promise<{ version: number } | 'conflict'>;
}

export interface Notifier {
  publish(text: NoticeText): Promise<void>;
}

export interface MetricsSink {
  record(datum: MetricDatum): void;
  /** Called once at the end of every invocation. */
  flush(): void;
}

export interface Clock {
  nowMs(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** Where the cluster config comes from; the handler calls it once per cold start. */
export interface ConfigSource {
  load(): Promise<ClusterConfig>;
}

/** One line per decision; `fields` carry every input. Powertools Logger fits as is. */
export interface DecisionLog {
  info(message: string, fields: Record<string, unknown>): void;
  warn(message: string, fields: Record<string, unknown>): void;
  error(message: string, fields: Record<string, unknown>): void;
}
