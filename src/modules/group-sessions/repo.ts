import { and, asc, eq, gt, gte, lte, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { groupSessions, type GroupSessionRow } from '../../db/schema.js';

export type NewGroupSession = typeof groupSessions.$inferInsert;

export class GroupSessionRepo {
  constructor(private readonly db: Db) {}

  async insert(row: NewGroupSession, db: Db = this.db): Promise<GroupSessionRow> {
    return (await db.insert(groupSessions).values(row).returning())[0];
  }

  async findById(id: string, db: Db = this.db): Promise<GroupSessionRow | undefined> {
    return (await db.select().from(groupSessions).where(eq(groupSessions.id, id)).limit(1))[0];
  }

  /** Closes an open session; undefined when it was not open (of two concurrent cancels, one wins). */
  async cancel(id: string, reason: string | null, now: Date, db: Db = this.db): Promise<GroupSessionRow | undefined> {
    return (
      await db
        .update(groupSessions)
        .set({ status: 'cancelled', cancelReason: reason, cancelledAt: now })
        .where(and(eq(groupSessions.id, id), eq(groupSessions.status, 'open')))
        .returning()
    )[0];
  }

  /** A doctor's sessions ending after `after`, soonest first. */
  listForDoctor(doctorId: string, after: Date): Promise<GroupSessionRow[]> {
    return this.db
      .select()
      .from(groupSessions)
      .where(and(eq(groupSessions.doctorId, doctorId), gt(groupSessions.endsAt, after)))
      .orderBy(asc(groupSessions.startsAt))
      .limit(500);
  }

  /** Open sessions of a doctor not started by `now`, with local dates in [from, to] when given. */
  listOpen(doctorId: string, now: Date, from?: string, to?: string): Promise<GroupSessionRow[]> {
    const conds = [eq(groupSessions.doctorId, doctorId), eq(groupSessions.status, 'open'), gt(groupSessions.startsAt, now)];
    if (from) conds.push(gte(groupSessions.slotDate, from));
    if (to) conds.push(lte(groupSessions.slotDate, to));
    return this.db.select().from(groupSessions).where(and(...conds)).orderBy(asc(groupSessions.startsAt)).limit(500);
  }

  /** The session's interval as a tstzrange literal, exactly as stored (its places hold the same). */
  async blocks(id: string, db: Db = this.db): Promise<string | undefined> {
    const [r] = await db.select({ b: sql<string>`${groupSessions.blocks}::text` }).from(groupSessions).where(eq(groupSessions.id, id));
    return r?.b;
  }
}
