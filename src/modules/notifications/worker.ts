// Delivers the outbox: claim due messages, send them, record the outcome. Failures are retried
// with exponential backoff; after the last attempt a message stays `failed` for the admin to see
// and retry. Each tick also runs the periodic jobs (reminders, welcome sweep) handed to it.
import type { Clock } from '../../lib/clock.js';
import type { ServiceLog } from '../../lib/logger.js';
import type { Mailer } from './mailer.js';
import type { OutboxRepo } from './outbox.js';
import type { OutboxRow } from './tables.js';
import { yieldToRequests } from '../../lib/yield.js';

export interface WorkerOptions {
  batchSize?: number;
  /** how long a claimed message belongs to this worker before another may take it over */
  leaseMs?: number;
  backoffMs: number;
  intervalMs: number;
}

/** What the worker does besides delivering email, all given at construction by the composition root. */
export interface WorkerTasks {
  /** periodic jobs run before each delivery pass, in this order (they may enqueue messages) */
  jobs?: Array<(now: Date) => Promise<unknown>>;
  /** checked right before each send; a message is dropped when any of them says why */
  relevance?: RelevanceCheck[];
  /** who sends `push` rows; without one (no VAPID keys) they are dropped */
  push?: PushChannel;
}

/** Whether a claimed message is still worth sending; a reason to drop it otherwise. */
export type RelevanceCheck = (msg: OutboxRow, now: Date) => Promise<string | undefined>;

export interface TickResult {
  sent: number;
  logged: number;
  retrying: number;
  failed: number;
  /** claimed, but the lease ran out before their turn and another worker took them over */
  lost: number;
  /** dropped unsent: what they announced no longer holds (a reminder of a cancelled visit) */
  skipped: number;
}

/**
 * What became of one push: delivered; `gone` when the subscription no longer exists (the push service
 * answered 404/410, or the user unsubscribed) and the message is dropped; `failed` is retried.
 */
export type PushOutcome = { kind: 'sent' } | { kind: 'gone'; reason: string } | { kind: 'failed'; error: string };

/** Sends one `push` outbox row (modules/push). */
export type PushChannel = (msg: OutboxRow) => Promise<PushOutcome>;

const MAX_BACKOFF_MS = 3600_000;

export function backoffDelay(baseMs: number, attempts: number): number {
  return Math.min(baseMs * 2 ** Math.max(0, attempts - 1), MAX_BACKOFF_MS);
}

export class DeliveryWorker {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private readonly jobs: ReadonlyArray<(now: Date) => Promise<unknown>>;
  private readonly relevanceChecks: readonly RelevanceCheck[];
  private readonly pushChannel: PushChannel | undefined;

  constructor(
    private readonly outbox: OutboxRepo,
    private readonly mailer: Mailer | undefined,
    private readonly clock: Clock,
    private readonly opts: WorkerOptions,
    private readonly log: ServiceLog,
    tasks: WorkerTasks = {},
  ) {
    this.jobs = tasks.jobs ?? [];
    this.relevanceChecks = tasks.relevance ?? [];
    this.pushChannel = tasks.push;
  }

  /** Why a claimed message is no longer worth sending (a reminder of a cancelled visit), if it is not. */
  private async relevance(msg: OutboxRow, now: Date): Promise<string | undefined> {
    for (const check of this.relevanceChecks) {
      const reason = await check(msg, now);
      if (reason !== undefined) return reason;
    }
    return undefined;
  }

  /** One pass: periodic jobs, then deliver everything due now. Tests call this directly. */
  async runOnce(): Promise<TickResult> {
    // a failing job is logged and the pass goes on: nothing a job does may hold up delivery
    for (const job of this.jobs) {
      try {
        await job(this.clock.now());
      } catch (err) {
        this.log.warn('notification job failed', err);
      }
    }
    const result: TickResult = { sent: 0, logged: 0, retrying: 0, failed: 0, lost: 0, skipped: 0 };
    const leaseMs = this.opts.leaseMs ?? 120_000;
    for (;;) {
      const claimedAt = this.clock.now().getTime();
      const batch = await this.outbox.claim(new Date(claimedAt), leaseMs, this.opts.batchSize ?? 20);
      if (batch.length === 0) return result;
      // messages kept in the outbox (no SMTP_URL) have nothing to lose: marked together after the batch
      const logged: Array<{ id: string; leaseUntil: Date }> = [];
      for (const msg of batch) {
        await yieldToRequests();
        // The batch's lease started at the claim; slow sends before this one may have used it up
        // and another worker may have taken the message over. Once half of it has gone (on this
        // worker's clock, so clock skew does not matter), renew it (only if still ours) so this
        // send starts with at least half a lease, and leave the message alone when it is no longer ours.
        const leaseUntil = await this.heldLease(msg, this.clock.now().getTime() - claimedAt, leaseMs);
        if (!leaseUntil) {
          result.lost++;
          continue;
        }
        const stale = await this.relevance(msg, this.clock.now());
        if (stale) {
          await this.outbox.markSkipped(msg.id, leaseUntil, stale);
          result.skipped++;
          continue;
        }
        if (msg.channel === 'push') {
          await this.sendPush(msg, leaseUntil, result);
          continue;
        }
        if (!this.mailer) {
          this.log.info(`email ${msg.id} kept in the outbox (no SMTP_URL)`);
          this.log.debug?.(`email ${msg.id} kept in the outbox (no SMTP_URL)`, { to: msg.recipient, subject: msg.subject });
          logged.push({ id: msg.id, leaseUntil });
          result.logged++;
          continue;
        }
        try {
          await this.mailer.send(msg);
          await this.outbox.markSent(msg.id, leaseUntil, this.clock.now());
          result.sent++;
        } catch (err) {
          const error = (err as Error).message.slice(0, 500);
          if (await this.failedAttempt(msg, leaseUntil, error, result)) {
            // the server's answer often quotes the address: it goes with the recipient, at debug only
            this.log.warn(`email ${msg.id} failed after ${msg.attempts} attempts`);
            this.log.debug?.(`email ${msg.id} failed after ${msg.attempts} attempts`, { to: msg.recipient, error });
          }
        }
      }
      await this.outbox.markLogged(logged);
    }
  }

  /** The lease this worker holds on a claimed message, renewed when `elapsedMs` since the claim is half of it or more; undefined once lost. */
  private async heldLease(msg: OutboxRow, elapsedMs: number, leaseMs: number): Promise<Date | undefined> {
    if (!msg.lockedUntil) return undefined;
    return elapsedMs < leaseMs / 2 ? msg.lockedUntil : this.outbox.renew(msg.id, msg.lockedUntil, leaseMs);
  }

  /** Retries with backoff, or gives up after the last attempt; true when it gave up. */
  private async failedAttempt(msg: OutboxRow, leaseUntil: Date, error: string, result: TickResult): Promise<boolean> {
    const retryAt = msg.attempts < msg.maxAttempts ? new Date(this.clock.now().getTime() + backoffDelay(this.opts.backoffMs, msg.attempts)) : undefined;
    await this.outbox.markFailedAttempt(msg.id, leaseUntil, error, retryAt);
    if (retryAt) result.retrying++;
    else result.failed++;
    return !retryAt;
  }

  private async sendPush(msg: OutboxRow, leaseUntil: Date, result: TickResult): Promise<void> {
    if (!this.pushChannel) {
      await this.outbox.markSkipped(msg.id, leaseUntil, 'push notifications are off (no VAPID keys)');
      result.skipped++;
      return;
    }
    let outcome: PushOutcome;
    try {
      outcome = await this.pushChannel(msg);
    } catch (err) {
      outcome = { kind: 'failed', error: (err as Error).message };
    }
    if (outcome.kind === 'sent') {
      await this.outbox.markSent(msg.id, leaseUntil, this.clock.now());
      result.sent++;
    } else if (outcome.kind === 'gone') {
      await this.outbox.markSkipped(msg.id, leaseUntil, outcome.reason);
      result.skipped++;
    } else if (await this.failedAttempt(msg, leaseUntil, outcome.error.slice(0, 500), result)) {
      this.log.warn(`push ${msg.id} failed after ${msg.attempts} attempts`);
    }
  }

  /** Is the polling timer on? (PROCESS_ROLE=web processes never turn it on.) */
  get started(): boolean {
    return this.timer !== undefined;
  }

  start(): void {
    if (this.timer) return;
    const tick = () => {
      this.running = this.runOnce()
        .catch((err: unknown) => this.log.warn('notification worker pass failed', err))
        .finally(() => {
          this.running = undefined;
          if (this.timer) this.timer = setTimeout(tick, this.opts.intervalMs);
        });
    };
    this.timer = setTimeout(tick, this.opts.intervalMs);
  }

  /** Stops the timer and waits for a pass in progress (app close). */
  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
    this.mailer?.close();
  }
}
