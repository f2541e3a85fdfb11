import { eq } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { appointmentSeries, type SeriesRow } from '../../db/schema.js';

export type NewSeries = typeof appointmentSeries.$inferInsert;

export class SeriesRepo {
  constructor(private readonly db: Db) {}

  async insert(row: NewSeries, db: Db = this.db): Promise<SeriesRow> {
    return (await db.insert(appointmentSeries).values(row).returning())[0];
  }

  async findById(id: string, db: Db = this.db): Promise<SeriesRow | undefined> {
    return (await db.select().from(appointmentSeries).where(eq(appointmentSeries.id, id)).limit(1))[0];
  }
}
