/** The logging port of the events code; the daemon plugs in its structured JSON logger. */
export type LogFields = Readonly<Record<string, unknown>>;

export interface EventsLog {
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

/** One JSON object per line on stderr (journald keeps it as one record). */
export const jsonLinesLog: EventsLog = {
  info: (message, fields) => write('info', message, fields),
  warn: (message, fields) => write('warn', message, fields),
  error: (message, fields) => write('error', message, fields),
};

function write(level: string, message: string, fields: LogFields | undefined): void {
  process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level, component: 'events', message, ...fields })}\n`);
}

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
