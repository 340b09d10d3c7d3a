/** The shapes every benchmark shares: what it returns, and what `npm run bench` writes. */

/** What an entry is judged on: `value` compared (op) with the entry's `of` statistic. */
export interface BenchTarget {
  /** As shown in the README, e.g. "p50 ≤ 50 ms". */
  readonly text: string;
  readonly op: '<=' | '>=';
  readonly value: number;
  readonly of: 'median' | 'p99' | 'min' | 'max';
}

export interface MachineInfo {
  readonly cpus: number;
  readonly cpuModel: string;
  readonly node: string;
  readonly platform: string;
}

/** One row of bench/results.json and of the README table. */
export interface BenchEntry {
  readonly name: string;
  readonly unit: string;
  /** null when the benchmark failed before it could measure. */
  readonly median: number | null;
  readonly p99?: number;
  readonly min?: number;
  readonly max?: number;
  /** Number of measurements behind the statistics. */
  readonly samples: number;
  /** null: reported without a target (e.g. a baseline). */
  readonly target: BenchTarget | null;
  readonly pass: boolean;
  readonly notes: string;
  /** ISO time; the runner fills it in when a benchmark leaves it out. */
  readonly measuredAt?: string;
  /** The runner fills it in when a benchmark leaves it out. */
  readonly machine?: MachineInfo;
  /** Registry name of the benchmark that produced the entry (set by the runner). */
  readonly benchmark?: string;
}

export interface BenchContext {
  /** One progress line on stderr, prefixed with the benchmark's name. */
  progress(message: string): void;
}

/** One registered benchmark: `npm run bench -- --only <name>` selects it. */
export interface Benchmark {
  readonly name: string;
  readonly description: string;
  run(ctx: BenchContext): Promise<BenchEntry[]>;
}
