import { asc, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { rowCount } from '../summaries/read-model.js';
import { doctors, type DoctorRow } from '../../db/schema.js';

export type NewDoctor = Omit<DoctorRow, 'createdAt' | 'updatedAt'>;
export type DoctorPatch = Partial<Pick<DoctorRow, 'name' | 'feesMinor' | 'address' | 'about' | 'available' | 'image' | 'passwordHash' | 'speciality' | 'degree' | 'experience' | 'slotMinutes' | 'slotIntervalMinutes' | 'bufferMinutes' | 'timeZone' | 'offersInPerson' | 'offersVideo'>>;

export class DoctorRepo {
  constructor(private readonly db: Db) {}

  async findById(id: string, db: Db = this.db): Promise<DoctorRow | undefined> {
    return (await db.select().from(doctors).where(eq(doctors.id, id)).limit(1))[0];
  }

  async passwordTemporary(id: string): Promise<boolean> {
    const [row] = await this.db.select({ t: doctors.passwordTemporary }).from(doctors).where(eq(doctors.id, id)).limit(1);
    return row?.t ?? false;
  }

  async findByEmail(email: string): Promise<DoctorRow | undefined> {
    return (await this.db.select().from(doctors).where(eq(doctors.email, email)).limit(1))[0];
  }

  /** Inserts the doctor, inside the caller's transaction (the `created` event is recorded in it too). */
  async insert(row: NewDoctor, db: Db = this.db): Promise<DoctorRow> {
    const [created] = await db.insert(doctors).values(row).returning();
    return created;
  }

  transaction<T>(work: (tx: Db) => Promise<T>): Promise<T> {
    return this.db.transaction(work);
  }

  async update(id: string, patch: DoctorPatch, db: Db = this.db): Promise<DoctorRow | undefined> {
    return (await db.update(doctors).set({ ...patch, updatedAt: sql`now()` }).where(eq(doctors.id, id)).returning())[0];
  }

  /**
   * Applies a change that sets a new picture and returns the picture it replaced, read from the
   * row locked by this transaction: concurrent replacements queue, and each hands back exactly the
   * picture it displaced. Undefined when the doctor does not exist.
   */
  async updateReplacingImage(id: string, patch: DoctorPatch): Promise<{ row: DoctorRow; previousImage: string | null } | undefined> {
    return this.db.transaction(async (tx) => {
      const [previous] = await tx.select({ image: doctors.image }).from(doctors).where(eq(doctors.id, id)).for('update');
      if (!previous) return undefined;
      const [row] = await tx.update(doctors).set({ ...patch, updatedAt: sql`now()` }).where(eq(doctors.id, id)).returning();
      return { row, previousImage: previous.image };
    });
  }

  /** Flips `available` atomically (no read-modify-write race between two admins). */
  async toggleAvailability(id: string): Promise<DoctorRow | undefined> {
    return (
      await this.db.update(doctors).set({ available: sql`NOT ${doctors.available}`, updatedAt: sql`now()` }).where(eq(doctors.id, id)).returning()
    )[0];
  }

  async list(ids?: string[]): Promise<DoctorRow[]> {
    const q = this.db.select().from(doctors);
    return (ids ? q.where(inArray(doctors.id, ids)) : q).orderBy(asc(doctors.createdAt), asc(doctors.id));
  }

  async count(): Promise<number> {
    return rowCount(this.db, 'doctors'); // trigger-kept: no count(*) scan on every dashboard
  }
}
