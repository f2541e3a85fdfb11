// Booking: a patient (or a doctor, for a series) takes time in a doctor's schedule. Every path
// resolves the requested time the same way (slot.ts), checks the booking rules (rules.ts), then
// writes under the schedule lock (locked.ts), where the exclusion constraint on
// `appointments.blocks` makes double booking impossible.
import type { Db } from '../../db/client.js';
import type { AppointmentRow, DoctorRow, GroupSessionRow } from '../../db/schema.js';
import type { Clock } from '../../lib/clock.js';
import { AppError, conflict, driverErrorOf, PG_CHECK_VIOLATION, PG_UNIQUE_VIOLATION, sqlState } from '../../lib/errors.js';
import type { DomainEvent } from '../../lib/events.js';
import { newId } from '../../lib/ids.js';
import { toMajor } from '../../lib/money.js';
import { formatSlotTime } from '../../lib/time.js';
import type { DoctorService } from '../doctors/service.js';
import type { PatientService } from '../patients/service.js';
import type { AppointmentEvents } from './events.js';
import { assertLive, LIVE } from './lifecycle.js';
import type { ScheduleLock } from './locked.js';
import { asWritten, namedDoctor, type BookingParties, type Parties } from './parties.js';
import { rescheduleRefusal } from './policy.js';
import type { AppointmentQueries } from './queries.js';
import type { AppointmentRepo } from './repo.js';
import type { BookingRules } from './rules.js';
import { parseRequested, slotColumns, slotOf, TAKEN, type BookInput, type ManyInput, type RequestedTime, type ResolvedSlot, type SlotAvailability } from './slot.js';
import type { AppointmentView, AppointmentViews } from './view.js';

/** SQLSTATE the place-counting trigger raises for a session that is not open (migration 1701) */
const GROUP_SESSION_CLOSED = 'GS001';

/** What the caller runs inside the booking's transaction. */
interface BookingHooks {
  /** after the locks, before the rows are written (the caller's own checks and rows) */
  prepare?: (tx: Db) => Promise<void>;
  /** once the rows are written: what it records commits or rolls back with the booking */
  inTransaction?: (tx: Db, booked: AppointmentView[]) => Promise<void>;
}

export class AppointmentService {
  constructor(
    private readonly repo: AppointmentRepo,
    private readonly queries: AppointmentQueries,
    private readonly lock: ScheduleLock,
    private readonly views: AppointmentViews,
    private readonly events: AppointmentEvents,
    private readonly parties: Parties,
    private readonly patients: PatientService,
    private readonly doctors: DoctorService,
    private readonly rules: BookingRules,
    private readonly clock: Clock,
  ) {}

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
    // the doctor's schedule is read side by side with the doctor and the patient (one wait, not two)
    const schedule = this.rules.readSchedule(input.docId, requested.slotDate);
    schedule.catch(() => {}); // awaited by assertBookable, unless the parties are refused first
    const p = await this.parties.resolve(patientId, input.docId, input.mode);
    const slot = slotOf(p.doctor, requested);
    const now = this.clock.now();
    await this.rules.assertBookable(p.doctor, slot, now, schedule);
    const [row] = await this.bookSlots(p, [slot], 'patient', now, 'Slot not available', {
      prepare: opts.beforeInsert,
      inTransaction: opts.inTransaction && ((tx, [view]) => opts.inTransaction!(tx, view)),
    });
    return this.views.of(row);
  }

  /**
   * Which of several times with one doctor could be booked now, and why not: the booking rules of
   * each (working hours, time off, notice, window), then whether its interval is free. Nothing is
   * locked or written: the answer may be out of date by the time the patient confirms.
   */
  async previewMany(patientId: string, input: ManyInput): Promise<SlotAvailability[]> {
    const p = await this.parties.resolve(patientId, input.docId, input.mode);
    const slots = input.slots.map((s) => slotOf(p.doctor, parseRequested(s)));
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
   * bookSlots). Each time must pass the booking rules; under the locks, times someone else holds
   * now are named in one 409 and nothing is booked. `prepare` writes the caller's own rows (the
   * series) in the same transaction, before the appointments that refer to them.
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
    const p = await this.parties.resolve(patientId, input.docId, input.mode);
    const slots = input.slots.map((s) => slotOf(p.doctor, parseRequested(s)));
    const now = this.clock.now();
    for (const slot of slots) {
      const refusal = await this.refusalOf(p.doctor, slot, now);
      if (refusal) throw new AppError(refusal.status, `${slot.slotDate}: ${refusal.message}`);
    }
    const rows = await this.bookSlots(p, slots, opts.actor, now, 'One of the chosen times was taken meanwhile; nothing was booked', {
      prepare: async (tx) => {
        // every writer of this doctor's schedule queues on the lock taken first: what is free now stays free until commit
        const taken: string[] = [];
        for (const slot of slots) if ((await this.rules.busy(p.doctor.id, slot.startsAt, slot.holdUntil, now, tx)).length > 0) taken.push(slot.slotDate);
        if (taken.length) throw conflict(`Taken meanwhile: ${taken.join(', ')}. Nothing was booked; preview again and choose the free dates`);
        await opts.prepare(tx, p.doctor);
      },
      inTransaction: opts.inTransaction,
    }, opts.seriesId);
    return rows.map((r) => this.views.of(r));
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
    const row = await this.lock.run({ doctorId: doctor.id, booking: { patientId, now }, overlap: 'Slot not available', refusal: groupSessionRefusal }, async (tx) => {
      const created = await this.repo.insert(
        {
          id: newId(now), patientId, doctorId: doctor.id, slotDate: session.slotDate, slotTime: session.slotTime,
          startsAt: session.startsAt, endsAt: session.endsAt, blocks, userData: this.patients.view(patient),
          docData: this.parties.docSnapshot(doctor, toMajor(session.feeMinor)),
          amountMinor: session.feeMinor, currency: session.currency, status: 'pending', paid: false, mode: 'in_person',
          videoRoom: null, groupSessionId: session.id, createdAt: now,
        },
        tx,
      );
      await this.events.record(tx, created, 'booked', 'patient', { patient: { id: patient.id, name: patient.name, email: patient.email }, doctor: namedDoctor(doctor) });
      return created;
    });
    await this.events.publish(row, 'booked', 'patient');
    return this.views.of(row);
  }

  /**
   * Moves a live appointment to another published slot in one transaction: the row's slot and
   * `blocks` change together, so the exclusion constraint either accepts the new interval or the
   * whole move fails and the old slot stays held.
   */
  async reschedule(id: string, patientId: string, input: RequestedTime): Promise<AppointmentView> {
    const current = await this.queries.getFor(id, 'patient', patientId);
    assertLive(current, 'rescheduled');
    if (current.groupSessionId) throw conflict('A place in a group session cannot be rescheduled: cancel it and book another session');
    const now = this.clock.now();
    if (this.rules.isExpired(current, now)) throw conflict('The payment window of this appointment has ended; please book again');
    if (current.startsAt.getTime() <= now.getTime()) throw conflict('Appointment has already started and cannot be rescheduled');
    const refusal = rescheduleRefusal(current, now);
    if (refusal) throw conflict(refusal);
    const requested = parseRequested(input);
    const doctor = await this.doctors.get(current.doctorId);
    const slot = slotOf(doctor, requested);
    if (slot.startsAt.getTime() === current.startsAt.getTime()) throw conflict('The appointment is already at that time');
    await this.rules.assertBookable(doctor, slot, now);
    let released: DomainEvent[] = [];
    const row = await this.lock.run({ doctorId: doctor.id, overlap: 'Slot not available' }, async (tx) => {
      released = await this.rules.releaseExpired(tx, doctor.id, slot.startsAt, slot.holdUntil, now);
      // paid may have changed since `current` was read: decide on the locked row
      const locked = await this.repo.findForUpdate(id, tx);
      const lateRefusal = locked && rescheduleRefusal(locked, now);
      if (lateRefusal) throw conflict(lateRefusal);
      const updated = await this.repo.transition(id, LIVE, slotColumns(slot), tx);
      if (updated) await this.events.record(tx, updated, 'rescheduled', 'patient');
      return updated;
    });
    await this.events.publishAll(released); // committed, whatever became of the move itself
    if (!row) {
      assertLive(await this.queries.get(id), 'rescheduled');
      throw conflict('Appointment changed meanwhile, please retry');
    }
    await this.events.publish(row, 'rescheduled', 'patient');
    return this.views.of(row);
  }

  /** Queues writers of one doctor's schedule for the rest of `tx` (see AppointmentRepo.lockDoctorSchedule). */
  lockSchedule(doctorId: string, tx: Db): Promise<void> {
    return this.repo.lockDoctorSchedule(doctorId, tx);
  }

  /**
   * The booking of one or more slots with one doctor, in one transaction under the doctor's and the
   * patient's locks, within the patient's booking caps (a series counts as one booking): release of
   * expired holds over the slots, `prepare`, then the rows and their `booked` events, then
   * `inTransaction`. Nothing is written unless everything is. A single slot with no hold that can
   * have expired and no `prepare` has nothing to do between the locks and its row: its INSERT takes
   * them (ScheduleLock.insert), one round trip fewer.
   */
  private async bookSlots(p: BookingParties, slots: ResolvedSlot[], actor: 'patient' | 'doctor', now: Date, overlap: string, hooks: BookingHooks, seriesId?: string): Promise<AppointmentRow[]> {
    const scope = { doctorId: p.doctor.id, booking: { patientId: p.patientId, now }, overlap };
    const named = this.parties.named(p);
    const recorded = async (tx: Db, row: AppointmentRow) => {
      await this.events.record(tx, row, 'booked', actor, named);
      return row;
    };
    const finished = async (tx: Db, created: AppointmentRow[]) => {
      await hooks.inTransaction?.(tx, created.map((r) => this.views.stored(r, now)));
      return created;
    };
    let released: DomainEvent[] = [];
    let rows: AppointmentRow[];
    const single = slots.length === 1 && !hooks.prepare && !this.rules.expiredCutoff(now) ? this.parties.row(p, slots[0], now, seriesId) : undefined;
    // one statement when no listener needs an answer and no caller writes in the transaction
    const writes = single && !hooks.inTransaction ? this.events.writesOf(asWritten({ ...single, createdAt: now }), 'booked', actor, named) : null;
    if (single && writes) {
      rows = [await this.lock.insertWith(scope, single, writes)];
    } else if (single) {
      rows = await this.lock.insert(scope, single, async (tx, row) => finished(tx, [await recorded(tx, row)]));
    } else {
      rows = await this.lock.run(scope, async (tx) => {
        released = [];
        for (const slot of slots) released.push(...(await this.rules.releaseExpired(tx, p.doctor.id, slot.startsAt, slot.holdUntil, now)));
        await hooks.prepare?.(tx);
        const created: AppointmentRow[] = [];
        for (const slot of slots) created.push(await recorded(tx, await this.repo.insert(this.parties.row(p, slot, now, seriesId), tx)));
        return finished(tx, created);
      });
    }
    await this.events.publishAll(released);
    for (const row of rows) await this.events.publish(row, 'booked', actor);
    return rows;
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
}

/** The group-session refusals of the database (capacity, one place per patient, session closed). */
function groupSessionRefusal(err: unknown): AppError | undefined {
  const state = sqlState(err);
  if (state === PG_CHECK_VIOLATION && driverErrorOf(err)?.constraint === 'group_sessions_capacity') return conflict('This group session is full');
  if (state === PG_UNIQUE_VIOLATION) return conflict('You already have a place in this group session');
  if (state === GROUP_SESSION_CLOSED) return conflict('This group session is cancelled');
  return undefined;
}
