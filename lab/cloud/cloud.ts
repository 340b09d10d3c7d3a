/**
 * The lab's "cloud": a PutEvents endpoint the agents' real SDK client talks to, the rule (the
 * same pattern object the CDK rule uses, agentEventPatternFor), delivery to the real controller
 * handler (createHandler) with lab adapters, Lambda-like async retries, and the scheduled
 * reconcile tick. Everything it does goes to the cloud log and the journal.
 */
import type { ClusterConfig } from '../../lib/config/schema';
import { agentEventPatternFor, matchesPattern, parseClusterEvent } from '../../lib/events';
import { systemClock } from '../../lambda/failover/adapters/system-clock';
import { staticConfigSource } from '../../lambda/failover/adapters/config-source';
import { createHandler } from '../../lambda/failover/handler';
import { settingsFromEnv } from '../../lambda/failover/settings';
import { envelopeOfAccepted, LocalEventBridge, type AcceptedEntry } from '../events-endpoint';
import type { GatewayNft } from '../gateway-nft';
import type { Journal } from '../journal';
import { FileStateStore } from './file-state-store';
import { LabEc2 } from './lab-ec2';
import { EmfMetricsSink } from '../../lambda/failover/adapters/aws/emf-metrics';
import { LabLog, LogNotifier } from './log-sinks';

/** Lambda's async retries, shortened for the lab (AWS: about 1 and 2 minutes). */
const RETRY_DELAYS_MS = [1000, 2000];
const INVOCATION_BUDGET_MS = 30_000;

export interface LabCloudOptions {
  readonly config: ClusterConfig;
  readonly host: string;
  readonly port?: number;
  readonly nft: GatewayNft;
  readonly eipFile: string;
  readonly stateFile: string;
  readonly logFile: string;
  readonly journal: Journal;
  readonly propagationDelayMs: number;
  readonly reconcileIntervalMs: number;
  readonly instanceState: (nodeId: string) => 'running' | 'stopped';
  /** Controller knobs, as the CDK would set them (EIP_FAILOVER_*). */
  readonly controllerEnv?: Readonly<Record<string, string>>;
}

export class LabCloud {
  readonly endpoint: LocalEventBridge;
  readonly ec2: LabEc2;
  private readonly handler: (event: unknown, context?: { getRemainingTimeInMillis(): number }) => Promise<unknown>;
  private queue: Promise<void> = Promise.resolve();
  private tick: NodeJS.Timeout | undefined;
  private readonly pattern;
  private readonly meta;

  constructor(private readonly o: LabCloudOptions) {
    const { config, journal } = o;
    this.pattern = agentEventPatternFor(config);
    this.meta = { account: '111122223333', region: config.region };
    const log = new LabLog(o.logFile, (level, message, fields) => {
      if (typeof fields.decision === 'string') journal.add('decision', { level, message, decision: fields.decision, reason: fields.reason ?? null });
      if (message === 'move confirmed') journal.add('move-confirmed', { to: fields.to, tookMs: fields.tookMs, latencyMs: fields.latencyMs });
      if (level === 'ERROR') journal.add('controller-error', { message, error: fields.error ?? null });
    });
    this.ec2 = new LabEc2({
      config,
      nft: o.nft,
      eipFile: o.eipFile,
      propagationDelayMs: o.propagationDelayMs,
      instanceState: o.instanceState,
      onMove: (m) => journal.add('eip-moved', { from: m.fromNodeId, to: m.toNodeId, propagationDelayMs: m.propagationDelayMs }),
      onCall: (call, outcome) => outcome === 'throttled' && journal.add('ec2-throttled', { call }),
    });
    const metrics = new EmfMetricsSink((line) => log.line(line), config.clusterName);
    const settings = settingsFromEnv(o.controllerEnv ?? {}, config);
    this.handler = createHandler({
      configSource: staticConfigSource(config),
      metrics,
      log,
      build: (c) => ({ config: c, settings, ec2: this.ec2, store: new FileStateStore(o.stateFile), notifier: new LogNotifier(log), metrics, clock: systemClock, log }),
    });
    this.endpoint = new LocalEventBridge({ host: o.host, ...(o.port ? { port: o.port } : {}), onEntries: (entries) => this.route(entries) });
  }

  get eventsEndpoint(): string {
    return this.endpoint.url;
  }

  get propagationDelayMs(): number {
    return this.o.propagationDelayMs;
  }

  get reconcileIntervalMs(): number {
    return this.o.reconcileIntervalMs;
  }

  async start(): Promise<void> {
    await this.endpoint.start();
    this.tick = setInterval(() => this.deliver({ source: 'aws.events', 'detail-type': 'Scheduled Event', time: new Date().toISOString(), detail: {} }, 'reconcile'), this.o.reconcileIntervalMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.tick);
    await this.endpoint.close();
    await this.queue;
  }

  /** The rule: every accepted entry the pattern matches is one invocation, in arrival order. */
  private route(entries: readonly AcceptedEntry[]): void {
    for (const entry of entries) {
      const envelope = envelopeOfAccepted(entry, this.meta);
      if (!matchesPattern(this.pattern, envelope)) continue;
      const parsed = parseClusterEvent(envelope, this.o.config);
      const d = parsed.ok ? parsed.event.detail : null;
      this.o.journal.add('event', {
        detailType: entry.detailType,
        nodeId: d?.nodeId ?? null,
        state: d?.state ?? null,
        seq: d?.seq ?? null,
        transitionAtMs: d && 'transitionAtMs' in d ? d.transitionAtMs : null,
        sentAtMs: d?.sentAtMs ?? null,
        dbUp: d?.db.up ?? null,
        readOnly: d?.db.readOnly ?? null,
        acceptedAtMs: entry.acceptedAtMs,
      });
      this.deliver(envelope, 'event');
    }
  }

  /** One "Lambda" at a time (reserved concurrency 1 keeps the logs readable); failures retried like async invokes. */
  private deliver(event: unknown, kind: 'event' | 'reconcile'): void {
    const invoke = async () => {
      for (let attempt = 0; ; attempt++) {
        const deadline = Date.now() + INVOCATION_BUDGET_MS;
        try {
          const outcome = await this.handler(event, { getRemainingTimeInMillis: () => deadline - Date.now() });
          if (kind === 'reconcile' && (outcome as { moved?: boolean }).moved) this.o.journal.add('reconcile-moved', {});
          return;
        } catch (err) {
          const delay = RETRY_DELAYS_MS[attempt];
          this.o.journal.add('invocation-failed', { kind, attempt, error: (err as Error).message, retryInMs: delay ?? null });
          if (delay === undefined) return;
          await new Promise((r) => setTimeout(r, delay));
        }
      }
    };
    this.queue = this.queue.then(invoke, invoke);
  }
}
