import { and, desc, eq, gte, inArray, ne, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { appointments, type AppointmentRow, type AppointmentStatus } from '../../db/schema.js';

export type NewAppointment = typeof appointments.$inferInsert;
export type AppointmentPatch = Partial<Omit<AppointmentRow, 'id' | 'patientId' | 'doctorId' | 'createdAt'>>;

export interface DoctorDashboardRow {
  earnings: number;
  appointments: number;
  patients: number;
}

export interface AdminDashboardRow {
  appointments: number;
  pending: number;
  confirmed: number;
  completed: number;
  cancelled: number;
  revenue: number;
}

/** Rows that count as live: they hold their slot. */
export const live = ne(appointments.status, 'cancelled');

export class AppointmentRepo {
  constructor(private readonly db: Db) {}

  async insert(row: NewAppointment, db: Db = this.db): Promise<AppointmentRow> {
    return (await db.insert(appointments).values(row).returning())[0];
  }

  async findById(id: string, db: Db = this.db): Promise<AppointmentRow | undefined> {
    return (await db.select().from(appointments).where(eq(appointments.id, id)).limit(1))[0];
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

  async update(id: string, patch: AppointmentPatch, db: Db = this.db): Promise<AppointmentRow | undefined> {
    return (await db.update(appointments).set({ ...patch, updatedAt: sql`now()` }).where(eq(appointments.id, id)).returning())[0];
  }

  async list(where: SQL | undefined, limit: number): Promise<AppointmentRow[]> {
    return this.db.select().from(appointments).where(where).orderBy(desc(appointments.createdAt), desc(appointments.id)).limit(limit);
  }

  listForPatient(patientId: string, limit = 1000) {
    return this.list(eq(appointments.patientId, patientId), limit);
  }

  listForDoctor(doctorId: string, limit = 1000) {
    return this.list(eq(appointments.doctorId, doctorId), limit);
  }

  /** Live slots from `from` on, for `slots_booked`. */
  async bookedSlots(from: Date, doctorIds?: string[]): Promise<{ doctorId: string; slotDate: string; slotTime: string }[]> {
    const conds = [live, gte(appointments.startsAt, from)];
    if (doctorIds) conds.push(inArray(appointments.doctorId, doctorIds));
    return this.db
      .select({ doctorId: appointments.doctorId, slotDate: appointments.slotDate, slotTime: appointments.slotTime })
      .from(appointments)
      .where(and(...conds))
      .orderBy(appointments.startsAt);
  }

  async doctorDashboard(doctorId: string): Promise<DoctorDashboardRow> {
    const [r] = await this.db
      .select({
        earnings: sql<number>`coalesce(sum(${appointments.amountMinor}) filter (where ${appointments.status} in ('confirmed','completed')), 0)::bigint`.mapWith(Number),
        appointments: sql<number>`count(*)::int`,
        patients: sql<number>`count(distinct ${appointments.patientId})::int`,
      })
      .from(appointments)
      .where(eq(appointments.doctorId, doctorId));
    return r;
  }

  async adminDashboard(): Promise<AdminDashboardRow> {
    const [r] = await this.db
      .select({
        appointments: sql<number>`count(*)::int`,
        pending: sql<number>`count(*) filter (where ${appointments.status} = 'pending')::int`,
        confirmed: sql<number>`count(*) filter (where ${appointments.status} = 'confirmed')::int`,
        completed: sql<number>`count(*) filter (where ${appointments.status} = 'completed')::int`,
        cancelled: sql<number>`count(*) filter (where ${appointments.status} = 'cancelled')::int`,
        // money actually kept: paid amounts minus what was refunded
        revenue: sql<number>`coalesce(sum(${appointments.amountMinor}) filter (where ${appointments.paid}), 0)::bigint - coalesce(sum(${appointments.refundMinor}) filter (where ${appointments.paid} and ${appointments.refundStatus} = 'processed'), 0)::bigint`.mapWith(Number),
      })
      .from(appointments);
    return r;
  }
}
