/**
 * The probe Lambda's entry point (scheduled every minute; docs/metrics.md). Thin: the wiring is
 * adapters/aws.ts, the loop invocation.ts. Logs are JSON lines on stderr; metrics are EMF on stdout.
 */
import { buildAwsProbe } from './adapters/aws';
import { systemProbeClock } from './adapters/system-clock';
import { createProbeHandler, type ProbeLog } from './invocation';

const log: ProbeLog = (level, message, fields = {}) => void process.stderr.write(`${JSON.stringify({ level, message, ...fields })}\n`);

export const handler: (event: unknown, context?: { getRemainingTimeInMillis(): number }) => Promise<void> = createProbeHandler({
  build: () => buildAwsProbe(process.env, systemProbeClock, log),
  clock: systemProbeClock,
  log,
});
