// SQL of the notifications module on its own tables (in-app notices, invitation sequences, reminder
// records, doctors' calendar feeds, the welcome emails' outbox keys), and the reads of appointments
// and doctors its producers need, through those modules' read models. Where a question spans both
// (reminders not sent yet, doctors without a welcome), the read model gives its rows as a subquery
// and this repo adds its own condition and the limit in the same statement: one round trip, and the
// limit counts only the rows still to do, so a busy day cannot fill it with rows already done.
// The outbox's delivery lifecycle has its own repo (outbox.ts).
import { and, count, desc, eq, inArray, isNull, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import type { AppointmentRow } from '../../db/schema.js';
import {
  appointmentForNotice,
  doctorUpcoming,
  isLiveAt,
  liveStartingWithin,
  lockIfLiveAt,
  type AppointmentForNotice,
  type PatientForNotice,
} from '../appointments/read-model.js';
import { doctorForNotice, doctorForWelcome, doctorsCreatedWithin, type DoctorForNotice, type DoctorForWelcome } from '../doctors/read-model.js';
import { appointmentIcs, appointmentReminders, doctorCalendarFeeds, notificationOutbox, notifications, type NotificationRow, type RecipientRole } from './tables.js';


/** The outbox dedupe key of a doctor's welcome email (the sweep below matches it in SQL too). */
export const welcomeKey = (doctorId: string): string => `welcome:${doctorId}`;

export class NotificationRepo {
  constructor(private readonly db: Db) {}

  transaction<T>(work: (tx: Db) => Promise<T>): Promise<T> {
    return this.db.transaction(work);
  }

  // ---- in-app notices

  /** One page of a recipient's notices, newest first, with the total matching and their unread count. */
  async listNotices(role: RecipientRole, recipientId: string, unreadOnly: boolean, limit: number, offset: number): Promise<{ rows: NotificationRow[]; total: number; unread: number }> {
    const mine = and(eq(notifications.recipientRole, role), eq(notifications.recipientId, recipientId));
    const where = unreadOnly ? and(mine, isNull(notifications.readAt)) : mine;
    const [rows, [{ total }], [{ unread }]] = await Promise.all([
      this.db.select().from(notifications).where(where).orderBy(desc(notifications.createdAt), desc(notifications.id)).limit(limit).offset(offset),
      this.db.select({ total: count() }).from(notifications).where(where),
      this.db.select({ unread: count() }).from(notifications).where(and(mine, isNull(notifications.readAt))),
    ]);
    return { rows, total: Number(total), unread: Number(unread) };
  }

  /** Marks the given unread notices (all when `ids` is undefined) of this recipient read; returns how many changed. */
  async markRead(role: RecipientRole, recipientId: string, ids: string[] | undefined, now: Date): Promise<number> {
    const conds = [eq(notifications.recipientRole, role), eq(notifications.recipientId, recipientId), isNull(notifications.readAt)];
    if (ids) conds.push(inArray(notifications.id, ids));
    const rows = await this.db.update(notifications).set({ readAt: now }).where(and(...conds)).returning({ id: notifications.id });
    return rows.length;
  }

  async unreadCount(role: RecipientRole, recipientId: string): Promise<number> {
    const [{ n }] = await this.db
      .select({ n: sql<number>`count(*)::int` })
      .from(notifications)
      .where(and(eq(notifications.recipientRole, role), eq(notifications.recipientId, recipientId), isNull(notifications.readAt)));
    return n;
  }

  // ---- appointment notices and invitations

  /** The appointment with its patient and doctor, read in the transaction `tx` of the change. */
  appointmentForNotice(tx: Db, appointmentId: string): Promise<AppointmentForNotice | undefined> {
    return appointmentForNotice(tx, appointmentId);
  }

  /** Next SEQUENCE of the appointment's invitation: 0 for the first one, then +1 for every update. */
  async nextIcsSequence(tx: Db, appointmentId: string): Promise<number> {
    const [r] = await tx
      .insert(appointmentIcs)
      .values({ appointmentId, sequence: 0 })
      .onConflictDoUpdate({ target: appointmentIcs.appointmentId, set: { sequence: sql`${appointmentIcs.sequence} + 1` } })
      .returning({ sequence: appointmentIcs.sequence });
    return r.sequence;
  }

  /** nextIcsSequence for an appointment that has had no invitation (a new one): its SEQUENCE is 0. */
  firstIcsSequenceStatement(appointmentId: string): SQL {
    return this.db.insert(appointmentIcs).values({ appointmentId, sequence: 0 }).getSQL();
  }

  /** The last invitation SEQUENCE of each of these appointments that had one. */
  async icsSequences(appointmentIds: string[]): Promise<Map<string, number>> {
    if (appointmentIds.length === 0) return new Map();
    const rows = await this.db.select().from(appointmentIcs).where(inArray(appointmentIcs.appointmentId, appointmentIds));
    return new Map(rows.map((r) => [r.appointmentId, r.sequence]));
  }

  // ---- reminders

  /** See appointments' `isLiveAt`: whether a reminder for (appointment, start time) may still go out. */
  isLiveAt(appointmentId: string, startsAt: Date, now: Date, expiredCutoff: Date | undefined): Promise<boolean> {
    return isLiveAt(this.db, appointmentId, startsAt, now, expiredCutoff);
  }

  /** See appointments' `lockIfLiveAt`: checks and locks the appointment inside the reminder's transaction. */
  lockIfLiveAt(tx: Db, appointmentId: string, startsAt: Date, expiredCutoff: Date | undefined): Promise<boolean> {
    return lockIfLiveAt(tx, appointmentId, startsAt, expiredCutoff);
  }

  /**
   * Live appointments starting after `now` and within the largest of `offsets` (minutes), soonest
   * first, whose due reminder (the smallest lead time that has come) or a nearer one was not
   * recorded yet.
   */
  async dueForReminder(now: Date, offsets: number[], expiredCutoff: Date | undefined, limit: number): Promise<{ id: string; startsAt: Date }[]> {
    const horizon = new Date(now.getTime() + Math.max(...offsets) * 60_000);
    const due = liveStartingWithin(this.db, now, horizon, expiredCutoff);
    const nowTs = sql`${now.toISOString()}::timestamptz`;
    // the lead time due now for each row (the smallest that has come); the offsets are validated integers
    const list = sql.raw(`ARRAY[${offsets.map((n) => Math.trunc(n)).join(',')}]::int[]`);
    const dueNow = sql`(SELECT min(o) FROM unnest(${list}) AS o WHERE ${due.startsAt} <= ${nowTs} + make_interval(mins => o))`;
    return this.db
      .select({ id: due.id, startsAt: due.startsAt })
      .from(due)
      .where(sql`NOT EXISTS (SELECT 1 FROM appointment_reminders r WHERE r.appointment_id = ${due.id} AND r.starts_at = ${due.startsAt} AND r.offset_minutes <= ${dueNow})`)
      .orderBy(due.startsAt)
      .limit(limit);
  }

  /** Records a reminder in the transaction `tx`; false when this one was recorded before. */
  async recordReminder(tx: Db, appointmentId: string, startsAt: Date, offsetMinutes: number, now: Date): Promise<boolean> {
    const inserted = await tx
      .insert(appointmentReminders)
      .values({ appointmentId, startsAt, offsetMinutes, enqueuedAt: now })
      .onConflictDoNothing()
      .returning({ id: appointmentReminders.appointmentId });
    return inserted.length > 0;
  }

  // ---- doctors' calendar feeds

  /** Creates the doctor's feed or replaces its secret. */
  async saveFeed(doctorId: string, tokenHash: string, now: Date): Promise<void> {
    await this.db
      .insert(doctorCalendarFeeds)
      .values({ doctorId, tokenHash, createdAt: now })
      .onConflictDoUpdate({ target: doctorCalendarFeeds.doctorId, set: { tokenHash, createdAt: now } });
  }

  /** When the doctor's feed was created or last rotated; undefined without one. */
  async feedCreatedAt(doctorId: string): Promise<Date | undefined> {
    const [r] = await this.db.select().from(doctorCalendarFeeds).where(eq(doctorCalendarFeeds.doctorId, doctorId)).limit(1);
    return r?.createdAt;
  }

  async deleteFeed(doctorId: string): Promise<boolean> {
    return (await this.db.delete(doctorCalendarFeeds).where(eq(doctorCalendarFeeds.doctorId, doctorId)).returning()).length > 0;
  }

  /** The doctor whose feed has this secret. */
  async feedOwner(tokenHash: string): Promise<string | undefined> {
    const [r] = await this.db.select({ doctorId: doctorCalendarFeeds.doctorId }).from(doctorCalendarFeeds).where(eq(doctorCalendarFeeds.tokenHash, tokenHash)).limit(1);
    return r?.doctorId;
  }

  doctorForNotice(doctorId: string): Promise<DoctorForNotice | undefined> {
    return doctorForNotice(this.db, doctorId);
  }

  doctorUpcoming(doctorId: string, now: Date, limit: number): Promise<{ row: AppointmentRow; patient: PatientForNotice }[]> {
    return doctorUpcoming(this.db, doctorId, now, limit);
  }

  // ---- welcome emails

  async welcomeQueued(doctorId: string): Promise<boolean> {
    const [r] = await this.db.select({ id: notificationOutbox.id }).from(notificationOutbox).where(eq(notificationOutbox.dedupeKey, welcomeKey(doctorId))).limit(1);
    return !!r;
  }

  doctorForWelcome(doctorId: string): Promise<DoctorForWelcome | undefined> {
    return doctorForWelcome(this.db, doctorId);
  }

  /** Up to `limit` doctors created in the last `seconds` with no welcome email in the outbox. */
  async doctorsWithoutWelcome(seconds: number, limit: number): Promise<string[]> {
    const recent = doctorsCreatedWithin(this.db, seconds);
    const rows = await this.db
      .select({ id: recent.id })
      .from(recent)
      .where(sql`NOT EXISTS (SELECT 1 FROM notification_outbox o WHERE o.dedupe_key = 'welcome:' || ${recent.id})`)
      .limit(limit);
    return rows.map((r) => r.id);
  }
}
