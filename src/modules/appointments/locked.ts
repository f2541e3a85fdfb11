// The one way a booking-like change of a doctor's schedule runs: in a transaction that first takes
// the doctor's schedule lock (and the patient's, when a patient's booking caps are counted), run
// again whole when PostgreSQL picks it as a deadlock victim, with the database's refusals turned
// into clear answers. The exclusion constraint on `appointments.blocks` is what makes double
// booking impossible; this turns its refusal into a 409.
import type { Db } from '../../db/client.js';
import { AppError, conflict, notFound, PG_EXCLUSION_VIOLATION, PG_PATIENT_DELETED, sqlState } from '../../lib/errors.js';
import type { AppointmentRepo } from './repo.js';
import { retryDeadlocks } from './retry.js';

export interface LockScope {
  doctorId: string;
  /** also lock this patient's bookings (their live count cannot race) */
  patientId?: string;
  /** the 409 message when the interval is taken */
  overlap: string;
  /** other refusals of the database this change can meet, as answers (undefined: not one of them) */
  refusal?: (err: unknown) => AppError | undefined;
}

export class ScheduleLock {
  constructor(
    private readonly db: Db,
    private readonly repo: AppointmentRepo,
  ) {}

  async run<T>(scope: LockScope, work: (tx: Db) => Promise<T>): Promise<T> {
    try {
      return await retryDeadlocks(() => this.db.transaction(async (tx) => {
        if (scope.patientId === undefined) await this.repo.lockDoctorSchedule(scope.doctorId, tx);
        else await this.repo.lockBooking(scope.doctorId, scope.patientId, tx);
        return work(tx);
      }));
    } catch (err) {
      const state = sqlState(err);
      if (state === PG_EXCLUSION_VIOLATION) throw conflict(scope.overlap);
      // the account was deleted while this booking was on its way (migration 1950)
      if (state === PG_PATIENT_DELETED) throw notFound('User not found');
      throw scope.refusal?.(err) ?? err;
    }
  }
}
