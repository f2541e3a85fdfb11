import { and, asc, eq, ilike, isNull, or, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { rowCount } from '../summaries/read-model.js';
import { patients, type PatientRow } from '../../db/schema.js';

export type PatientPatch = Partial<Pick<PatientRow, 'name' | 'phone' | 'address' | 'gender' | 'dob' | 'image' | 'passwordHash'>>;

export class PatientRepo {
  constructor(private readonly db: Db) {}

  async findById(id: string, db: Db = this.db): Promise<PatientRow | undefined> {
    // an erased account (data-rights) is absent to every lookup
    return (await db.select().from(patients).where(and(eq(patients.id, id), isNull(patients.deletedAt))).limit(1))[0];
  }

  async findByEmail(email: string): Promise<PatientRow | undefined> {
    // citext column: the comparison is case-insensitive in the database.
    return (await this.db.select().from(patients).where(and(eq(patients.email, email), isNull(patients.deletedAt))).limit(1))[0];
  }

  async insert(row: Pick<PatientRow, 'id' | 'name' | 'email' | 'passwordHash'>): Promise<void> {
    await this.db.insert(patients).values({
      ...row,
      phone: '000000000',
      address: { line1: '', line2: '' },
      gender: 'Not Selected',
      dob: 'Not Selected',
    });
  }

  async update(id: string, patch: PatientPatch, db: Db = this.db): Promise<PatientRow | undefined> {
    return (await db.update(patients).set({ ...patch, updatedAt: sql`now()` }).where(and(eq(patients.id, id), isNull(patients.deletedAt))).returning())[0];
  }

  /**
   * Applies a change that sets a new picture and returns the picture it replaced, read from the
   * row locked by this transaction: concurrent replacements queue, and each hands back exactly the
   * picture it displaced. Undefined when the patient does not exist.
   */
  async updateReplacingImage(id: string, patch: PatientPatch): Promise<{ row: PatientRow; previousImage: string | null } | undefined> {
    return this.db.transaction(async (tx) => {
      const [previous] = await tx.select({ image: patients.image }).from(patients).where(and(eq(patients.id, id), isNull(patients.deletedAt))).for('update');
      if (!previous) return undefined;
      const [row] = await tx.update(patients).set({ ...patch, updatedAt: sql`now()` }).where(eq(patients.id, id)).returning();
      return { row, previousImage: previous.image };
    });
  }

  /** Accounts (not deleted) whose email or name contains `text`, for the admin's patient lookup. */
  async search(text: string, limit: number): Promise<PatientRow[]> {
    const pattern = `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    return this.db
      .select()
      .from(patients)
      .where(and(isNull(patients.deletedAt), or(ilike(sql`${patients.email}::text`, pattern), ilike(patients.name, pattern))))
      .orderBy(asc(patients.name), asc(patients.id))
      .limit(limit);
  }

  /** A page of accounts (not deleted) in id order: the FHIR Patient search of the admin. */
  async list(offset: number, limit: number): Promise<PatientRow[]> {
    return this.db.select().from(patients).where(isNull(patients.deletedAt)).orderBy(asc(patients.id)).limit(limit).offset(offset);
  }

  async count(): Promise<number> {
    return rowCount(this.db, 'patients'); // trigger-kept: no count(*) scan on every dashboard
  }
}
