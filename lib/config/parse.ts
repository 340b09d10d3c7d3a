import * as z from 'zod';
import { ClusterConfig, ClusterConfigSchema } from './schema';

/** One thing wrong with a config: where, and what to do about it. */
export interface ConfigProblem {
  /** Field path as a person writes it, e.g. `nodes[1].priority`; `(document)` for the whole file. */
  readonly path: string;
  readonly message: string;
}

/** A config that must not be used. Its message lists every problem, one per line. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly source: string,
    readonly problems: readonly ConfigProblem[],
  ) {
    super(`invalid cluster config (${source}):\n${problems.map((p) => `  - ${p.path}: ${p.message}`).join('\n')}`);
  }
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) out += typeof key === 'number' ? `[${key}]` : `${out ? '.' : ''}${String(key)}`;
  return out || '(document)';
}

/** The keys an object schema accepts at `path` (used to suggest the right spelling of a typo). */
function knownKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let node: z.ZodType | undefined = schema;
  const unwrap = (s: z.ZodType | undefined): z.ZodType | undefined => {
    // Peel defaults, optionals and refinement pipes down to the object or array underneath.
    for (let i = 0; s && i < 10; i++) {
      if (s instanceof z.ZodObject || s instanceof z.ZodArray) return s;
      const def = (s as unknown as { def: { innerType?: z.ZodType; in?: z.ZodType } }).def;
      s = def.innerType ?? def.in;
    }
    return s;
  };
  for (const key of path) {
    node = unwrap(node);
    if (node instanceof z.ZodArray && typeof key === 'number') node = node.element as z.ZodType;
    else if (node instanceof z.ZodObject) node = (node.shape as Record<string, z.ZodType>)[String(key)];
    else return [];
  }
  node = unwrap(node);
  return node instanceof z.ZodObject ? Object.keys(node.shape) : [];
}

function closest(word: string, candidates: string[]): string | undefined {
  const distance = (a: string, b: string): number => {
    const row = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
      let prev = row[0]!;
      row[0] = i;
      for (let j = 1; j <= b.length; j++) {
        const cur = row[j]!;
        row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1));
        prev = cur;
      }
    }
    return row[b.length]!;
  };
  const best = candidates.map((c) => ({ c, d: distance(word, c) })).sort((x, y) => x.d - y.d)[0];
  return best && best.d <= Math.max(2, Math.floor(word.length / 3)) ? best.c : undefined;
}

function describe(issue: z.core.$ZodIssue): ConfigProblem[] {
  if (issue.code === 'unrecognized_keys') {
    const known = knownKeysAt(ClusterConfigSchema, issue.path);
    return issue.keys.map((key) => {
      const guess = closest(key, known);
      return {
        path: formatPath([...issue.path, key]),
        message:
          `unknown field${guess ? `; did you mean "${guess}"?` : '.'} ` +
          `Remove it or fix its spelling (fields allowed here: ${known.join(', ')})`,
      };
    });
  }
  if (issue.code === 'invalid_type' && issue.input === undefined) {
    return [{ path: formatPath(issue.path), message: 'is required but missing; add it (see docs/config.md)' }];
  }
  return [{ path: formatPath(issue.path), message: issue.message }];
}

/**
 * Validate a parsed document. Throws ConfigError naming every bad field. jitless: a process parses
 * its config once, and zod's eval-compiled fast path costs more to build than that one parse
 * (docs/controller.md, "Bundle and cold start").
 */
export function parseClusterConfig(document: unknown, source = 'cluster config'): ClusterConfig {
  const result = ClusterConfigSchema.safeParse(document, { reportInput: true, jitless: true });
  if (result.success) return result.data;
  throw new ConfigError(source, result.error.issues.flatMap(describe));
}

/** Parse and validate JSON text. Syntax errors are reported as ConfigError too. */
export function parseClusterConfigText(text: string, source = 'cluster config'): ClusterConfig {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(source, [
      { path: '(document)', message: `is not valid JSON (${(err as Error).message}); fix the syntax` },
    ]);
  }
  return parseClusterConfig(document, source);
}
