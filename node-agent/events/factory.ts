/** Builds the node's events: identity from the config, the next (epoch, seq), the facts of the moment. */
import type { ClusterConfig } from '../../lib/config/schema';
import { UnknownNodeError } from '../../lib/events/entry';
import type { EventOrder } from '../../lib/events/order';
import {
  AgentEvent,
  DbView,
  DETAIL_SCHEMAS,
  DETAIL_TYPE,
  EVENT_SCHEMA_VERSION,
  HeartbeatState,
  MAX_GTID_LENGTH,
  MAX_TEXT_LENGTH,
  TransitionState,
} from '../../lib/events/schema';

export interface NodeIdentity {
  readonly cluster: string;
  readonly nodeId: string;
  readonly instanceId: string;
}

/** What the daemon knows when it emits an event. */
export interface EventFacts {
  readonly priority: number;
  readonly db: DbView;
  readonly lastError: string | null;
}

export class EventBuildError extends Error {
  override readonly name = 'EventBuildError';
}

export function identityFor(config: ClusterConfig, nodeId: string): NodeIdentity {
  const node = config.nodes.find((n) => n.id === nodeId);
  if (!node) throw new UnknownNodeError(nodeId);
  return { cluster: config.clusterName, nodeId: node.id, instanceId: node.instanceId };
}

const cut = (s: string, max: number) => (s.length <= max ? s : `${s.slice(0, max - 1)}…`);
const cutOrNull = (s: string | null) => (s === null ? null : cut(s, MAX_TEXT_LENGTH));

export class EventFactory {
  constructor(
    private readonly identity: NodeIdentity,
    private readonly sequence: { next(): EventOrder },
    private readonly now: () => number = Date.now,
  ) {}

  stateChange(facts: EventFacts & { readonly state: TransitionState; readonly transitionAtMs: number }): AgentEvent {
    return this.build(DETAIL_TYPE.stateChange, facts);
  }

  /** transitionAtMs is the last transition's time, null while the state is still UNKNOWN. */
  heartbeat(facts: EventFacts & { readonly state: HeartbeatState; readonly transitionAtMs: number | null }): AgentEvent {
    return this.build(DETAIL_TYPE.heartbeat, facts);
  }

  private build(
    detailType: AgentEvent['detailType'],
    facts: EventFacts & { readonly state: HeartbeatState; readonly transitionAtMs: number | null },
  ): AgentEvent {
    const { epoch, seq } = this.sequence.next();
    const detail = {
      schemaVersion: EVENT_SCHEMA_VERSION,
      ...this.identity,
      state: facts.state,
      priority: facts.priority,
      transitionAtMs: facts.transitionAtMs,
      sentAtMs: this.now(),
      epoch,
      seq,
      db: { ...facts.db, gtidCurrentPos: cut(facts.db.gtidCurrentPos, MAX_GTID_LENGTH), error: cutOrNull(facts.db.error) },
      lastError: cutOrNull(facts.lastError),
    };
    const parsed = DETAIL_SCHEMAS[detailType].safeParse(detail);
    if (!parsed.success) {
      // The daemon passed facts the schema forbids (a bug): fail loudly rather than send them.
      throw new EventBuildError(`cannot build "${detailType}": ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    }
    return { detailType, detail: parsed.data } as AgentEvent;
  }
}
