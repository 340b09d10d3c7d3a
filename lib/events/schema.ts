/**
 * The agent's events: the one schema shared by the node agent (which emits them), the failover
 * controller (which validates them) and the lab. Documented in docs/events.md; keep the two in step.
 */
import * as z from 'zod';

/** Bumped only for changes an older reader cannot handle; additive fields keep version 1. */
export const EVENT_SCHEMA_VERSION = 1;

export const DETAIL_TYPE = {
  stateChange: 'VRRP State Change',
  heartbeat: 'VRRP Heartbeat',
} as const;
export type DetailType = (typeof DETAIL_TYPE)[keyof typeof DETAIL_TYPE];
export const DETAIL_TYPES: readonly DetailType[] = [DETAIL_TYPE.stateChange, DETAIL_TYPE.heartbeat];

/** The states keepalived writes to its notify FIFO. */
export const TRANSITION_STATES = ['MASTER', 'BACKUP', 'FAULT', 'STOP', 'MASTER_RX_LOWER_PRI'] as const;
export type TransitionState = (typeof TRANSITION_STATES)[number];
/** A heartbeat also reports UNKNOWN: the agent has not read any FIFO line since it started. */
export const HEARTBEAT_STATES = [...TRANSITION_STATES, 'UNKNOWN'] as const;
export type HeartbeatState = (typeof HEARTBEAT_STATES)[number];

/** Longest free-text field; the agent truncates, the readers reject (keeps events and the spool small). */
export const MAX_TEXT_LENGTH = 1000;
/** MariaDB's gtid_current_pos lists one GTID per replication domain; a few dozen at most. */
export const MAX_GTID_LENGTH = 2000;

const msTime = z.int().min(0);
const counter = z.int().min(1);
const text = z.string().max(MAX_TEXT_LENGTH);

/** What the agent saw of its local database when it built the event. */
export const DbViewSchema = z.object({
  /** The local health check connected and answered. */
  up: z.boolean(),
  /** @@read_only; null when the database could not be asked (up is false). */
  readOnly: z.boolean().nullable(),
  /** Replication IO thread (Slave_IO_Running = Yes); false when unknown. */
  ioRunning: z.boolean(),
  /** Replication SQL thread (Slave_SQL_Running = Yes); false when unknown. */
  sqlRunning: z.boolean(),
  /** @@gtid_current_pos, e.g. "0-1-1042"; empty when unknown. */
  gtidCurrentPos: z.string().max(MAX_GTID_LENGTH),
  /** Replication lag from the heartbeat row; null when unknown (replication broken, no row yet). */
  lagSeconds: z.number().min(0).nullable(),
  /** Why the view is incomplete (e.g. "connect ECONNREFUSED"); null when the check passed. */
  error: text.nullable(),
});
export type DbView = z.output<typeof DbViewSchema>;

/** The fields of both detail-types, in the order they are serialised. */
const detailShape = <S extends z.ZodType, T extends z.ZodType>(state: S, transitionAtMs: T) => ({
  schemaVersion: z.literal(EVENT_SCHEMA_VERSION),
  /** clusterName from the cluster config. */
  cluster: z.string().regex(/^[a-z][a-z0-9-]{0,31}$/),
  nodeId: z.string().regex(/^[a-z][a-z0-9-]{0,31}$/),
  instanceId: z.string().regex(/^i-([0-9a-f]{8}|[0-9a-f]{17})$/),
  state,
  /** keepalived's current priority of the VRRP instance, as the FIFO line reported it. */
  priority: z.int().min(0).max(255),
  transitionAtMs,
  /** When the agent built the event (the time of the facts it carries); kept while spooled. */
  sentAtMs: msTime,
  /** Grows at every agent start (see docs/events.md); orders events together with seq. */
  epoch: counter,
  /** Per node, grows with every event, kept across restarts; may have gaps. */
  seq: counter,
  db: DbViewSchema,
  /** The agent's latest failure worth a human's eye (fencing, FIFO, database), null if none. */
  lastError: text.nullable(),
});

export const StateChangeDetailSchema = z.object(
  detailShape(
    z.enum(TRANSITION_STATES),
    /** When the agent read the transition from the FIFO. */
    msTime,
  ),
);
export type StateChangeDetail = z.output<typeof StateChangeDetailSchema>;

export const HeartbeatDetailSchema = z
  .object(
    detailShape(
      z.enum(HEARTBEAT_STATES),
      /** The time of the last transition; null while the state is UNKNOWN. */
      msTime.nullable(),
    ),
  )
  .refine((d) => (d.state === 'UNKNOWN') === (d.transitionAtMs === null), {
    message: 'transitionAtMs must be null exactly when state is UNKNOWN',
    path: ['transitionAtMs'],
  });
export type HeartbeatDetail = z.output<typeof HeartbeatDetailSchema>;

/** One event as the agent emits it (before EventBridge wraps it in an envelope). */
export type AgentEvent =
  | { readonly detailType: typeof DETAIL_TYPE.stateChange; readonly detail: StateChangeDetail }
  | { readonly detailType: typeof DETAIL_TYPE.heartbeat; readonly detail: HeartbeatDetail };

export const DETAIL_SCHEMAS = {
  [DETAIL_TYPE.stateChange]: StateChangeDetailSchema,
  [DETAIL_TYPE.heartbeat]: HeartbeatDetailSchema,
} as const;

export function isTransition(event: AgentEvent): boolean {
  return event.detailType === DETAIL_TYPE.stateChange;
}
