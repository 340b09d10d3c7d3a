/** Structured logging for the agent: one JSON object per line (journald keeps each as a record). */
export type LogFields = Readonly<Record<string, unknown>>;

export interface Log {
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

/** A logger writing JSON lines to stderr, tagged with the component. Never pass secrets in fields. */
export function jsonLog(component: string, out: (line: string) => void = (l) => process.stderr.write(l)): Log {
  const write = (level: string) => (message: string, fields?: LogFields) =>
    out(`${JSON.stringify({ time: new Date().toISOString(), level, component, message, ...fields })}\n`);
  return { info: write('info'), warn: write('warn'), error: write('error') };
}
