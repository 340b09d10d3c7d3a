/**
 * `eip-agent run`: the bridge between keepalived on this node and the control plane.
 *
 * - Every FIFO line becomes one event, enqueued synchronously in keepalived's order (the spool
 *   is on local disk; nothing on this path waits on the network or the database).
 * - keepalived dying without a word (SIGKILL) is turned into a STOP event and fences at once.
 * - Fencing runs after every transition and every second; the writer refreshes its heartbeat
 *   row; a heartbeat event goes out every `agent.heartbeatIntervalSec`.
 * - Failures are logged and reported in the next event; they never stop the daemon.
 */
import { mkdirSync } from 'node:fs';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { ClusterConfig } from '../../lib/config/schema';
import { eventTargetFor } from '../../lib/events/entry';
import type { DbView as EventDbView, HeartbeatState, TransitionState } from '../../lib/events/schema';
import { writeFileAtomic } from '../../lib/fs/atomic-write';
import { toEventDbView } from '../db/event-view';
import type { LocalDatabase } from '../db/local-database';
import type { EipOwnership } from '../eip/ownership';
import { EipPoller } from '../eip/poller';
import { EventFactory, identityFor } from '../events/factory';
import { EventPublisher } from '../events/publisher';
import { SeqStore } from '../events/seq-store';
import { Spool } from '../events/spool';
import { FencingController, type FencingStep } from '../fencing/controller';
import { isMasterState } from '../fencing/decide';
import { clearHold, clearTakeover, holdActive, leaseActive, readHold, readTakeover, setTakeoverTrack, setYieldTrack, switchoverState, takeoverTrackSet, yieldTrackSet } from '../switchover/files';
import type { Log } from '../log';
import { markerAddress, vrrpInstanceName } from '../keepalived/render';
import { NotifyFifoReader } from './fifo-reader';
import { livePidFromFile } from '../process-alive';
import { hasMarkerAddress, inferVrrpState } from './keepalived-watch';
import { parseNotifyLine } from './notify-line';
import { AgentStatus, statusPath } from './status';

export interface AgentDaemonOptions {
  readonly config: ClusterConfig;
  readonly nodeId: string;
  readonly db: LocalDatabase;
  readonly eip: EipOwnership;
  readonly eventsClient: EventBridgeClient;
  readonly log: Log;
  /** @default config.agent.stateDir */
  readonly stateDir?: string;
  /** @default config.agent.keepalivedPidFile */
  readonly keepalivedPidFile?: string;
  /** How often keepalived's pid is checked. @default 500 */
  readonly keepalivedWatchMs?: number;
  /** Fencing re-evaluation period. @default 1000 */
  readonly fencingTickMs?: number;
}

const NOT_CHECKED: EventDbView = {
  up: false,
  readOnly: null,
  ioRunning: false,
  sqlRunning: false,
  gtidCurrentPos: '',
  lagSeconds: null,
  error: 'not checked yet',
};

/** Says whether a message is new, or last said longer ago than `quietMs`. */
class RepeatFilter {
  private last: { key: string; atMs: number } | null = null;
  constructor(private readonly quietMs: number) {}
  fresh(key: string, nowMs = Date.now()): boolean {
    if (this.last && this.last.key === key && nowMs - this.last.atMs < this.quietMs) return false;
    this.last = { key, atMs: nowMs };
    return true;
  }
}

interface VrrpNow {
  state: HeartbeatState;
  priority: number;
  transitionAtMs: number | null;
  source: AgentStatus['vrrp']['source'];
}

export class AgentDaemon {
  private readonly stateDir: string;
  private readonly pidFile: string;
  private readonly publisher: EventPublisher;
  private readonly seq: SeqStore;
  private readonly factory: EventFactory;
  private readonly fencing: FencingController;
  private readonly eipPoller: EipPoller;
  private readonly fifo: NotifyFifoReader;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly startedAtMs = Date.now();
  private vrrp: VrrpNow;
  private keepalivedRunning = false;
  private dbView: EventDbView = NOT_CHECKED;
  private lastStep: FencingStep | null = null;
  private lastError: string | null = null;
  private stopped = false;
  /** The fencing loop runs every second: repeat a failure or warning only every 30 s. */
  private readonly repeatLog = new RepeatFilter(30_000);
  private readonly repeatFifoLog = new RepeatFilter(30_000);

  constructor(private readonly options: AgentDaemonOptions) {
    const { config, nodeId, log } = options;
    this.stateDir = options.stateDir ?? config.agent.stateDir;
    this.pidFile = options.keepalivedPidFile ?? config.agent.keepalivedPidFile;
    mkdirSync(this.stateDir, { recursive: true, mode: 0o700 });
    const spool = Spool.open(this.stateDir, { maxEntries: config.agent.spoolMaxEntries, log });
    this.seq = SeqStore.open(this.stateDir, { spooled: spool.newest(), log });
    this.factory = new EventFactory(identityFor(config, nodeId), this.seq);
    this.publisher = new EventPublisher({ client: options.eventsClient, spool, target: eventTargetFor(config, nodeId), log });
    this.eipPoller = new EipPoller(options.eip, {
      intervalMs: config.agent.eipPollIntervalMs,
      onChange: (holder, previous, detail) => {
        log.info('EIP holder changed', { holder, previous, detail });
        void this.fenceNow();
      },
    });
    this.fencing = new FencingController({
      db: options.db,
      eipHolder: () => this.eipPoller.current(),
      switchoverHold: () => holdActive(readHold(this.stateDir), Date.now()),
      bounds: {
        eipWaitMs: config.agent.fencingEipWaitMs,
        catchUpWaitMs: config.agent.fencingCatchUpWaitMs,
        onCatchUpExpiry: config.agent.fencingOnCatchUpExpiry,
      },
    });
    this.fifo = new NotifyFifoReader(
      config.agent.notifyFifo,
      (line) => this.onFifoLine(line),
      (err) => log.error('notify FIFO read failed', { error: err.message }),
    );
    const priority = config.nodes.find((n) => n.id === nodeId)!.priority;
    this.vrrp = { state: 'UNKNOWN', priority, transitionAtMs: null, source: 'inferred' };
  }

  async start(): Promise<void> {
    const { config, log } = this.options;
    this.keepalivedRunning = livePidFromFile(this.pidFile) !== null;
    const inferred = inferVrrpState(this.keepalivedRunning, hasMarkerAddress(markerAddress(config)));
    this.vrrp = { ...this.vrrp, state: inferred, transitionAtMs: inferred === 'UNKNOWN' ? null : Date.now() };
    this.fencing.noteKeepalivedAlive(this.keepalivedRunning);
    this.fencing.noteVrrpState(inferred);
    log.info('agent starting', { node: this.options.nodeId, stateDir: this.stateDir, keepalivedRunning: this.keepalivedRunning, inferredState: inferred, epoch: this.seq.epoch });

    // The FIFO first: keepalived's lines wait in the pipe until we read them, in order.
    await this.fifo.start();
    this.publisher.start();
    this.eipPoller.start();
    await this.fenceNow();
    this.publishHeartbeat();
    this.every(this.options.keepalivedWatchMs ?? 500, () => {
      this.watchKeepalived();
      void this.followFifo();
    });
    this.every(this.options.fencingTickMs ?? 1000, () => void this.fenceNow());
    this.every(config.agent.dbHeartbeatIntervalMs, () => void this.writeDbHeartbeat());
    this.every(config.agent.heartbeatIntervalSec * 1000, () => this.publishHeartbeat());
    this.every(1000, () => void this.writeStatus());
    await this.writeStatus();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    this.fifo.stop();
    this.eipPoller.stop();
    await this.publisher.stop();
    await this.writeStatus();
  }

  /** Resolves once every event so far has been accepted by EventBridge. */
  whenDrained(): Promise<void> {
    return this.publisher.whenDrained();
  }

  private every(ms: number, fn: () => void): void {
    this.timers.push(setInterval(fn, ms));
  }

  private onFifoLine(line: string): void {
    const parsed = parseNotifyLine(line, vrrpInstanceName(this.options.config));
    if (parsed.kind === 'transition') this.onTransition(parsed.transition.state, parsed.transition.priority, 'fifo');
    else this.options.log[parsed.kind === 'malformed' ? 'warn' : 'info']('FIFO line skipped', { line, reason: parsed.reason });
  }

  private onTransition(state: TransitionState, priority: number, source: VrrpNow['source'], note?: string): void {
    const atMs = Date.now();
    this.vrrp = { state, priority, transitionAtMs: atMs, source };
    this.fencing.noteVrrpState(state, atMs);
    // Enqueue before anything slow: the event carries the database as last seen (≤ 1 s old).
    try {
      this.publisher.enqueue(
        this.factory.stateChange({ state, priority, transitionAtMs: atMs, db: this.dbView, lastError: note ?? this.lastError }),
      );
    } catch (err) {
      this.options.log.error('could not spool a transition', { state, error: (err as Error).message });
    }
    this.options.log.info('VRRP transition', { state, priority, source, ...(note ? { note } : {}) });
    void this.fenceNow();
    if (state === 'MASTER' || state === 'MASTER_RX_LOWER_PRI') void this.eipPoller.pollNow();
  }

  /** keepalived deletes a FIFO it created when it stops: keep reading the one it writes to. */
  private async followFifo(): Promise<void> {
    try {
      const result = await this.fifo.follow();
      if (result !== 'same') this.options.log.warn(`notify FIFO ${result === 'recreated' ? 'was deleted; created it again' : 'was replaced; reading the new one'}`, { fifo: this.options.config.agent.notifyFifo });
    } catch (err) {
      const message = (err as Error).message;
      if (this.repeatFifoLog.fresh(message)) this.options.log.error('cannot follow the notify FIFO', { error: message });
    }
  }

  private watchKeepalived(): void {
    const running = livePidFromFile(this.pidFile) !== null;
    if (running === this.keepalivedRunning) return;
    this.keepalivedRunning = running;
    this.fencing.noteKeepalivedAlive(running);
    if (!running && this.vrrp.state !== 'STOP') {
      this.onTransition('STOP', 0, 'watch', 'keepalived exited without a STOP line (killed or crashed)');
    } else {
      this.options.log.info(running ? 'keepalived is running' : 'keepalived stopped');
      void this.fenceNow();
    }
  }

  private async fenceNow(): Promise<void> {
    if (this.stopped) return;
    await this.releaseExpiredHold();
    await this.endTakeoverBoost();
    const step = await this.fencing.step();
    this.lastStep = step;
    this.dbView = toEventDbView(step.view);
    const { decision } = step;
    this.lastError = step.error ?? decision.warning ?? null;
    const log = this.options.log;
    const fields = { reason: decision.reason, detail: decision.detail, action: step.action, eipHolder: step.eipHolder, vrrpState: this.vrrp.state };
    if (step.error) {
      if (this.repeatLog.fresh(`error:${step.error}`)) log.error('fencing step failed', { ...fields, error: step.error });
    } else if (decision.warning) {
      // Keyed by reason: the text carries the time since MASTER, new at every step.
      if (this.repeatLog.fresh(`warn:${decision.reason}`)) log.warn(decision.warning, fields);
    } else if (step.action !== 'none' || step.changed) {
      log.info(step.action === 'none' ? 'fencing' : `fencing: ${step.action}`, fields);
    }
  }

  /**
   * A switchover hold past its time means the `eip-agent yield` that wrote it died: remove it and
   * let keepalived leave FAULT, so normal fencing (and VRRP) take over again (docs/eipctl.md).
   */
  private async releaseExpiredHold(): Promise<void> {
    const hold = readHold(this.stateDir);
    if (!hold || holdActive(hold, Date.now())) return;
    clearHold(this.stateDir);
    const wasYielding = yieldTrackSet(this.stateDir);
    try {
      if (wasYielding) await setYieldTrack(this.stateDir, false);
      this.options.log.warn('switchover hold expired (its eip-agent yield did not finish): removed it; normal fencing applies', { hold, keepalivedReleased: wasYielding });
    } catch (err) {
      this.options.log.error('switchover hold expired but keepalived could not be released', { hold, error: (err as Error).message });
    }
  }

  /** `eip-agent prepare-takeover` raised this node's VRRP priority: drop it once this node is the writer, or at its time. */
  private async endTakeoverBoost(): Promise<void> {
    const lease = readTakeover(this.stateDir);
    if (!lease) return;
    const tookOver = isMasterState(this.vrrp.state) && this.eipPoller.current() === 'self';
    if (!tookOver && leaseActive(lease, Date.now())) return;
    clearTakeover(this.stateDir);
    try {
      if (takeoverTrackSet(this.stateDir)) await setTakeoverTrack(this.stateDir, false);
      this.options.log[tookOver ? 'info' : 'warn'](tookOver ? 'took over as planned: VRRP priority back to normal' : 'takeover boost expired without a takeover: VRRP priority back to normal', { lease });
    } catch (err) {
      this.options.log.error('could not end the takeover boost', { lease, error: (err as Error).message });
    }
  }

  private async writeDbHeartbeat(): Promise<void> {
    const view = this.lastStep?.view;
    if (!view?.up || view.readOnly !== false || view.serverId === null) return;
    try {
      await this.options.db.writeHeartbeat(view.serverId);
    } catch (err) {
      this.options.log.warn('heartbeat row not written', { error: (err as Error).message });
    }
  }

  private publishHeartbeat(): void {
    const { state, priority, transitionAtMs } = this.vrrp;
    try {
      this.publisher.enqueue(
        this.factory.heartbeat({ state, priority, transitionAtMs: state === 'UNKNOWN' ? null : transitionAtMs, db: this.dbView, lastError: this.lastError }),
      );
    } catch (err) {
      this.options.log.error('could not spool a heartbeat', { error: (err as Error).message });
    }
  }

  status(): AgentStatus {
    const { config, nodeId } = this.options;
    const eip = this.eipPoller.latest();
    const decision = this.lastStep?.decision;
    return {
      cluster: config.clusterName,
      nodeId,
      pid: process.pid,
      startedAtMs: this.startedAtMs,
      updatedAtMs: Date.now(),
      vrrp: { ...this.vrrp, keepalivedRunning: this.keepalivedRunning },
      events: { ...this.publisher.status(), epoch: this.seq.epoch, lastSeq: this.seq.lastSeq },
      db: { ...this.dbView, role: !this.dbView.up ? 'down' : this.dbView.readOnly === false ? 'writer' : 'read-only' },
      eip: { holder: this.eipPoller.current(), ageMs: eip.ageMs, lastError: eip.lastError },
      switchover: switchoverState(this.stateDir),
      fencing: {
        reason: decision?.reason ?? 'not evaluated yet',
        detail: decision?.detail ?? '',
        warning: decision?.warning ?? null,
        error: this.lastStep?.error ?? null,
      },
    };
  }

  private async writeStatus(): Promise<void> {
    try {
      await writeFileAtomic(statusPath(this.stateDir), `${JSON.stringify(this.status(), null, 2)}\n`, 0o644);
    } catch (err) {
      this.options.log.warn('status file not written', { error: (err as Error).message });
    }
  }
}
