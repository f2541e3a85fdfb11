// Reminders before live appointments. State-based and idempotent: each pass looks for live
// appointments whose reminder time has come, and records (appointment, start time, lead time) in
// appointment_reminders in the same transaction as the outbox email. A restart therefore neither
// loses a reminder (the next pass finds it) nor repeats one (the primary key refuses it), several
// instances cannot both send it, a cancelled appointment is no longer live, and a moved one has a
// new start time and so gets its own reminders. With PAYMENT_REQUIRED an unpaid booking past its
// payment window is not live either (its slot is released). The email names its appointment and start
// time, so the worker drops it if that stops holding before it goes out (a retry after a cancellation).
import type { Config } from '../../config.js';
import { appointmentVars } from './appointment-notifier.js';
import type { NotificationRepo } from './repo.js';
import { isMailAddress, type NotificationSink } from './sink.js';
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
    private readonly repo: NotificationRepo,
    private readonly notifications: NotificationSink,
    private readonly config: Config,
    private readonly warn: Warn = () => undefined,
  ) {}

  /**
   * With PAYMENT_REQUIRED, unpaid bookings created at or before this instant are past their payment
   * window and no longer live; undefined without it.
   */
  private expiredCutoff(now: Date): Date | undefined {
    return this.config.paymentRequired ? new Date(now.getTime() - this.config.paymentWindowMinutes * 60_000) : undefined;
  }

  /** Whether a reminder for (appointment, start time) may still go out at `now`. */
  stillLive(appointmentId: string, startsAt: Date, now: Date): Promise<boolean> {
    return this.repo.isLiveAt(appointmentId, startsAt, now, this.expiredCutoff(now));
  }

  /**
   * Enqueues every reminder due at `now`; returns how many. Each reminder is its own transaction and
   * a failing one is logged and skipped (tried again next pass), so one bad record never holds up
   * the others or the delivery pass that follows.
   */
  async runOnce(now: Date): Promise<number> {
    const offsets = this.config.notifications.reminderMinutes;
    if (offsets.length === 0) return 0;
    // only appointments whose due reminder (or a nearer one) was not enqueued yet, so a busy day
    // cannot crowd the batch with visits already reminded
    const candidates = await this.repo.dueForReminder(now, offsets, this.expiredCutoff(now), 500);
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
    return this.repo.transaction(async (tx) => {
      // lock the appointment so a concurrent cancel or move commits before or after us, never between
      if (!(await this.repo.lockIfLiveAt(tx, cand.id, cand.startsAt, this.expiredCutoff(now)))) return false;
      if (!(await this.repo.recordReminder(tx, cand.id, cand.startsAt, offset, now))) return false;
      const c = await this.repo.appointmentForNotice(tx, cand.id);
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
