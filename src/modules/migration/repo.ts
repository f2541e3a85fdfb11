// SQL of the MongoDB import and export. Its own repo rather than the module repos: an import
// upserts thousands of rows per statement (one JSON parameter expanded by jsonb_to_recordset, the
// same SQL on PGlite and node-postgres), counts which rows were new, changed or already equal, and
// runs on one connection of its own so that a batch is one transaction and a dry run one outer
// transaction that is rolled back. The per-row summary triggers stay on, so dashboards stay exact
// even while the server runs beside the import.
// Over 300 lines: one bulk statement per collection and direction, plus the summaries' bulk
// equivalent of their triggers; they share the connection and JSON-parameter helpers above them.
import type pg from 'pg';
import type { PGlite } from '@electric-sql/pglite';
import type { Database } from '../../db/client.js';
import type { WorkingRange } from '../../config.js';
import type {
  AppointmentExportRow,
  AppointmentImport,
  DoctorExportRow,
  DoctorImport,
  LegacySlotsBooked,
  PatientExportRow,
  PatientImport,
} from './mapping.js';

/** One connection: every statement of an import goes through it, in order. */
export interface Session {
  query<T>(text: string, params?: unknown[]): Promise<T[]>;
  release(): void;
}

export async function openSession(database: Database): Promise<Session> {
  if (database.pool) {
    const client: pg.PoolClient = await database.pool.connect();
    return {
      query: async <T>(text: string, params: unknown[] = []) => (await client.query(text, params)).rows as T[],
      release: () => client.release(),
    };
  }
  // PGlite is a single connection already; the CLI that owns it runs nothing else meanwhile.
  const lite: PGlite = database.pglite!;
  return {
    query: async <T>(text: string, params: unknown[] = []) => (await lite.query<T>(text, params)).rows,
    release: () => undefined,
  };
}

export interface UpsertResult {
  inserted: string[];
  updated: string[];
  /** inserted rows the patients/doctors counter includes (an erased patient is not counted) */
  counted: number;
}

interface Returned {
  id: string;
  inserted: boolean;
  live?: boolean;
}

const split = (rows: Returned[]): UpsertResult => ({
  inserted: rows.filter((r) => r.inserted).map((r) => r.id),
  updated: rows.filter((r) => !r.inserted).map((r) => r.id),
  counted: rows.filter((r) => r.inserted && r.live !== false).length,
});

// `xmax = 0` tells a freshly inserted row from one ON CONFLICT updated. The WHERE of each DO UPDATE
// leaves rows already equal untouched (not even updated_at), so they are not returned at all: a
// re-run, or an import of an export, changes nothing.

const PATIENT_COLUMNS =
  'id text, name text, email text, password_hash text, phone text, address jsonb, gender text, dob text, image text, created_at timestamptz, deleted_at timestamptz';

export async function upsertPatients(s: Session, rows: PatientImport[]): Promise<UpsertResult> {
  if (rows.length === 0) return { inserted: [], updated: [], counted: 0 };
  const out = await s.query<Returned>(
    // deleted_at is written only with a new row: an import neither erases nor revives a patient here
    `INSERT INTO patients AS p (id, name, email, password_hash, phone, address, gender, dob, image, created_at, updated_at, deleted_at)
     SELECT id, name, email, password_hash, phone, address, gender, dob, image, created_at, created_at, deleted_at
       FROM jsonb_to_recordset($1::jsonb) AS r(${PATIENT_COLUMNS})
     ON CONFLICT (id) DO UPDATE SET
       name = EXCLUDED.name, email = EXCLUDED.email, password_hash = EXCLUDED.password_hash, phone = EXCLUDED.phone,
       address = EXCLUDED.address, gender = EXCLUDED.gender, dob = EXCLUDED.dob, image = EXCLUDED.image, updated_at = now()
     WHERE (p.name, p.email::text, p.password_hash, p.phone, p.address, p.gender, p.dob, p.image)
       IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.email::text, EXCLUDED.password_hash, EXCLUDED.phone, EXCLUDED.address, EXCLUDED.gender, EXCLUDED.dob, EXCLUDED.image)
     RETURNING p.id, (p.xmax = 0) AS inserted, (p.deleted_at IS NULL) AS live`,
    [JSON.stringify(rows)],
  );
  return split(out);
}

const DOCTOR_COLUMNS =
  'id text, name text, email text, password_hash text, image text, speciality text, degree text, experience text, about text, fees_minor integer, address jsonb, available boolean, created_at timestamptz';

export interface DoctorDefaults {
  slotMinutes: number;
  slotIntervalMinutes: number;
  bufferMinutes: number;
  timeZone: string;
  workingHours: WorkingRange[];
}

/** New doctors get the platform's default slot settings, zone and weekly hours; existing ones keep theirs. */
export async function upsertDoctors(s: Session, rows: DoctorImport[], d: DoctorDefaults): Promise<UpsertResult> {
  if (rows.length === 0) return { inserted: [], updated: [], counted: 0 };
  const hours = d.workingHours.map((h) => ({ weekday: h.weekday, start_minute: h.start, end_minute: h.end }));
  const out = await s.query<Returned>(
    `WITH up AS (
       INSERT INTO doctors AS d (id, name, email, password_hash, password_temporary, image, speciality, degree, experience, about, fees_minor,
         address, available, slot_minutes, slot_interval_minutes, buffer_minutes, time_zone, created_at, updated_at)
       SELECT id, name, email, password_hash, false, image, speciality, degree, experience, about, fees_minor,
         address, available, $2, $3, $4, $5, created_at, created_at
         FROM jsonb_to_recordset($1::jsonb) AS r(${DOCTOR_COLUMNS})
       ON CONFLICT (id) DO UPDATE SET
         name = EXCLUDED.name, email = EXCLUDED.email, password_hash = EXCLUDED.password_hash,
         -- a hash from the original database is the doctor's own password, not one an admin handed out
         password_temporary = CASE WHEN d.password_hash = EXCLUDED.password_hash THEN d.password_temporary ELSE false END,
         image = EXCLUDED.image, speciality = EXCLUDED.speciality, degree = EXCLUDED.degree, experience = EXCLUDED.experience,
         about = EXCLUDED.about, fees_minor = EXCLUDED.fees_minor, address = EXCLUDED.address, available = EXCLUDED.available,
         updated_at = now()
       WHERE (d.name, d.email::text, d.password_hash, d.image, d.speciality, d.degree, d.experience, d.about, d.fees_minor, d.address, d.available)
         IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.email::text, EXCLUDED.password_hash, EXCLUDED.image, EXCLUDED.speciality, EXCLUDED.degree,
           EXCLUDED.experience, EXCLUDED.about, EXCLUDED.fees_minor, EXCLUDED.address, EXCLUDED.available)
       RETURNING d.id, (d.xmax = 0) AS inserted
     ), hours AS (
       INSERT INTO doctor_hours (doctor_id, weekday, start_minute, end_minute)
       SELECT up.id, h.weekday, h.start_minute, h.end_minute
         FROM up CROSS JOIN jsonb_to_recordset($6::jsonb) AS h(weekday smallint, start_minute smallint, end_minute smallint)
        WHERE up.inserted
     )
     SELECT id, inserted FROM up`,
    [JSON.stringify(rows), d.slotMinutes, d.slotIntervalMinutes, d.bufferMinutes, d.timeZone, JSON.stringify(hours)],
  );
  return split(out);
}

const APPOINTMENT_COLUMNS =
  'id text, patient_id text, doctor_id text, slot_date text, slot_time text, starts_at timestamptz, ends_at timestamptz, blocks tstzrange, ' +
  'user_data jsonb, doc_data jsonb, amount_minor integer, status text, paid boolean, paid_at timestamptz, cancelled_at timestamptz, ' +
  'completed_at timestamptz, created_at timestamptz';

// The original knows four states through three booleans; here a live booking may also be confirmed
// without payment. Such a row exports as "not paid, not cancelled, not completed", which reads back
// as pending: that is the same booking, so its status is kept.
const KEEP_STATUS = `(a.status = EXCLUDED.status OR (a.status = 'confirmed' AND EXCLUDED.status = 'pending' AND NOT EXCLUDED.paid))`;
// Same doctor and wall-clock slot: the instants stay as they are (the doctor's zone or slot length
// may have changed since, and a native booking holds its buffer too).
const SAME_SLOT = `(a.doctor_id = EXCLUDED.doctor_id AND a.slot_date = EXCLUDED.slot_date AND a.slot_time = EXCLUDED.slot_time)`;

export async function upsertAppointments(s: Session, rows: AppointmentImport[], currency: string): Promise<UpsertResult> {
  if (rows.length === 0) return { inserted: [], updated: [], counted: 0 };
  const out = await s.query<Returned>(
    `INSERT INTO appointments AS a (id, patient_id, doctor_id, slot_date, slot_time, starts_at, ends_at, blocks, user_data, doc_data,
       amount_minor, currency, status, paid, paid_at, cancelled_at, completed_at, created_at, updated_at)
     SELECT id, patient_id, doctor_id, slot_date, slot_time, starts_at, ends_at, blocks, user_data, doc_data,
       amount_minor, $2, status, paid, paid_at, cancelled_at, completed_at, created_at, created_at
       FROM jsonb_to_recordset($1::jsonb) AS r(${APPOINTMENT_COLUMNS})
     ON CONFLICT (id) DO UPDATE SET
       patient_id = EXCLUDED.patient_id, doctor_id = EXCLUDED.doctor_id,
       starts_at = CASE WHEN ${SAME_SLOT} THEN a.starts_at ELSE EXCLUDED.starts_at END,
       ends_at = CASE WHEN ${SAME_SLOT} THEN a.ends_at ELSE EXCLUDED.ends_at END,
       blocks = CASE WHEN ${SAME_SLOT} THEN a.blocks ELSE EXCLUDED.blocks END,
       slot_date = EXCLUDED.slot_date, slot_time = EXCLUDED.slot_time,
       user_data = EXCLUDED.user_data, doc_data = EXCLUDED.doc_data, amount_minor = EXCLUDED.amount_minor,
       status = CASE WHEN ${KEEP_STATUS} THEN a.status ELSE EXCLUDED.status END,
       cancelled_at = CASE WHEN ${KEEP_STATUS} THEN a.cancelled_at ELSE EXCLUDED.cancelled_at END,
       cancelled_by = CASE WHEN ${KEEP_STATUS} THEN a.cancelled_by END,
       cancelled_by_id = CASE WHEN ${KEEP_STATUS} THEN a.cancelled_by_id END,
       cancel_reason = CASE WHEN ${KEEP_STATUS} THEN a.cancel_reason END,
       completed_at = CASE WHEN ${KEEP_STATUS} THEN a.completed_at ELSE EXCLUDED.completed_at END,
       paid = EXCLUDED.paid,
       paid_at = CASE WHEN EXCLUDED.paid THEN coalesce(a.paid_at, EXCLUDED.paid_at) END,
       updated_at = now()
     WHERE NOT ${KEEP_STATUS}
        OR (a.patient_id, a.doctor_id, a.slot_date, a.slot_time, a.user_data, a.doc_data, a.amount_minor, a.paid)
           IS DISTINCT FROM (EXCLUDED.patient_id, EXCLUDED.doctor_id, EXCLUDED.slot_date, EXCLUDED.slot_time, EXCLUDED.user_data,
             EXCLUDED.doc_data, EXCLUDED.amount_minor, EXCLUDED.paid)
     RETURNING a.id, (a.xmax = 0) AS inserted`,
    [JSON.stringify(rows), currency],
  );
  return split(out);
}

const idsParam = (ids: string[]) => JSON.stringify([...new Set(ids)]);

export interface DoctorSlotSettings {
  id: string;
  time_zone: string;
  slot_minutes: number;
}

export function doctorSettings(s: Session, ids: string[]): Promise<DoctorSlotSettings[]> {
  return s.query<DoctorSlotSettings>(
    'SELECT id, time_zone, slot_minutes FROM doctors WHERE id IN (SELECT jsonb_array_elements_text($1::jsonb))',
    [idsParam(ids)],
  );
}

/** Which of these ids are in `table` already (a fixed table name, never input). */
async function existingIds(s: Session, table: 'patients' | 'appointments', ids: string[]): Promise<string[]> {
  const rows = await s.query<{ id: string }>(`SELECT id FROM ${table} WHERE id IN (SELECT jsonb_array_elements_text($1::jsonb))`, [idsParam(ids)]);
  return rows.map((r) => r.id);
}

export async function existingPatients(s: Session, ids: string[]): Promise<Set<string>> {
  return new Set(await existingIds(s, 'patients', ids));
}

/** Which of these appointment ids are in the table already. */
export function existingAppointments(s: Session, ids: string[]): Promise<string[]> {
  return existingIds(s, 'appointments', ids);
}

/** The live booking of another appointment that holds part of this interval, for the report. */
export async function overlappingAppointment(s: Session, row: AppointmentImport): Promise<string | undefined> {
  const [hit] = await s.query<{ id: string }>(
    `SELECT id FROM appointments
      WHERE doctor_id = $1 AND status <> 'cancelled' AND id <> $2 AND blocks && $3::tstzrange
      ORDER BY starts_at LIMIT 1`,
    [row.doctor_id, row.id, row.blocks],
  );
  return hit?.id;
}

/** Which existing account of the table already uses an email (the account is not the row's own). */
export async function emailOwner(s: Session, table: 'patients' | 'doctors', email: string, id: string): Promise<string | undefined> {
  const [hit] = await s.query<{ id: string }>(`SELECT id FROM ${table} WHERE email = $1 AND id <> $2 LIMIT 1`, [email, id]);
  return hit?.id;
}

// ---------------------------------------------------------------- export (keyset pages by id)

export function patientPage(s: Session, after: string, limit: number): Promise<PatientExportRow[]> {
  return s.query<PatientExportRow>(
    `SELECT id, name, email::text AS email, password_hash, phone, address, gender, dob, image, deleted_at::text AS deleted_at
       FROM patients WHERE id > $1 ORDER BY id LIMIT $2`,
    [after, limit],
  );
}

export function doctorPage(s: Session, after: string, limit: number): Promise<DoctorExportRow[]> {
  return s.query<DoctorExportRow>(
    `SELECT id, name, email::text AS email, password_hash, image, speciality, degree, experience, about, available, fees_minor, address, created_at
       FROM doctors WHERE id > $1 ORDER BY id LIMIT $2`,
    [after, limit],
  );
}

/** slots_booked rebuilt from live bookings, keyed `d_m_yyyy` like the original. */
export async function legacySlotsBooked(s: Session, doctorIds: string[]): Promise<Map<string, LegacySlotsBooked>> {
  const rows = await s.query<{ doctor_id: string; slot_date: string; times: string[] }>(
    `SELECT doctor_id, slot_date, array_agg(slot_time ORDER BY starts_at, id) AS times
       FROM appointments
      WHERE doctor_id IN (SELECT jsonb_array_elements_text($1::jsonb)) AND status <> 'cancelled'
      GROUP BY doctor_id, slot_date ORDER BY doctor_id, slot_date`,
    [idsParam(doctorIds)],
  );
  const out = new Map<string, LegacySlotsBooked>();
  for (const r of rows) {
    const [y, m, d] = r.slot_date.split('-').map(Number);
    const byDate = out.get(r.doctor_id) ?? {};
    byDate[`${d}_${m}_${y}`] = r.times;
    out.set(r.doctor_id, byDate);
  }
  return out;
}

export function appointmentPage(s: Session, after: string, limit: number): Promise<AppointmentExportRow[]> {
  return s.query<AppointmentExportRow>(
    `SELECT id, patient_id, doctor_id, slot_date, slot_time, user_data, doc_data, amount_minor, status, paid, created_at
       FROM appointments WHERE id > $1 ORDER BY id LIMIT $2`,
    [after, limit],
  );
}

// ---------------------------------------------------------------- dashboard summaries, per batch
//
// The per-row summary triggers (migration 0500/1000) cost an import most of its time: thousands of
// rows of one batch update the same few summary rows (a doctor's stats, one of 32 total shards, the
// patients counter), each update adding a row version the next one has to step over. An import
// batch turns them off inside its own transaction and applies the same arithmetic once per batch,
// set-based. ALTER TABLE … DISABLE TRIGGER is transactional and its lock holds off other writers of
// the table until COMMIT, so no other transaction ever runs without the triggers; a batch that fails
// rolls the change back with everything else.

export type SummaryTable = 'patients' | 'doctors' | 'appointments';
// appointments_positions: the list-position buckets of migration 2030, applied per batch below too
const SUMMARY_TRIGGERS: Record<SummaryTable, string[]> = {
  patients: ['patients_count'], doctors: ['doctors_count'], appointments: ['appointments_summary', 'appointments_positions'],
};

export async function setSummaryTrigger(s: Session, table: SummaryTable, on: boolean): Promise<void> {
  for (const trigger of SUMMARY_TRIGGERS[table]) await s.query(`ALTER TABLE ${table} ${on ? 'ENABLE' : 'DISABLE'} TRIGGER ${trigger}`);
}

/** What the count triggers would have added for `inserted` new patients or doctors. */
export async function addRowCount(s: Session, table: 'patients' | 'doctors', inserted: number): Promise<void> {
  if (inserted > 0) await s.query('UPDATE row_counts SET n = n + $1 WHERE name = $2', [inserted, table]);
}

/**
 * Adds (sign 1) or takes away (sign -1) the contribution of the appointments with these ids, as
 * they are in the table now, to every summary: what appointment_summary_apply and
 * appointment_pair_apply do for one row, for many at once.
 */
export async function applyAppointmentSummaries(s: Session, ids: string[], sign: 1 | -1): Promise<void> {
  if (ids.length === 0) return;
  const rows = `(SELECT * FROM appointments WHERE id IN (SELECT jsonb_array_elements_text($1::jsonb)))`;
  const params = [idsParam(ids), sign];
  await s.query(
    `WITH r AS ${rows},
     c AS (
       SELECT doctor_id,
         count(*) AS n,
         count(*) FILTER (WHERE status = 'pending') AS p,
         count(*) FILTER (WHERE status = 'confirmed') AS c,
         count(*) FILTER (WHERE status = 'completed') AS d,
         count(*) FILTER (WHERE status = 'cancelled') AS x,
         coalesce(sum(amount_minor) FILTER (WHERE status IN ('confirmed', 'completed')), 0) AS earn,
         coalesce(sum(amount_minor - CASE WHEN refund_status = 'processed' THEN coalesce(refund_minor, 0) ELSE 0 END) FILTER (WHERE paid), 0) AS rev
       FROM r GROUP BY doctor_id
     ),
     stats AS (
       INSERT INTO doctor_stats AS s (doctor_id, appointments, pending, confirmed, completed, cancelled, earnings_minor, revenue_minor)
       SELECT doctor_id, $2 * n, $2 * p, $2 * c, $2 * d, $2 * x, $2 * earn, $2 * rev FROM c
       ON CONFLICT (doctor_id) DO UPDATE SET
         appointments = s.appointments + EXCLUDED.appointments, pending = s.pending + EXCLUDED.pending,
         confirmed = s.confirmed + EXCLUDED.confirmed, completed = s.completed + EXCLUDED.completed,
         cancelled = s.cancelled + EXCLUDED.cancelled, earnings_minor = s.earnings_minor + EXCLUDED.earnings_minor,
         revenue_minor = s.revenue_minor + EXCLUDED.revenue_minor
     )
     UPDATE appointment_totals t SET
       appointments = t.appointments + $2 * g.n, pending = t.pending + $2 * g.p, confirmed = t.confirmed + $2 * g.c,
       completed = t.completed + $2 * g.d, cancelled = t.cancelled + $2 * g.x, revenue_minor = t.revenue_minor + $2 * g.rev
     FROM (SELECT abs(hashtext(doctor_id)) % 32 AS shard, sum(n) AS n, sum(p) AS p, sum(c) AS c, sum(d) AS d, sum(x) AS x, sum(rev) AS rev
             FROM c GROUP BY 1) AS g
     WHERE t.shard = g.shard`,
    params,
  );
  // Distinct patients per doctor: a pair going from 0 to some appointments adds one, back to 0 removes one.
  // Hand-written like the statement above, and like the triggers of 0500_summaries.sql they stand in
  // for: one statement chains an upsert's RETURNING into an UPDATE through data-modifying CTEs, which
  // Drizzle's builder cannot express (summaries/tables.ts has the table's definition).
  await s.query(
    `WITH d AS (SELECT doctor_id, patient_id, $2 * count(*) AS n FROM ${rows} AS r GROUP BY 1, 2),
     up AS (
       INSERT INTO doctor_patients AS dp (doctor_id, patient_id, appointments) SELECT doctor_id, patient_id, n FROM d
       ON CONFLICT (doctor_id, patient_id) DO UPDATE SET appointments = dp.appointments + EXCLUDED.appointments
       RETURNING dp.doctor_id, dp.patient_id, dp.appointments AS after
     ),
     ch AS (
       SELECT up.doctor_id,
         sum(CASE WHEN up.after > 0 AND up.after - d.n = 0 THEN 1 WHEN up.after = 0 AND up.after - d.n > 0 THEN -1 ELSE 0 END) AS delta
       FROM up JOIN d USING (doctor_id, patient_id) GROUP BY up.doctor_id
     )
     UPDATE doctor_stats s SET patients = s.patients + ch.delta FROM ch WHERE s.doctor_id = ch.doctor_id AND ch.delta <> 0`,
    params,
  );
  await s.query(
    `SELECT appointment_positions_apply(array_agg(doctor_id), array_agg(status), array_agg(created_at), array_agg(starts_at), array_agg($2::int))
       FROM ${rows} AS r`,
    params,
  );
  if (sign < 0) {
    await s.query(
      `DELETE FROM doctor_patients dp USING (SELECT DISTINCT doctor_id, patient_id FROM ${rows} AS r) AS d
        WHERE dp.doctor_id = d.doctor_id AND dp.patient_id = d.patient_id AND dp.appointments = 0`,
      [params[0]],
    );
  }
}
