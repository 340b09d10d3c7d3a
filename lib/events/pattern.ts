/**
 * The EventBridge rule pattern that routes agent events to the controller. Defined once: the CDK
 * rule uses agentEventPattern, the lab routes with matchesPattern over the same value.
 */
import type { ClusterConfig } from '../config/schema';
import { DETAIL_TYPES } from './schema';

type Scalar = string | number | boolean | null;
/** The subset of EventBridge patterns used here: exact-match value lists, nested objects. */
export interface EventPattern {
  readonly [field: string]: readonly Scalar[] | EventPattern;
}

export class UnsupportedPatternError extends Error {
  override readonly name = 'UnsupportedPatternError';
}

export function agentEventPattern(sources: readonly string[]): EventPattern {
  return { source: [...sources], 'detail-type': [...DETAIL_TYPES] };
}

export function agentEventPatternFor(config: ClusterConfig): EventPattern {
  return agentEventPattern(config.nodes.map((n) => n.eventSource));
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * EventBridge semantics for that subset: every field of the pattern must match; a list matches
 * when the event's value (or, for an array value, any of its elements) equals one of its items;
 * a nested pattern applies to the nested object. Content filters ({prefix: ...}, etc.) throw.
 */
export function matchesPattern(pattern: EventPattern, event: unknown): boolean {
  if (!isObject(event)) return false;
  return Object.entries(pattern).every(([field, expected]) => {
    const actual = event[field];
    if (!Array.isArray(expected)) return matchesPattern(expected as EventPattern, actual);
    for (const item of expected) {
      if (isObject(item) || Array.isArray(item)) {
        throw new UnsupportedPatternError(`field "${field}": content filters such as ${JSON.stringify(item)} are not supported`);
      }
    }
    const values = Array.isArray(actual) ? actual : [actual];
    return values.some((v) => v !== undefined && !isObject(v) && expected.includes(v as Scalar));
  });
}
