// The real booking rules behind `BookingRules`: the same engine code that publishes slots decides
// whether a requested slot may be booked, and unpaid bookings whose payment window ended are
// released inside the booking transaction that needs their slot.
import type { Config, WorkingRange } from '../../config.js';
import type { Db } from '../../db/client.js';
import type { AppointmentRow, DoctorRow } from '../../db/schema.js';
import { AppError } from '../../lib/errors.js';
import type { DomainEvent, DomainEvents } from '../../lib/events.js';
import type { BookingRules, ExpireHolds, HoldScope, RequestedSlot, ScheduleFacts } from '../appointments/rules.js';
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
    private readonly expireHolds: ExpireHolds,
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

  async assertBookable(doctor: DoctorRow, slot: RequestedSlot, now: Date, facts?: Promise<ScheduleFacts>): Promise<void> {
    // the cheap rules first: a slot in the past or years ahead is refused before any query
    const early = timeRuleRefusal(slot, this.policy, now);
    if (early) throw new AppError(early.status, early.message);
    const { hours, timeOff } = await (facts ?? this.readSchedule(doctor.id, slot.slotDate));
    const refusal = bookingRefusal(slot, scheduleOf(doctor, hours), timeOff, this.policy, now);
    if (refusal) throw new AppError(refusal.status, refusal.message);
  }

  async readSchedule(doctorId: string, slotDate: string): Promise<ScheduleFacts> {
    // Time off overlapping the slot is what counts; whatever the doctor's zone (UTC-12 to +14), the
    // slot lies within two days before and four after the date's UTC midnight.
    const midnight = Date.parse(`${slotDate}T00:00:00Z`);
    return this.repo.facts(doctorId, new Date(midnight - 2 * DAY), new Date(midnight + 4 * DAY));
  }

  busy(doctorId: string, from: Date, to: Date, now: Date, tx?: Db): Promise<{ start: Date; end: Date }[]> {
    return this.repo.busy(doctorId, from, to, this.expiredCutoff(now), tx);
  }

  async releaseExpired(tx: Db, doctorId: string, from: Date, to: Date, now: Date): Promise<DomainEvent[]> {
    return (await this.release(tx, now, { doctorId, from, to })).events;
  }

  /**
   * Cancels the unpaid bookings whose payment window ended — in `scope`, or everywhere (the sweep) —
   * recording their `expired` events in `tx`. The caller publishes the events once `tx` has
   * committed (these rows are cancelled now: no later release sees them again).
   */
  async release(tx: Db, now: Date, scope?: HoldScope): Promise<{ rows: AppointmentRow[]; events: DomainEvent[] }> {
    const cutoff = this.expiredCutoff(now);
    if (!cutoff) return { rows: [], events: [] };
    const rows = await this.expireHolds(tx, cutoff, now, scope);
    const events = rows.map((row) => expiredEvent(row, now));
    for (const event of events) await this.events.record(tx, event);
    return { rows, events };
  }
}
