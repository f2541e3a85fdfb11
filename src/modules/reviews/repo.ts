// SQL of the reviews module: reviews, their reports, and the trigger-kept rating aggregate.
import { and, desc, eq, gt, inArray, isNull, isNotNull, lt, or, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { doctorRatings, reviewReports, reviews, type ReporterRole, type ReviewRow } from './tables.js';

export type NewReview = Omit<ReviewRow, 'reply' | 'repliedAt' | 'hiddenAt' | 'hiddenReason'>;

export interface RatingSummary {
  /** mean of the visible ratings, 2 decimals; null without any */
  average: number | null;
  count: number;
}

export interface Cursor {
  createdAt: Date;
  id: string;
}

export interface ReportedReview {
  review: ReviewRow;
  reports: number;
  lastReportedAt: Date;
  reasons: string[];
}

export class ReviewRepo {
  constructor(private readonly db: Db) {}

  /** Inserts the review; undefined when the appointment already has one (the unique constraint decides). */
  async insert(row: NewReview): Promise<ReviewRow | undefined> {
    const [created] = await this.db.insert(reviews).values(row).onConflictDoNothing({ target: reviews.appointmentId }).returning();
    return created;
  }

  async findById(id: string): Promise<ReviewRow | undefined> {
    return (await this.db.select().from(reviews).where(eq(reviews.id, id)).limit(1))[0];
  }

  async findByAppointment(appointmentId: string): Promise<ReviewRow | undefined> {
    return (await this.db.select().from(reviews).where(eq(reviews.appointmentId, appointmentId)).limit(1))[0];
  }

  /**
   * Changes rating and comment while the review was written after `editableFrom`: the window is
   * checked by the UPDATE itself, so an edit racing the deadline cannot slip through.
   */
  async edit(id: string, patientId: string, patch: { rating: number; comment: string | null }, now: Date, editableFrom: Date): Promise<ReviewRow | undefined> {
    const [row] = await this.db
      .update(reviews)
      .set({ ...patch, updatedAt: now })
      .where(and(eq(reviews.id, id), eq(reviews.patientId, patientId), gt(reviews.createdAt, editableFrom)))
      .returning();
    return row;
  }

  /** Sets the doctor's reply unless there is one already (one reply: the first one wins). */
  async reply(id: string, doctorId: string, reply: string, now: Date): Promise<ReviewRow | undefined> {
    const [row] = await this.db
      .update(reviews)
      .set({ reply, repliedAt: now })
      .where(and(eq(reviews.id, id), eq(reviews.doctorId, doctorId), isNull(reviews.reply)))
      .returning();
    return row;
  }

  async setHidden(id: string, hidden: { at: Date; reason: string } | null): Promise<ReviewRow | undefined> {
    const [row] = await this.db
      .update(reviews)
      .set(hidden ? { hiddenAt: hidden.at, hiddenReason: hidden.reason } : { hiddenAt: null, hiddenReason: null })
      .where(eq(reviews.id, id))
      .returning();
    return row;
  }

  /** Records a report; false when this reporter had already reported the review. */
  async report(r: { reviewId: string; reporterRole: ReporterRole; reporterId: string; reason: string; createdAt: Date }): Promise<boolean> {
    const rows = await this.db.insert(reviewReports).values(r).onConflictDoNothing().returning({ id: reviewReports.reviewId });
    return rows.length > 0;
  }

  /** Ratings of the given doctors (all of them without `ids`), from the aggregate rows. */
  async ratings(ids?: string[]): Promise<Map<string, RatingSummary>> {
    const q = this.db
      .select({
        doctorId: doctorRatings.doctorId,
        count: doctorRatings.reviews,
        average: sql<string | null>`round(${doctorRatings.ratingSum}::numeric / nullif(${doctorRatings.reviews}, 0), 2)`,
      })
      .from(doctorRatings);
    const rows = await (ids ? q.where(inArray(doctorRatings.doctorId, ids)) : q);
    return new Map(rows.map((r) => [r.doctorId, { count: r.count, average: r.average === null ? null : Number(r.average) }]));
  }

  /** A doctor's reviews, newest first, keyset-paginated; only the visible ones unless `withHidden`. */
  async forDoctor(doctorId: string, opts: { limit: number; before?: Cursor; withHidden?: boolean }): Promise<ReviewRow[]> {
    const conds: (SQL | undefined)[] = [eq(reviews.doctorId, doctorId)];
    if (!opts.withHidden) conds.push(isNull(reviews.hiddenAt));
    if (opts.before) conds.push(beforeCursor(opts.before));
    return this.db.select().from(reviews).where(and(...conds)).orderBy(desc(reviews.createdAt), desc(reviews.id)).limit(opts.limit);
  }

  async forPatient(patientId: string): Promise<ReviewRow[]> {
    return this.db.select().from(reviews).where(eq(reviews.patientId, patientId)).orderBy(desc(reviews.createdAt), desc(reviews.id));
  }

  /** Reviews for moderation, newest report first: the reported ones, or (`hidden`) the hidden ones. */
  async forModeration(filter: 'reported' | 'hidden', limit: number, offset: number): Promise<{ items: ReportedReview[]; total: number }> {
    const agg = this.db
      .select({
        reviewId: reviewReports.reviewId,
        reports: sql<number>`count(*)::int`.as('reports'),
        last: sql<Date>`max(${reviewReports.createdAt})`.as('last'),
        reasons: sql<string[]>`(array_agg(${reviewReports.reason} ORDER BY ${reviewReports.createdAt} DESC))[1:5]`.as('reasons'),
      })
      .from(reviewReports)
      .groupBy(reviewReports.reviewId)
      .as('agg');
    const where = filter === 'reported' ? isNotNull(agg.reviewId) : isNotNull(reviews.hiddenAt);
    const base = this.db
      .select({ review: reviews, reports: agg.reports, last: agg.last, reasons: agg.reasons })
      .from(reviews)
      .leftJoin(agg, eq(agg.reviewId, reviews.id))
      .where(where);
    const rows = await base
      .orderBy(sql`coalesce(${agg.last}, ${reviews.hiddenAt}) DESC NULLS LAST`, desc(reviews.id))
      .limit(limit)
      .offset(offset);
    const [{ n }] = await this.db.select({ n: sql<number>`count(*)::int` }).from(reviews).leftJoin(agg, eq(agg.reviewId, reviews.id)).where(where);
    return {
      items: rows.map((r) => ({ review: r.review, reports: r.reports ?? 0, lastReportedAt: r.last ? new Date(r.last) : r.review.createdAt, reasons: r.reasons ?? [] })),
      total: n,
    };
  }
}

function beforeCursor(c: Cursor): SQL {
  return or(lt(reviews.createdAt, c.createdAt), and(eq(reviews.createdAt, c.createdAt), lt(reviews.id, c.id)))!;
}
