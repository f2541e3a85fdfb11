// The one way a booking-like change of a doctor's schedule runs: in a transaction that first takes
// the doctor's schedule lock (and, for a patient's new booking, the patient's lock and booking caps),
// run again whole when PostgreSQL picks it as a deadlock victim, with the database's refusals
// turned into clear answers. The exclusion constraint on `appointments.blocks` is what makes
// double booking impossible; this turns its refusal into a 409.
import type { Config } from '../../config.js';
import type { Db } from '../../db/client.js';
import type { RecordedWrites } from '../../lib/events.js';
import { AppError, conflict, notFound, PG_EXCLUSION_VIOLATION, PG_PATIENT_DELETED, sqlState } from '../../lib/errors.js';
import type { AppointmentRow } from '../../db/schema.js';
import { BOOKING_CAP, BOOKING_CAP_WITH_DOCTOR, type AppointmentRepo, type NewAppointment } from './repo.js';
import { retryDeadlocks } from './retry.js';
import type { BookingRules } from './rules.js';

export interface LockScope {
  doctorId: string;
  /**
   * A new booking of this patient: their lock is taken too and their upcoming bookings are held to
   * the caps as of `now` (a series counts once)
   */
  booking?: { patientId: string; now: Date };
  /** the 409 message when the interval is taken */
  overlap: string;
  /** other refusals of the database this change can meet, as answers (undefined: not one of them) */
  refusal?: (err: unknown) => AppError | undefined;
}

export class ScheduleLock {
  constructor(
    private readonly db: Db,
    private readonly repo: AppointmentRepo,
    private readonly rules: BookingRules,
    private readonly config: Config,
  ) {}

  async run<T>(scope: LockScope, work: (tx: Db) => Promise<T>): Promise<T> {
    return this.answering(scope, () => this.db.transaction(async (tx) => {
      const b = scope.booking;
      if (b === undefined) await this.repo.lockDoctorSchedule(scope.doctorId, tx);
      else await this.repo.lockBooking(scope.doctorId, b.patientId, this.caps(b.now), tx);
      return work(tx);
    }));
  }

  /**
   * A patient's booking of one slot with nothing to check or write between the locks and the row
   * (no hold to release, no caller's rows): the locks and the caps are taken by the row's INSERT
   * itself (AppointmentRepo.insertLocked), one round trip instead of two. `then` runs next, in the
   * same transaction. The row is created at `scope.booking.now`.
   */
  async insert<T>(scope: LockScope & { booking: { patientId: string; now: Date } }, row: NewAppointment, then: (tx: Db, created: AppointmentRow) => Promise<T>): Promise<T> {
    return this.answering(scope, () => this.db.transaction(async (tx) => then(tx, await this.repo.insertLocked(row, this.caps(scope.booking.now), tx))));
  }

  /**
   * `insert` with the listeners' writes (DomainEvents.writesOf) in the row's own statement
   * (AppointmentRepo.insertLockedWith): no transaction to open or commit, one round trip in all.
   * `writes.written` runs once it committed.
   */
  async insertWith(scope: LockScope & { booking: { patientId: string; now: Date } }, row: NewAppointment, writes: RecordedWrites): Promise<AppointmentRow> {
    const created = await this.answering(scope, () => this.repo.insertLockedWith(row, this.caps(scope.booking.now), writes.statements));
    writes.written?.();
    return created;
  }

  /** Runs `transaction` again when it was a deadlock victim, and turns the database's refusals into answers. */
  private async answering<T>(scope: LockScope, transaction: () => Promise<T>): Promise<T> {
    try {
      return await retryDeadlocks(transaction);
    } catch (err) {
      const state = sqlState(err);
      if (state === PG_EXCLUSION_VIOLATION) throw conflict(scope.overlap);
      // the account was deleted while this booking was on its way (migration 1950)
      if (state === PG_PATIENT_DELETED) throw notFound('User not found');
      if (state === BOOKING_CAP_WITH_DOCTOR) throw capReached(this.config.scheduling.maxLiveBookingsPerPatientPerDoctor, ' with this doctor');
      if (state === BOOKING_CAP) throw capReached(this.config.scheduling.maxLiveBookingsPerPatient, '');
      throw scope.refusal?.(err) ?? err;
    }
  }

  /**
   * Slot hoarding (one patient booking a doctor's whole week): a patient holds at most a configured
   * number of upcoming appointments, overall and with one doctor.
   */
  private caps(now: Date) {
    const { maxLiveBookingsPerPatient: overall, maxLiveBookingsPerPatientPerDoctor: perDoctor } = this.config.scheduling;
    return { now, expiredCutoff: this.rules.expiredCutoff(now), perDoctor, overall };
  }
}

function capReached(cap: number, withWhom: string): AppError {
  return conflict(`You already have ${cap} upcoming ${cap === 1 ? 'appointment' : 'appointments'}${withWhom}: cancel one, or book again after one has taken place`);
}
