// Booking rules: may this doctor be booked at this time, now? Kept apart from the service so the
// scheduling engine can grow (working hours, time off, notice, window) without touching booking.
import type { WorkingRange } from '../../config.js';
import type { Db } from '../../db/client.js';
import type { AppointmentRow, DoctorRow } from '../../db/schema.js';
import type { DomainEvent } from '../../lib/events.js';

export interface RequestedSlot {
  slotDate: string;
  /** minutes after local midnight in the doctor's zone */
  minutes: number;
  startsAt: Date;
}

/** One doctor's bookings overlapping an interval. */
export interface HoldScope {
  doctorId: string;
  from: Date;
  to: Date;
}

/**
 * Cancels (by the system) the unpaid bookings created at or before `cutoff` — in `scope`, or all of
 * them — and answers them. The appointments module's write, handed to the rules that decide when.
 */
export type ExpireHolds = (tx: Db, cutoff: Date, now: Date, scope?: HoldScope) => Promise<AppointmentRow[]>;

/** A doctor's working hours and time off near one date: what assertBookable reads. */
export interface ScheduleFacts {
  hours: WorkingRange[];
  timeOff: { start: Date; end: Date }[];
}

export interface BookingRules {
  /**
   * Throws an AppError naming the rule that refuses the slot. `facts`: the doctor's schedule read
   * ahead with `readSchedule` (read here when not given).
   */
  assertBookable(doctor: DoctorRow, slot: RequestedSlot, now: Date, facts?: Promise<ScheduleFacts>): Promise<void>;
  /**
   * The schedule facts of a doctor around a local date, by id alone: a booking reads them side by
   * side with the doctor and the patient instead of after them.
   */
  readSchedule(doctorId: string, slotDate: string): Promise<ScheduleFacts>;
  /**
   * Inside the booking transaction: frees slots held by unpaid bookings whose payment window ended.
   * Answers their `expired` events, for the caller to publish after its transaction commits.
   */
  releaseExpired(tx: Db, doctorId: string, from: Date, to: Date, now: Date): Promise<DomainEvent[]>;
  /**
   * The intervals that already hold time in the doctor's schedule overlapping [from, to): live
   * appointments (unpaid holds whose payment window ended left out) and open group sessions. With
   * `tx`, read inside that transaction.
   */
  busy(doctorId: string, from: Date, to: Date, now: Date, tx?: Db): Promise<{ start: Date; end: Date }[]>;
  /** Has this unpaid booking's payment window ended (so it no longer holds its slot)? */
  isExpired(row: Pick<AppointmentRow, 'status' | 'paid' | 'createdAt'>, now: Date): boolean;
  /** Unpaid bookings created at or before this instant no longer hold their slot; undefined: none expire. */
  expiredCutoff(now: Date): Date | undefined;
}
