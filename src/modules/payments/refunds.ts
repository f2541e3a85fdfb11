// Refunds owed by cancellations. The job row is written in the cancel's transaction (see
// PaymentRepo.queueRefund); after commit the processor issues it through the gateway that took the
// payment and records the answer. Failures the gateway may recover from are retried with backoff,
// by this instance's timer or any other's; refusals are recorded as `failed`.
import type { Db } from '../../db/client.js';
import type { Clock } from '../../lib/clock.js';
import { NO_WRITES, type DomainEvent, type DomainEvents } from '../../lib/events.js';
import type { AppointmentLifecycle } from '../appointments/lifecycle.js';
import { GatewayError, type IssuedRefund, type RefundState } from './gateway.js';
import type { PaymentRepo } from './repo.js';
import type { PaymentMetrics, PaymentService, Warn } from './service.js';
import type { RefundJobRow } from './tables.js';
import { safeErrorMessage } from '../../lib/logger.js';

export interface RefundOptions {
  /** seconds between sweeps for due refunds; 0 turns the timer off */
  retrySeconds: number;
  maxAttempts: number;
}

const LEASE_MS = 5 * 60_000;
const SWEEP_BATCH = 20;

const isCancellation = (e: DomainEvent): e is Extract<DomainEvent, { kind: 'appointment' }> => e.kind === 'appointment' && e.type === 'cancelled';
/** a refund queued after commit: a cancellation's, or a captured payment's that could not be applied */
const queuedRefund = (e: DomainEvent): string | undefined =>
  isCancellation(e) || (e.kind === 'payment' && e.type === 'refund-queued') ? e.appointmentId : undefined;

export class RefundProcessor {
  private timer?: NodeJS.Timeout;
  private readonly running = new Set<Promise<void>>();
  private stopped = false;
  /** started by a process that runs background jobs; a PROCESS_ROLE=web one leaves refunds to the workers' sweep */
  private active = false;
  private events?: DomainEvents;

  constructor(
    private readonly repo: PaymentRepo,
    private readonly payments: PaymentService,
    private readonly appointments: AppointmentLifecycle,
    private readonly clock: Clock,
    private readonly opts: RefundOptions,
    private readonly warn: Warn,
    private readonly metrics: PaymentMetrics = { payment: () => {} },
  ) {}

  /** Queues refunds inside cancellations' transactions and starts them right after commit. */
  subscribe(events: DomainEvents): void {
    this.events = events;
    events.onRecord(
      async (tx: Db, e) => {
        if (isCancellation(e)) await this.repo.queueRefund(tx, e.appointmentId, this.clock.now());
      },
      (e) => (isCancellation(e) ? null : NO_WRITES),
    );
    events.onPublish((e) => {
      const appointmentId = queuedRefund(e);
      if (appointmentId) this.kick(appointmentId);
    });
  }

  /** Runs the appointment's refund in the background (the cancel answers without waiting for the gateway). */
  kick(appointmentId?: string): void {
    if (this.stopped || !this.active) return;
    const p: Promise<void> = (appointmentId ? this.processOne(appointmentId) : this.sweep())
      .then(() => undefined)
      .catch((err: unknown) => this.warn('refund processing failed', { err }))
      .finally(() => this.running.delete(p));
    this.running.add(p);
  }

  /** Is the retry timer on? */
  get started(): boolean {
    return this.timer !== undefined;
  }

  /** Sweeps due refunds now and then every `retrySeconds`. */
  start(): void {
    this.stopped = false;
    this.active = true;
    this.kick();
    if (this.opts.retrySeconds > 0 && !this.timer) {
      this.timer = setInterval(() => this.kick(), this.opts.retrySeconds * 1000);
      this.timer.unref();
    }
  }

  /** Stops the timer and waits for refunds in flight (app close). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.idle();
  }

  /** Resolves when no refund is being processed (tests; shutdown). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  /** Processes due refunds, a batch at a time. */
  async sweep(): Promise<number> {
    let done = 0;
    while (done < SWEEP_BATCH && !this.stopped) {
      const job = await this.claim();
      if (!job) break;
      await this.run(job);
      done++;
    }
    return done;
  }

  /** Processes an appointment's due refunds; false when there was nothing to do. */
  async processOne(appointmentId: string): Promise<boolean> {
    let any = false;
    for (let job = await this.claim(appointmentId); job; job = await this.claim(appointmentId)) {
      await this.run(job);
      any = true;
    }
    return any;
  }

  private claim(appointmentId?: string): Promise<RefundJobRow | undefined> {
    const now = this.clock.now();
    return this.repo.claimRefund(now, new Date(now.getTime() + LEASE_MS), appointmentId);
  }

  private async issue(job: RefundJobRow): Promise<IssuedRefund> {
    if (job.gateway === 'stripe') return this.payments.stripe().refund(job.paymentId, job.amountMinor, job.appointmentId, `refund-${job.id}`);
    const razorpay = this.payments.razorpay();
    // Razorpay has no idempotency keys: after an attempt that may have reached it, look first.
    if (job.attempts > 1) {
      const earlier = await razorpay.findRefund(job.paymentId, job.appointmentId);
      if (earlier) return earlier;
    }
    return razorpay.refund(job.paymentId, job.amountMinor, job.appointmentId);
  }

  /** A cancellation's refund is the appointment's own (refund_status); an unapplied payment's is not. */
  private async recordOnAppointment(job: RefundJobRow, refund: { status: RefundState; ref: string | null }): Promise<void> {
    if (job.kind === 'cancellation') await this.appointments.recordRefund(job.appointmentId, refund);
  }

  /**
   * Applies the gateway's word on a refund: first to the job (where processed/failed are final,
   * see PaymentRepo.recordRefundState), then mirrored onto the appointment. The mirror is written
   * from the job's state and read back: if a concurrent report made the job final meanwhile, the
   * final state is written again, so the last write to the appointment is never a stale `pending`.
   * Returns the state the job holds, or undefined when the job holds another refund.
   */
  private async applyRefundState(job: RefundJobRow, refund: IssuedRefund): Promise<RefundState | undefined> {
    const recorded = await this.repo.recordRefundState(job.id, refund.id, refund.state, async (tx, change) => {
      // exactly one report sees the refund become processed: that one announces it
      if (change.after === 'processed' && change.before !== 'processed') {
        await this.events?.record(tx, {
          kind: 'payment', type: 'refunded', appointmentId: job.appointmentId, gateway: job.gateway,
          amountMinor: job.amountMinor, currency: job.currency, at: this.clock.now(),
        });
      }
    });
    if (!recorded) return undefined;
    // the row lock orders reports of one refund: exactly one sees it become processed
    if (recorded.after === 'processed' && recorded.before !== 'processed') this.metrics.payment(job.gateway, 'refunded');
    let written: RefundState = recorded.after;
    for (let i = 0; i < 3; i++) {
      await this.recordOnAppointment(job, { status: written, ref: refund.id });
      if (job.kind !== 'cancellation') break;
      const now = await this.repo.refundState(job.id);
      if (!now || now === written) break;
      written = now;
    }
    return recorded.after;
  }

  private async run(job: RefundJobRow): Promise<void> {
    const id = job.id;
    try {
      if (!this.payments.configured(job.gateway)) {
        throw new GatewayError(job.gateway, 'gateway keys are not configured', true);
      }
      const refund = await this.issue(job);
      await this.applyRefundState(job, refund);
    } catch (err) {
      const retryable = err instanceof GatewayError ? err.retryable : true;
      const message = err instanceof GatewayError ? err.detail : safeErrorMessage(err);
      if (retryable && job.attempts < this.opts.maxAttempts) {
        // 1, 4, 9, 16 … minutes: transient trouble gets time to clear
        const next = new Date(this.clock.now().getTime() + job.attempts * job.attempts * 60_000);
        await this.repo.updateRefund(id, { status: 'queued', nextAttemptAt: next, leaseUntil: null, lastError: message });
        this.warn('refund attempt failed; will retry', { appointmentId: job.appointmentId, gateway: job.gateway, attempt: job.attempts, detail: message });
      } else {
        await this.repo.updateRefund(id, { status: 'failed', leaseUntil: null, lastError: message });
        await this.recordOnAppointment(job, { status: 'failed', ref: null });
        this.warn('refund failed; needs manual handling', { appointmentId: job.appointmentId, gateway: job.gateway, detail: message });
      }
    }
  }

  /** A refund's later state, reported by a gateway webhook. */
  async refundUpdate(job: RefundJobRow, refund: IssuedRefund): Promise<string> {
    if (job.refundId && job.refundId !== refund.id) return 'ignored: another refund of this payment';
    const state = await this.applyRefundState(job, refund);
    if (!state) return 'ignored: another refund of this payment';
    // out-of-order delivery: a `pending` arriving after the refund finished changes nothing
    return state === refund.state ? `refund ${state}` : `ignored: refund already ${state}`;
  }
}
