// SQL of the messages module.
import { and, count, desc, eq, gte, isNull, lt, ne, or, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { appointmentIdsOf } from '../appointments/read-model.js';
import { appointmentMessages, messageThreadReports, type MessageRow, type Party } from './tables.js';

export interface Cursor {
  createdAt: Date;
  id: string;
}

export class MessageRepo {
  constructor(private readonly db: Db) {}

  transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
    return this.db.transaction(fn);
  }

  /**
   * Serialises one sender's sends (a transaction-scoped advisory lock), so the rate limit counted
   * next cannot be passed by concurrent requests.
   */
  async lockSender(tx: Db, role: Party, id: string): Promise<void> {
    await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtext(${`messages:${role}:${id}`}))`);
  }

  async sentSince(tx: Db, role: Party, id: string, since: Date): Promise<number> {
    const [r] = await tx
      .select({ n: count() })
      .from(appointmentMessages)
      .where(and(eq(appointmentMessages.senderRole, role), eq(appointmentMessages.senderId, id), gte(appointmentMessages.createdAt, since)));
    return Number(r?.n ?? 0);
  }

  async insert(tx: Db, row: Omit<MessageRow, 'readAt'>): Promise<MessageRow> {
    const [created] = await tx.insert(appointmentMessages).values({ ...row, readAt: null }).returning();
    return created;
  }

  async findById(id: string): Promise<MessageRow | undefined> {
    return (await this.db.select().from(appointmentMessages).where(eq(appointmentMessages.id, id)).limit(1))[0];
  }

  /** A thread, newest first, keyset-paginated. */
  async thread(appointmentId: string, limit: number, before?: Cursor): Promise<MessageRow[]> {
    const conds: SQL[] = [eq(appointmentMessages.appointmentId, appointmentId)];
    if (before) {
      conds.push(or(lt(appointmentMessages.createdAt, before.createdAt), and(eq(appointmentMessages.createdAt, before.createdAt), lt(appointmentMessages.id, before.id)))!);
    }
    return this.db.select().from(appointmentMessages).where(and(...conds)).orderBy(desc(appointmentMessages.createdAt), desc(appointmentMessages.id)).limit(limit);
  }

  /** Marks read what the other party sent in the thread; how many were unread. */
  async markRead(appointmentId: string, reader: Party, at: Date): Promise<number> {
    const rows = await this.db
      .update(appointmentMessages)
      .set({ readAt: at })
      .where(and(eq(appointmentMessages.appointmentId, appointmentId), ne(appointmentMessages.senderRole, reader), isNull(appointmentMessages.readAt)))
      .returning({ id: appointmentMessages.id });
    return rows.length;
  }

  /** Unread messages for `reader` (sent by the other party), per appointment of theirs. */
  async unreadFor(reader: Party, readerId: string): Promise<{ appointmentId: string; unread: number }[]> {
    const mine = appointmentIdsOf(this.db, reader, readerId);
    const rows = await this.db
      .select({ appointmentId: appointmentMessages.appointmentId, unread: count() })
      .from(appointmentMessages)
      .innerJoin(mine, eq(mine.id, appointmentMessages.appointmentId))
      .where(and(ne(appointmentMessages.senderRole, reader), isNull(appointmentMessages.readAt)))
      .groupBy(appointmentMessages.appointmentId);
    return rows.map((r) => ({ appointmentId: r.appointmentId, unread: Number(r.unread) }));
  }

  async isRead(id: string): Promise<boolean | undefined> {
    const [r] = await this.db.select({ readAt: appointmentMessages.readAt }).from(appointmentMessages).where(eq(appointmentMessages.id, id)).limit(1);
    return r ? r.readAt !== null : undefined;
  }

  async report(appointmentId: string, role: Party, reason: string, at: Date): Promise<void> {
    await this.db.insert(messageThreadReports).values({ appointmentId, reporterRole: role, reason, createdAt: at }).onConflictDoNothing();
  }

  async isReported(appointmentId: string): Promise<boolean> {
    const [r] = await this.db.select({ a: messageThreadReports.appointmentId }).from(messageThreadReports).where(eq(messageThreadReports.appointmentId, appointmentId)).limit(1);
    return r !== undefined;
  }

  /** Per-thread counts for the admin (no bodies), reported threads first, then the busiest. */
  async threadCounts(limit: number, offset: number): Promise<{ appointmentId: string; messages: number; unread: number; lastAt: Date; reported: boolean; reasons: string[] }[]> {
    const reports = this.db
      .select({
        appointmentId: messageThreadReports.appointmentId,
        reasons: sql<string[]>`array_agg(${messageThreadReports.reason} ORDER BY ${messageThreadReports.createdAt})`.as('reasons'),
      })
      .from(messageThreadReports)
      .groupBy(messageThreadReports.appointmentId)
      .as('reports');
    const rows = await this.db
      .select({
        appointmentId: appointmentMessages.appointmentId,
        messages: sql<number>`count(*)::int`,
        unread: sql<number>`(count(*) FILTER (WHERE ${appointmentMessages.readAt} IS NULL))::int`,
        lastAt: sql<string>`max(${appointmentMessages.createdAt})`,
        reasons: sql<string[] | null>`max(${reports.reasons})`,
      })
      .from(appointmentMessages)
      .leftJoin(reports, eq(reports.appointmentId, appointmentMessages.appointmentId))
      .groupBy(appointmentMessages.appointmentId)
      .orderBy(sql`bool_or(${reports.appointmentId} IS NOT NULL) DESC`, sql`max(${appointmentMessages.createdAt}) DESC`)
      .limit(limit)
      .offset(offset);
    return rows.map((r) => ({ appointmentId: r.appointmentId, messages: r.messages, unread: r.unread, lastAt: new Date(r.lastAt), reported: r.reasons !== null, reasons: r.reasons ?? [] }));
  }
}
