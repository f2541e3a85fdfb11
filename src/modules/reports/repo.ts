// Report queries: every number is computed in SQL (date buckets in the requested zone, FILTERed
// aggregates), so a report reads indexes and returns one row per bucket or per doctor, however many
// appointments there are. Raw SQL through `Database.query`: generate_series and lateral joins are
// beyond what Drizzle expresses. Money sums are cast to float8 (exact for integers below 2^53, and
// a JS number on both drivers, where int8 would be a string or a BigInt).
import type { Database } from '../../db/client.js';

export type Interval = 'day' | 'week' | 'month';

/** A date range of local calendar days [from, to] in `tz`, bucketed by `interval`. */
export interface Range {
  from: string;
  to: string;
  tz: string;
  interval: Interval;
}

// $1 from, $2 to (YYYY-MM-DD, inclusive), $3 time zone, $4 interval.
const BUCKETS = `SELECT generate_series(date_trunc($4::text, $1::date::timestamp), date_trunc($4::text, $2::date::timestamp), ('1 ' || $4::text)::interval) AS bucket`;
const IN_RANGE = (col: string) =>
  `${col} >= ($1::date::timestamp AT TIME ZONE $3::text) AND ${col} < (($2::date + 1)::timestamp AT TIME ZONE $3::text)`;
const BUCKET_OF = (col: string) => `date_trunc($4::text, ${col} AT TIME ZONE $3::text)`;
const PERIOD = `to_char(b.bucket, 'YYYY-MM-DD') AS period`;
const rangeParams = (r: Range) => [r.from, r.to, r.tz, r.interval];

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

const REVENUE_SUMS = `count(*)::int AS payments, sum(a.amount_minor)::float8 AS gross,
  coalesce(sum(a.refund_minor) FILTER (WHERE a.refund_status = 'processed'), 0)::float8 AS refunds`;

export class ReportRepo {
  constructor(private readonly database: Database) {}

  /** Appointments per bucket of their start time, by status. */
  appointmentsByStatus(r: Range): Promise<StatusRow[]> {
    return this.database.query<StatusRow>(
      `WITH b AS (${BUCKETS}),
       a AS (
         SELECT ${BUCKET_OF('starts_at')} AS bucket, count(*)::int AS total,
           count(*) FILTER (WHERE status = 'pending')::int AS pending,
           count(*) FILTER (WHERE status = 'confirmed')::int AS confirmed,
           count(*) FILTER (WHERE status = 'completed')::int AS completed,
           count(*) FILTER (WHERE status = 'cancelled')::int AS cancelled
         FROM appointments WHERE ${IN_RANGE('starts_at')} GROUP BY 1)
       SELECT ${PERIOD}, coalesce(a.total, 0) AS total, coalesce(a.pending, 0) AS pending, coalesce(a.confirmed, 0) AS confirmed,
         coalesce(a.completed, 0) AS completed, coalesce(a.cancelled, 0) AS cancelled
       FROM b LEFT JOIN a USING (bucket) ORDER BY b.bucket`,
      rangeParams(r),
    );
  }

  /** Money received per bucket of the payment time; refunds processed on those payments subtracted. */
  revenueByPeriod(r: Range): Promise<(MoneyRow & { period: string })[]> {
    return this.database.query(
      `WITH b AS (${BUCKETS}),
       a AS (SELECT ${BUCKET_OF('a.paid_at')} AS bucket, ${REVENUE_SUMS}
             FROM appointments a WHERE a.paid AND ${IN_RANGE('a.paid_at')} GROUP BY 1)
       SELECT ${PERIOD}, coalesce(a.payments, 0) AS payments, coalesce(a.gross, 0) AS gross, coalesce(a.refunds, 0) AS refunds
       FROM b LEFT JOIN a USING (bucket) ORDER BY b.bucket`,
      rangeParams(r),
    );
  }

  revenueByDoctor(r: Range): Promise<(MoneyRow & { doctorId: string; name: string; speciality: string })[]> {
    return this.database.query(
      `SELECT d.id AS "doctorId", d.name, d.speciality, ${REVENUE_SUMS}
       FROM appointments a JOIN doctors d ON d.id = a.doctor_id
       WHERE a.paid AND ${IN_RANGE('a.paid_at')} AND $4::text IS NOT NULL
       GROUP BY d.id, d.name, d.speciality ORDER BY gross DESC, d.name`,
      rangeParams(r),
    );
  }

  revenueBySpeciality(r: Range): Promise<(MoneyRow & { speciality: string })[]> {
    return this.database.query(
      `SELECT d.speciality, ${REVENUE_SUMS}
       FROM appointments a JOIN doctors d ON d.id = a.doctor_id
       WHERE a.paid AND ${IN_RANGE('a.paid_at')} AND $4::text IS NOT NULL
       GROUP BY d.speciality ORDER BY gross DESC, d.speciality`,
      rangeParams(r),
    );
  }

  /**
   * Published slots (working hours cut into slots, minus those touching time off) against live
   * bookings, per doctor, over the local days [from, to] of each doctor's own time zone.
   */
  utilization(from: string, to: string): Promise<UtilizationRow[]> {
    return this.database.query<UtilizationRow>(
      `WITH days AS (SELECT d::date AS day FROM generate_series($1::date, $2::date, interval '1 day') d),
       slots AS (
         SELECT doc.id AS doctor_id, s.starts_at, doc.slot_minutes
         FROM doctors doc
         JOIN doctor_hours h ON h.doctor_id = doc.id
         JOIN days ON extract(dow FROM days.day)::int = h.weekday
         CROSS JOIN LATERAL generate_series(h.start_minute::int, h.end_minute::int - doc.slot_minutes, doc.slot_interval_minutes) AS m(minute)
         CROSS JOIN LATERAL (SELECT (days.day + make_interval(mins => m.minute)) AT TIME ZONE doc.time_zone AS starts_at) s),
       published AS (
         SELECT doctor_id, count(*)::int AS n FROM slots s
         WHERE NOT EXISTS (SELECT 1 FROM doctor_time_off o WHERE o.doctor_id = s.doctor_id
                           AND o.starts_at < s.starts_at + make_interval(mins => s.slot_minutes) AND o.ends_at > s.starts_at)
         GROUP BY doctor_id),
       booked AS (
         SELECT doctor_id, count(*)::int AS n FROM appointments
         WHERE status <> 'cancelled' AND slot_date >= to_char($1::date, 'YYYY-MM-DD') AND slot_date <= to_char($2::date, 'YYYY-MM-DD')
           -- slot_date is local to each doctor's zone; this wider instant window (no zone is more
           -- than a day off UTC) lets the starts_at index narrow the scan before slot_date decides
           AND starts_at >= ($1::date - 1)::timestamp AT TIME ZONE 'UTC' AND starts_at < ($2::date + 2)::timestamp AT TIME ZONE 'UTC'
         GROUP BY doctor_id)
       SELECT d.id AS "doctorId", d.name, d.speciality, coalesce(p.n, 0) AS published, coalesce(bk.n, 0) AS booked
       FROM doctors d LEFT JOIN published p ON p.doctor_id = d.id LEFT JOIN booked bk ON bk.doctor_id = d.id
       ORDER BY d.name, d.id`,
      [from, to],
    );
  }

  /** Doctors per speciality and their live appointments starting in the range. */
  specialities(r: Range): Promise<SpecialityRow[]> {
    return this.database.query<SpecialityRow>(
      `WITH a AS (
         SELECT doctor_id, count(*)::int AS n FROM appointments
         WHERE status <> 'cancelled' AND ${IN_RANGE('starts_at')} AND $4::text IS NOT NULL GROUP BY doctor_id)
       SELECT d.speciality, count(*)::int AS doctors, coalesce(sum(a.n), 0)::int AS appointments
       FROM doctors d LEFT JOIN a ON a.doctor_id = d.id
       GROUP BY d.speciality ORDER BY appointments DESC, d.speciality`,
      rangeParams(r),
    );
  }

  registrations(r: Range): Promise<RegistrationRow[]> {
    return this.database.query<RegistrationRow>(
      `WITH b AS (${BUCKETS}),
       p AS (SELECT ${BUCKET_OF('created_at')} AS bucket, count(*)::int AS n FROM patients WHERE ${IN_RANGE('created_at')} GROUP BY 1),
       d AS (SELECT ${BUCKET_OF('created_at')} AS bucket, count(*)::int AS n FROM doctors WHERE ${IN_RANGE('created_at')} GROUP BY 1)
       SELECT ${PERIOD}, coalesce(p.n, 0) AS patients, coalesce(d.n, 0) AS doctors
       FROM b LEFT JOIN p USING (bucket) LEFT JOIN d USING (bucket) ORDER BY b.bucket`,
      rangeParams(r),
    );
  }

  /** Cancellations and no-shows (still pending/confirmed after their end, as of `now`). */
  cancellations(r: Range, now: Date): Promise<CancellationRow[]> {
    return this.database.query<CancellationRow>(
      `WITH b AS (${BUCKETS}),
       a AS (
         SELECT ${BUCKET_OF('starts_at')} AS bucket, count(*)::int AS total,
           count(*) FILTER (WHERE status = 'cancelled')::int AS cancelled,
           count(*) FILTER (WHERE status IN ('pending', 'confirmed') AND ends_at < $5::timestamptz)::int AS no_shows
         FROM appointments WHERE ${IN_RANGE('starts_at')} GROUP BY 1)
       SELECT ${PERIOD}, coalesce(a.total, 0) AS total, coalesce(a.cancelled, 0) AS cancelled, coalesce(a.no_shows, 0) AS "noShows"
       FROM b LEFT JOIN a USING (bucket) ORDER BY b.bucket`,
      [...rangeParams(r), now.toISOString()],
    );
  }

  /** A doctor's confirmed and completed appointments and their fees, per bucket of start time. */
  doctorEarnings(doctorId: string, r: Range): Promise<EarningsRow[]> {
    return this.database.query<EarningsRow>(
      `WITH b AS (${BUCKETS}),
       a AS (
         SELECT ${BUCKET_OF('starts_at')} AS bucket, count(*)::int AS appointments,
           count(*) FILTER (WHERE status = 'completed')::int AS completed, sum(amount_minor)::float8 AS earnings
         FROM appointments
         WHERE doctor_id = $5 AND status IN ('confirmed', 'completed') AND ${IN_RANGE('starts_at')} GROUP BY 1)
       SELECT ${PERIOD}, coalesce(a.appointments, 0) AS appointments, coalesce(a.completed, 0) AS completed, coalesce(a.earnings, 0) AS earnings
       FROM b LEFT JOIN a USING (bucket) ORDER BY b.bucket`,
      [...rangeParams(r), doctorId],
    );
  }

  /** The doctor's patients with appointments starting in the range, most recent first. */
  doctorPatients(doctorId: string, r: Range): Promise<DoctorPatientRow[]> {
    return this.database.query<DoctorPatientRow>(
      `SELECT a.patient_id AS "patientId", p.name, p.email::text AS email, count(*)::int AS appointments,
         count(*) FILTER (WHERE a.status = 'completed')::int AS completed,
         count(*) FILTER (WHERE a.status = 'cancelled')::int AS cancelled,
         min(a.starts_at) AS "firstVisit", max(a.starts_at) AS "lastVisit",
         coalesce(sum(a.amount_minor) FILTER (WHERE a.status IN ('confirmed', 'completed')), 0)::float8 AS billed
       FROM appointments a JOIN patients p ON p.id = a.patient_id
       WHERE a.doctor_id = $5 AND ${IN_RANGE('a.starts_at')} AND $4::text IS NOT NULL
       GROUP BY a.patient_id, p.name, p.email ORDER BY max(a.starts_at) DESC, a.patient_id`,
      [...rangeParams(r), doctorId],
    );
  }

  async hasSeen(doctorId: string, patientId: string): Promise<boolean> {
    const rows = await this.database.query('SELECT 1 FROM appointments WHERE doctor_id = $1 AND patient_id = $2 LIMIT 1', [doctorId, patientId]);
    return rows.length > 0;
  }

  /** One patient's appointments with one doctor in the range, oldest first. */
  patientHistory(doctorId: string, patientId: string, r: Range): Promise<HistoryRow[]> {
    return this.database.query<HistoryRow>(
      `SELECT id AS "appointmentId", slot_date AS "slotDate", slot_time AS "slotTime", starts_at AS "startsAt", status,
         amount_minor AS amount, paid, cancelled_by AS "cancelledBy"
       FROM appointments
       WHERE doctor_id = $5 AND patient_id = $6 AND ${IN_RANGE('starts_at')} AND $4::text IS NOT NULL
       ORDER BY starts_at, id`,
      [...rangeParams(r), doctorId, patientId],
    );
  }
}
