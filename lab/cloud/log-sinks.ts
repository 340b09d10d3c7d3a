/**
 * The controller's Notifier and DecisionLog for the lab: JSON lines in the cloud log. (Metrics go
 * to the same file through the Lambda's own EmfMetricsSink, as it writes them to CloudWatch Logs.)
 */
import { appendFileSync } from 'node:fs';
import type { NoticeText } from '../../lambda/failover/core/notice-text';
import type { DecisionLog, Notifier } from '../../lambda/failover/ports';

export class LabLog implements DecisionLog {
  constructor(
    private readonly file: string,
    private readonly onLine?: (level: string, message: string, fields: Record<string, unknown>) => void,
  ) {}

  write(level: string, message: string, fields: Record<string, unknown>): void {
    this.line(JSON.stringify({ time: new Date().toISOString(), level, message, ...fields }));
    this.onLine?.(level, message, fields);
  }
  /** One preformatted line (an EMF document). */
  line(text: string): void {
    appendFileSync(this.file, `${text}\n`);
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
}

export class LogNotifier implements Notifier {
  constructor(private readonly log: LabLog) {}
  async publish(text: NoticeText): Promise<void> {
    this.log.write('NOTICE', text.subject, { body: text.body });
  }
}
