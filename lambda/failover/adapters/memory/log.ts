/** DecisionLog that keeps its lines (the lab prints them; tests read them). */
import type { DecisionLog } from '../../ports';

export interface LogLine {
  readonly level: 'info' | 'warn' | 'error';
  readonly message: string;
  readonly fields: Record<string, unknown>;
}

export class MemoryLog implements DecisionLog {
  readonly lines: LogLine[] = [];
  info(message: string, fields: Record<string, unknown>): void {
    this.lines.push({ level: 'info', message, fields });
  }
  warn(message: string, fields: Record<string, unknown>): void {
    this.lines.push({ level: 'warn', message, fields });
  }
  error(message: string, fields: Record<string, unknown>): void {
    this.lines.push({ level: 'error', message, fields });
  }
}
