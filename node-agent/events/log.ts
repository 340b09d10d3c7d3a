/** The logging port of the events code; the daemon plugs in its structured JSON logger. */
import { jsonLog, type Log, type LogFields } from '../log';

export type { LogFields };
export type EventsLog = Log;

/** One JSON object per line on stderr (journald keeps it as one record). */
export const jsonLinesLog: EventsLog = jsonLog('events');

export interface LogLine {
  readonly level: 'info' | 'warn' | 'error';
  readonly message: string;
  readonly fields: LogFields | undefined;
}

/** Keeps lines in memory (tests, and `eip-agent status` showing recent trouble). */
export function memoryLog(): EventsLog & { readonly lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at = (level: LogLine['level']) => (message: string, fields?: LogFields) => void lines.push({ level, message, fields });
  return { lines, info: at('info'), warn: at('warn'), error: at('error') };
}
