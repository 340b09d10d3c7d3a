/**
 * Drives fencing on one node: remembers the VRRP state and when MASTER began, measures catch-up
 * through the LocalDatabase port, asks decideFencing() and applies its answer.
 *
 * The daemon calls noteVrrpState() for every FIFO transition, noteKeepalivedAlive() from its
 * process watch, and step() after each of those and on a timer (e.g. every second). Steps run one
 * at a time and never throw: failures come back in the step result for the log and the next event.
 * Asymmetry on purpose: read_only=ON is attempted even when the view failed (fence on doubt);
 * read_only=OFF only when the view shows a live, read_only server (unfence on evidence).
 */
import type { DbView, LocalDatabase, WaitAppliedResult } from '../db/local-database';
import type { EipHolder } from '../eip/ownership';
import { decideFencing, isMasterState, type FencingBounds, type FencingDecision, type FencingReason, type FencingVrrpState } from './decide';

export interface FencingControllerOptions {
  readonly db: LocalDatabase;
  /** The EIP holder now, without waiting on the network, e.g. () => eipPoller.current(). */
  readonly eipHolder: () => EipHolder;
  readonly bounds: FencingBounds;
  /**
   * Whether a planned switchover holds this node fenced. Read after the database view, so a
   * read_only=ON set by the holder after it wrote the hold is never seen without the hold.
   * @default () => false
   */
  readonly switchoverHold?: () => boolean;
  /** Longest catch-up wait inside one step, so a step stays short. @default 1000 */
  readonly catchUpSliceMs?: number;
  /** @default Date.now */
  readonly now?: () => number;
}

export type FencingAction = 'none' | 'set-read-only' | 'clear-read-only';

export interface FencingStep {
  readonly decision: FencingDecision;
  /** The database as seen at the start of the step (before the action). */
  readonly view: DbView;
  readonly eipHolder: EipHolder;
  readonly action: FencingAction;
  /** Why the action (or the catch-up check) failed; null if it did not. */
  readonly error: string | null;
  /** The catch-up wait done in this step, if any. */
  readonly catchUp: WaitAppliedResult | null;
  /** The reason differs from the previous step's: worth an info line (warnings always are). */
  readonly changed: boolean;
}

export class FencingController {
  private vrrpState: FencingVrrpState = 'UNKNOWN';
  private masterSinceMs: number | null = null;
  /**
   * Latched while this node is MASTER and holds the EIP: once applied, what arrives later is the
   * new writer's. Re-measured at every step until the EIP is here.
   */
  private caughtUp: boolean | 'unknown' = 'unknown';
  private keepalivedAlive = true;
  private eipHereLastStep = false;
  private lastReason: FencingReason | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly now: () => number;

  constructor(private readonly options: FencingControllerOptions) {
    this.now = options.now ?? Date.now;
  }

  noteVrrpState(state: FencingVrrpState, atMs: number = this.now()): void {
    if (isMasterState(state)) {
      this.masterSinceMs ??= atMs; // MASTER_RX_LOWER_PRI while MASTER keeps the original start
    } else {
      this.masterSinceMs = null;
      this.caughtUp = 'unknown';
    }
    this.vrrpState = state;
  }

  noteKeepalivedAlive(alive: boolean): void {
    this.keepalivedAlive = alive;
  }

  get snapshot() {
    return { vrrpState: this.vrrpState, masterSinceMs: this.masterSinceMs, caughtUp: this.caughtUp, keepalivedAlive: this.keepalivedAlive };
  }

  /** Evaluates and applies once; queued behind a step already running. */
  step(): Promise<FencingStep> {
    const next = this.queue.then(() => this.runStep());
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async runStep(): Promise<FencingStep> {
    const { db, bounds } = this.options;
    const view = await db.view();
    const eipHolder = this.options.eipHolder();
    const switchoverHold = this.options.switchoverHold?.() ?? false;
    const errors: string[] = [];
    let catchUp: WaitAppliedResult | null = null;
    // Until the EIP is here its holder may still be writing (a partition, a slow controller): a
    // catch-up seen before does not cover that. So the step that first sees the EIP here measures
    // again, and the latch holds only from there.
    if (eipHolder !== 'self' || !this.eipHereLastStep) this.caughtUp = 'unknown';
    this.eipHereLastStep = eipHolder === 'self';

    if (this.masterSinceMs !== null && this.caughtUp !== true && view.up && view.readOnly !== false) {
      const remaining = Math.max(0, this.masterSinceMs + bounds.catchUpWaitMs - this.now());
      try {
        catchUp = await db.waitApplied(Math.min(this.options.catchUpSliceMs ?? 1000, remaining));
        this.caughtUp = catchUp.outcome === 'applied' || catchUp.outcome === 'not-a-replica';
      } catch (err) {
        this.caughtUp = 'unknown';
        errors.push(`catch-up check failed: ${(err as Error).message}`);
      }
    }

    const decision = decideFencing({
      vrrpState: this.vrrpState,
      keepalivedAlive: this.keepalivedAlive,
      eipHolder,
      db: { up: view.up, readOnly: view.readOnly, caughtUp: this.caughtUp },
      masterSinceMs: this.masterSinceMs,
      nowMs: this.now(),
      bounds,
      switchoverHold,
    });

    let action: FencingAction = 'none';
    if (decision.readOnly === true && view.readOnly !== true) action = 'set-read-only';
    if (decision.readOnly === false && view.up && view.readOnly === true) action = 'clear-read-only';
    if (action !== 'none') {
      try {
        await db.setReadOnly(action === 'set-read-only');
      } catch (err) {
        errors.push(`${action} failed: ${(err as Error).message}`);
      }
    }
    const changed = decision.reason !== this.lastReason;
    this.lastReason = decision.reason;
    return { decision, view, eipHolder, action, error: errors.length ? errors.join('; ') : null, catchUp, changed };
  }
}
