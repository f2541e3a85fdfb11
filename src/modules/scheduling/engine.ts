// The scheduling engine: which slots a doctor publishes and which booking rule refuses a slot.
// Pure functions (no clock, no I/O) so listing and booking share one source of truth and the
// edges (DST, exactly 1 h ahead, exactly 30 days, last slot of a day, breaks) are unit-tested.
import type { WorkingRange } from '../../config.js';
import { addDays, formatSlotTime, weekdayOf, zonedInstant } from '../../lib/time.js';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/** A doctor's own scheduling settings. */
export interface DoctorSchedule {
  timeZone: string;
  slotMinutes: number;
  slotIntervalMinutes: number;
  bufferMinutes: number;
  available: boolean;
  hours: WorkingRange[];
}

/** Platform-wide booking rules (configuration). */
export interface BookingPolicy {
  minNoticeMinutes: number;
  maxAdvanceDays: number;
  allowWeekends: boolean;
}

/** A half-open interval [start, end) of instants. */
export interface Interval {
  start: Date;
  end: Date;
}

export interface Slot {
  slotDate: string;
  /** minutes after local midnight in the doctor's zone */
  minutes: number;
  slotTime: string;
  startsAt: Date;
  endsAt: Date;
}

export interface Refusal {
  status: 400 | 409;
  message: string;
}

export const isWeekend = (date: string): boolean => {
  const wd = weekdayOf(date);
  return wd === 0 || wd === 6;
};

export const overlapsAny = (a: Interval, list: Interval[]): boolean =>
  list.some((b) => a.start.getTime() < b.end.getTime() && b.start.getTime() < a.end.getTime());

/**
 * The slot grid of one local date: a slot starts every `slotIntervalMinutes` from the start of each
 * working range and must end inside it. Wall-clock times a daylight-saving jump skips do not exist
 * and give no slot; each wall-clock time gives at most one slot (its first occurrence), so nothing
 * is duplicated when clocks go back. The end is measured in real elapsed time.
 */
export function daySlots(date: string, s: Pick<DoctorSchedule, 'timeZone' | 'slotMinutes' | 'slotIntervalMinutes' | 'hours'>): Slot[] {
  const weekday = weekdayOf(date);
  const ranges = s.hours.filter((h) => h.weekday === weekday).sort((a, b) => a.start - b.start);
  const out: Slot[] = [];
  for (const r of ranges) {
    for (let m = r.start; m + s.slotMinutes <= r.end; m += s.slotIntervalMinutes) {
      const startsAt = zonedInstant(date, m, s.timeZone);
      if (!startsAt) continue;
      out.push({ slotDate: date, minutes: m, slotTime: formatSlotTime(m), startsAt, endsAt: new Date(startsAt.getTime() + s.slotMinutes * MINUTE) });
    }
  }
  return out;
}

/** The time rules every booking obeys: future, minimum notice, booking window, weekends. */
export function timeRuleRefusal(slot: { slotDate: string; startsAt: Date }, policy: BookingPolicy, now: Date): Refusal | null {
  const ahead = slot.startsAt.getTime() - now.getTime();
  if (ahead <= 0) return { status: 400, message: 'Appointments can only be booked for a future time' };
  if (ahead < policy.minNoticeMinutes * MINUTE) {
    return { status: 400, message: `Appointments must be booked at least ${describeMinutes(policy.minNoticeMinutes)} ahead` };
  }
  if (ahead > policy.maxAdvanceDays * DAY) {
    return { status: 400, message: `Appointments can be booked at most ${policy.maxAdvanceDays} days ahead` };
  }
  if (!policy.allowWeekends && isWeekend(slot.slotDate)) return { status: 400, message: 'Weekend bookings are not available' };
  return null;
}

/**
 * Why a requested slot cannot be booked, or null when it is a published slot. Overlap with other
 * bookings is not checked here: the database constraint decides that atomically.
 */
export function bookingRefusal(
  requested: { slotDate: string; minutes: number; startsAt: Date },
  s: DoctorSchedule,
  timeOff: Interval[],
  policy: BookingPolicy,
  now: Date,
): Refusal | null {
  const timeRule = timeRuleRefusal(requested, policy, now);
  if (timeRule) return timeRule;
  if (!s.available) return { status: 409, message: 'Doctor not available' };
  const slot = daySlots(requested.slotDate, s).find((x) => x.minutes === requested.minutes);
  if (!slot) {
    const weekday = weekdayOf(requested.slotDate);
    const range = s.hours.find((h) => h.weekday === weekday && requested.minutes >= h.start && requested.minutes + s.slotMinutes <= h.end);
    const time = formatSlotTime(requested.minutes);
    if (!range) return { status: 400, message: `${time} on ${requested.slotDate} is outside the doctor's working hours` };
    return {
      status: 400,
      message: `${time} is not a published slot: slots start every ${s.slotIntervalMinutes} minutes from ${formatSlotTime(range.start)}`,
    };
  }
  if (overlapsAny({ start: slot.startsAt, end: slot.endsAt }, timeOff)) return { status: 400, message: `The doctor is not working at ${slot.slotTime} on ${slot.slotDate} (time off)` };
  return null;
}

export interface SlotQuery {
  from: string;
  to: string;
  schedule: DoctorSchedule;
  policy: BookingPolicy;
  timeOff: Interval[];
  /** intervals held by live bookings (each already includes its buffer) */
  busy: Interval[];
  now: Date;
}

/** Exactly the slots that can be booked now between two local dates (inclusive). */
export function freeSlots(q: SlotQuery): Slot[] {
  if (!q.schedule.available) return [];
  const buffer = q.schedule.bufferMinutes * MINUTE;
  const out: Slot[] = [];
  for (let date = q.from; date <= q.to; date = addDays(date, 1)) {
    for (const slot of daySlots(date, q.schedule)) {
      if (timeRuleRefusal(slot, q.policy, q.now)) continue;
      if (overlapsAny({ start: slot.startsAt, end: slot.endsAt }, q.timeOff)) continue;
      // a new booking would hold [start, end + buffer): the same interval the database constraint checks
      if (overlapsAny({ start: slot.startsAt, end: new Date(slot.endsAt.getTime() + buffer) }, q.busy)) continue;
      out.push(slot);
    }
  }
  return out;
}

/** Days between two YYYY-MM-DD dates (to − from). */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY);
}

function describeMinutes(m: number): string {
  if (m % 60 === 0) return m === 60 ? '1 hour' : `${m / 60} hours`;
  return `${m} minutes`;
}

/** `HH:MM` (24 h, `24:00` allowed as an end) → minutes, or null. */
export function parseClock(v: string): number | null {
  const m = /^(\d{2}):(\d{2})$/.exec(v);
  if (!m) return null;
  const h = Number(m[1]);
  const min = Number(m[2]);
  if (min > 59 || h > 24 || (h === 24 && min !== 0)) return null;
  return h * 60 + min;
}

/** minutes → `HH:MM` (24 h). */
export const formatClock = (minutes: number): string =>
  `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
