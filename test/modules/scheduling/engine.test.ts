// Unit tests of the pure scheduling engine: slot grid, breaks, buffer, booking rules and their
// edges, and daylight-saving transitions. No database, no HTTP.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { WorkingRange } from '../../../src/config.js';
import { parseWorkingHours } from '../../../src/config.js';
import {
  bookingRefusal, daySlots, freeSlots, parseClock, timeRuleRefusal, type BookingPolicy, type DoctorSchedule, type Interval,
} from '../../../src/modules/scheduling/engine.js';
import { parseSlotTime, zonedInstant } from '../../../src/lib/time.js';

const policy: BookingPolicy = { minNoticeMinutes: 60, maxAdvanceDays: 30, allowWeekends: false };
const weekendsToo: BookingPolicy = { ...policy, allowWeekends: true };
const kolkata = (hours: WorkingRange[] = parseWorkingHours('1-5 10:00-21:00'), over: Partial<DoctorSchedule> = {}): DoctorSchedule => ({
  timeZone: 'Asia/Kolkata', slotMinutes: 30, slotIntervalMinutes: 30, bufferMinutes: 15, available: true, hours, ...over,
});
const at = (iso: string) => new Date(iso);
const t = (label: string) => parseSlotTime(label)!;
const req = (date: string, label: string, tz = 'Asia/Kolkata') => ({ slotDate: date, minutes: t(label), startsAt: zonedInstant(date, t(label), tz)! });
// Monday 2026-01-05, 10:00 in Kolkata
const MON_10 = at('2026-01-05T04:30:00Z');

describe('scheduling engine: the slot grid', () => {
  it('default hours give 22 half-hour slots, 10:00 AM to the last one at 08:30 PM', () => {
    const slots = daySlots('2026-01-06', kolkata());
    assert.equal(slots.length, 22);
    assert.equal(slots[0].slotTime, '10:00 AM');
    assert.equal(slots.at(-1)!.slotTime, '08:30 PM');
    assert.equal(slots.at(-1)!.endsAt.toISOString(), '2026-01-06T15:30:00.000Z'); // 21:00 IST: the last slot ends at closing
    assert.equal(slots[0].startsAt.toISOString(), '2026-01-06T04:30:00.000Z');
  });

  it('no working hours on a weekday means no slots', () => {
    assert.deepEqual(daySlots('2026-01-10', kolkata()), []); // Saturday
  });

  it('breaks are gaps between ranges; the grid restarts at each range start', () => {
    const s = kolkata(parseWorkingHours('2 10:00-13:00,14:15-16:00'));
    const times = daySlots('2026-01-06', s).map((x) => x.slotTime);
    assert.deepEqual(times, ['10:00 AM', '10:30 AM', '11:00 AM', '11:30 AM', '12:00 PM', '12:30 PM', '02:15 PM', '02:45 PM', '03:15 PM']);
  });

  it('a longer slot than the interval overlaps the grid and must still end inside the range', () => {
    const s = kolkata(parseWorkingHours('2 10:00-12:00'), { slotMinutes: 45, slotIntervalMinutes: 30 });
    assert.deepEqual(daySlots('2026-01-06', s).map((x) => x.slotTime), ['10:00 AM', '10:30 AM', '11:00 AM']);
  });

  it('a booking at 10:00 takes 9:30, 10:00 and 10:30 off the list; 11:00 stays (30-min slots, 15-min buffer)', () => {
    const s = kolkata(parseWorkingHours('2 09:00-12:00'));
    const start = at('2026-01-06T04:30:00Z'); // 10:00 IST
    const busy: Interval[] = [{ start, end: new Date(start.getTime() + 45 * 60_000) }];
    const times = freeSlots({ from: '2026-01-06', to: '2026-01-06', schedule: s, policy, timeOff: [], busy, now: MON_10 }).map((x) => x.slotTime);
    assert.deepEqual(times, ['09:00 AM', '11:00 AM', '11:30 AM']);
  });

  it('time off removes exactly the slots it overlaps', () => {
    const s = kolkata(parseWorkingHours('2 10:00-12:00'));
    const timeOff: Interval[] = [{ start: at('2026-01-06T05:00:00Z'), end: at('2026-01-06T05:45:00Z') }]; // 10:30–11:15 IST
    const times = freeSlots({ from: '2026-01-06', to: '2026-01-06', schedule: s, policy, timeOff, busy: [], now: MON_10 }).map((x) => x.slotTime);
    assert.deepEqual(times, ['10:00 AM', '11:30 AM']);
  });

  it('an unavailable doctor publishes nothing', () => {
    assert.deepEqual(freeSlots({ from: '2026-01-06', to: '2026-01-09', schedule: kolkata(undefined, { available: false }), policy, timeOff: [], busy: [], now: MON_10 }), []);
  });

  it('parses HH:MM clock times, with 24:00 as the end of a day', () => {
    assert.equal(parseClock('09:30'), 570);
    assert.equal(parseClock('24:00'), 1440);
    assert.equal(parseClock('24:30'), null);
    assert.equal(parseClock('9:30'), null);
    assert.equal(parseClock('10:60'), null);
  });
});

describe('scheduling engine: booking rules and their edges', () => {
  const s = kolkata();

  it('in the past or right now: refused as not in the future', () => {
    assert.deepEqual(bookingRefusal(req('2026-01-05', '10:00 AM'), s, [], policy, MON_10), { status: 400, message: 'Appointments can only be booked for a future time' });
  });

  it('exactly 1 hour ahead is allowed; 30 minutes ahead is refused by the notice rule', () => {
    assert.equal(bookingRefusal(req('2026-01-05', '11:00 AM'), s, [], policy, MON_10), null);
    assert.deepEqual(bookingRefusal(req('2026-01-05', '10:30 AM'), s, [], policy, MON_10), { status: 400, message: 'Appointments must be booked at least 1 hour ahead' });
  });

  it('exactly 30 days ahead is allowed; one slot later is refused by the booking window', () => {
    assert.equal(bookingRefusal(req('2026-02-04', '10:00 AM'), s, [], policy, MON_10), null);
    assert.deepEqual(bookingRefusal(req('2026-02-04', '10:30 AM'), s, [], policy, MON_10), { status: 400, message: 'Appointments can be booked at most 30 days ahead' });
  });

  it('the listing applies the same edges: first slot exactly 1 h ahead, last slot exactly 30 days ahead', () => {
    const slots = freeSlots({ from: '2026-01-05', to: '2026-02-05', schedule: s, policy, timeOff: [], busy: [], now: MON_10 });
    assert.equal(`${slots[0].slotDate} ${slots[0].slotTime}`, '2026-01-05 11:00 AM');
    assert.equal(`${slots.at(-1)!.slotDate} ${slots.at(-1)!.slotTime}`, '2026-02-04 10:00 AM');
    for (const slot of slots) assert.equal(bookingRefusal(slot, s, [], policy, MON_10), null, `${slot.slotDate} ${slot.slotTime}`);
  });

  it('weekends are refused unless enabled', () => {
    const sat = kolkata(parseWorkingHours('1-6 10:00-21:00'));
    assert.deepEqual(bookingRefusal(req('2026-01-10', '10:00 AM'), sat, [], policy, MON_10), { status: 400, message: 'Weekend bookings are not available' });
    assert.equal(bookingRefusal(req('2026-01-10', '10:00 AM'), sat, [], weekendsToo, MON_10), null);
  });

  it('the last slot of the day is bookable; the closing time is outside working hours', () => {
    assert.equal(bookingRefusal(req('2026-01-06', '08:30 PM'), s, [], policy, MON_10), null);
    assert.deepEqual(bookingRefusal(req('2026-01-06', '09:00 PM'), s, [], policy, MON_10), { status: 400, message: "09:00 PM on 2026-01-06 is outside the doctor's working hours" });
  });

  it('break boundary: the slot ending at the break is fine, the break itself is not', () => {
    const withBreak = kolkata(parseWorkingHours('1-5 10:00-13:00,14:00-18:00'));
    assert.equal(bookingRefusal(req('2026-01-06', '12:30 PM'), withBreak, [], policy, MON_10), null);
    assert.equal(bookingRefusal(req('2026-01-06', '01:00 PM'), withBreak, [], policy, MON_10)?.message, "01:00 PM on 2026-01-06 is outside the doctor's working hours");
    assert.equal(bookingRefusal(req('2026-01-06', '02:00 PM'), withBreak, [], policy, MON_10), null);
  });

  it('a time inside the hours but off the grid is not a published slot', () => {
    assert.deepEqual(bookingRefusal(req('2026-01-06', '10:10 AM'), s, [], policy, MON_10), {
      status: 400, message: '10:10 AM is not a published slot: slots start every 30 minutes from 10:00 AM',
    });
  });

  it('time off and an unavailable doctor are refused with their own messages', () => {
    const off: Interval[] = [{ start: at('2026-01-06T00:00:00Z'), end: at('2026-01-07T00:00:00Z') }];
    assert.equal(bookingRefusal(req('2026-01-06', '11:00 AM'), s, off, policy, MON_10)?.message, 'The doctor is not working at 11:00 AM on 2026-01-06 (time off)');
    assert.deepEqual(bookingRefusal(req('2026-01-06', '11:00 AM'), kolkata(undefined, { available: false }), [], policy, MON_10), { status: 409, message: 'Doctor not available' });
  });

  it('the time rules come first, so a past slot says so whatever else is wrong', () => {
    assert.equal(timeRuleRefusal({ slotDate: '2026-01-03', startsAt: at('2026-01-03T05:00:00Z') }, policy, MON_10)?.message, 'Appointments can only be booked for a future time');
  });
});

describe('scheduling engine: daylight saving (America/New_York)', () => {
  const ny = (hours: string): DoctorSchedule => ({
    timeZone: 'America/New_York', slotMinutes: 30, slotIntervalMinutes: 30, bufferMinutes: 15, available: true, hours: parseWorkingHours(hours),
  });

  it('spring forward (2026-03-08): the skipped 2:00–3:00 gives no slot; real time is covered without gaps or duplicates', () => {
    const slots = daySlots('2026-03-08', ny('0 00:00-05:00'));
    assert.deepEqual(slots.map((x) => x.slotTime), ['12:00 AM', '12:30 AM', '01:00 AM', '01:30 AM', '03:00 AM', '03:30 AM', '04:00 AM', '04:30 AM']);
    const starts = slots.map((x) => x.startsAt.getTime());
    assert.equal(new Set(starts).size, starts.length);
    for (let i = 1; i < starts.length; i++) assert.equal(starts[i] - starts[i - 1], 30 * 60_000, 'consecutive in real time');
    assert.equal(slots[4].startsAt.toISOString(), '2026-03-08T07:00:00.000Z'); // 3:00 EDT
  });

  it('fall back (2026-11-01): every wall-clock slot appears once, in increasing real time', () => {
    const slots = daySlots('2026-11-01', ny('0 00:00-04:00'));
    assert.deepEqual(slots.map((x) => x.slotTime), ['12:00 AM', '12:30 AM', '01:00 AM', '01:30 AM', '02:00 AM', '02:30 AM', '03:00 AM', '03:30 AM']);
    const starts = slots.map((x) => x.startsAt.getTime());
    assert.deepEqual([...starts].sort((a, b) => a - b), starts);
    assert.equal(new Set(slots.map((x) => x.slotTime)).size, slots.length);
    assert.equal(slots[3].startsAt.toISOString(), '2026-11-01T05:30:00.000Z'); // 1:30 EDT, the first occurrence
    assert.equal(slots[4].startsAt.toISOString(), '2026-11-01T07:00:00.000Z'); // 2:00 EST
  });

  it('a normal weekday around the transitions keeps all 22 default slots', () => {
    assert.equal(daySlots('2026-03-09', ny('1-5 10:00-21:00')).length, 22);
    assert.equal(daySlots('2026-11-02', ny('1-5 10:00-21:00')).length, 22);
  });

  it('the 1-hour rule is measured in real elapsed time across spring forward', () => {
    const s = ny('0 00:00-05:00');
    const now = at('2026-03-08T06:30:00Z'); // 1:30 EST; 3:00 EDT is only 30 real minutes later
    assert.equal(bookingRefusal(req('2026-03-08', '03:00 AM', s.timeZone), s, [], weekendsToo, now)?.message, 'Appointments must be booked at least 1 hour ahead');
    assert.equal(bookingRefusal(req('2026-03-08', '03:30 AM', s.timeZone), s, [], weekendsToo, now), null); // exactly 1 h
    const listed = freeSlots({ from: '2026-03-08', to: '2026-03-08', schedule: s, policy: weekendsToo, timeOff: [], busy: [], now });
    assert.deepEqual(listed.map((x) => x.slotTime), ['03:30 AM', '04:00 AM', '04:30 AM']);
  });

  it('the 1-hour rule is measured in real elapsed time across fall back', () => {
    const s = ny('0 00:00-04:00');
    const now = at('2026-11-01T05:10:00Z'); // 1:10 EDT; 2:00 EST is 110 real minutes later, though only 50 on the wall clock
    assert.equal(bookingRefusal(req('2026-11-01', '02:00 AM', s.timeZone), s, [], weekendsToo, now), null);
    assert.equal(bookingRefusal(req('2026-11-01', '01:30 AM', s.timeZone), s, [], weekendsToo, now)?.message, 'Appointments must be booked at least 1 hour ahead');
    const listed = freeSlots({ from: '2026-11-01', to: '2026-11-01', schedule: s, policy: weekendsToo, timeOff: [], busy: [], now });
    assert.deepEqual(listed.map((x) => x.slotTime), ['02:00 AM', '02:30 AM', '03:00 AM', '03:30 AM']);
  });
});

describe('scheduling rules: order of the checks', () => {
  it('refuses a slot by the time rules before reading hours or time off', async () => {
    const { SchedulingRules } = await import('../../../src/modules/scheduling/rules.js');
    const { loadConfig } = await import('../../../src/config.js');
    const { DomainEvents } = await import('../../../src/lib/events.js');
    const untouchable = new Proxy({}, { get: (_, name) => () => { throw new Error(`the repository was asked for ${String(name)}`); } });
    const rules = new SchedulingRules(untouchable as never, loadConfig({ NODE_ENV: 'test', JWT_SECRET: 'x'.repeat(32) }), new DomainEvents(), untouchable as never);
    const doctor = { id: 'd', available: true, timeZone: 'Asia/Kolkata', slotMinutes: 30, slotIntervalMinutes: 30, bufferMinutes: 15 } as never;
    await assert.rejects(rules.assertBookable(doctor, req('2100-12-31', '10:00 AM'), MON_10), { statusCode: 400, message: 'Appointments can be booked at most 30 days ahead' });
    await assert.rejects(rules.assertBookable(doctor, req('2026-01-02', '10:00 AM'), MON_10), { statusCode: 400, message: 'Appointments can only be booked for a future time' });
  });
});
