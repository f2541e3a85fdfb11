// Reminders before live appointments. State-based and idempotent: each pass looks for live
// appointments whose reminder time has come, and records (appointment, start time, lead time) in
// appointment_reminders in the same transaction as the outbox email. A restart therefore neither
// loses a reminder (the next pass finds it) nor repeats one (the primary key refuses it), several
// instances cannot both send it, a cancelled appointment is no longer live, and a moved one has a
// new start time and so gets its own reminders. With PAYMENT_REQUIRED an unpaid booking past its
// payment window is not live either (its slot is released). The email names its appointment and start
// time, so the worker drops it if that stops holding before it goes out (a retry after a cancellation).
import { and, eq, gt, inArray, lte, not, sql, type SQL } from 'drizzle-orm';
import type { Config } from '../../config.js';
import type { Db } from '../../db/client.js';
import { appointments } from '../../db/schema.js';
import { appointmentVars, loadAppointmentContext } from './appointment-notifier.js';
import { isMailAddress, type NotificationSink } from './sink.js';
import { appointmentReminders } from './tables.js';
import { renderAppointmentEmail } from './templates.js';
import type { Warn } from '../../lib/logger.js';
import { yieldToRequests } from '../../lib/yield.js';

/**
 * "in 24 hours", "in 3 hours", "in 1 hour", "in 50 minutes", "in 2 days": a span of minutes in words,
 * whole hours from two hours up, whole days from two days up.
 */
export function leadText(minutes: number): string {
  const m = Math.max(1, Math.round(minutes));
  if (m >= 2 * 24 * 60) return `in ${Math.round(m / (24 * 60))} days`;
  if (m >= 120) return `in ${Math.round(m / 60)} hours`;
  if (m === 60) return 'in 1 hour';
  return m === 1 ? 'in 1 minute' : `in ${m} minutes`;
}

/**
 * How far ahead the visit really is, in words. Not the configured lead time: a reminder sent late
 * (a booking made 3 h ahead gets its "24 h" reminder at once) must not say "in 24 hours".
 */
export function leadTextUntil(startsAt: Date, now: Date): string {
  return leadText((startsAt.getTime() - now.getTime()) / 60_000);
}

/**
 * Which lead time is due for an appointment starting at `startsAt`: the smallest one whose time has
 * come. A booking made 30 minutes ahead gets neither the 24-hour nor the 1-hour reminder late.
 */
export function dueOffset(startsAt: Date, now: Date, offsetsDesc: number[]): number | undefined {
  const left = startsAt.getTime() - now.getTime();
  if (left <= 0) return undefined;
  let due: number | undefined;
  for (const m of offsetsDesc) if (left <= m * 60_000) due = m;
  return due;
}

export class ReminderScheduler {
  constructor(
    private readonly db: Db,
    private readonly notifications: NotificationSink,
    private readonly config: Config,
    private readonly warn: Warn = () => undefined,
  ) {}

  /** Appointments that still take place: pending or confirmed, and not an unpaid booking past its payment window. */
  private live(now: Date): SQL {
    const status = inArray(appointments.status, ['pending', 'confirmed']);
    if (!this.config.paymentRequired) return status;
    const cutoff = new Date(now.getTime() - this.config.paymentWindowMinutes * 60_000);
    const expired = and(eq(appointments.status, 'pending'), eq(appointments.paid, false), lte(appointments.createdAt, cutoff));
    return and(status, not(expired!))!;
  }

  /** Whether a reminder for (appointment, start time) may still go out at `now`. */
  async stillLive(appointmentId: string, startsAt: Date, now: Date): Promise<boolean> {
    const [row] = await this.db
      .select({ id: appointments.id })
      .from(appointments)
      .where(and(eq(appointments.id, appointmentId), eq(appointments.startsAt, startsAt), gt(appointments.startsAt, now), this.live(now)))
      .limit(1);
    return !!row;
  }

  /**
   * Enqueues every reminder due at `now`; returns how many. Each reminder is its own transaction and
   * a failing one is logged and skipped (tried again next pass), so one bad record never holds up
   * the others or the delivery pass that follows.
   */
  async runOnce(now: Date): Promise<number> {
    const offsets = this.config.notifications.reminderMinutes;
    if (offsets.length === 0) return 0;
    const horizon = new Date(now.getTime() + Math.max(...offsets) * 60_000);
    const nowTs = sql`${now.toISOString()}::timestamptz`;
    // the lead time due now for each row (the smallest that has come); the offsets are validated integers
    const list = sql.raw(`ARRAY[${offsets.map((n) => Math.trunc(n)).join(',')}]::int[]`);
    const dueNow = sql`(SELECT min(o) FROM unnest(${list}) AS o WHERE ${appointments.startsAt} <= ${nowTs} + make_interval(mins => o))`;
    // only appointments whose due reminder (or a nearer one) was not enqueued yet, so a busy day
    // cannot crowd the batch with visits already reminded
    const candidates = await this.db
      .select({ id: appointments.id, startsAt: appointments.startsAt })
      .from(appointments)
      .where(
        and(
          this.live(now),
          gt(appointments.startsAt, now),
          lte(appointments.startsAt, horizon),
          sql`NOT EXISTS (SELECT 1 FROM appointment_reminders r WHERE r.appointment_id = ${appointments.id} AND r.starts_at = ${appointments.startsAt} AND r.offset_minutes <= ${dueNow})`,
        ),
      )
      .orderBy(appointments.startsAt)
      .limit(500);
    let sent = 0;
    for (const cand of candidates) {
      const offset = dueOffset(cand.startsAt, now, offsets);
      if (offset === undefined) continue;
      await yieldToRequests();
      let done = false;
      try {
        done = await this.remind(cand, offset, now);
      } catch (err) {
        this.warn(`reminder for appointment ${cand.id} failed, retried next pass`, err);
      }
      if (done) sent++;
    }
    return sent;
  }

  /** Writes one reminder (record, email, in-app notice) in one transaction; false when not due any more. */
  private remind(cand: { id: string; startsAt: Date }, offset: number, now: Date): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      // lock the appointment so a concurrent cancel or move commits before or after us, never between
      const [live] = await tx
        .select({ id: appointments.id })
        .from(appointments)
        .where(and(eq(appointments.id, cand.id), eq(appointments.startsAt, cand.startsAt), this.live(now)))
        .for('update');
      if (!live) return false;
      const inserted = await tx
        .insert(appointmentReminders)
        .values({ appointmentId: cand.id, startsAt: cand.startsAt, offsetMinutes: offset, enqueuedAt: now })
        .onConflictDoNothing()
        .returning({ id: appointmentReminders.appointmentId });
      if (inserted.length === 0) return false;
      const c = await loadAppointmentContext(tx, cand.id);
      if (!c) return false;
      const mail = renderAppointmentEmail('reminder.patient', { ...appointmentVars(c, this.config, c.patient.name), lead: leadTextUntil(cand.startsAt, now) });
      // an unusable stored address (old imported data) still gets the in-app reminder
      if (isMailAddress(c.patient.email)) {
        await this.notifications.enqueueEmail(tx, {
          to: c.patient.email,
          ...mail,
          topic: 'appointment.reminder',
          onlyWhileLive: { appointmentId: cand.id, startsAt: cand.startsAt },
        });
      }
      await this.notifications.notify(tx, {
        role: 'patient',
        recipientId: c.patient.id,
        type: 'appointment.reminder',
        title: mail.subject,
        body: mail.text.split(/\n\s*\n/)[1]?.trim() ?? mail.subject,
        appointmentId: c.row.id,
        onlyWhileLive: { appointmentId: cand.id, startsAt: cand.startsAt },
      });
      return true;
    });
  }
}
