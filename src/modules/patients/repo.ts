import { eq, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { rowCount } from '../summaries/repo.js';
import { patients, type PatientRow } from '../../db/schema.js';

export type PatientPatch = Partial<Pick<PatientRow, 'name' | 'phone' | 'address' | 'gender' | 'dob' | 'image' | 'passwordHash'>>;

export class PatientRepo {
  constructor(private readonly db: Db) {}

  async findById(id: string, db: Db = this.db): Promise<PatientRow | undefined> {
    return (await db.select().from(patients).where(eq(patients.id, id)).limit(1))[0];
  }

  async findByEmail(email: string): Promise<PatientRow | undefined> {
    // citext column: the comparison is case-insensitive in the database.
    return (await this.db.select().from(patients).where(eq(patients.email, email)).limit(1))[0];
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
    return (await db.update(patients).set({ ...patch, updatedAt: sql`now()` }).where(eq(patients.id, id)).returning())[0];
  }

  async count(): Promise<number> {
    return rowCount(this.db, 'patients'); // trigger-kept: no count(*) scan on every dashboard
  }
}
