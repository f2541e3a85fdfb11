import { and, asc, desc, eq, getTableColumns, gt, gte, inArray, lte, ne, not, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { appointments, type AppointmentRow, type AppointmentStatus } from '../../db/schema.js';
import { doctorSummary, platformSummary, summaryCount, type PlatformSummary } from '../summaries/read-model.js';
import { expiredUnpaid } from './holds.js';
import type { AppointmentFilter, AppointmentSort } from './filter.js';
import { pageAtPosition, positionCovers } from './page-position.js';
import type { HoldScope } from './rules.js';

export type NewAppointment = typeof appointments.$inferInsert;
export type AppointmentPatch = Partial<Omit<AppointmentRow, 'id' | 'patientId' | 'doctorId' | 'createdAt'>>;

export type { AppointmentFilter, AppointmentSort } from './filter.js';

function filterWhere(f: AppointmentFilter): SQL | undefined {
  const conds: SQL[] = [];
  if (f.docId) conds.push(eq(appointments.doctorId, f.docId));
  if (f.userId) conds.push(eq(appointments.patientId, f.userId));
  if (f.status) conds.push(eq(appointments.status, f.status));
  if (f.from) conds.push(gte(appointments.slotDate, f.from));
  if (f.to) conds.push(lte(appointments.slotDate, f.to));
  return conds.length ? and(...conds) : undefined;
}

// id breaks ties so pages never overlap or skip rows; each order matches an index of 0001/0100
const ORDER: Record<AppointmentSort, SQL[]> = {
  startsAt: [asc(appointments.startsAt), asc(appointments.id)],
  '-startsAt': [desc(appointments.startsAt), desc(appointments.id)],
  createdAt: [asc(appointments.createdAt), asc(appointments.id)],
  '-createdAt': [desc(appointments.createdAt), desc(appointments.id)],
};

// Below this offset the plain query is cheaper than the two-step one (measured: a doctor's page 3
// took three times as long through the join).
const DEFERRED_JOIN_OFFSET = 1000;

// Row comparison against the cursor row's own values (read in SQL, so no precision is lost in
// JavaScript dates); it walks the same indexes as ORDER, so a deep page is an index seek.
function afterCursor(sort: AppointmentSort, id: string): SQL {
  const col = sort.endsWith('startsAt') ? sql.raw('starts_at') : sql.raw('created_at');
  const op = sort.startsWith('-') ? sql.raw('<') : sql.raw('>');
  return sql`(${col}, ${appointments.id}) ${op} (SELECT ${col}, id FROM appointments WHERE id = ${id})`;
}

export interface DoctorDashboardRow {
  earnings: number;
  appointments: number;
  patients: number;
}

/** The admin dashboard reads the trigger-kept platform summary. */
export type AdminDashboardRow = PlatformSummary;

/** Rows that count as live: they hold their slot. */
export const live = ne(appointments.status, 'cancelled');


/** SQLSTATEs of lock_booking's refusals (migration 2010). */
export const BOOKING_CAP_WITH_DOCTOR = 'BK001';
export const BOOKING_CAP = 'BK002';

/**
 * What counts against a patient's booking caps: upcoming (after `now`) pending or confirmed
 * bookings, not unpaid holds created at or before `expiredCutoff`; a series counts once.
 */
export interface BookingCaps {
  now: Date;
  expiredCutoff: Date | undefined;
  perDoctor: number;
  overall: number;
}

export class AppointmentRepo {
  constructor(private readonly db: Db) {}

  async insert(row: NewAppointment, db: Db = this.db): Promise<AppointmentRow> {
    return (await db.insert(appointments).values(row).returning())[0];
  }

  /**
   * Queues writers of one doctor's schedule for the rest of the transaction. The exclusion
   * constraint stays the guarantee; without this queue, PostgreSQL resolves concurrent conflicting
   * inserts by deadlock detection (a 1 s wait per victim), which turns a burst for one popular slot
   * into seconds of waiting and pool timeouts. Other doctors are not affected.
   */
  async lockDoctorSchedule(doctorId: string, db: Db): Promise<void> {
    await db.execute(sql`SELECT pg_advisory_xact_lock(hashtext(${'schedule:' + doctorId}))`);
  }

  /**
   * A booking's locks and caps in one round trip (function lock_booking, migration 2010): the
   * doctor's schedule (as lockDoctorSchedule), then the patient's bookings, then the patient's live
   * bookings counted against the caps under that lock, so concurrent bookings cannot pass a cap
   * together. Refused with SQLSTATE BOOKING_CAP_WITH_DOCTOR or BOOKING_CAP (DETAIL: the cap).
   */
  async lockBooking(doctorId: string, patientId: string, caps: BookingCaps, db: Db): Promise<void> {
    await db.execute(
      sql`SELECT lock_booking(${doctorId}, ${patientId}, ${caps.now.toISOString()}::timestamptz, ${caps.expiredCutoff?.toISOString() ?? null}::timestamptz, ${caps.perDoctor}::int, ${caps.overall}::int)`,
    );
  }

  /**
   * lockBooking and insert in one statement, for a booking of one slot with nothing to do between
   * its locks and its row: function lock_booking_at (migration 2040) takes the locks and counts the
   * caps as lock_booking does while PostgreSQL computes the row's values, and answers its
   * created_at (`caps.now`). Same refusals as lockBooking, then as insert.
   */
  async insertLocked(row: NewAppointment, caps: BookingCaps, db: Db): Promise<AppointmentRow> {
    return (await db.insert(appointments).values({ ...row, createdAt: lockedCreatedAt(row, caps) }).returning())[0];
  }

  /**
   * insertLocked with other writes in the same statement, as data-modifying WITH clauses: one round
   * trip and no BEGIN or COMMIT for a booking whose listeners need no answer (DomainEvents.writesOf).
   * The statement is its own transaction: every write commits with the row or none does, and the
   * database's refusals (the slot taken, a cap, a deleted account) are those of insertLocked.
   * PostgreSQL runs the appointment's INSERT first (the main statement) and the others to the end
   * after it; their foreign keys to the new row are checked at the end of the statement.
   */
  async insertLockedWith(row: NewAppointment, caps: BookingCaps, writes: SQL[]): Promise<AppointmentRow> {
    const ctes = writes.map((w, i) => this.db.$with(`write_${i}`, {}).as(w));
    return (await this.db.with(...ctes).insert(appointments).values({ ...row, createdAt: lockedCreatedAt(row, caps) }).returning())[0];
  }

  /** Whether the patient has ever had an appointment (in any state) with the doctor. */
  async hasBookedWith(patientId: string, doctorId: string, db: Db = this.db): Promise<boolean> {
    const rows = await db.select({ id: appointments.id }).from(appointments)
      .where(and(eq(appointments.patientId, patientId), eq(appointments.doctorId, doctorId))).limit(1);
    return rows.length > 0;
  }

  /** The occurrences of a series, soonest first. */
  listSeries(seriesId: string, db: Db = this.db): Promise<AppointmentRow[]> {
    return db.select().from(appointments).where(eq(appointments.seriesId, seriesId)).orderBy(asc(appointments.startsAt), asc(appointments.id));
  }

  /**
   * The live occurrences of a series not started by `now` (and on or after the local date
   * `fromDate` when given), locked for the rest of the transaction in start order.
   */
  lockSeriesRest(seriesId: string, now: Date, fromDate: string | undefined, tx: Db): Promise<AppointmentRow[]> {
    const conds = [eq(appointments.seriesId, seriesId), inArray(appointments.status, ['pending', 'confirmed']), gt(appointments.startsAt, now)];
    if (fromDate) conds.push(gte(appointments.slotDate, fromDate));
    return tx.select().from(appointments).where(and(...conds)).orderBy(asc(appointments.startsAt), asc(appointments.id)).for('update');
  }

  /** The live places (appointments) of a group session. */
  async livePlaceIds(sessionId: string, db: Db = this.db): Promise<string[]> {
    const rows = await db.select({ id: appointments.id }).from(appointments).where(and(eq(appointments.groupSessionId, sessionId), live));
    return rows.map((r) => r.id);
  }

  async findById(id: string, db: Db = this.db): Promise<AppointmentRow | undefined> {
    return (await db.select().from(appointments).where(eq(appointments.id, id)).limit(1))[0];
  }

  /**
   * Reads an appointment and locks its row until the transaction ends: a concurrent payment
   * confirmation (an UPDATE of the same row) waits, so what was read stays true while we write.
   */
  async findForUpdate(id: string, tx: Db): Promise<AppointmentRow | undefined> {
    return (await tx.select().from(appointments).where(eq(appointments.id, id)).limit(1).for('update'))[0];
  }

  /**
   * Moves an appointment to a new state only if it is still in one of `from`: the WHERE clause makes
   * the check and the write one atomic step, so two concurrent cancels cannot both succeed.
   */
  async transition(id: string, from: AppointmentStatus[], patch: AppointmentPatch, db: Db = this.db): Promise<AppointmentRow | undefined> {
    return (
      await db
        .update(appointments)
        .set({ ...patch, updatedAt: sql`now()` })
        .where(and(eq(appointments.id, id), inArray(appointments.status, from)))
        .returning()
    )[0];
  }

  /**
   * Marks a live, still unpaid appointment paid in one atomic step: of two racing confirmations only
   * one matches. `expired` (the booking rules' payment-window check) is asked on the row locked in
   * the caller's transaction: a booking whose window has ended no longer holds its slot, so it is
   * not marked, and the payment that came too late is refunded (PaymentService.settle).
   */
  async markPaid(id: string, patch: AppointmentPatch, db: Db = this.db, expired?: (row: AppointmentRow) => boolean): Promise<AppointmentRow | undefined> {
    if (expired) {
      const [row] = await db.select().from(appointments).where(eq(appointments.id, id)).for('update');
      if (!row || expired(row)) return undefined;
    }
    return (
      await db
        .update(appointments)
        .set({ ...patch, updatedAt: sql`now()` })
        .where(and(eq(appointments.id, id), inArray(appointments.status, ['pending', 'confirmed']), eq(appointments.paid, false)))
        .returning()
    )[0];
  }

  async update(id: string, patch: AppointmentPatch, db: Db = this.db): Promise<AppointmentRow | undefined> {
    return (await db.update(appointments).set({ ...patch, updatedAt: sql`now()` }).where(eq(appointments.id, id)).returning())[0];
  }

  async list(where: SQL | undefined, limit: number): Promise<AppointmentRow[]> {
    return this.db.select().from(appointments).where(where).orderBy(desc(appointments.createdAt), desc(appointments.id)).limit(limit);
  }

  listForPatient(patientId: string, limit = 1000) {
    return this.list(eq(appointments.patientId, patientId), limit);
  }

  /** `after`: keyset pagination from that appointment (exclusive), in the order of `sort`. */
  search(filter: AppointmentFilter, sort: AppointmentSort, limit: number, offset: number, after?: string): Promise<AppointmentRow[]> {
    const where = after ? and(filterWhere(filter), afterCursor(sort, after)) : filterWhere(filter);
    if (offset < DEFERRED_JOIN_OFFSET) return this.db.select().from(appointments).where(where).orderBy(...ORDER[sort]).limit(limit).offset(offset);
    // A deep page of a filter the position summaries count: jump to the page's bucket (page-position.ts).
    if (!after && positionCovers(filter)) return pageAtPosition(this.db, filter, where, sort, ORDER[sort], limit, offset);
    // A deep OFFSET page of a patient or a date range: first the page's ids alone, then only those rows ("deferred join"). The id
    // step reads just the order columns and the id, which the order's index holds, so PostgreSQL can
    // skip the offset rows with an index-only scan instead of fetching every skipped row from the
    // heap (the admin list's page 25 000 at 1M appointments: p95 2.3 s before, 0.14 s after).
    const page = this.db.select({ id: appointments.id }).from(appointments).where(where).orderBy(...ORDER[sort]).limit(limit).offset(offset).as('page');
    return this.db.select(getTableColumns(appointments)).from(appointments).innerJoin(page, eq(appointments.id, page.id)).orderBy(...ORDER[sort]);
  }

  async countMatching(filter: AppointmentFilter): Promise<number> {
    const kept = await summaryCount(this.db, filter); // O(1) from the trigger-kept summaries when they hold it
    if (kept !== undefined) return kept;
    const [r] = await this.db.select({ n: sql<number>`count(*)::int` }).from(appointments).where(filterWhere(filter));
    return r.n;
  }

  listForDoctor(doctorId: string, limit = 1000) {
    return this.list(eq(appointments.doctorId, doctorId), limit);
  }

  /**
   * Live slots from `from` on, for `slots_booked`. With `expiredCutoff`, unpaid holds whose payment
   * window ended are left out, as the free-slot list leaves them out.
   */
  async bookedSlots(from: Date, doctorIds?: string[], expiredCutoff?: Date): Promise<{ doctorId: string; slotDate: string; slotTime: string }[]> {
    const conds = [live, gte(appointments.startsAt, from)];
    if (doctorIds) conds.push(inArray(appointments.doctorId, doctorIds));
    if (expiredCutoff) conds.push(not(expiredUnpaid(expiredCutoff)));
    return this.db
      .select({ doctorId: appointments.doctorId, slotDate: appointments.slotDate, slotTime: appointments.slotTime })
      .from(appointments)
      .where(and(...conds))
      .orderBy(appointments.startsAt);
  }

  // Dashboards read the trigger-kept summaries (migrations/0500_summaries.sql): constant time
  // however much history there is, and exact because they change in the same transaction.
  async doctorDashboard(doctorId: string): Promise<DoctorDashboardRow> {
    return doctorSummary(this.db, doctorId);
  }

  async adminDashboard(): Promise<AdminDashboardRow> {
    return platformSummary(this.db);
  }

  /**
   * Marks expired unpaid bookings cancelled (by the system) and returns them. Limited to one doctor
   * and interval inside a booking transaction; platform-wide for the periodic sweep.
   */
  async expireHolds(db: Db, cutoff: Date, now: Date, scope?: HoldScope): Promise<AppointmentRow[]> {
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

/** The new row's created_at as lock_booking_at (migration 2040) answers it: the locks and caps come with the value. */
function lockedCreatedAt(row: NewAppointment, caps: BookingCaps): SQL {
  return sql`lock_booking_at(${row.doctorId}, ${row.patientId}, ${caps.now.toISOString()}::timestamptz, ${caps.expiredCutoff?.toISOString() ?? null}::timestamptz, ${caps.perDoctor}::int, ${caps.overall}::int)`;
}
