// Deep OFFSET pages of the appointment lists without skipping the offset's rows one by one. The
// summaries module keeps the number of appointments per time bucket of each list ordering
// (migrations/2030_appointment_positions.sql: platform per UTC day and hour, a doctor per UTC day).
// Page N at OFFSET k finds, by a running sum over those buckets, the bucket holding the k-th row and
// how many matching rows come before it, then reads the table from that bucket on with the small
// OFFSET left. One statement, so the counts and the rows come from the same snapshot and the page
// equals the plain OFFSET page exactly, ties on the timestamp included (the id order inside a bucket
// is the table's own).
import { sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { appointments, type AppointmentRow, type AppointmentStatus } from '../../db/schema.js';
import type { AppointmentFilter, AppointmentSort } from './filter.js';

interface Level {
  table: SQL;
  key: SQL;
  /** a bucket covers [key, key + width) */
  width: SQL;
  /** rows of this level that belong to the listing's scope */
  scope: SQL;
}

const COUNT_COLUMN: Record<AppointmentStatus | 'all', SQL> = {
  all: sql.raw('appointments'),
  pending: sql.raw('pending'),
  confirmed: sql.raw('confirmed'),
  completed: sql.raw('completed'),
  cancelled: sql.raw('cancelled'),
};

/**
 * Whether the buckets count this filter's rows: every filter of the lists but a patient or a slot
 * date range (a patient has few rows; a date range is bounded by its index).
 */
export function positionCovers(filter: AppointmentFilter): boolean {
  return !filter.userId && !filter.from && !filter.to;
}

function levels(filter: AppointmentFilter, basis: SQL): Level[] {
  const day = sql.raw(`interval '24 hours'`);
  if (filter.docId) {
    return [{ table: sql.raw('doctor_position_days'), key: sql.raw('day'), width: day, scope: sql`doctor_id = ${filter.docId} AND basis = ${basis}` }];
  }
  return [
    { table: sql.raw('appointment_position_days'), key: sql.raw('day'), width: day, scope: sql`basis = ${basis}` },
    { table: sql.raw('appointment_position_hours'), key: sql.raw('hour'), width: sql.raw(`interval '1 hour'`), scope: sql`basis = ${basis}` },
  ];
}

/**
 * The page at `offset` of the rows matching `where` (which must be `filter`'s conditions) in
 * `order` (the order of `sort`, id breaking ties). Callers check positionCovers(filter) first.
 */
export async function pageAtPosition(
  db: Db, filter: AppointmentFilter, where: SQL | undefined, sort: AppointmentSort, order: SQL[], limit: number, offset: number,
): Promise<AppointmentRow[]> {
  const descending = sort.startsWith('-');
  const dir = sql.raw(descending ? 'DESC' : 'ASC');
  const basis = sql.raw(sort.endsWith('startsAt') ? `'s'` : `'c'`);
  const column = sort.endsWith('startsAt') ? sql.raw('starts_at') : sql.raw('created_at');
  const n = COUNT_COLUMN[filter.status ?? 'all'];
  const k = sql`${offset}::bigint`;
  const steps = levels(filter, basis);

  // Level i narrows the bucket found by level i-1 (the first level reads its whole scope); "skipped"
  // is the number of matching rows ordered before the bucket. Each level streams its buckets in list
  // order and stops at the first whose running sum passes the offset.
  const ctes = steps.map((l, i) => {
    const prev = i > 0 ? steps[i - 1] : undefined;
    const within = prev
      ? sql` AND ${l.key} >= p.bucket AND ${l.key} < p.bucket + ${prev.width}`
      : sql``;
    const from = prev ? sql`${sql.raw(`l${i - 1}`)} AS p CROSS JOIN LATERAL` : sql``;
    const before = prev ? sql`p.skipped + ` : sql``;
    return sql`${sql.raw(`l${i}`)} AS (
      SELECT s.bucket, ${before}s.cum - s.n AS skipped FROM ${from} (
        SELECT ${l.key} AS bucket, sum(${n}) AS n, sum(sum(${n})) OVER (ORDER BY ${l.key} ${dir} ROWS UNBOUNDED PRECEDING) AS cum
        FROM ${l.table} WHERE ${l.scope}${within} GROUP BY ${l.key} ORDER BY ${l.key} ${dir}
      ) AS s
      WHERE ${before}s.cum > ${k} ORDER BY s.bucket ${dir} LIMIT 1)`;
  });
  const last = sql.raw(`l${steps.length - 1}`);
  const width = steps[steps.length - 1].width;
  const from = descending
    ? sql`${column} < (SELECT bucket + ${width} FROM ${last})`
    : sql`${column} >= (SELECT bucket FROM ${last})`;
  const ids = sql`WITH ${sql.join(ctes, sql`, `)}
    SELECT id FROM appointments WHERE ${where ? sql`${where} AND ` : sql``}${from}
    ORDER BY ${sql.join(order, sql`, `)} LIMIT ${limit} OFFSET (SELECT (${k} - skipped)::bigint FROM ${last})`;
  return db.select().from(appointments).where(sql`${appointments.id} IN (${ids})`).orderBy(...order);
}
