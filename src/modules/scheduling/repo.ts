// SQL for working hours, time off, the intervals live bookings hold, and payment-window expiry.
import { and, asc, eq, gt, lt, ne, not, sql, type SQL } from 'drizzle-orm';
import type { WorkingRange } from '../../config.js';
import type { Db } from '../../db/client.js';
import { appointments, doctorHours, doctorTimeOff, type AppointmentRow } from '../../db/schema.js';
import { expiredUnpaid } from '../appointments/repo.js';
import type { Interval } from './engine.js';

export interface TimeOffRow {
  id: string;
  doctorId: string;
  startsAt: Date;
  endsAt: Date;
  reason: string | null;
}

const toDate = (v: unknown): Date => (v instanceof Date ? v : new Date(String(v)));

export class ScheduleRepo {
  constructor(private readonly db: Db) {}

  async hours(doctorId: string, db: Db = this.db): Promise<WorkingRange[]> {
    const rows = await db
      .select()
      .from(doctorHours)
      .where(eq(doctorHours.doctorId, doctorId))
      .orderBy(asc(doctorHours.weekday), asc(doctorHours.startMinute));
    return rows.map((r) => ({ weekday: r.weekday, start: r.startMinute, end: r.endMinute }));
  }

  /** Replaces the doctor's whole week in one transaction. */
  async replaceHours(doctorId: string, hours: WorkingRange[]): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.delete(doctorHours).where(eq(doctorHours.doctorId, doctorId));
      if (hours.length) {
        await tx.insert(doctorHours).values(hours.map((h) => ({ doctorId, weekday: h.weekday, startMinute: h.start, endMinute: h.end })));
      }
    });
  }

  /** Time off overlapping [from, to), or all of it from `from` on. */
  async timeOff(doctorId: string, from: Date, to?: Date): Promise<TimeOffRow[]> {
    const conds = [eq(doctorTimeOff.doctorId, doctorId), gt(doctorTimeOff.endsAt, from)];
    if (to) conds.push(lt(doctorTimeOff.startsAt, to));
    return this.db
      .select({ id: doctorTimeOff.id, doctorId: doctorTimeOff.doctorId, startsAt: doctorTimeOff.startsAt, endsAt: doctorTimeOff.endsAt, reason: doctorTimeOff.reason })
      .from(doctorTimeOff)
      .where(and(...conds))
      .orderBy(asc(doctorTimeOff.startsAt));
  }

  async insertTimeOff(row: TimeOffRow): Promise<TimeOffRow> {
    const [created] = await this.db.insert(doctorTimeOff).values(row).returning();
    return { id: created.id, doctorId: created.doctorId, startsAt: created.startsAt, endsAt: created.endsAt, reason: created.reason };
  }

  /** Deletes only the doctor's own entry; false when there was none. */
  async deleteTimeOff(doctorId: string, id: string): Promise<boolean> {
    const rows = await this.db
      .delete(doctorTimeOff)
      .where(and(eq(doctorTimeOff.id, id), eq(doctorTimeOff.doctorId, doctorId)))
      .returning({ id: doctorTimeOff.id });
    return rows.length > 0;
  }

  /**
   * Intervals held by live bookings of a doctor overlapping [from, to). With `expiredCutoff`, unpaid
   * bookings older than the payment window are left out: they no longer hold their slot.
   */
  async busy(doctorId: string, from: Date, to: Date, expiredCutoff?: Date): Promise<Interval[]> {
    const conds = [
      eq(appointments.doctorId, doctorId),
      ne(appointments.status, 'cancelled'),
      sql`${appointments.blocks} && tstzrange(${from.toISOString()}::timestamptz, ${to.toISOString()}::timestamptz)`,
    ];
    if (expiredCutoff) conds.push(not(expiredUnpaid(expiredCutoff)));
    const rows = await this.db
      .select({ start: sql<unknown>`lower(${appointments.blocks})`, end: sql<unknown>`upper(${appointments.blocks})` })
      .from(appointments)
      .where(and(...conds));
    return rows.map((r) => ({ start: toDate(r.start), end: toDate(r.end) }));
  }

  /**
   * Marks expired unpaid bookings cancelled (by the system) and returns them. Limited to one doctor
   * and interval inside a booking transaction; platform-wide for the periodic sweep.
   */
  async expire(db: Db, cutoff: Date, now: Date, scope?: { doctorId: string; from: Date; to: Date }): Promise<AppointmentRow[]> {
    const conds: (SQL | undefined)[] = [expiredUnpaid(cutoff)];
    if (scope) {
      conds.push(
        eq(appointments.doctorId, scope.doctorId),
        sql`${appointments.blocks} && tstzrange(${scope.from.toISOString()}::timestamptz, ${scope.to.toISOString()}::timestamptz)`,
      );
    }
    return db
      .update(appointments)
      .set({
        status: 'cancelled',
        cancelledBy: 'system',
        cancelReason: 'payment window expired',
        cancelledAt: now,
        refundMinor: null,
        refundStatus: null,
        updatedAt: sql`now()`,
      })
      .where(and(...conds))
      .returning();
  }
}
