// Report queries: every number is computed in SQL (date buckets in the requested zone, FILTERed
// aggregates), so a report reads indexes and returns one row per bucket or per doctor, however many
// appointments there are. Each report is one statement: the rows it counts come from the owning
// modules' read models as subqueries (appointments, doctors, patients) or a SELECT (the slots
// scheduling publishes), and this module adds the buckets, grouping and order around them. The
// planner flattens those subqueries, so each statement plans as if it named the tables. SQL text
// (Drizzle's `sql`): generate_series, FILTER and USING joins are beyond its query builder; it runs
// through `Database.query`, the raw reads' handle (lag-tolerant, replicas when configured). Money
// sums are cast to float8 (exact for integers below 2^53, and a JS number on both drivers, where
// int8 would be a string or a BigInt).
import { sql, type SQL, type SQLWrapper } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import type { Database } from '../../db/client.js';
import { bookedOnLocalDays, hasAppointmentWith, paidBetween, startingBetween } from '../appointments/read-model.js';
import { doctorListing, doctorsRegisteredBetween } from '../doctors/read-model.js';
import { patientContacts, patientsRegisteredBetween } from '../patients/read-model.js';
import { publishedSlotCounts } from '../scheduling/read-model.js';

export type Interval = 'day' | 'week' | 'month';

/** A date range of local calendar days [from, to] in `tz`, bucketed by `interval`. */
export interface Range {
  from: string;
  to: string;
  tz: string;
  interval: Interval;
}

/** The first instant of the range: local midnight starting `from` in `tz`. */
const rangeStart = (r: Range) => sql`(${r.from}::date::timestamp AT TIME ZONE ${r.tz}::text)`;
/** The instant after the range: local midnight ending `to` in `tz`. */
const rangeEnd = (r: Range) => sql`((${r.to}::date + 1)::timestamp AT TIME ZONE ${r.tz}::text)`;
/** Every bucket of the range, empty ones included, as a SELECT of `bucket`. */
const buckets = (r: Range) =>
  sql`SELECT generate_series(date_trunc(${r.interval}::text, ${r.from}::date::timestamp), date_trunc(${r.interval}::text, ${r.to}::date::timestamp), ('1 ' || ${r.interval}::text)::interval) AS bucket`;
/** The bucket an instant falls in, on the local clock of `tz`. */
const bucketOf = (r: Range, instant: SQLWrapper) => sql`date_trunc(${r.interval}::text, ${instant} AT TIME ZONE ${r.tz}::text)`;
const PERIOD = sql`to_char(b.bucket, 'YYYY-MM-DD') AS period`;

export interface StatusRow { period: string; total: number; pending: number; confirmed: number; completed: number; cancelled: number }
export interface MoneyRow { payments: number; gross: number; refunds: number }
export interface UtilizationRow { doctorId: string; name: string; speciality: string; published: number; booked: number }
export interface SpecialityRow { speciality: string; doctors: number; appointments: number }
export interface RegistrationRow { period: string; patients: number; doctors: number }
export interface CancellationRow { period: string; total: number; cancelled: number; noShows: number }
export interface EarningsRow { period: string; appointments: number; completed: number; earnings: number }
export interface DoctorPatientRow {
  patientId: string; name: string; email: string; appointments: number; completed: number; cancelled: number;
  firstVisit: Date; lastVisit: Date; billed: number;
}
export interface HistoryRow {
  appointmentId: string; slotDate: string; slotTime: string; startsAt: Date; status: string; amount: number; paid: boolean;
  cancelledBy: string | null;
}

const revenueSums = (p: ReturnType<typeof paidBetween>) =>
  sql`count(*)::int AS payments, sum(${p.amountMinor})::float8 AS gross,
  coalesce(sum(${p.refundMinor}) FILTER (WHERE ${p.refundStatus} = 'processed'), 0)::float8 AS refunds`;

const dialect = new PgDialect();

export class ReportRepo {
  constructor(private readonly database: Database) {}

  private run<T>(query: SQL): Promise<T[]> {
    const { sql: text, params } = dialect.sqlToQuery(query);
    return this.database.query<T>(text, params);
  }

  /** Appointments per bucket of their start time, by status. */
  appointmentsByStatus(r: Range): Promise<StatusRow[]> {
    const s = startingBetween(this.database.db, rangeStart(r), rangeEnd(r));
    return this.run<StatusRow>(sql`WITH b AS (${buckets(r)}),
       a AS (
         SELECT ${bucketOf(r, s.startsAt)} AS bucket, count(*)::int AS total,
           count(*) FILTER (WHERE ${s.status} = 'pending')::int AS pending,
           count(*) FILTER (WHERE ${s.status} = 'confirmed')::int AS confirmed,
           count(*) FILTER (WHERE ${s.status} = 'completed')::int AS completed,
           count(*) FILTER (WHERE ${s.status} = 'cancelled')::int AS cancelled
         FROM ${s} GROUP BY 1)
       SELECT ${PERIOD}, coalesce(a.total, 0) AS total, coalesce(a.pending, 0) AS pending, coalesce(a.confirmed, 0) AS confirmed,
         coalesce(a.completed, 0) AS completed, coalesce(a.cancelled, 0) AS cancelled
       FROM b LEFT JOIN a USING (bucket) ORDER BY b.bucket`);
  }

  /** Money received per bucket of the payment time; refunds processed on those payments subtracted. */
  revenueByPeriod(r: Range): Promise<(MoneyRow & { period: string })[]> {
    const p = paidBetween(this.database.db, rangeStart(r), rangeEnd(r));
    return this.run(sql`WITH b AS (${buckets(r)}),
       a AS (SELECT ${bucketOf(r, p.paidAt)} AS bucket, ${revenueSums(p)} FROM ${p} GROUP BY 1)
       SELECT ${PERIOD}, coalesce(a.payments, 0) AS payments, coalesce(a.gross, 0) AS gross, coalesce(a.refunds, 0) AS refunds
       FROM b LEFT JOIN a USING (bucket) ORDER BY b.bucket`);
  }

  revenueByDoctor(r: Range): Promise<(MoneyRow & { doctorId: string; name: string; speciality: string })[]> {
    const p = paidBetween(this.database.db, rangeStart(r), rangeEnd(r));
    const d = doctorListing(this.database.db);
    return this.run(sql`SELECT ${d.id} AS "doctorId", ${d.name} AS name, ${d.speciality} AS speciality, ${revenueSums(p)}
       FROM ${p} JOIN ${d} ON ${d.id} = ${p.doctorId}
       GROUP BY ${d.id}, ${d.name}, ${d.speciality} ORDER BY gross DESC, ${d.name}`);
  }

  revenueBySpeciality(r: Range): Promise<(MoneyRow & { speciality: string })[]> {
    const p = paidBetween(this.database.db, rangeStart(r), rangeEnd(r));
    const d = doctorListing(this.database.db);
    return this.run(sql`SELECT ${d.speciality} AS speciality, ${revenueSums(p)}
       FROM ${p} JOIN ${d} ON ${d.id} = ${p.doctorId}
       GROUP BY ${d.speciality} ORDER BY gross DESC, ${d.speciality}`);
  }

  /**
   * Published slots (scheduling's read model: working hours cut into slots, minus those touching
   * time off) against live bookings, per doctor, over the local days [from, to] of each doctor's
   * own time zone.
   */
  utilization(from: string, to: string): Promise<UtilizationRow[]> {
    const booked = bookedOnLocalDays(this.database.db, from, to);
    const d = doctorListing(this.database.db);
    return this.run<UtilizationRow>(sql`WITH published AS (${publishedSlotCounts(this.database.db, from, to)}),
       booked AS (SELECT ${booked.doctorId} AS doctor_id, count(*)::int AS n FROM ${booked} GROUP BY 1)
       SELECT ${d.id} AS "doctorId", ${d.name} AS name, ${d.speciality} AS speciality, coalesce(p.n, 0) AS published, coalesce(bk.n, 0) AS booked
       FROM ${d} LEFT JOIN published p ON p.doctor_id = ${d.id} LEFT JOIN booked bk ON bk.doctor_id = ${d.id}
       ORDER BY ${d.name}, ${d.id}`);
  }

  /** Doctors per speciality and their live appointments starting in the range. */
  specialities(r: Range): Promise<SpecialityRow[]> {
    const s = startingBetween(this.database.db, rangeStart(r), rangeEnd(r));
    const d = doctorListing(this.database.db);
    return this.run<SpecialityRow>(sql`WITH a AS (
         SELECT ${s.doctorId} AS doctor_id, count(*)::int AS n FROM ${s} WHERE ${s.status} <> 'cancelled' GROUP BY 1)
       SELECT ${d.speciality} AS speciality, count(*)::int AS doctors, coalesce(sum(a.n), 0)::int AS appointments
       FROM ${d} LEFT JOIN a ON a.doctor_id = ${d.id}
       GROUP BY ${d.speciality} ORDER BY appointments DESC, ${d.speciality}`);
  }

  registrations(r: Range): Promise<RegistrationRow[]> {
    const pr = patientsRegisteredBetween(this.database.db, rangeStart(r), rangeEnd(r));
    const dr = doctorsRegisteredBetween(this.database.db, rangeStart(r), rangeEnd(r));
    return this.run<RegistrationRow>(sql`WITH b AS (${buckets(r)}),
       p AS (SELECT ${bucketOf(r, pr.createdAt)} AS bucket, count(*)::int AS n FROM ${pr} GROUP BY 1),
       d AS (SELECT ${bucketOf(r, dr.createdAt)} AS bucket, count(*)::int AS n FROM ${dr} GROUP BY 1)
       SELECT ${PERIOD}, coalesce(p.n, 0) AS patients, coalesce(d.n, 0) AS doctors
       FROM b LEFT JOIN p USING (bucket) LEFT JOIN d USING (bucket) ORDER BY b.bucket`);
  }

  /** Cancellations and no-shows (still pending/confirmed after their end, as of `now`). */
  cancellations(r: Range, now: Date): Promise<CancellationRow[]> {
    const s = startingBetween(this.database.db, rangeStart(r), rangeEnd(r));
    return this.run<CancellationRow>(sql`WITH b AS (${buckets(r)}),
       a AS (
         SELECT ${bucketOf(r, s.startsAt)} AS bucket, count(*)::int AS total,
           count(*) FILTER (WHERE ${s.status} = 'cancelled')::int AS cancelled,
           count(*) FILTER (WHERE ${s.status} IN ('pending', 'confirmed') AND ${s.endsAt} < ${now.toISOString()}::timestamptz)::int AS no_shows
         FROM ${s} GROUP BY 1)
       SELECT ${PERIOD}, coalesce(a.total, 0) AS total, coalesce(a.cancelled, 0) AS cancelled, coalesce(a.no_shows, 0) AS "noShows"
       FROM b LEFT JOIN a USING (bucket) ORDER BY b.bucket`);
  }

  /** A doctor's confirmed and completed appointments and their fees, per bucket of start time. */
  doctorEarnings(doctorId: string, r: Range): Promise<EarningsRow[]> {
    const s = startingBetween(this.database.db, rangeStart(r), rangeEnd(r));
    return this.run<EarningsRow>(sql`WITH b AS (${buckets(r)}),
       a AS (
         SELECT ${bucketOf(r, s.startsAt)} AS bucket, count(*)::int AS appointments,
           count(*) FILTER (WHERE ${s.status} = 'completed')::int AS completed, sum(${s.amountMinor})::float8 AS earnings
         FROM ${s}
         WHERE ${s.doctorId} = ${doctorId} AND ${s.status} IN ('confirmed', 'completed') GROUP BY 1)
       SELECT ${PERIOD}, coalesce(a.appointments, 0) AS appointments, coalesce(a.completed, 0) AS completed, coalesce(a.earnings, 0) AS earnings
       FROM b LEFT JOIN a USING (bucket) ORDER BY b.bucket`);
  }

  /** The doctor's patients with appointments starting in the range, most recent first. */
  doctorPatients(doctorId: string, r: Range): Promise<DoctorPatientRow[]> {
    const s = startingBetween(this.database.db, rangeStart(r), rangeEnd(r));
    const p = patientContacts(this.database.db);
    return this.run<DoctorPatientRow>(sql`SELECT ${s.patientId} AS "patientId", ${p.fields.name} AS name, ${p.fields.email}::text AS email,
         count(*)::int AS appointments,
         count(*) FILTER (WHERE ${s.status} = 'completed')::int AS completed,
         count(*) FILTER (WHERE ${s.status} = 'cancelled')::int AS cancelled,
         min(${s.startsAt}) AS "firstVisit", max(${s.startsAt}) AS "lastVisit",
         coalesce(sum(${s.amountMinor}) FILTER (WHERE ${s.status} IN ('confirmed', 'completed')), 0)::float8 AS billed
       FROM ${s} JOIN ${p.source} ON ${p.fields.id} = ${s.patientId}
       WHERE ${s.doctorId} = ${doctorId}
       GROUP BY ${s.patientId}, ${p.fields.name}, ${p.fields.email} ORDER BY max(${s.startsAt}) DESC, ${s.patientId}`);
  }

  hasSeen(doctorId: string, patientId: string): Promise<boolean> {
    return hasAppointmentWith(this.database.db, doctorId, patientId);
  }

  /** One patient's appointments with one doctor in the range, oldest first. */
  patientHistory(doctorId: string, patientId: string, r: Range): Promise<HistoryRow[]> {
    const s = startingBetween(this.database.db, rangeStart(r), rangeEnd(r));
    return this.run<HistoryRow>(sql`SELECT ${s.id} AS "appointmentId", ${s.slotDate} AS "slotDate", ${s.slotTime} AS "slotTime",
         ${s.startsAt} AS "startsAt", ${s.status} AS status, ${s.amountMinor} AS amount, ${s.paid} AS paid, ${s.cancelledBy} AS "cancelledBy"
       FROM ${s}
       WHERE ${s.doctorId} = ${doctorId} AND ${s.patientId} = ${patientId}
       ORDER BY ${s.startsAt}, ${s.id}`);
  }
}
