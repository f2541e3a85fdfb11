// SQL for working hours, time off, and the intervals live bookings and group sessions hold (those
// two read through the read models of the appointments and group-sessions modules).
import { and, asc, eq, gt, inArray, lt, sql, type SQL } from 'drizzle-orm';
import type { WorkingRange } from '../../config.js';
import type { Db } from '../../db/client.js';
import { doctorHours, doctorTimeOff, scheduleBlocks } from '../../db/schema.js';
import { bookedBlocks } from '../appointments/read-model.js';
import { openSessionBlocks } from '../group-sessions/read-model.js';
import type { Interval } from './engine.js';

export interface TimeOffRow {
  id: string;
  doctorId: string;
  startsAt: Date;
  endsAt: Date;
  reason: string | null;
}

const toDate = (v: unknown): Date => (v instanceof Date ? v : new Date(String(v)));

/** An instant as ISO 8601 in UTC with milliseconds (what a JavaScript Date parses exactly). */
const ISO_UTC = 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"';

/** A json column of a raw statement: node-postgres parses it, PGlite may hand the text. */
const jsonOf = <T>(v: unknown): T => (typeof v === 'string' ? (JSON.parse(v) as T) : (v as T));

/**
 * Times held for a patient by an open waitlist offer (their schedule_blocks rows, kept by the
 * waitlist's trigger, migration 1710): nobody else can book them while the offer is open.
 */
function heldByWaitlist(db: Db, doctorIds: string[], range: SQL): Promise<{ doctorId: string; start: unknown; end: unknown }[]> {
  return db
    .select({ doctorId: scheduleBlocks.doctorId, start: sql<unknown>`lower(${scheduleBlocks.blocks})`, end: sql<unknown>`upper(${scheduleBlocks.blocks})` })
    .from(scheduleBlocks)
    .where(and(eq(scheduleBlocks.kind, 'waitlist_offer'), inArray(scheduleBlocks.doctorId, doctorIds), sql`${scheduleBlocks.blocks} && ${range}`));
}

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
  async replaceHours(doctorId: string, hours: WorkingRange[], db: Db = this.db): Promise<void> {
    await db.transaction(async (tx) => {
      await tx.delete(doctorHours).where(eq(doctorHours.doctorId, doctorId));
      await this.addHours(tx, doctorId, hours);
    });
  }

  async addHours(db: Db, doctorId: string, hours: WorkingRange[]): Promise<void> {
    if (hours.length) {
      await db.insert(doctorHours).values(hours.map((h) => ({ doctorId, weekday: h.weekday, startMinute: h.start, endMinute: h.end })));
    }
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

  /**
   * A doctor's weekly hours and the time off overlapping [from, to), in one statement: what a
   * booking checks, read side by side with the doctor and the patient (one round trip, not two).
   */
  async facts(doctorId: string, from: Date, to: Date): Promise<{ hours: WorkingRange[]; timeOff: Interval[] }> {
    const res = await this.db.execute(sql`
      SELECT
        (SELECT coalesce(json_agg(json_build_array(h.weekday, h.start_minute, h.end_minute) ORDER BY h.weekday, h.start_minute), '[]')
           FROM doctor_hours h WHERE h.doctor_id = ${doctorId}) AS hours,
        (SELECT coalesce(json_agg(json_build_array(to_char(t.starts_at AT TIME ZONE 'UTC', ${ISO_UTC}), to_char(t.ends_at AT TIME ZONE 'UTC', ${ISO_UTC})) ORDER BY t.starts_at), '[]')
           FROM doctor_time_off t
          WHERE t.doctor_id = ${doctorId} AND t.ends_at > ${from.toISOString()}::timestamptz AND t.starts_at < ${to.toISOString()}::timestamptz) AS time_off`);
    const [row] = (res as unknown as { rows: { hours: unknown; time_off: unknown }[] }).rows;
    const hours = jsonOf<[number, number, number][]>(row.hours);
    const timeOff = jsonOf<[string, string][]>(row.time_off);
    return {
      hours: hours.map(([weekday, start, end]) => ({ weekday, start, end })),
      timeOff: timeOff.map(([start, end]) => ({ start: new Date(start), end: new Date(end) })),
    };
  }

  async insertTimeOff(row: TimeOffRow): Promise<TimeOffRow> {
    const [created] = await this.db.insert(doctorTimeOff).values(row).returning();
    return { id: created.id, doctorId: created.doctorId, startsAt: created.startsAt, endsAt: created.endsAt, reason: created.reason };
  }

  /** Deletes only the doctor's own entry; false when there was none. */
  async deleteTimeOff(doctorId: string, id: string, db: Db = this.db): Promise<boolean> {
    const rows = await db
      .delete(doctorTimeOff)
      .where(and(eq(doctorTimeOff.id, id), eq(doctorTimeOff.doctorId, doctorId)))
      .returning({ id: doctorTimeOff.id });
    return rows.length > 0;
  }

  /**
   * Intervals held by live bookings of a doctor overlapping [from, to). With `expiredCutoff`, unpaid
   * bookings older than the payment window are left out: they no longer hold their slot.
   */
  async busy(doctorId: string, from: Date, to: Date, expiredCutoff?: Date, db: Db = this.db): Promise<Interval[]> {
    const range = sql`tstzrange(${from.toISOString()}::timestamptz, ${to.toISOString()}::timestamptz)`;
    const [rows, sessions, offers] = await Promise.all([
      bookedBlocks(db, [doctorId], from, to, expiredCutoff),
      // open group sessions hold their time too, places booked or not
      openSessionBlocks(db, [doctorId], from, to),
      heldByWaitlist(db, [doctorId], range),
    ]);
    return [...rows, ...sessions, ...offers].map((r) => ({ start: toDate(r.start), end: toDate(r.end) }));
  }

  /**
   * For many doctors at once (the public list under LEGACY_CLIENTS): their weekly hours, time off
   * overlapping [from, to), and the intervals their live bookings hold there (as `busy`). Five
   * queries whatever the number of doctors.
   */
  async scheduleData(doctorIds: string[], from: Date, to: Date, expiredCutoff?: Date): Promise<Map<string, { hours: WorkingRange[]; timeOff: Interval[]; busy: Interval[] }>> {
    const out = new Map<string, { hours: WorkingRange[]; timeOff: Interval[]; busy: Interval[] }>();
    if (!doctorIds.length) return out;
    for (const id of doctorIds) out.set(id, { hours: [], timeOff: [], busy: [] });
    const range = sql`tstzrange(${from.toISOString()}::timestamptz, ${to.toISOString()}::timestamptz)`;
    const [hours, timeOff, busy, sessions, offers] = await Promise.all([
      this.db.select().from(doctorHours).where(inArray(doctorHours.doctorId, doctorIds)),
      this.db
        .select({ doctorId: doctorTimeOff.doctorId, start: doctorTimeOff.startsAt, end: doctorTimeOff.endsAt })
        .from(doctorTimeOff)
        .where(and(inArray(doctorTimeOff.doctorId, doctorIds), gt(doctorTimeOff.endsAt, from), lt(doctorTimeOff.startsAt, to))),
      bookedBlocks(this.db, doctorIds, from, to, expiredCutoff),
      openSessionBlocks(this.db, doctorIds, from, to),
      heldByWaitlist(this.db, doctorIds, range),
    ]);
    for (const h of hours) out.get(h.doctorId)?.hours.push({ weekday: h.weekday, start: h.startMinute, end: h.endMinute });
    for (const t of timeOff) out.get(t.doctorId)?.timeOff.push({ start: toDate(t.start), end: toDate(t.end) });
    for (const b of [...busy, ...sessions, ...offers]) out.get(b.doctorId)?.busy.push({ start: toDate(b.start), end: toDate(b.end) });
    return out;
  }
}
