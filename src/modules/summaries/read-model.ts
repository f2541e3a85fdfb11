// Reads of the trigger-maintained summaries: constant-time dashboards whatever the size of the
// appointment history (a primary-key lookup, or a sum over 32 shard rows).
import { eq, sql, type AnyColumn } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { appointmentTotals, doctorStats, rowCounts } from './tables.js';

export interface DoctorSummary {
  earnings: number;
  appointments: number;
  patients: number;
}

export interface PlatformSummary {
  appointments: number;
  pending: number;
  confirmed: number;
  completed: number;
  cancelled: number;
  revenue: number;
}

/** Earnings (minor units), appointment and distinct-patient counts of one doctor. */
export async function doctorSummary(db: Db, doctorId: string): Promise<DoctorSummary> {
  const [r] = await db
    .select({ earnings: doctorStats.earningsMinor, appointments: doctorStats.appointments, patients: doctorStats.patients })
    .from(doctorStats)
    .where(eq(doctorStats.doctorId, doctorId));
  return r ?? { earnings: 0, appointments: 0, patients: 0 };
}

/** Platform-wide appointment counts by status and revenue kept (minor units). */
export async function platformSummary(db: Db): Promise<PlatformSummary> {
  const sum = (c: AnyColumn) => sql<number>`coalesce(sum(${c}), 0)::bigint`.mapWith(Number);
  const [r] = await db
    .select({
      appointments: sum(appointmentTotals.appointments),
      pending: sum(appointmentTotals.pending),
      confirmed: sum(appointmentTotals.confirmed),
      completed: sum(appointmentTotals.completed),
      cancelled: sum(appointmentTotals.cancelled),
      revenue: sum(appointmentTotals.revenueMinor),
    })
    .from(appointmentTotals);
  return r;
}

/** Exact row count of `patients` or `doctors`, kept by triggers (no count(*) over the table). */
export async function rowCount(db: Db, table: 'patients' | 'doctors'): Promise<number> {
  const [r] = await db.select({ n: rowCounts.n }).from(rowCounts).where(eq(rowCounts.name, table));
  return r?.n ?? 0;
}

export interface CountableFilter {
  docId?: string;
  status?: 'pending' | 'confirmed' | 'completed' | 'cancelled';
  userId?: string;
  from?: string;
  to?: string;
}

/**
 * The number of appointments matching `filter` from the summaries when they hold it (no filter,
 * a doctor, a status, or both), so paginated listings do not count(*) a million rows per page;
 * undefined when the filter needs the table (patient or date range: those are index-bounded).
 */
export async function summaryCount(db: Db, filter: CountableFilter): Promise<number | undefined> {
  if (filter.userId || filter.from || filter.to) return undefined;
  if (filter.docId) {
    const col = filter.status ? doctorStats[filter.status] : doctorStats.appointments;
    const [r] = await db.select({ n: col }).from(doctorStats).where(eq(doctorStats.doctorId, filter.docId));
    return r?.n ?? 0;
  }
  const s = await platformSummary(db);
  return filter.status ? s[filter.status] : s.appointments;
}
