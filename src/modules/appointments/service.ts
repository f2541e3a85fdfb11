// Booking, cancelling and completing appointments; listings and dashboards. The exclusion
// constraint on `appointments.blocks` is what makes double booking impossible; this service turns
// its refusal into a clear 409.
import type { Config } from '../../config.js';
import type { Db } from '../../db/client.js';
import { type Actor, type AppointmentRow, type AppointmentStatus, type ConsultationMode, type DocSnapshot, type DoctorRow, type GroupSessionRow, type UserSnapshot } from '../../db/schema.js';
import type { Clock } from '../../lib/clock.js';
import { AppError, badRequest, conflict, driverErrorOf, forbidden, notFound, PG_CHECK_VIOLATION, PG_EXCLUSION_VIOLATION, PG_PATIENT_DELETED, PG_UNIQUE_VIOLATION, sqlState } from '../../lib/errors.js';
import type { AppointmentEventType, DomainEvent, DomainEvents } from '../../lib/events.js';
import { newId } from '../../lib/ids.js';
import { DATE_FORMAT_MESSAGES, SLOT_DATE } from '../../lib/schemas.js';
import { toMajor } from '../../lib/money.js';
import { formatSlotTime, legacyDateKey, parseSlotDate, parseSlotTime, zonedInstant } from '../../lib/time.js';
import type { DoctorService, SlotsBooked } from '../doctors/service.js';
import type { PatientService } from '../patients/service.js';
import { refundFor, rescheduleRefusal } from './policy.js';
import type { AppointmentFilter, AppointmentPatch, AppointmentRepo, AppointmentSort, NewAppointment } from './repo.js';
import { retryDeadlocks } from './retry.js';
import type { BookingRules } from './rules.js';
import { newVideoRoom, videoFields, type Audience } from './video.js';
import { consultationModes } from '../doctors/service.js';

export interface AppointmentView {
  _id: string;
  userId: string;
  docId: string;
  slotDate: string;
  slotTime: string;
  startsAt: string;
  endsAt: string;
  userData: UserSnapshot;
  docData: DocSnapshot;
  amount: number;
  currency: string;
  date: number;
  status: AppointmentStatus;
  cancelled: boolean;
  payment: boolean;
  isCompleted: boolean;
  cancelledBy: Actor | null;
  cancelReason: string | null;
  cancelledAt: string | null;
  refundAmount: number | null;
  refundStatus: string | null;
  paymentGateway: string | null;
  paidAt: string | null;
  completedAt: string | null;
  mode: ConsultationMode;
  videoLink: string | null;
  videoOpensAt: string | null;
  /** the group session this is a place in; null for a single appointment */
  groupSessionId: string | null;
  /** the recurring series this is an occurrence of; null for a single appointment */
  seriesId: string | null;
}

export interface BookInput {
  docId: string;
  slotDate: string;
  slotTime: string;
  /** default in person, as every booking was before video consultations */
  mode?: ConsultationMode;
}

export interface AppointmentQuery extends AppointmentFilter {
  sort?: AppointmentSort;
  page?: number;
  limit?: number;
  /** keyset pagination: id of the last appointment of the previous page */
  cursor?: string;
}

export interface AppointmentPage {
  appointments: AppointmentView[];
  total?: number;
  page?: number;
  limit?: number;
  nextCursor?: string;
}

const LIVE: AppointmentStatus[] = ['pending', 'confirmed'];
/** SQLSTATE the place-counting trigger raises for a session that is not open (migration 1701) */
const GROUP_SESSION_CLOSED = 'GS001';
const LATEST = 5;

export function appointmentView(r: AppointmentRow, video: { mode: ConsultationMode; videoLink: string | null; videoOpensAt: string | null }): AppointmentView {
  return {
    _id: r.id,
    userId: r.patientId,
    docId: r.doctorId,
    slotDate: r.slotDate,
    slotTime: r.slotTime,
    startsAt: r.startsAt.toISOString(),
    endsAt: r.endsAt.toISOString(),
    userData: r.userData,
    docData: r.docData,
    amount: toMajor(r.amountMinor),
    currency: r.currency,
    date: r.createdAt.getTime(),
    status: r.status,
    cancelled: r.status === 'cancelled',
    payment: r.paid,
    isCompleted: r.status === 'completed',
    cancelledBy: r.cancelledBy,
    cancelReason: r.cancelReason,
    cancelledAt: r.cancelledAt?.toISOString() ?? null,
    refundAmount: r.refundMinor === null ? null : toMajor(r.refundMinor),
    refundStatus: r.refundStatus,
    paymentGateway: r.paymentGateway,
    paidAt: r.paidAt?.toISOString() ?? null,
    completedAt: r.completedAt?.toISOString() ?? null,
    ...video,
    groupSessionId: r.groupSessionId,
    seriesId: r.seriesId,
  };
}

/** The doctor, patient snapshot and mode a booking is made with. */
interface BookingParties {
  doctor: DoctorRow;
  patientId: string;
  mode: ConsultationMode;
  userData: UserSnapshot;
  docData: DocSnapshot;
}

/** A requested slot as instants in the doctor's zone; `holdUntil` is its end plus the buffer. */
interface ResolvedSlot {
  slotDate: string;
  minutes: number;
  startsAt: Date;
  endsAt: Date;
  holdUntil: Date;
}

/** Several times with one doctor (a recurring series). */
export interface ManyInput {
  docId: string;
  mode?: ConsultationMode;
  slots: { slotDate: string; slotTime: string }[];
}

/** Whether one requested time can be booked now, and why not. */
export interface SlotAvailability {
  slotDate: string;
  slotTime: string;
  startsAt: string;
  free: boolean;
  /** why not: the booking rule that refuses it, or that the time is taken; null when free */
  reason: string | null;
  /** the status a booking of this time alone would be refused with (taken: null) */
  status: number | null;
}

export const TAKEN = 'This time is already booked';

/** The format checks of a requested date and time, before anything is read. */
function parseRequested(input: { slotDate: string; slotTime: string }): { slotDate: string; minutes: number } {
  const slotDate = parseSlotDate(input.slotDate);
  if (!slotDate) throw badRequest(`slotDate ${DATE_FORMAT_MESSAGES[SLOT_DATE]}`);
  const minutes = parseSlotTime(input.slotTime);
  if (minutes === null) throw badRequest('slotTime must be a time like 10:30 AM');
  return { slotDate, minutes };
}

/** `[start,end)` as a Postgres tstzrange literal. */
export const rangeLiteral = (start: Date, end: Date): string => `[${start.toISOString()},${end.toISOString()})`;

export class AppointmentService {
  constructor(
    private readonly db: Db,
    private readonly repo: AppointmentRepo,
    private readonly patients: PatientService,
    private readonly doctors: DoctorService,
    private readonly rules: BookingRules,
    private readonly events: DomainEvents,
    private readonly clock: Clock,
    private readonly config: Config,
  ) {}

  /**
   * The API shape of an appointment. Under LEGACY_CLIENTS `slotDate` is `d_m_yyyy` (day and month
   * not padded): the original Prescripto apps split it on `_` to show the date.
   */
  private view(r: AppointmentRow, audience: Audience = 'party'): AppointmentView {
    const v = appointmentView(r, videoFields(r, this.config.video, this.clock.now(), audience));
    return this.config.legacyClients ? { ...v, slotDate: legacyDateKey(v.slotDate) } : v;
  }

  async get(id: string): Promise<AppointmentRow> {
    const row = await this.repo.findById(id);
    if (!row) throw notFound('Appointment not found');
    return row;
  }

  /** Loads an appointment and checks that `actor` may act on it. */
  async getFor(id: string, actor: Actor, actorId: string): Promise<AppointmentRow> {
    const row = await this.get(id);
    if (actor === 'patient' && row.patientId !== actorId) throw forbidden('This appointment belongs to another patient');
    if (actor === 'doctor' && row.doctorId !== actorId) throw forbidden('This appointment belongs to another doctor');
    return row;
  }

  /** One appointment as its API view, for the admin or a party to it (403 for anyone else). */
  async readFor(id: string, actor: Exclude<Actor, 'system'>, actorId: string): Promise<AppointmentView> {
    const row = actor === 'admin' ? await this.get(id) : await this.getFor(id, actor, actorId);
    return this.view(row, actor === 'admin' ? 'admin' : 'party');
  }

  /**
   * Who books with whom, in which mode: the checks every booking of a doctor makes before any time
   * is looked at, and the snapshots written with each appointment.
   */
  private async resolveParties(patientId: string, docId: string, modeIn: ConsultationMode | undefined): Promise<BookingParties> {
    // independent reads, side by side: each is a round trip to the database
    const [doctor, patient] = await Promise.all([this.doctors.find(docId), this.patients.get(patientId)]);
    if (!doctor) throw notFound('Doctor not found');
    if (!doctor.available) throw conflict('Doctor not available');
    const mode = modeIn ?? 'in_person';
    if (!consultationModes(doctor).includes(mode)) {
      throw conflict(mode === 'video' ? 'This doctor does not offer video consultations: book in person' : 'This doctor offers video consultations only: book with mode "video"');
    }
    const doc = this.doctors.publicView(doctor);
    const docData: DocSnapshot = {
      _id: doc._id, name: doc.name, email: '', image: doc.image, speciality: doc.speciality, degree: doc.degree,
      experience: doc.experience, about: doc.about, fees: doc.fees, address: doc.address,
    };
    return { doctor, patientId, mode, userData: this.patients.view(patient), docData };
  }

  /** A requested date and time as the doctor's instants (no booking rule checked here). */
  private slotOf(doctor: DoctorRow, { slotDate, minutes }: { slotDate: string; minutes: number }): ResolvedSlot {
    const startsAt = zonedInstant(slotDate, minutes, doctor.timeZone);
    if (!startsAt) throw badRequest(`${formatSlotTime(minutes)} does not exist on ${slotDate} in ${doctor.timeZone} (daylight-saving change)`);
    const endsAt = new Date(startsAt.getTime() + doctor.slotMinutes * 60_000);
    return { slotDate, minutes, startsAt, endsAt, holdUntil: new Date(endsAt.getTime() + doctor.bufferMinutes * 60_000) };
  }

  private newRow(p: BookingParties, slot: ResolvedSlot, now: Date, extra: { seriesId?: string } = {}): NewAppointment {
    return {
      id: newId(now),
      patientId: p.patientId,
      doctorId: p.doctor.id,
      slotDate: slot.slotDate,
      slotTime: formatSlotTime(slot.minutes),
      startsAt: slot.startsAt,
      endsAt: slot.endsAt,
      blocks: rangeLiteral(slot.startsAt, slot.holdUntil),
      userData: p.userData,
      docData: p.docData,
      amountMinor: p.doctor.feesMinor,
      currency: this.config.currency,
      status: 'pending',
      paid: false,
      mode: p.mode,
      videoRoom: p.mode === 'video' ? newVideoRoom() : null,
      seriesId: extra.seriesId ?? null,
      createdAt: now,
    };
  }

  /**
   * The booking path of one or more slots with one doctor, in one transaction: the doctor's and the
   * patient's locks, release of expired holds over the slots, the booking caps (a series counts as
   * one booking), `prepare` (the caller's own checks and rows, under the same locks), then the rows
   * and their `booked` events. Deadlock victims are retried whole; the exclusion constraint's
   * refusal answers 409 `overlapMessage`. Nothing is written unless everything is.
   */
  private async bookInTransaction(
    p: BookingParties,
    slots: ResolvedSlot[],
    actor: 'patient' | 'doctor',
    now: Date,
    opts: {
      seriesId?: string;
      overlapMessage: string;
      prepare?: (tx: Db) => Promise<void>;
      inTransaction?: (tx: Db, booked: AppointmentRow[]) => Promise<void>;
    },
  ): Promise<AppointmentRow[]> {
    let rows: AppointmentRow[];
    let released: DomainEvent[] = [];
    try {
      rows = await retryDeadlocks(() => this.db.transaction(async (tx) => {
        await this.repo.lockBooking(p.doctor.id, p.patientId, tx);
        released = [];
        for (const slot of slots) released.push(...(await this.rules.releaseExpired(tx, p.doctor.id, slot.startsAt, slot.holdUntil, now)));
        await this.assertWithinBookingCaps(tx, p.patientId, p.doctor.id, now);
        await opts.prepare?.(tx);
        const created: AppointmentRow[] = [];
        for (const slot of slots) {
          const row = await this.repo.insert(this.newRow(p, slot, now, { seriesId: opts.seriesId }), tx);
          await this.record(tx, row, 'booked', actor);
          created.push(row);
        }
        await opts.inTransaction?.(tx, created);
        return created;
      }));
    } catch (err) {
      if (sqlState(err) === PG_EXCLUSION_VIOLATION) throw conflict(opts.overlapMessage);
      // the account was deleted while this booking was on its way (migration 1950)
      if (sqlState(err) === PG_PATIENT_DELETED) throw notFound('User not found');
      throw err;
    }
    await this.publishAll(released);
    for (const row of rows) await this.publish(row, 'booked', actor);
    return rows;
  }

  /**
   * @param opts.inTransaction runs inside the booking's transaction once the appointment is written,
   *   so what it records (an idempotency key's answer) commits or rolls back with the booking
   * @param opts.beforeInsert runs inside the booking's transaction after its locks, before the
   *   appointment is written: a waitlist offer releases the time it holds for this patient there, so
   *   the booking and the release commit or fail together
   */
  async book(
    patientId: string,
    input: BookInput,
    opts: { inTransaction?: (tx: Db, booked: AppointmentView) => Promise<void>; beforeInsert?: (tx: Db) => Promise<void> } = {},
  ): Promise<AppointmentView> {
    // the slot's format is checked before anything is read
    const requested = parseRequested(input);
    const p = await this.resolveParties(patientId, input.docId, input.mode);
    const slot = this.slotOf(p.doctor, requested);
    const now = this.clock.now();
    await this.rules.assertBookable(p.doctor, slot, now);
    const [row] = await this.bookInTransaction(p, [slot], 'patient', now, {
      overlapMessage: 'Slot not available',
      prepare: opts.beforeInsert,
      inTransaction: opts.inTransaction && ((tx, [created]) => opts.inTransaction!(tx, appointmentView(created, videoFields(created, this.config.video, now, 'party')))),
    });
    return this.view(row);
  }

  /**
   * Which of several times with one doctor could be booked now, and why not: the booking rules of
   * each (working hours, time off, notice, window), then whether its interval is free. Nothing is
   * locked or written: the answer may be out of date by the time the patient confirms.
   */
  async previewMany(patientId: string, input: ManyInput): Promise<SlotAvailability[]> {
    const p = await this.resolveParties(patientId, input.docId, input.mode);
    const slots = input.slots.map((s) => this.slotOf(p.doctor, parseRequested(s)));
    const now = this.clock.now();
    const out: SlotAvailability[] = [];
    for (const slot of slots) {
      const refusal = await this.refusalOf(p.doctor, slot, now);
      const busy = refusal ? false : (await this.rules.busy(p.doctor.id, slot.startsAt, slot.holdUntil, now)).length > 0;
      out.push({
        slotDate: slot.slotDate, slotTime: formatSlotTime(slot.minutes), startsAt: slot.startsAt.toISOString(),
        free: !refusal && !busy, reason: refusal?.message ?? (busy ? TAKEN : null), status: refusal?.status ?? null,
      });
    }
    return out;
  }

  /**
   * Books several times with one doctor for one patient, all or nothing, in one transaction (see
   * bookInTransaction). Each time must pass the booking rules; under the locks, times someone else
   * holds now are named in one 409 and nothing is booked. `prepare` writes the caller's own rows
   * (the series) in the same transaction, before the appointments that refer to them.
   */
  async bookMany(
    patientId: string,
    input: ManyInput,
    opts: {
      actor: 'patient' | 'doctor';
      seriesId: string;
      prepare: (tx: Db, doctor: DoctorRow) => Promise<void>;
      /** runs inside the transaction once every appointment is written (an idempotency key's answer) */
      inTransaction?: (tx: Db, booked: AppointmentView[]) => Promise<void>;
    },
  ): Promise<AppointmentView[]> {
    const p = await this.resolveParties(patientId, input.docId, input.mode);
    const slots = input.slots.map((s) => this.slotOf(p.doctor, parseRequested(s)));
    const now = this.clock.now();
    for (const slot of slots) {
      const refusal = await this.refusalOf(p.doctor, slot, now);
      if (refusal) throw new AppError(refusal.status, `${slot.slotDate}: ${refusal.message}`);
    }
    const rows = await this.bookInTransaction(p, slots, opts.actor, now, {
      seriesId: opts.seriesId,
      overlapMessage: 'One of the chosen times was taken meanwhile; nothing was booked',
      prepare: async (tx) => {
        // every writer of this doctor's schedule queues on the lock taken first: what is free now stays free until commit
        const taken: string[] = [];
        for (const slot of slots) if ((await this.rules.busy(p.doctor.id, slot.startsAt, slot.holdUntil, now, tx)).length > 0) taken.push(slot.slotDate);
        if (taken.length) throw conflict(`Taken meanwhile: ${taken.join(', ')}. Nothing was booked; preview again and choose the free dates`);
        await opts.prepare(tx, p.doctor);
      },
      inTransaction: opts.inTransaction && ((tx, created) => opts.inTransaction!(tx, created.map((r) => appointmentView(r, videoFields(r, this.config.video, now, 'party'))))),
    });
    return rows.map((r) => this.view(r));
  }

  /** The booking rule refusing this slot now, or null. */
  private async refusalOf(doctor: DoctorRow, slot: ResolvedSlot, now: Date): Promise<{ status: number; message: string } | null> {
    try {
      await this.rules.assertBookable(doctor, slot, now);
      return null;
    } catch (err) {
      if (err instanceof AppError) return { status: err.statusCode, message: err.message };
      throw err;
    }
  }

  /** Has this patient ever booked with this doctor (in any state)? A doctor books series for such patients only. */
  hasBookedWith(patientId: string, doctorId: string): Promise<boolean> {
    return this.repo.hasBookedWith(patientId, doctorId);
  }

  /** The occurrences of a series, soonest first. */
  async listSeries(seriesId: string, audience: Audience = 'party'): Promise<AppointmentView[]> {
    return (await this.repo.listSeries(seriesId)).map((r) => this.view(r, audience));
  }

  /**
   * Cancels the occurrences of a series that have not started (from `fromDate` on, when given), in
   * one transaction: each by the cancellation policy on its own locked row, as a single cancel
   * would. Empty when nothing was left to cancel.
   */
  async cancelSeriesRest(seriesId: string, actor: 'patient' | 'doctor', actorId: string, opts: { reason?: string; fromDate?: string } = {}): Promise<AppointmentView[]> {
    const now = this.clock.now();
    const rows = await this.db.transaction(async (tx) => {
      const out: AppointmentRow[] = [];
      for (const locked of await this.repo.lockSeriesRest(seriesId, now, opts.fromDate, tx)) {
        const refund = refundFor(locked, actor, now);
        const updated = await this.repo.transition(locked.id, LIVE, {
          status: 'cancelled', cancelledBy: actor, cancelReason: opts.reason?.trim() || null, cancelledAt: now, cancelledById: actorId,
          refundMinor: locked.paid ? refund : null, refundStatus: locked.paid ? (refund > 0 ? 'pending' : 'none') : null,
        }, tx);
        if (!updated) continue;
        await this.record(tx, updated, 'cancelled', actor);
        out.push(updated);
      }
      return out;
    });
    for (const row of rows) await this.publish(row, 'cancelled', actor);
    return rows.map((r) => this.view(r));
  }

  /**
   * A place in a group session: an appointment with the session's time, interval and fee. The
   * database keeps the capacity (the session row's counter and its CHECK, kept by a trigger in the
   * same transaction), one live place per patient (a unique index) and takes a place only while the
   * session is open.
   */
  async bookPlace(patientId: string, session: GroupSessionRow, blocks: string): Promise<AppointmentView> {
    const now = this.clock.now();
    if (session.status !== 'open') throw conflict('This group session is cancelled');
    if (session.startsAt.getTime() <= now.getTime()) throw conflict('This group session has already started');
    if (session.booked >= session.capacity) throw conflict('This group session is full');
    const [doctor, patient] = await Promise.all([this.doctors.get(session.doctorId), this.patients.get(patientId)]);
    const doc = this.doctors.publicView(doctor);
    const docData: DocSnapshot = {
      _id: doc._id, name: doc.name, email: '', image: doc.image, speciality: doc.speciality, degree: doc.degree,
      experience: doc.experience, about: doc.about, fees: toMajor(session.feeMinor), address: doc.address,
    };
    let row: AppointmentRow;
    try {
      row = await retryDeadlocks(() => this.db.transaction(async (tx) => {
        await this.repo.lockBooking(doctor.id, patientId, tx);
        await this.assertWithinBookingCaps(tx, patientId, doctor.id, now);
        const created = await this.repo.insert(
          {
            id: newId(now), patientId, doctorId: doctor.id, slotDate: session.slotDate, slotTime: session.slotTime,
            startsAt: session.startsAt, endsAt: session.endsAt, blocks, userData: this.patients.view(patient), docData,
            amountMinor: session.feeMinor, currency: session.currency, status: 'pending', paid: false, mode: 'in_person',
            videoRoom: null, groupSessionId: session.id, createdAt: now,
          },
          tx,
        );
        await this.record(tx, created, 'booked', 'patient');
        return created;
      }));
    } catch (err) {
      const state = sqlState(err);
      if (state === PG_CHECK_VIOLATION && driverErrorOf(err)?.constraint === 'group_sessions_capacity') throw conflict('This group session is full');
      if (state === PG_UNIQUE_VIOLATION) throw conflict('You already have a place in this group session');
      if (state === GROUP_SESSION_CLOSED) throw conflict('This group session is cancelled');
      throw err;
    }
    await this.publish(row, 'booked', 'patient');
    return this.view(row);
  }

  /** Queues writers of one doctor's schedule for the rest of `tx` (see AppointmentRepo.lockDoctorSchedule). */
  lockSchedule(doctorId: string, tx: Db): Promise<void> {
    return this.repo.lockDoctorSchedule(doctorId, tx);
  }

  /** Ids of a group session's live places (its cancellation cancels each). */
  livePlaces(sessionId: string): Promise<string[]> {
    return this.repo.livePlaceIds(sessionId);
  }

  /**
   * Slot hoarding (one patient booking a doctor's whole week): a patient holds at most a configured
   * number of upcoming appointments, overall and with one doctor. Counted under the per-patient lock
   * (repo.lockBooking) taken first in the booking transaction, so concurrent bookings cannot pass the
   * cap together.
   */
  private async assertWithinBookingCaps(tx: Db, patientId: string, doctorId: string, now: Date): Promise<void> {
    const { maxLiveBookingsPerPatient: overall, maxLiveBookingsPerPatientPerDoctor: perDoctor } = this.config.scheduling;
    const held = await this.repo.countLiveForPatient(patientId, doctorId, now, this.rules.expiredCutoff(now), tx);
    if (held.withDoctor >= perDoctor) {
      throw conflict(`You already have ${perDoctor} upcoming ${perDoctor === 1 ? 'appointment' : 'appointments'} with this doctor: cancel one, or book again after one has taken place`);
    }
    if (held.total >= overall) {
      throw conflict(`You already have ${overall} upcoming ${overall === 1 ? 'appointment' : 'appointments'}: cancel one, or book again after one has taken place`);
    }
  }

  async cancel(id: string, actor: Exclude<Actor, 'system'>, actorId: string, reason?: string): Promise<AppointmentView> {
    const current = await this.getFor(id, actor, actorId);
    this.assertLive(current, 'cancelled');
    const now = this.clock.now();
    // The refund depends on `paid`, which a payment confirmation can change after `current` was
    // read: it is computed from the row as locked by the cancelling transaction.
    const patch = (locked: AppointmentRow): AppointmentPatch => {
      const refund = refundFor(locked, actor, now);
      return {
        status: 'cancelled',
        cancelledBy: actor,
        cancelReason: reason?.trim() || null,
        cancelledAt: now,
        cancelledById: actorId,
        refundMinor: locked.paid ? refund : null,
        refundStatus: locked.paid ? (refund > 0 ? 'pending' : 'none') : null,
      };
    };
    return this.transition(current, patch, 'cancelled', actor);
  }

  async complete(id: string, doctorId: string): Promise<AppointmentView> {
    const current = await this.getFor(id, 'doctor', doctorId);
    this.assertLive(current, 'completed');
    // pending → confirmed (paid) → completed when payment is required; otherwise paid at the visit
    if (this.config.paymentRequired && !current.paid) throw conflict('Appointment is not paid yet and cannot be completed');
    return this.transition(current, { status: 'completed', completedAt: this.clock.now() }, 'completed', 'doctor');
  }

  /**
   * Records a gateway-proven payment: a live unpaid appointment becomes paid and confirmed, once.
   * Returns null when nothing changed (already paid, cancelled or completed): the database decides
   * which of two racing confirmations wins.
   */
  async confirmPayment(id: string, payment: { gateway: string; ref: string; paymentId: string | null }): Promise<AppointmentView | null> {
    const patch: AppointmentPatch = {
      status: 'confirmed', paid: true, paidAt: this.clock.now(),
      paymentGateway: payment.gateway, paymentRef: payment.ref, paymentId: payment.paymentId,
    };
    const row = await this.db.transaction(async (tx) => {
      const updated = await this.repo.markPaid(id, patch, tx, (row) => this.rules.isExpired(row, patch.paidAt!));
      if (updated) await this.record(tx, updated, 'confirmed', 'system');
      return updated;
    });
    if (!row) return null;
    await this.publish(row, 'confirmed', 'system');
    return this.view(row);
  }

  /** Stores the gateway's answer to the refund of a cancelled appointment. */
  async recordRefund(id: string, refund: { status: 'pending' | 'processed' | 'failed'; ref: string | null }): Promise<void> {
    await this.repo.update(id, { refundStatus: refund.status, refundRef: refund.ref });
  }

  /**
   * Applies a state change if the appointment is still live, recording the event in the same
   * transaction. The row is locked first; a patch that depends on the row (a refund depends on
   * `paid`) is given as a function of that locked row.
   */
  async transition(
    current: AppointmentRow,
    patch: AppointmentPatch | ((locked: AppointmentRow) => AppointmentPatch),
    event: AppointmentEventType,
    actor: Actor,
  ): Promise<AppointmentView> {
    const row = await this.db.transaction(async (tx) => {
      const locked = await this.repo.findForUpdate(current.id, tx);
      if (!locked || !LIVE.includes(locked.status)) return undefined;
      const updated = await this.repo.transition(current.id, LIVE, typeof patch === 'function' ? patch(locked) : patch, tx);
      if (updated) await this.record(tx, updated, event, actor);
      return updated;
    });
    if (!row) {
      // Someone else changed it between our read and our write: report the state it is in now.
      this.assertLive(await this.get(current.id), event);
      throw conflict('Appointment changed meanwhile, please retry');
    }
    await this.publish(row, event, actor);
    return this.view(row, actor === 'admin' ? 'admin' : 'party');
  }

  private assertLive(row: AppointmentRow, wanted: string): void {
    if (row.status === 'cancelled') throw conflict(`Appointment is cancelled and cannot be ${wanted}`);
    if (row.status === 'completed') throw conflict(`Appointment is completed and cannot be ${wanted}`);
  }

  async record(tx: Db, row: AppointmentRow, type: AppointmentEventType, actor: Actor): Promise<void> {
    await this.events.record(tx, this.eventOf(row, type, actor));
  }

  async publish(row: AppointmentRow, type: AppointmentEventType, actor: Actor): Promise<void> {
    await this.events.publish(this.eventOf(row, type, actor));
  }

  private async publishAll(events: DomainEvent[]): Promise<void> {
    for (const event of events) await this.events.publish(event);
  }

  private eventOf(row: AppointmentRow, type: AppointmentEventType, actor: Actor) {
    return {
      kind: 'appointment' as const,
      type,
      appointmentId: row.id,
      doctorId: row.doctorId,
      patientId: row.patientId,
      status: row.status,
      actor,
      at: this.clock.now(),
    };
  }

  /**
   * Moves a live appointment to another published slot in one transaction: the row's slot and
   * `blocks` change together, so the exclusion constraint either accepts the new interval or the
   * whole move fails and the old slot stays held.
   */
  async reschedule(id: string, patientId: string, input: { slotDate: string; slotTime: string }): Promise<AppointmentView> {
    const current = await this.getFor(id, 'patient', patientId);
    this.assertLive(current, 'rescheduled');
    if (current.groupSessionId) throw conflict('A place in a group session cannot be rescheduled: cancel it and book another session');
    const now = this.clock.now();
    if (this.rules.isExpired(current, now)) throw conflict('The payment window of this appointment has ended; please book again');
    if (current.startsAt.getTime() <= now.getTime()) throw conflict('Appointment has already started and cannot be rescheduled');
    const refusal = rescheduleRefusal(current, now);
    if (refusal) throw conflict(refusal);
    const slotDate = parseSlotDate(input.slotDate);
    if (!slotDate) throw badRequest(`slotDate ${DATE_FORMAT_MESSAGES[SLOT_DATE]}`);
    const minutes = parseSlotTime(input.slotTime);
    if (minutes === null) throw badRequest('slotTime must be a time like 10:30 AM');
    const doctor = await this.doctors.get(current.doctorId);
    const startsAt = zonedInstant(slotDate, minutes, doctor.timeZone);
    if (!startsAt) throw badRequest(`${formatSlotTime(minutes)} does not exist on ${slotDate} in ${doctor.timeZone} (daylight-saving change)`);
    if (startsAt.getTime() === current.startsAt.getTime()) throw conflict('The appointment is already at that time');
    await this.rules.assertBookable(doctor, { slotDate, minutes, startsAt }, now);
    const endsAt = new Date(startsAt.getTime() + doctor.slotMinutes * 60_000);
    const holdUntil = new Date(endsAt.getTime() + doctor.bufferMinutes * 60_000);
    const patch: AppointmentPatch = { slotDate, slotTime: formatSlotTime(minutes), startsAt, endsAt, blocks: rangeLiteral(startsAt, holdUntil) };
    let row: AppointmentRow | undefined;
    let released: DomainEvent[] = [];
    try {
      row = await retryDeadlocks(() => this.db.transaction(async (tx) => {
        await this.repo.lockDoctorSchedule(doctor.id, tx);
        released = await this.rules.releaseExpired(tx, doctor.id, startsAt, holdUntil, now);
        // paid may have changed since `current` was read: decide on the locked row
        const locked = await this.repo.findForUpdate(id, tx);
        const lateRefusal = locked && rescheduleRefusal(locked, now);
        if (lateRefusal) throw conflict(lateRefusal);
        const updated = await this.repo.transition(id, LIVE, patch, tx);
        if (updated) await this.record(tx, updated, 'rescheduled', 'patient');
        return updated;
      }));
    } catch (err) {
      if (sqlState(err) === PG_EXCLUSION_VIOLATION) throw conflict('Slot not available');
      throw err;
    }
    await this.publishAll(released); // committed, whatever became of the move itself
    if (!row) {
      this.assertLive(await this.get(id), 'rescheduled');
      throw conflict('Appointment changed meanwhile, please retry');
    }
    await this.publish(row, 'rescheduled', 'patient');
    return this.view(row);
  }

  /** A doctor's own listing: asking for another doctor's is refused, not silently narrowed. */
  async searchForDoctor(doctorId: string, query: AppointmentQuery): Promise<AppointmentPage> {
    if (query.docId && query.docId !== doctorId) throw forbidden('A doctor can only list their own appointments');
    return this.search({ ...query, docId: doctorId }, 'party');
  }

  /** Filtered, sorted listing; paginated (with `total`) when `page` or `limit` is given. */
  async search(query: AppointmentQuery, audience: Audience = 'admin'): Promise<AppointmentPage> {
    const view = (r: AppointmentRow) => this.view(r, audience);
    const legacy = this.config.legacyClients;
    // Without a sort asked: newest booking first; under LEGACY_CLIENTS booking order (oldest first),
    // as the original server answered: the original apps reverse the list to show the newest on top.
    const { page, limit, cursor, sort = legacy ? 'createdAt' : '-createdAt', ...filter } = query;
    if (filter.from && filter.to && filter.to < filter.from) throw badRequest('to must not be before from');
    if (page === undefined && limit === undefined && cursor === undefined) {
      if (legacy && query.sort === undefined) return { appointments: this.bookingOrder(await this.repo.search(filter, '-createdAt', 1000, 0), audience) };
      return { appointments: (await this.repo.search(filter, sort, 1000, 0)).map(view) };
    }
    const size = limit ?? 20;
    // A cursor (keyset) costs the same at any depth; an OFFSET reads and drops every row before the page.
    if (cursor !== undefined && !(await this.repo.findById(cursor))) throw badRequest('cursor is not a known appointment: start again without it');
    const p = cursor === undefined ? (page ?? 1) : undefined;
    const [rows, total] = await Promise.all([
      this.repo.search(filter, sort, size, p === undefined ? 0 : (p - 1) * size, cursor),
      this.repo.countMatching(filter),
    ]);
    const nextCursor = rows.length === size ? rows[rows.length - 1].id : undefined;
    return { appointments: rows.map(view), total, page: p, limit: size, nextCursor };
  }

  async listForPatient(patientId: string): Promise<AppointmentView[]> {
    const rows = await this.repo.listForPatient(patientId);
    return this.config.legacyClients ? this.bookingOrder(rows) : rows.map((r) => this.view(r));
  }

  /**
   * The newest bookings of an unpaginated list (at most its 1000 newest), in booking order: the
   * order the original Prescripto apps expect (they reverse it), keeping the newest in the answer.
   */
  private bookingOrder(newestFirst: AppointmentRow[], audience: Audience = 'party'): AppointmentView[] {
    return newestFirst.map((r) => this.view(r, audience)).reverse();
  }

  async doctorDashboard(doctorId: string) {
    const [agg, latest] = await Promise.all([this.repo.doctorDashboard(doctorId), this.repo.listForDoctor(doctorId, LATEST)]);
    return {
      earnings: toMajor(agg.earnings),
      appointments: agg.appointments,
      patients: agg.patients,
      latestAppointments: latest.map((r) => this.view(r)),
    };
  }

  async adminDashboard() {
    const [agg, doctors, patients, latest] = await Promise.all([
      this.repo.adminDashboard(),
      this.doctors.count(),
      this.patients.count(),
      this.repo.list(undefined, LATEST),
    ]);
    return {
      doctors,
      appointments: agg.appointments,
      patients,
      latestAppointments: latest.map((r) => this.view(r, 'admin')),
      totalDoctors: doctors,
      totalAppointments: agg.appointments,
      totalPatients: patients,
      pendingAppointments: agg.pending,
      confirmedAppointments: agg.confirmed,
      completedAppointments: agg.completed,
      cancelledAppointments: agg.cancelled,
      totalRevenue: toMajor(agg.revenue),
    };
  }

  /** Live booked slots from today on, keyed by `YYYY-MM-DD` and legacy `d_m_yyyy`. */
  async slotsBooked(doctorIds?: string[]): Promise<Map<string, SlotsBooked>> {
    const now = this.clock.now();
    const from = new Date(now.getTime() - 24 * 3600_000);
    const out = new Map<string, SlotsBooked>();
    for (const r of await this.repo.bookedSlots(from, doctorIds, this.rules.expiredCutoff(now))) {
      let m = out.get(r.doctorId);
      if (!m) out.set(r.doctorId, (m = {}));
      for (const key of [r.slotDate, legacyDateKey(r.slotDate)]) (m[key] ??= []).push(r.slotTime);
    }
    return out;
  }
}
