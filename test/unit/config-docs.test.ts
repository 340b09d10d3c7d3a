/**
 * Drift guard between lib/config/schema.ts and docs/config.md. It walks the zod schema itself
 * (objects, arrays, defaults, optionals, the refine/transform pipe), so a field added to the
 * schema fails here until docs/config.md documents it, with its default, requiredness and range.
 * It also checks that the examples and the error output shown in the doc are real.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import example from '../../examples/cluster.json';
import { ConfigError, parseClusterConfigText } from '../../lib/config/parse';
import { ClusterConfigSchema } from '../../lib/config/schema';

type Presence = 'required' | 'default' | 'optional';

interface SchemaField {
  /** As the doc writes it: `mysql.port`, `nodes[].priority`. */
  readonly path: string;
  readonly kind: 'leaf' | 'object' | 'array';
  readonly presence: Presence;
  readonly defaultValue?: unknown;
  /** For numbers: the allowed range. */
  readonly range?: { readonly min: number; readonly max: number };
}

/** The parts of a zod 4 definition the walker reads. */
interface Def {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  out?: z.ZodType;
  defaultValue?: unknown;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  options?: readonly z.ZodType[];
}

const LEAF_TYPES = new Set(['string', 'number', 'boolean', 'literal', 'enum']);

/** Every field of the schema: containers and leaves, with presence, default and range. */
function schemaFields(schema: z.ZodType): SchemaField[] {
  const out: SchemaField[] = [];
  const walk = (s: z.ZodType, path: string, presence: Presence, defaultValue?: unknown): void => {
    const def = s.def as unknown as Def;
    const here = (kind: SchemaField['kind'], extra: Partial<SchemaField> = {}) =>
      out.push({ path, kind, presence, ...(presence === 'default' ? { defaultValue } : {}), ...extra });
    switch (def.type) {
      case 'pipe': {
        // `.superRefine(...).transform(...)`: the fields live on the input side; a pipe into
        // another schema with fields of its own would need documenting too, so refuse it.
        const outType = (def.out!.def as unknown as Def).type;
        if (outType !== 'transform') throw new Error(`${path || '(root)'}: pipe into a "${outType}" schema; teach the walker`);
        return walk(def.in!, path, presence, defaultValue);
      }
      case 'default':
      case 'prefault':
        return walk(def.innerType!, path, 'default', def.defaultValue);
      case 'optional':
        return walk(def.innerType!, path, presence === 'default' ? 'default' : 'optional', defaultValue);
      case 'object':
        // The element of an array is documented through its fields (`nodes[].id`), not as a row.
        if (path && !path.endsWith('[]')) here('object');
        for (const [key, child] of Object.entries(def.shape!)) walk(child, path ? `${path}.${key}` : key, 'required');
        return;
      case 'array':
        here('array');
        return walk(def.element!, `${path}[]`, 'required');
      case 'union':
        for (const option of def.options!) {
          const t = (option.def as unknown as Def).type;
          if (!LEAF_TYPES.has(t)) throw new Error(`${path}: union with a "${t}" option; teach the walker`);
        }
        here('leaf');
        return;
      case 'number': {
        const n = s as unknown as z.ZodNumber;
        here('leaf', n.minValue !== null && n.maxValue !== null ? { range: { min: n.minValue, max: n.maxValue } } : {});
        return;
      }
      default:
        if (LEAF_TYPES.has(def.type)) {
          here('leaf');
          return;
        }
        throw new Error(`${path || '(root)'}: zod type "${def.type}" is unknown to the walker; teach it`);
    }
  };
  walk(schema, '', 'required');
  return out;
}

const docText = readFileSync(join(__dirname, '..', '..', 'docs', 'config.md'), 'utf8');

/** The rows of the "Field reference" tables, by path: `| `path` | type | default | purpose |`. */
function referenceRows(doc: string): Map<string, { type: string; default: string; purpose: string }> {
  const start = doc.indexOf('\n## Field reference');
  if (start < 0) throw new Error('docs/config.md has no "## Field reference" section');
  const end = doc.indexOf('\n## ', start + 1);
  const section = doc.slice(start, end < 0 ? undefined : end);
  const rows = new Map<string, { type: string; default: string; purpose: string }>();
  for (const line of section.split('\n')) {
    const m = /^\|\s*`([^`]+)`\s*\|(.*)\|\s*$/.exec(line);
    if (!m) continue;
    const cells = m[2]!.split('|').map((c) => c.trim());
    if (cells.length !== 3) throw new Error(`docs/config.md: row for ${m[1]} has ${cells.length + 1} cells, expected 4`);
    if (rows.has(m[1]!)) throw new Error(`docs/config.md documents ${m[1]} twice`);
    rows.set(m[1]!, { type: cells[0]!, default: cells[1]!, purpose: cells[2]! });
  }
  return rows;
}

/** The fenced block that follows an HTML comment marker such as `<!-- example:full -->`. */
function blockAfter(marker: string): string {
  const m = new RegExp(`<!-- ${marker} -->\\s*\`\`\`[a-z]*\\n([\\s\\S]*?)\\n\`\`\``).exec(docText);
  if (!m) throw new Error(`docs/config.md has no fenced block after <!-- ${marker} -->`);
  return m[1]!;
}

const fields = schemaFields(ClusterConfigSchema);
const rows = referenceRows(docText);
const byPath = (list: SchemaField[]) => list.map((f) => [f.path, f] as const);

describe('the schema walker', () => {
  it('sees the fields of every section, through defaults, optionals, arrays and the refine/transform pipe', () => {
    const paths = fields.map((f) => f.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'clusterName',
        'eip.allocationId',
        'vrrp.advertIntervalSec',
        'nodes',
        'nodes[].priority',
        'nodes[].eventSource',
        'mysql',
        'mysql.port',
        'agent.notifyFifo',
        'eventBus.name',
      ]),
    );
    expect(new Set(paths).size).toBe(paths.length);
    const get = (path: string) => fields.find((f) => f.path === path);
    expect(get('mysql.port')).toEqual({ path: 'mysql.port', kind: 'leaf', presence: 'default', defaultValue: 3306, range: { min: 1, max: 65535 } });
    expect(get('mysql')).toMatchObject({ kind: 'object', presence: 'default', defaultValue: {} });
    expect(get('nodes[].eventSource')).toMatchObject({ presence: 'optional' });
    expect(get('nodes[].priority')).toMatchObject({ presence: 'required', range: { min: 1, max: 254 } });
    expect(get('nodes')).toMatchObject({ kind: 'array', presence: 'required' });
  });

  it('refuses a zod construct it does not understand instead of skipping its fields', () => {
    expect(() => schemaFields(z.object({ a: z.record(z.string(), z.string()) }))).toThrow(/"record" is unknown to the walker/);
    expect(() => schemaFields(z.object({ a: z.string() }).pipe(z.object({ a: z.string(), b: z.string() })))).toThrow(/teach the walker/);
  });
});

describe('docs/config.md documents every field of the schema', () => {
  it.each(byPath(fields))('has a row for %s', (path) => {
    expect([...rows.keys()]).toContain(path);
  });

  it.each(byPath(fields.filter((f) => f.presence === 'default')))('shows the default of %s next to it', (path, field) => {
    const literal = `\`${JSON.stringify(field.defaultValue)}\``;
    expect(rows.get(path)?.default).toContain(literal);
  });

  it.each(byPath(fields.filter((f) => f.presence === 'required' && rows.has(f.path))))('says %s is required', (path) => {
    expect(rows.get(path)?.default).toBe('required');
  });

  it.each(byPath(fields.filter((f) => f.presence === 'optional')))('says %s is optional and how it is computed', (path) => {
    expect(rows.get(path)?.default).toMatch(/^optional \(computed: .+\)$/);
  });

  it.each(byPath(fields.filter((f) => f.range)))('gives the allowed range of %s', (path, field) => {
    expect(rows.get(path)?.type).toMatch(new RegExp(`\\b${field.range!.min} to ${field.range!.max}\\b`));
  });

  it('documents no field the schema does not have', () => {
    const known = new Set(fields.map((f) => f.path));
    expect([...rows.keys()].filter((path) => !known.has(path))).toEqual([]);
  });

  it('fills in the type and the purpose of every row', () => {
    for (const [path, row] of rows) {
      expect({ path, type: row.type.length > 0, purpose: row.purpose.length > 20 }).toEqual({ path, type: true, purpose: true });
    }
  });
});

describe('the examples and the error output in docs/config.md are real', () => {
  it('shows examples/cluster.json as the full example', () => {
    expect(JSON.parse(blockAfter('example:full'))).toEqual(example);
  });

  it('shows a minimal example that validates to the full example', () => {
    const full = parseClusterConfigText(JSON.stringify(example));
    expect(parseClusterConfigText(blockAfter('example:minimal'))).toEqual(full);
    // And it really leaves the defaults out.
    expect(blockAfter('example:minimal')).not.toMatch(/"(mysql|agent|advertIntervalSec|interface)"/);
  });

  it('shows the message the parser really prints for the sample of mistakes', () => {
    let error: unknown;
    try {
      parseClusterConfigText(blockAfter('error-sample:input'), 'cluster.json');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(`eip-agent: ${(error as ConfigError).message}`).toBe(blockAfter('error-sample:output'));
  });
});
