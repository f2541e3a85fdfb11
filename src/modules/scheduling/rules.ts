// The real booking rules behind `BookingRules`: the same engine code that publishes slots decides
// whether a requested slot may be booked, and unpaid bookings whose payment window ended are
// released inside the booking transaction that needs their slot.
import type { Config, WorkingRange } from '../../config.js';
import type { Db } from '../../db/client.js';
import type { AppointmentRow, DoctorRow } from '../../db/schema.js';
import { AppError } from '../../lib/errors.js';
import type { DomainEvent, DomainEvents } from '../../lib/events.js';
import type { BookingRules, RequestedSlot } from '../appointments/rules.js';
import { bookingRefusal, timeRuleRefusal, type BookingPolicy, type DoctorSchedule } from './engine.js';
import type { ScheduleRepo } from './repo.js';

const DAY = 24 * 3600_000;

export function scheduleOf(doctor: DoctorRow, hours: WorkingRange[]): DoctorSchedule {
  return {
    timeZone: doctor.timeZone,
    slotMinutes: doctor.slotMinutes,
    slotIntervalMinutes: doctor.slotIntervalMinutes,
    bufferMinutes: doctor.bufferMinutes,
    available: doctor.available,
    hours,
  };
}

export function expiredEvent(row: AppointmentRow, at: Date): DomainEvent {
  return { kind: 'appointment', type: 'expired', appointmentId: row.id, doctorId: row.doctorId, patientId: row.patientId, status: row.status, actor: 'system', at };
}

export class SchedulingRules implements BookingRules {
  constructor(
    private readonly repo: ScheduleRepo,
    private readonly config: Config,
    private readonly events: DomainEvents,
  ) {}

  get policy(): BookingPolicy {
    const s = this.config.scheduling;
    return { minNoticeMinutes: s.minNoticeMinutes, maxAdvanceDays: s.maxAdvanceDays, allowWeekends: s.allowWeekends };
  }

  /** Unpaid bookings created at or before this instant no longer hold their slot (only with PAYMENT_REQUIRED). */
  expiredCutoff(now: Date): Date | undefined {
    return this.config.paymentRequired ? new Date(now.getTime() - this.config.paymentWindowMinutes * 60_000) : undefined;
  }

  isExpired(row: Pick<AppointmentRow, 'status' | 'paid' | 'createdAt'>, now: Date): boolean {
    const cutoff = this.expiredCutoff(now);
    return !!cutoff && row.status === 'pending' && !row.paid && row.createdAt.getTime() <= cutoff.getTime();
  }

  async assertBookable(doctor: DoctorRow, slot: RequestedSlot, now: Date): Promise<void> {
    // the cheap rules first: a slot in the past or years ahead is refused before any query
    const early = timeRuleRefusal(slot, this.policy, now);
    if (early) throw new AppError(early.status, early.message);
    const [hours, timeOff] = await Promise.all([
      this.repo.hours(doctor.id),
      this.repo.timeOff(doctor.id, new Date(slot.startsAt.getTime() - DAY), new Date(slot.startsAt.getTime() + 2 * DAY)),
    ]);
    const refusal = bookingRefusal(slot, scheduleOf(doctor, hours), timeOff.map((t) => ({ start: t.startsAt, end: t.endsAt })), this.policy, now);
    if (refusal) throw new AppError(refusal.status, refusal.message);
  }

  busy(doctorId: string, from: Date, to: Date, now: Date, tx?: Db): Promise<{ start: Date; end: Date }[]> {
    return this.repo.busy(doctorId, from, to, this.expiredCutoff(now), tx);
  }

  async releaseExpired(tx: Db, doctorId: string, from: Date, to: Date, now: Date): Promise<DomainEvent[]> {
    const cutoff = this.expiredCutoff(now);
    if (!cutoff) return [];
    // Recorded for the outbox inside the caller's transaction; published by the caller once that
    // transaction has committed (the sweep never sees these rows again: they are cancelled now).
    const released = (await this.repo.expire(tx, cutoff, now, { doctorId, from, to })).map((row) => expiredEvent(row, now));
    for (const event of released) await this.events.record(tx, event);
    return released;
  }
}
