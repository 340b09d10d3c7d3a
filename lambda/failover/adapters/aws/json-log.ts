/**
 * DecisionLog as one JSON object per line in the function's log (CloudWatch Logs Insights reads
 * the fields): level, message, timestamp, service, the persistent keys (cluster), then the
 * decision's own fields. Levels below AWS_LAMBDA_LOG_LEVEL (Lambda's log level setting) are
 * dropped; the default is INFO.
 */
import type { DecisionLog } from '../../ports';

const LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'] as const;
type Level = (typeof LEVELS)[number];

export interface JsonLogOptions {
  readonly service: string;
  /** Gets one line (no newline) and its level: stdout for INFO, stderr for WARN and ERROR in Lambda. */
  readonly write: (line: string, level: Level) => void;
  /** AWS_LAMBDA_LOG_LEVEL's value; unknown or absent means INFO. */
  readonly minLevel?: string;
  readonly nowMs?: () => number;
}

/** Errors as name/message/stack (JSON.stringify gives `{}`), bigints as strings (it would throw). */
function jsonSafe(_key: string, value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message, stack: value.stack };
  return typeof value === 'bigint' ? value.toString() : value;
}

export class JsonLog implements DecisionLog {
  private readonly minRank: number;
  private keys: Record<string, unknown> = {};

  constructor(private readonly options: JsonLogOptions) {
    const rank = LEVELS.indexOf((options.minLevel ?? '').toUpperCase() as Level);
    this.minRank = rank >= 0 ? rank : LEVELS.indexOf('INFO');
  }

  /** Keys written on every later line (e.g. the cluster, once the config is known). */
  appendKeys(keys: Record<string, unknown>): void {
    this.keys = { ...this.keys, ...keys };
  }

  info(message: string, fields: Record<string, unknown>): void {
    this.write('INFO', message, fields);
  }
  warn(message: string, fields: Record<string, unknown>): void {
    this.write('WARN', message, fields);
  }
  error(message: string, fields: Record<string, unknown>): void {
    this.write('ERROR', message, fields);
  }

  private write(level: Level, message: string, fields: Record<string, unknown>): void {
    if (LEVELS.indexOf(level) < this.minRank) return;
    const head = { level, message, timestamp: new Date((this.options.nowMs ?? Date.now)()).toISOString(), service: this.options.service, ...this.keys };
    // head twice: its keys come first, and a field cannot overwrite them.
    let line: string;
    try {
      line = JSON.stringify({ ...head, ...fields, ...head }, jsonSafe);
    } catch (err) {
      line = JSON.stringify({ ...head, logError: `fields not serialisable: ${(err as Error).message}` });
    }
    this.options.write(line, level);
  }
}
