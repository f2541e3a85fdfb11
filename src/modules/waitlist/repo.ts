// SQL of the waitlist: entries, offers (whose open rows hold their time in schedule_blocks through a
// trigger, migration 1710) and the freed-time outbox.
import { and, asc, desc, eq, gte, inArray, lte, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { waitlistEntries, waitlistFreed, waitlistOffers, type EntryRow, type OfferRow } from './tables.js';

export type NewEntry = typeof waitlistEntries.$inferInsert;
export type NewOffer = typeof waitlistOffers.$inferInsert;

// Advisory locks with two int4 keys: space 1 is the booking's per-patient lock (appointments/repo.ts)
const WAITLIST_PATIENT_LOCK_SPACE = 2;

export interface DayCount {
  date: string;
  waiting: number;
}

export class WaitlistRepo {
  constructor(private readonly db: Db) {}

  /** Queues a patient's joins for the rest of `tx`, so the live-entry count cannot race. */
  async lockPatient(patientId: string, tx: Db): Promise<void> {
    await tx.execute(sql`SELECT pg_advisory_xact_lock(${WAITLIST_PATIENT_LOCK_SPACE}, hashtext(${patientId}))`);
  }

  /** Waiting entries of a patient whose window has not passed (`today` or later). */
  async countLive(patientId: string, today: string, db: Db = this.db): Promise<number> {
    const [r] = await db
      .select({ n: sql<number>`count(*)::int` })
      .from(waitlistEntries)
      .where(and(eq(waitlistEntries.patientId, patientId), eq(waitlistEntries.status, 'waiting'), gte(waitlistEntries.toDate, today)));
    return Number(r.n);
  }

  async insertEntry(row: NewEntry, db: Db = this.db): Promise<EntryRow> {
    return (await db.insert(waitlistEntries).values(row).returning())[0];
  }

  async findEntry(id: string, db: Db = this.db): Promise<EntryRow | undefined> {
    return (await db.select().from(waitlistEntries).where(eq(waitlistEntries.id, id)).limit(1))[0];
  }

  /** A patient's entries, newest first, with the offers made on them (newest first). */
  async listForPatient(patientId: string): Promise<{ entries: EntryRow[]; offers: OfferRow[] }> {
    const entries = await this.db
      .select()
      .from(waitlistEntries)
      .where(eq(waitlistEntries.patientId, patientId))
      .orderBy(desc(waitlistEntries.joinedAt), desc(waitlistEntries.id))
      .limit(100);
    if (!entries.length) return { entries, offers: [] };
    const offers = await this.db
      .select()
      .from(waitlistOffers)
      .where(inArray(waitlistOffers.entryId, entries.map((e) => e.id)))
      .orderBy(desc(waitlistOffers.createdAt), desc(waitlistOffers.id));
    return { entries, offers };
  }

  /** The newest offer made on an entry. */
  async latestOffer(entryId: string, db: Db = this.db): Promise<OfferRow | undefined> {
    return (
      await db.select().from(waitlistOffers).where(eq(waitlistOffers.entryId, entryId)).orderBy(desc(waitlistOffers.createdAt), desc(waitlistOffers.id)).limit(1)
    )[0];
  }

  /** Closes a waiting entry; undefined when it was not waiting (of two concurrent leaves, one wins). */
  async closeEntry(id: string, status: 'left' | 'booked', now: Date, appointmentId: string | null, db: Db): Promise<EntryRow | undefined> {
    return (
      await db
        .update(waitlistEntries)
        .set({ status, closedAt: now, appointmentId })
        .where(and(eq(waitlistEntries.id, id), eq(waitlistEntries.status, 'waiting')))
        .returning()
    )[0];
  }

  /** Decides the entry's open offer; undefined when there was none (still open and, with `unexpiredAt`, not lapsed). */
  async decideOpenOffer(entryId: string, status: 'accepted' | 'declined' | 'withdrawn', now: Date, db: Db, unexpiredAt?: Date): Promise<OfferRow | undefined> {
    const conds = [eq(waitlistOffers.entryId, entryId), eq(waitlistOffers.status, 'open')];
    if (unexpiredAt) conds.push(sql`${waitlistOffers.expiresAt} > ${unexpiredAt.toISOString()}::timestamptz`);
    return (await db.update(waitlistOffers).set({ status, decidedAt: now }).where(and(...conds)).returning())[0];
  }

  async setOfferAppointment(offerId: string, appointmentId: string, db: Db): Promise<void> {
    await db.update(waitlistOffers).set({ appointmentId }).where(eq(waitlistOffers.id, offerId));
  }

  /** Open offers whose time to answer ended, now lapsed (their time is released by the trigger). */
  async lapse(now: Date, db: Db): Promise<OfferRow[]> {
    return db
      .update(waitlistOffers)
      .set({ status: 'lapsed', decidedAt: now })
      .where(and(eq(waitlistOffers.status, 'open'), lte(waitlistOffers.expiresAt, now)))
      .returning();
  }

  /** Waiting entries whose window ended before `before` are closed as ended. */
  async endPast(before: string, now: Date, db: Db = this.db): Promise<number> {
    const rows = await db
      .update(waitlistEntries)
      .set({ status: 'ended', closedAt: now })
      .where(and(eq(waitlistEntries.status, 'waiting'), sql`${waitlistEntries.toDate} < ${before}::date`))
      .returning({ id: waitlistEntries.id });
    return rows.length;
  }

  /**
   * A doctor's waiting entries whose window reaches `today`, in fair order (joined first), with the
   * ids of those holding an open offer and the times each was offered before.
   */
  async waitingForDoctor(doctorId: string, today: string): Promise<{ entries: EntryRow[]; holding: Set<string>; offeredBefore: Map<string, Set<number>> }> {
    const entries = await this.db
      .select()
      .from(waitlistEntries)
      .where(and(eq(waitlistEntries.doctorId, doctorId), eq(waitlistEntries.status, 'waiting'), gte(waitlistEntries.toDate, today)))
      .orderBy(asc(waitlistEntries.joinedAt), asc(waitlistEntries.id))
      .limit(500);
    const holding = new Set<string>();
    const offeredBefore = new Map<string, Set<number>>();
    if (!entries.length) return { entries, holding, offeredBefore };
    const offers = await this.db
      .select({ entryId: waitlistOffers.entryId, startsAt: waitlistOffers.startsAt, status: waitlistOffers.status })
      .from(waitlistOffers)
      .where(inArray(waitlistOffers.entryId, entries.map((e) => e.id)));
    for (const o of offers) {
      if (o.status === 'open') holding.add(o.entryId);
      let s = offeredBefore.get(o.entryId);
      if (!s) offeredBefore.set(o.entryId, (s = new Set()));
      s.add(o.startsAt.getTime());
    }
    return { entries, holding, offeredBefore };
  }

  async insertOffer(row: NewOffer, db: Db): Promise<OfferRow> {
    return (await db.insert(waitlistOffers).values(row).returning())[0];
  }

  /** Notes, in the caller's transaction, that a doctor with waiting patients may have free time. */
  async addFreed(doctorId: string, db: Db): Promise<void> {
    await db.execute(sql`INSERT INTO waitlist_freed (doctor_id)
      SELECT ${doctorId} WHERE EXISTS (SELECT 1 FROM waitlist_entries WHERE doctor_id = ${doctorId} AND status = 'waiting')`);
  }

  /** Doctors with freed time to match, each with the newest note seen (removed once matched). */
  async freedDoctors(limit: number): Promise<{ doctorId: string; upTo: number }[]> {
    const rows = await this.db
      .select({ doctorId: waitlistFreed.doctorId, upTo: sql<number>`max(${waitlistFreed.id})` })
      .from(waitlistFreed)
      .groupBy(waitlistFreed.doctorId)
      .limit(limit);
    return rows.map((r) => ({ doctorId: r.doctorId, upTo: Number(r.upTo) }));
  }

  /** The newest note of freed time for a doctor (0: none); matching removes the notes up to it. */
  async freedUpTo(doctorId: string): Promise<number> {
    const [r] = await this.db.select({ upTo: sql<number | null>`max(${waitlistFreed.id})` }).from(waitlistFreed).where(eq(waitlistFreed.doctorId, doctorId));
    return Number(r?.upTo ?? 0);
  }

  async clearFreed(doctorId: string, upTo: number, db: Db): Promise<void> {
    await db.delete(waitlistFreed).where(and(eq(waitlistFreed.doctorId, doctorId), lte(waitlistFreed.id, upTo)));
  }

  async freedCount(doctorId: string): Promise<number> {
    const [r] = await this.db.select({ n: sql<number>`count(*)::int` }).from(waitlistFreed).where(eq(waitlistFreed.doctorId, doctorId));
    return Number(r.n);
  }

  /**
   * Waiting entries per day from `from` on (each entry counts on every day of its window), for one
   * doctor or all.
   */
  async countsByDay(from: string, doctorId?: string): Promise<DayCount[]> {
    const byDoctor = doctorId ? sql`AND e.doctor_id = ${doctorId}` : sql``;
    const res = await this.db.execute(sql`
      SELECT to_char(d::date, 'YYYY-MM-DD') AS date, count(*)::int AS waiting
      FROM waitlist_entries e,
           generate_series(greatest(e.from_date, ${from}::date), e.to_date, interval '1 day') AS d
      WHERE e.status = 'waiting' AND e.to_date >= ${from}::date ${byDoctor}
      GROUP BY d ORDER BY d LIMIT 400`);
    return rowsOf<{ date: string; waiting: number | string }>(res).map((r) => ({ date: r.date, waiting: Number(r.waiting) }));
  }
}

/** Rows of a raw `execute` (node-postgres answers { rows }, PGlite the same shape). */
const rowsOf = <T>(res: unknown): T[] => (res as { rows: T[] }).rows;
