// What other modules read of doctors' working hours and time off without going through the
// scheduling service: the slots doctors publish over a range of days, for the utilization report.
// Reads only; the scheduling repo writes the tables.
import { sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { doctorSlotSettings } from '../doctors/read-model.js';

/**
 * The number of slots each doctor publishes over the local days [from, to] (YYYY-MM-DD) of their
 * own zone: working hours cut into slots of the doctor's length and step, less those touching time
 * off. A SELECT of (doctor_id, n), one row per doctor publishing any, for the caller to use as a CTE
 * of its own statement. Set-returning functions and lateral joins are beyond what Drizzle's query
 * builder expresses, hence SQL text.
 */
export function publishedSlotCounts(db: Db, from: string, to: string): SQL {
  const doc = doctorSlotSettings(db);
  return sql`WITH days AS (SELECT d::date AS day FROM generate_series(${from}::date, ${to}::date, interval '1 day') d),
    slots AS (
      SELECT ${doc.id} AS doctor_id, s.starts_at, ${doc.slotMinutes} AS slot_minutes
      FROM ${doc}
      JOIN doctor_hours h ON h.doctor_id = ${doc.id}
      JOIN days ON extract(dow FROM days.day)::int = h.weekday
      CROSS JOIN LATERAL generate_series(h.start_minute::int, h.end_minute::int - ${doc.slotMinutes}, ${doc.slotIntervalMinutes}) AS m(minute)
      CROSS JOIN LATERAL (SELECT (days.day + make_interval(mins => m.minute)) AT TIME ZONE ${doc.timeZone} AS starts_at) s)
    SELECT doctor_id, count(*)::int AS n FROM slots s
    WHERE NOT EXISTS (SELECT 1 FROM doctor_time_off o WHERE o.doctor_id = s.doctor_id
                      AND o.starts_at < s.starts_at + make_interval(mins => s.slot_minutes) AND o.ends_at > s.starts_at)
    GROUP BY doctor_id`;
}
