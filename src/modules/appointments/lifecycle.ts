// What happens to an appointment after it is booked: payment confirmation, cancellation (alone or
// the rest of a series), completion, the refund's outcome. Every change is a guarded transition:
// it applies only while the appointment is live, with its event recorded in the same transaction.
import type { Config } from '../../config.js';
import type { Db } from '../../db/client.js';
import type { Actor, AppointmentRow, AppointmentStatus } from '../../db/schema.js';
import type { Clock } from '../../lib/clock.js';
import { conflict } from '../../lib/errors.js';
import type { AppointmentEventType } from '../../lib/events.js';
import type { AppointmentEvents } from './events.js';
import { refundFor } from './policy.js';
import type { AppointmentQueries } from './queries.js';
import type { AppointmentPatch, AppointmentRepo } from './repo.js';
import type { BookingRules } from './rules.js';
import type { AppointmentView, AppointmentViews } from './view.js';

export const LIVE: AppointmentStatus[] = ['pending', 'confirmed'];

/** Refuses a change of an appointment that is no longer live, naming its state. */
export function assertLive(row: AppointmentRow, wanted: string): void {
  if (row.status === 'cancelled') throw conflict(`Appointment is cancelled and cannot be ${wanted}`);
  if (row.status === 'completed') throw conflict(`Appointment is completed and cannot be ${wanted}`);
}

/** The cancellation of a locked row by `actor`: the refund follows the policy and what was paid. */
function cancellation(locked: AppointmentRow, actor: Actor, actorId: string, reason: string | undefined, now: Date): AppointmentPatch {
  const refund = refundFor(locked, actor, now);
  return {
    status: 'cancelled',
    cancelledBy: actor,
    cancelReason: reason?.trim() || null,
    cancelledAt: now,
    cancelledById: actorId,
    refundMinor: locked.paid ? refund : null,
    refundStatus: locked.paid ? (refund > 0 ? 'pending' : 'none') : null,
  };
}

export class AppointmentLifecycle {
  constructor(
    private readonly db: Db,
    private readonly repo: AppointmentRepo,
    private readonly queries: AppointmentQueries,
    private readonly views: AppointmentViews,
    private readonly events: AppointmentEvents,
    private readonly rules: BookingRules,
    private readonly clock: Clock,
    private readonly config: Config,
  ) {}

  async cancel(id: string, actor: Exclude<Actor, 'system'>, actorId: string, reason?: string): Promise<AppointmentView> {
    const current = await this.queries.getFor(id, actor, actorId);
    assertLive(current, 'cancelled');
    const now = this.clock.now();
    // The refund depends on `paid`, which a payment confirmation can change after `current` was
    // read: it is computed from the row as locked by the cancelling transaction.
    return this.transition(current, (locked) => cancellation(locked, actor, actorId, reason, now), 'cancelled', actor);
  }

  async complete(id: string, doctorId: string): Promise<AppointmentView> {
    const current = await this.queries.getFor(id, 'doctor', doctorId);
    assertLive(current, 'completed');
    // pending → confirmed (paid) → completed when payment is required; otherwise paid at the visit
    if (this.config.paymentRequired && !current.paid) throw conflict('Appointment is not paid yet and cannot be completed');
    return this.transition(current, { status: 'completed', completedAt: this.clock.now() }, 'completed', 'doctor');
  }

  /**
   * Records a gateway-proven payment: a live unpaid appointment becomes paid and confirmed, once.
   * Returns null when nothing changed (already paid, cancelled or completed): the database decides
   * which of two racing confirmations wins.
   */
  async confirmPayment(id: string, payment: { gateway: string; ref: string; paymentId: string | null }): Promise<AppointmentView | null> {
    const patch: AppointmentPatch = {
      status: 'confirmed', paid: true, paidAt: this.clock.now(),
      paymentGateway: payment.gateway, paymentRef: payment.ref, paymentId: payment.paymentId,
    };
    const row = await this.db.transaction(async (tx) => {
      const updated = await this.repo.markPaid(id, patch, tx, (row) => this.rules.isExpired(row, patch.paidAt!));
      if (updated) await this.events.record(tx, updated, 'confirmed', 'system');
      return updated;
    });
    if (!row) return null;
    await this.events.publish(row, 'confirmed', 'system');
    return this.views.of(row);
  }

  /** Stores the gateway's answer to the refund of a cancelled appointment. */
  async recordRefund(id: string, refund: { status: 'pending' | 'processed' | 'failed'; ref: string | null }): Promise<void> {
    await this.repo.update(id, { refundStatus: refund.status, refundRef: refund.ref });
  }

  /**
   * Applies a state change if the appointment is still live, recording the event in the same
   * transaction. The row is locked first; a patch that depends on the row (a refund depends on
   * `paid`) is given as a function of that locked row.
   */
  async transition(
    current: AppointmentRow,
    patch: AppointmentPatch | ((locked: AppointmentRow) => AppointmentPatch),
    event: AppointmentEventType,
    actor: Actor,
  ): Promise<AppointmentView> {
    const row = await this.db.transaction(async (tx) => {
      const locked = await this.repo.findForUpdate(current.id, tx);
      if (!locked || !LIVE.includes(locked.status)) return undefined;
      const updated = await this.repo.transition(current.id, LIVE, typeof patch === 'function' ? patch(locked) : patch, tx);
      if (updated) await this.events.record(tx, updated, event, actor);
      return updated;
    });
    if (!row) {
      // Someone else changed it between our read and our write: report the state it is in now.
      assertLive(await this.queries.get(current.id), event);
      throw conflict('Appointment changed meanwhile, please retry');
    }
    await this.events.publish(row, event, actor);
    return this.views.of(row, actor === 'admin' ? 'admin' : 'party');
  }

  /**
   * Cancels the occurrences of a series that have not started (from `fromDate` on, when given), in
   * one transaction: each by the cancellation policy on its own locked row, as a single cancel
   * would. Empty when nothing was left to cancel.
   */
  async cancelSeriesRest(seriesId: string, actor: 'patient' | 'doctor', actorId: string, opts: { reason?: string; fromDate?: string } = {}): Promise<AppointmentView[]> {
    const now = this.clock.now();
    const rows = await this.db.transaction(async (tx) => {
      const out: AppointmentRow[] = [];
      for (const locked of await this.repo.lockSeriesRest(seriesId, now, opts.fromDate, tx)) {
        const updated = await this.repo.transition(locked.id, LIVE, cancellation(locked, actor, actorId, opts.reason, now), tx);
        if (!updated) continue;
        await this.events.record(tx, updated, 'cancelled', actor);
        out.push(updated);
      }
      return out;
    });
    for (const row of rows) await this.events.publish(row, 'cancelled', actor);
    return rows.map((r) => this.views.of(r));
  }
}
