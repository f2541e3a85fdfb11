// Reviews: a patient rates a completed appointment of theirs once (1–5, optional comment) and may
// edit it for EDIT_DAYS; the doctor may reply once; patients and doctors report, the admin hides.
// Ratings shown in the doctor list come from a trigger-kept aggregate (1800_reviews.sql); every
// change that moves it publishes a `review` event, which drops the cached public doctor list.
import type { Clock } from '../../lib/clock.js';
import { badRequest, conflict, forbidden, notFound } from '../../lib/errors.js';
import type { DomainEvents } from '../../lib/events.js';
import { newId } from '../../lib/ids.js';
import type { AppointmentQueries } from '../appointments/queries.js';
import type { PatientService } from '../patients/service.js';
import type { Cursor, RatingSummary, ReviewRepo } from './repo.js';
import type { ReporterRole, ReviewRow } from './tables.js';
import { MAX_COMMENT, type DoctorReview, type ModeratedReview, type OwnReview, type PublicReview } from './schemas.js';

export const EDIT_DAYS = 30;
const DAY_MS = 86_400_000;

/** "Ann Maria Lee" → "Ann L."; one word stays as it is. */
export function shortName(full: string): string {
  const words = full.trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return 'Patient';
  const first = [...words[0]].slice(0, 40).join('');
  if (words.length === 1) return first;
  const initial = [...words[words.length - 1]][0]!.toLocaleUpperCase();
  return `${first} ${initial}.`;
}

function cleanText(value: string | undefined | null, max: number, what: string): string | null {
  if (value === undefined || value === null) return null;
  const v = value.trim();
  if (!v) return null;
  if ([...v].length > max) throw badRequest(`${what} can be at most ${max} characters`);
  return v;
}

function checkRating(rating: number): void {
  if (!Number.isInteger(rating) || rating < 1 || rating > 5) throw badRequest('rating must be a whole number from 1 to 5');
}

/** Cursor for "older than this review": `<createdAt ms>_<id>`. */
export const encodeCursor = (r: ReviewRow): string => `${r.createdAt.getTime()}_${r.id}`;
export function decodeCursor(s: string | undefined): Cursor | undefined {
  if (!s) return undefined;
  const m = /^(\d{1,15})_([0-9a-f]{24})$/.exec(s);
  if (!m) throw badRequest('before must be a cursor from a previous page');
  return { createdAt: new Date(Number(m[1])), id: m[2] };
}

export class ReviewService {
  constructor(
    private readonly repo: ReviewRepo,
    private readonly appointments: AppointmentQueries,
    private readonly patients: PatientService,
    private readonly events: DomainEvents,
    private readonly clock: Clock,
  ) {}

  ratings(doctorIds?: string[]): Promise<Map<string, RatingSummary>> {
    return this.repo.ratings(doctorIds);
  }

  publicView(r: ReviewRow): PublicReview {
    return {
      _id: r.id,
      rating: r.rating,
      comment: r.comment,
      author: r.authorName,
      createdAt: r.createdAt.toISOString(),
      updatedAt: r.updatedAt.toISOString(),
      reply: r.reply,
      repliedAt: r.repliedAt?.toISOString() ?? null,
    };
  }

  ownView(r: ReviewRow): OwnReview {
    return {
      ...this.publicView(r),
      appointmentId: r.appointmentId,
      doctorId: r.doctorId,
      editableUntil: new Date(r.createdAt.getTime() + EDIT_DAYS * DAY_MS).toISOString(),
      hidden: r.hiddenAt !== null,
    };
  }

  private async changed(r: ReviewRow): Promise<void> {
    await this.events.publish({ kind: 'review', reviewId: r.id, doctorId: r.doctorId, at: this.clock.now() });
  }

  /** A patient rates one of their completed appointments, once. */
  async create(patientId: string, appointmentId: string, input: { rating: number; comment?: string | null }): Promise<OwnReview> {
    checkRating(input.rating);
    const comment = cleanText(input.comment, MAX_COMMENT, 'comment');
    const appt = await this.appointments.getFor(appointmentId, 'patient', patientId);
    if (appt.status !== 'completed') throw conflict('Only a completed appointment can be reviewed');
    const patient = await this.patients.get(patientId);
    const now = this.clock.now();
    const row = await this.repo.insert({
      id: newId(now),
      appointmentId,
      doctorId: appt.doctorId,
      patientId,
      rating: input.rating,
      comment,
      authorName: shortName(patient.name),
      createdAt: now,
      updatedAt: now,
    });
    if (!row) throw conflict('This appointment has already been reviewed; edit the review instead');
    await this.changed(row);
    return this.ownView(row);
  }

  /** The patient edits their review of an appointment, within EDIT_DAYS of writing it. */
  async edit(patientId: string, appointmentId: string, input: { rating: number; comment?: string | null }): Promise<OwnReview> {
    checkRating(input.rating);
    const comment = cleanText(input.comment, MAX_COMMENT, 'comment');
    await this.appointments.getFor(appointmentId, 'patient', patientId);
    const current = await this.repo.findByAppointment(appointmentId);
    if (!current || current.patientId !== patientId) throw notFound('This appointment has no review yet');
    const now = this.clock.now();
    const row = await this.repo.edit(current.id, patientId, { rating: input.rating, comment }, now, new Date(now.getTime() - EDIT_DAYS * DAY_MS));
    if (!row) throw conflict(`A review can be edited for ${EDIT_DAYS} days after it was written`);
    await this.changed(row);
    return this.ownView(row);
  }

  async ownReviews(patientId: string): Promise<OwnReview[]> {
    return (await this.repo.forPatient(patientId)).map((r) => this.ownView(r));
  }

  /** A doctor's visible reviews for their public page, newest first. */
  async forDoctorPublic(doctorId: string, limit: number, before?: string): Promise<{ rating: RatingSummary; reviews: PublicReview[]; next: string | null }> {
    const rows = await this.repo.forDoctor(doctorId, { limit: limit + 1, before: decodeCursor(before) });
    const rating = (await this.repo.ratings([doctorId])).get(doctorId) ?? { average: null, count: 0 };
    const page = rows.slice(0, limit);
    return { rating, reviews: page.map((r) => this.publicView(r)), next: rows.length > limit ? encodeCursor(page[page.length - 1]) : null };
  }

  /** The doctor's own reviews, hidden ones included (marked), for the dashboard. */
  async forDoctorOwn(doctorId: string, limit: number, before?: string): Promise<{ rating: RatingSummary; reviews: DoctorReview[]; next: string | null }> {
    const rows = await this.repo.forDoctor(doctorId, { limit: limit + 1, before: decodeCursor(before), withHidden: true });
    const rating = (await this.repo.ratings([doctorId])).get(doctorId) ?? { average: null, count: 0 };
    const page = rows.slice(0, limit);
    return {
      rating,
      reviews: page.map((r) => ({ ...this.publicView(r), appointmentId: r.appointmentId, hidden: r.hiddenAt !== null })),
      next: rows.length > limit ? encodeCursor(page[page.length - 1]) : null,
    };
  }

  /** The doctor answers a review of theirs, once. */
  async reply(doctorId: string, reviewId: string, text: string): Promise<DoctorReview> {
    const reply = cleanText(text, MAX_COMMENT, 'reply');
    if (!reply) throw badRequest('reply cannot be empty');
    const current = await this.repo.findById(reviewId);
    if (!current) throw notFound('Review not found');
    if (current.doctorId !== doctorId) throw forbidden('This review is about another doctor');
    const row = await this.repo.reply(reviewId, doctorId, reply, this.clock.now());
    if (!row) throw conflict('This review already has a reply');
    return { ...this.publicView(row), appointmentId: row.appointmentId, hidden: row.hiddenAt !== null };
  }

  /**
   * A patient (any visible review) or the reviewed doctor (their own reviews) asks the admin to look
   * at a review. Reporting twice is accepted and changes nothing.
   */
  async report(role: ReporterRole, reporterId: string, reviewId: string, reasonText: string): Promise<void> {
    const reason = cleanText(reasonText, 500, 'reason');
    if (!reason) throw badRequest('Please say why you report this review');
    const review = await this.repo.findById(reviewId);
    if (!review || (review.hiddenAt !== null && !(role === 'doctor' && review.doctorId === reporterId))) throw notFound('Review not found');
    if (role === 'doctor' && review.doctorId !== reporterId) throw forbidden('A doctor can report reviews about themselves only');
    await this.repo.report({ reviewId, reporterRole: role, reporterId, reason, createdAt: this.clock.now() });
  }

  async moderationList(filter: 'reported' | 'hidden', page: number, limit: number): Promise<{ reviews: ModeratedReview[]; total: number }> {
    const { items, total } = await this.repo.forModeration(filter, limit, (page - 1) * limit);
    return {
      total,
      reviews: items.map(({ review: r, reports, reasons, lastReportedAt }) => ({
        ...this.publicView(r),
        appointmentId: r.appointmentId,
        doctorId: r.doctorId,
        hidden: r.hiddenAt !== null,
        hiddenReason: r.hiddenReason,
        reports,
        reasons,
        lastReportedAt: lastReportedAt.toISOString(),
      })),
    };
  }

  /** The admin hides (with a reason) or shows again a review; the audit hook records the request. */
  async setHidden(reviewId: string, hide: boolean, reasonText?: string): Promise<PublicReview & { hidden: boolean }> {
    const reason = cleanText(reasonText, 500, 'reason');
    if (hide && !reason) throw badRequest('Please give the reason for hiding this review');
    const row = await this.repo.setHidden(reviewId, hide ? { at: this.clock.now(), reason: reason! } : null);
    if (!row) throw notFound('Review not found');
    await this.changed(row);
    return { ...this.publicView(row), hidden: row.hiddenAt !== null };
  }
}
