// Recurring series: the same time with one doctor every week or every two weeks, 2 to 12 times. A
// preview says which occurrences are free and why not; confirming books the chosen ones all or
// nothing through the appointments module's booking path (one transaction, the doctor's and the
// patient's locks, the exclusion constraints). Each occurrence is an ordinary appointment carrying
// `seriesId`: it is paid, cancelled and rescheduled on its own, under the cancellation policy.
import type { Static } from 'typebox';
import type { Db } from '../../db/client.js';
import type { SeriesRow } from '../../db/schema.js';
import type { Clock } from '../../lib/clock.js';
import { AppError, badRequest, conflict, notFound } from '../../lib/errors.js';
import { newId } from '../../lib/ids.js';
import { DATE_FORMAT_MESSAGES, SLOT_DATE } from '../../lib/schemas.js';
import { addDays, formatSlotTime, parseSlotDate, parseSlotTime, zonedInstant } from '../../lib/time.js';
import type { AppointmentLifecycle } from '../appointments/lifecycle.js';
import type { AppointmentQueries } from '../appointments/queries.js';
import type { AppointmentService } from '../appointments/service.js';
import type { SlotAvailability } from '../appointments/slot.js';
import type { AppointmentView } from '../appointments/view.js';
import type { SeriesRepo } from './repo.js';
import type { Series, SeriesRequestFields } from './schemas.js';

export type Cadence = 'weekly' | 'biweekly';
export const CADENCE_DAYS: Record<Cadence, 7 | 14> = { weekly: 7, biweekly: 14 };
export const MIN_OCCURRENCES = 2;
export const MAX_OCCURRENCES = 12;

/** A series as asked for: its first date and time, the cadence and how many occurrences. */
export type SeriesRequest = Static<typeof SeriesRequestFields>;

export interface SeriesConfirmation extends SeriesRequest {
  /** the occurrences to book (dates of the series); at least 2 */
  slotDates: string[];
}

export type OccurrencePreview = SlotAvailability & { index: number };

/** `occurrences`: booked with the series; `appointments`: all of them, soonest first, whatever their state. */
export type SeriesView = Static<typeof Series>;

type Party = { actor: 'patient'; patientId: string } | { actor: 'doctor'; doctorId: string };

export class SeriesService {
  constructor(
    private readonly repo: SeriesRepo,
    private readonly appointments: AppointmentService,
    private readonly appointmentQueries: AppointmentQueries,
    private readonly appointmentLifecycle: AppointmentLifecycle,
    private readonly clock: Clock,
  ) {}

  /** The dates of the series asked for, first to last; refuses a cadence or count out of range. */
  dates(req: SeriesRequest): string[] {
    const step = CADENCE_DAYS[req.cadence];
    if (!step) throw badRequest('cadence must be "weekly" or "biweekly"');
    if (!Number.isInteger(req.count) || req.count < MIN_OCCURRENCES || req.count > MAX_OCCURRENCES) {
      throw badRequest(`count must be ${MIN_OCCURRENCES} to ${MAX_OCCURRENCES} occurrences`);
    }
    const first = parseSlotDate(req.slotDate);
    if (!first) throw badRequest(`slotDate ${DATE_FORMAT_MESSAGES[SLOT_DATE]}`);
    if (parseSlotTime(req.slotTime) === null) throw badRequest('slotTime must be a time like 10:30 AM');
    return Array.from({ length: req.count }, (_, i) => addDays(first, i * step));
  }

  /**
   * Each occurrence, free or why not. A first occurrence in the past, or a series none of whose
   * occurrences the booking rules allow (a time outside the doctor's hours, a weekend, beyond the
   * booking window), is refused with the rule's own status and message.
   */
  async preview(patientId: string, docId: string, req: SeriesRequest): Promise<OccurrencePreview[]> {
    const dates = this.dates(req);
    const occurrences = await this.appointments.previewMany(patientId, { docId, mode: req.mode, slots: dates.map((slotDate) => ({ slotDate, slotTime: req.slotTime })) });
    this.assertFirstAhead(occurrences[0]);
    if (occurrences.every((o) => o.status !== null)) throw new AppError(occurrences[0].status!, occurrences[0].reason!);
    return occurrences.map((o, index) => ({ index, ...o }));
  }

  /** The doctor's preview for one of their patients. */
  async previewForDoctor(doctorId: string, patientId: string, req: SeriesRequest): Promise<OccurrencePreview[]> {
    await this.assertPatientOf(doctorId, patientId);
    return this.preview(patientId, doctorId, req);
  }

  /**
   * Books the chosen occurrences, all or nothing: an occurrence a rule refuses answers its 4xx, one
   * taken meanwhile a 409 naming the taken dates, and nothing is booked in either case.
   */
  async confirm(
    patientId: string,
    docId: string,
    req: SeriesConfirmation,
    opts: { bookedBy?: 'patient' | 'doctor'; inTransaction?: (tx: Db, booked: SeriesView) => Promise<void> } = {},
  ): Promise<SeriesView> {
    const bookedBy = opts.bookedBy ?? 'patient';
    const dates = this.dates(req);
    const chosen = req.slotDates.map((d) => parseSlotDate(d));
    if (chosen.some((d) => d === null)) throw badRequest(`slotDates: each ${DATE_FORMAT_MESSAGES[SLOT_DATE]}`);
    const picked = [...new Set(chosen as string[])].sort();
    if (picked.length !== chosen.length) throw badRequest('slotDates must not repeat a date');
    const stray = picked.filter((d) => !dates.includes(d));
    if (stray.length) throw badRequest(`Not dates of this series: ${stray.join(', ')} (its dates are ${dates.join(', ')})`);
    if (picked.length < MIN_OCCURRENCES) throw badRequest(`Choose at least ${MIN_OCCURRENCES} occurrences of the series`);
    const now = this.clock.now();
    const id = newId(now);
    const slotTime = formatSlotTime(parseSlotTime(req.slotTime)!);
    let series: SeriesRow | undefined;
    const booked = await this.appointments.bookMany(
      patientId,
      { docId, mode: req.mode, slots: picked.map((slotDate) => ({ slotDate, slotTime })) },
      {
        actor: bookedBy,
        seriesId: id,
        prepare: async (tx, doctor) => {
          // the series as asked for starts in the future, even when its first date is not chosen
          const start = zonedInstant(dates[0], parseSlotTime(req.slotTime)!, doctor.timeZone);
          if (!start || start.getTime() <= now.getTime()) throw badRequest('The first occurrence must be in the future');
          series = await this.repo.insert(
            { id, patientId, doctorId: doctor.id, cadenceDays: CADENCE_DAYS[req.cadence], occurrences: picked.length, slotTime, mode: req.mode ?? 'in_person', bookedBy, createdAt: now },
            tx,
          );
        },
        inTransaction: opts.inTransaction && ((tx, views) => opts.inTransaction!(tx, this.view(series!, views))),
      },
    );
    if (!series) throw notFound('Series not found');
    return this.view(series, booked);
  }

  async confirmForDoctor(doctorId: string, patientId: string, req: SeriesConfirmation, opts: { inTransaction?: (tx: Db, booked: SeriesView) => Promise<void> } = {}): Promise<SeriesView> {
    await this.assertPatientOf(doctorId, patientId);
    return this.confirm(patientId, doctorId, req, { ...opts, bookedBy: 'doctor' });
  }

  /** The series and its occurrences, to its patient or its doctor only (anyone else: 404). */
  async get(id: string, party: Party): Promise<SeriesView> {
    const series = await this.own(id, party);
    return this.view(series, await this.appointmentQueries.listSeries(id));
  }

  /**
   * Cancels every occurrence not yet started (from `fromDate` on when given), each under the
   * cancellation policy as the caller's own cancellation; started, completed and cancelled ones stay.
   */
  async cancelRest(id: string, party: Party, opts: { reason?: string; fromDate?: string } = {}): Promise<{ series: SeriesView; cancelled: AppointmentView[] }> {
    await this.own(id, party);
    const fromDate = opts.fromDate === undefined ? undefined : parseSlotDate(opts.fromDate);
    if (fromDate === null) throw badRequest(`fromDate ${DATE_FORMAT_MESSAGES[SLOT_DATE]}`);
    const actorId = party.actor === 'patient' ? party.patientId : party.doctorId;
    const cancelled = await this.appointmentLifecycle.cancelSeriesRest(id, party.actor, actorId, { reason: opts.reason, fromDate });
    if (cancelled.length === 0) throw conflict('Nothing left to cancel in this series: every occurrence has started, is completed or is cancelled');
    return { series: await this.get(id, party), cancelled };
  }

  private async own(id: string, party: Party): Promise<SeriesRow> {
    const series = await this.repo.findById(id);
    const mine = series && (party.actor === 'patient' ? series.patientId === party.patientId : series.doctorId === party.doctorId);
    // someone else's series is not even confirmed to exist
    if (!series || !mine) throw notFound('Series not found');
    return series;
  }

  /** A doctor books series only for a patient who has booked with them before. */
  private async assertPatientOf(doctorId: string, patientId: string): Promise<void> {
    if (!(await this.appointmentQueries.hasBookedWith(patientId, doctorId))) throw notFound('Patient not found among your patients');
  }

  private assertFirstAhead(first: SlotAvailability): void {
    if (Date.parse(first.startsAt) <= this.clock.now().getTime()) throw badRequest('The first occurrence must be in the future');
  }

  private view(s: SeriesRow, appointments: AppointmentView[]): SeriesView {
    return {
      _id: s.id,
      docId: s.doctorId,
      userId: s.patientId,
      cadence: s.cadenceDays === 14 ? 'biweekly' : 'weekly',
      occurrences: s.occurrences,
      slotTime: s.slotTime,
      mode: s.mode,
      bookedBy: s.bookedBy,
      createdAt: s.createdAt.toISOString(),
      appointments,
    };
  }
}
