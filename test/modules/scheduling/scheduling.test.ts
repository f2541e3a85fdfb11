// HTTP tests of the scheduling engine: the public slot list, every booking refusal, doctors' and
// the admin's schedule management, and the database invariants behind them. The clock is fixed
// on Monday 2030-01-07 10:00 in Asia/Kolkata so every expectation is exact.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../../src/lib/clock.js';
import { adminToken, bearer, book, createDoctor, get, json, makeTestApp, post, registerPatient, type TestApp } from '../../helpers/app.js';

const NOW = '2030-01-07T04:30:00Z'; // Monday 10:00 IST
const INSTANT_RULE = 'must be an ISO 8601 instant like 2025-01-01T10:00:00Z or 2025-01-01T15:30:00+05:30, years 1970–2100';
const INSTANTS = `startsAt ${INSTANT_RULE}`;
const END_INSTANT = `endsAt ${INSTANT_RULE}`;
const TUE = '2030-01-08';
const WED = '2030-01-09';

type Doctor = Awaited<ReturnType<typeof createDoctor>>;
type Patient = Awaited<ReturnType<typeof registerPatient>>;

function send(t: TestApp, method: 'PUT' | 'PATCH' | 'DELETE', url: string, payload: unknown, headers: Record<string, string>) {
  return t.app.inject({ method, url, payload: payload as object | undefined, headers });
}

const slotTimes = async (t: TestApp, docId: string, from: string, to = from) => {
  const res = await get(t.app, `/api/doctor/${docId}/slots?from=${from}&to=${to}`);
  assert.equal(res.statusCode, 200, res.body);
  return (json(res).slots as { slotDate: string; slotTime: string }[]).map((s) => (from === to ? s.slotTime : `${s.slotDate} ${s.slotTime}`));
};

describe('scheduling over HTTP', () => {
  let t: TestApp;
  let clock: ManualClock;
  let patient: Patient;
  let atoken: string;

  before(async () => {
    clock = new ManualClock(NOW);
    t = await makeTestApp({}, { clock });
    patient = await registerPatient(t.app);
    atoken = await adminToken(t.app);
  });
  after(async () => t.close());

  describe('GET /api/doctor/:docId/slots', () => {
    let doctor: Doctor;
    before(async () => {
      doctor = await createDoctor(t.app);
    });

    it('is public and lists the default Monday–Friday 10:00–21:00 half-hour grid with UTC instants', async () => {
      const res = await get(t.app, `/api/doctor/${doctor.id}/slots?from=${TUE}&to=${TUE}`);
      assert.equal(res.statusCode, 200);
      const { success, slots } = json(res);
      assert.equal(success, true);
      assert.equal(slots.length, 22);
      assert.deepEqual(slots[0], { slotDate: TUE, slotTime: '10:00 AM', startsAt: '2030-01-08T04:30:00.000Z', endsAt: '2030-01-08T05:00:00.000Z' });
      assert.equal(slots.at(-1).slotTime, '08:30 PM');
    });

    it('defaults to a week from today, today starting 1 hour from now, no weekend', async () => {
      const res = await get(t.app, `/api/doctor/${doctor.id}/slots`);
      const slots = json(res).slots as { slotDate: string; slotTime: string }[];
      assert.equal(`${slots[0].slotDate} ${slots[0].slotTime}`, '2030-01-07 11:00 AM');
      const dates = [...new Set(slots.map((s) => s.slotDate))];
      assert.deepEqual(dates, ['2030-01-07', '2030-01-08', '2030-01-09', '2030-01-10', '2030-01-11']); // Sat 12, Sun 13 closed
    });

    it('a booking takes its slot and the neighbours within the buffer off the list; the database agrees', async () => {
      const p = await registerPatient(t.app);
      assert.equal((await book(t.app, p.token, doctor.id, { slotDate: WED, slotTime: '10:00 AM' })).statusCode, 201);
      const times = await slotTimes(t, doctor.id, WED);
      assert.deepEqual(times.slice(0, 3), ['11:00 AM', '11:30 AM', '12:00 PM']);
      const neighbour = await book(t.app, patient.token, doctor.id, { slotDate: WED, slotTime: '10:30 AM' });
      assert.equal(neighbour.statusCode, 409);
      assert.equal(json(neighbour).message, 'Slot not available');
      assert.equal((await book(t.app, patient.token, doctor.id, { slotDate: WED, slotTime: '11:00 AM' })).statusCode, 201);
    });

    it('a cancelled booking gives its slot back', async () => {
      const p = await registerPatient(t.app);
      const booked = json(await book(t.app, p.token, doctor.id, { slotDate: '2030-01-10', slotTime: '03:00 PM' })).appointment;
      assert.equal((await slotTimes(t, doctor.id, '2030-01-10')).includes('03:00 PM'), false);
      await post(t.app, '/api/user/cancel-appointment', { appointmentId: booked._id }, bearer(p.token));
      assert.equal((await slotTimes(t, doctor.id, '2030-01-10')).includes('03:00 PM'), true);
    });

    it('caps the range at 31 days and validates it', async () => {
      const ok = await get(t.app, `/api/doctor/${doctor.id}/slots?from=2030-01-08&to=2030-02-07`);
      assert.equal(ok.statusCode, 200);
      const long = await get(t.app, `/api/doctor/${doctor.id}/slots?from=2030-01-08&to=2030-02-08`);
      assert.equal(long.statusCode, 400);
      assert.equal(json(long).message, 'The date range can cover at most 31 days');
      const backwards = await get(t.app, `/api/doctor/${doctor.id}/slots?from=2030-01-09&to=2030-01-08`);
      assert.equal(backwards.statusCode, 400);
      assert.equal(json(backwards).message, 'to must not be before from');
      const impossible = await get(t.app, `/api/doctor/${doctor.id}/slots?from=2030-02-30`);
      assert.equal(impossible.statusCode, 400);
      assert.equal(json(impossible).message, 'from must be a real date like 2025-01-31, years 1970–2100');
      assert.equal((await get(t.app, `/api/doctor/${doctor.id}/slots?from=tomorrow`)).statusCode, 400);
    });

    it('far-future dates: a clear 400 past 2100, and no slots (nor queries) past the booking window', async () => {
      const farthest = await get(t.app, `/api/doctor/${doctor.id}/slots?from=9999-12-30&to=9999-12-31`);
      assert.equal(farthest.statusCode, 400, farthest.body);
      assert.equal(json(farthest).message, 'from must be a real date like 2025-01-31, years 1970–2100');
      const lastYear = await get(t.app, `/api/doctor/${doctor.id}/slots?from=2100-12-30&to=2100-12-31`);
      assert.equal(lastYear.statusCode, 200, lastYear.body);
      assert.deepEqual(json(lastYear).slots, []);
      for (const slotDate of ['31_12_9999', '9999-12-31']) {
        const res = await book(t.app, patient.token, doctor.id, { slotDate, slotTime: '10:00 AM' });
        assert.equal(res.statusCode, 400, res.body);
        assert.equal(json(res).message, 'slotDate must be a real date like 2024-12-25 (or 25_12_2024), years 1970–2100');
      }
      const window = await book(t.app, patient.token, doctor.id, { slotDate: '31_12_2100', slotTime: '10:00 AM' });
      assert.equal(window.statusCode, 400, window.body);
      assert.equal(json(window).message, 'Appointments can be booked at most 30 days ahead');
    });

    it('answers 404 for an unknown doctor and 400 for a malformed id', async () => {
      const unknown = await get(t.app, '/api/doctor/0123456789abcdef01234567/slots');
      assert.equal(unknown.statusCode, 404);
      assert.equal(json(unknown).message, 'Doctor not found');
      assert.equal((await get(t.app, '/api/doctor/nope/slots')).statusCode, 400);
    });

    it('an unavailable doctor lists no slots and cannot be booked', async () => {
      const d = await createDoctor(t.app);
      await post(t.app, '/api/doctor/change-availability', { available: false }, bearer(d.token));
      assert.deepEqual(await slotTimes(t, d.id, TUE), []);
      const res = await book(t.app, patient.token, d.id, { slotDate: TUE, slotTime: '10:00 AM' });
      assert.equal(res.statusCode, 409);
      assert.equal(json(res).message, 'Doctor not available');
    });
  });

  describe('booking refusals name the rule', () => {
    let doctor: Doctor;
    before(async () => {
      doctor = await createDoctor(t.app);
      const off = await post(t.app, '/api/doctor/schedule/time-off', { date: '2030-01-15', reason: 'conference' }, bearer(doctor.token));
      assert.equal(off.statusCode, 201, off.body);
    });

    for (const [name, slot, status, message] of [
      ['a past slot', { slotDate: '2030-01-04', slotTime: '10:00 AM' }, 400, 'Appointments can only be booked for a future time'],
      ['less than 1 hour ahead', { slotDate: '2030-01-07', slotTime: '10:30 AM' }, 400, 'Appointments must be booked at least 1 hour ahead'],
      ['more than 30 days ahead', { slotDate: '2030-02-06', slotTime: '10:30 AM' }, 400, 'Appointments can be booked at most 30 days ahead'],
      ['a weekend', { slotDate: '2030-01-12', slotTime: '10:00 AM' }, 400, 'Weekend bookings are not available'],
      ['outside working hours', { slotDate: TUE, slotTime: '09:00 PM' }, 400, "09:00 PM on 2030-01-08 is outside the doctor's working hours"],
      ['off the slot grid', { slotDate: TUE, slotTime: '10:15 AM' }, 400, '10:15 AM is not a published slot: slots start every 30 minutes from 10:00 AM'],
      ['time off', { slotDate: '2030-01-15', slotTime: '11:00 AM' }, 400, 'The doctor is not working at 11:00 AM on 2030-01-15 (time off)'],
    ] as const) {
      it(`refuses ${name}`, async () => {
        const res = await book(t.app, patient.token, doctor.id, slot);
        assert.equal(res.statusCode, status);
        assert.equal(json(res).message, message);
      });
    }

    it('accepts exactly 1 hour ahead and the last slot of the day', async () => {
      assert.equal((await book(t.app, patient.token, doctor.id, { slotDate: '2030-01-07', slotTime: '11:00 AM' })).statusCode, 201);
      assert.equal((await book(t.app, patient.token, doctor.id, { slotDate: '2030-01-07', slotTime: '08:30 PM' })).statusCode, 201);
    });
  });

  describe("a doctor's own schedule", () => {
    let doctor: Doctor;
    before(async () => {
      doctor = await createDoctor(t.app);
    });

    it('starts from the configured defaults', async () => {
      const res = await get(t.app, '/api/doctor/schedule', bearer(doctor.token));
      assert.equal(res.statusCode, 200);
      const { schedule } = json(res);
      assert.equal(schedule.timeZone, 'Asia/Kolkata');
      assert.deepEqual([schedule.slotMinutes, schedule.slotIntervalMinutes, schedule.bufferMinutes], [30, 30, 15]);
      assert.deepEqual(schedule.workingHours, [1, 2, 3, 4, 5].map((weekday) => ({ weekday, start: '10:00', end: '21:00' })));
      assert.deepEqual(schedule.timeOff, []);
    });

    it('replaces the weekly hours, with a lunch break, and the slots follow', async () => {
      const res = await send(t, 'PUT', '/api/doctor/schedule/hours', {
        workingHours: [{ weekday: 2, start: '09:00', end: '12:00' }, { weekday: 2, start: '13:00', end: '14:00' }, { weekday: 6, start: '10:00', end: '11:00' }],
      }, bearer(doctor.token));
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(json(res).schedule.workingHours.length, 3);
      assert.deepEqual(await slotTimes(t, doctor.id, TUE), ['09:00 AM', '09:30 AM', '10:00 AM', '10:30 AM', '11:00 AM', '11:30 AM', '01:00 PM', '01:30 PM']);
      assert.deepEqual(await slotTimes(t, doctor.id, WED), []);
      assert.deepEqual(await slotTimes(t, doctor.id, '2030-01-12'), [], 'Saturday hours, but weekends are off platform-wide');
      const lunch = await book(t.app, patient.token, doctor.id, { slotDate: TUE, slotTime: '12:00 PM' });
      assert.equal(json(lunch).message, "12:00 PM on 2030-01-08 is outside the doctor's working hours");
    });

    for (const [name, hours, message] of [
      ['overlapping ranges', [{ weekday: 1, start: '09:00', end: '12:00' }, { weekday: 1, start: '11:00', end: '13:00' }], 'Working ranges 09:00-12:00 and 11:00-13:00 overlap on weekday 1'],
      ['an end before the start', [{ weekday: 1, start: '12:00', end: '09:00' }], 'Working range 12:00-09:00 must end after it starts'],
      ['an impossible time', [{ weekday: 1, start: '09:00', end: '25:00' }], 'end "25:00" must be a time like 17:30 (or 24:00)'],
    ] as const) {
      it(`refuses ${name}`, async () => {
        const res = await send(t, 'PUT', '/api/doctor/schedule/hours', { workingHours: hours }, bearer(doctor.token));
        assert.equal(res.statusCode, 400);
        assert.equal(json(res).message, message);
      });
    }

    it('refuses a weekday outside 0–6 and unknown fields by schema', async () => {
      assert.equal((await send(t, 'PUT', '/api/doctor/schedule/hours', { workingHours: [{ weekday: 7, start: '09:00', end: '10:00' }] }, bearer(doctor.token))).statusCode, 400);
      assert.equal((await send(t, 'PUT', '/api/doctor/schedule/hours', { workingHours: [{ weekday: 1, start: '9am', end: '10:00' }] }, bearer(doctor.token))).statusCode, 400);
    });

    it('changes slot length, interval, buffer and zone; refuses an invalid zone and an empty change', async () => {
      const bad = await send(t, 'PATCH', '/api/doctor/schedule/settings', { timeZone: 'Mars/Olympus_Mons' }, bearer(doctor.token));
      assert.equal(bad.statusCode, 400);
      assert.equal(json(bad).message, '"Mars/Olympus_Mons" is not a valid IANA time zone');
      const empty = await send(t, 'PATCH', '/api/doctor/schedule/settings', {}, bearer(doctor.token));
      assert.equal(empty.statusCode, 400);
      assert.equal((await send(t, 'PATCH', '/api/doctor/schedule/settings', { slotMinutes: 2 }, bearer(doctor.token))).statusCode, 400);
      for (const [body, message] of [
        [{ slotMinutes: '45' }, 'slotMinutes must be an integer'],
        [{ bufferMinutes: null }, 'bufferMinutes must be an integer'],
        [{ timeZone: 5 }, 'timeZone must be a string'],
      ] as const) {
        const wrongType = await send(t, 'PATCH', '/api/doctor/schedule/settings', body, bearer(doctor.token));
        assert.equal(wrongType.statusCode, 400, JSON.stringify(body));
        assert.equal(json(wrongType).message, message);
      }
      const spelled = await send(t, 'PATCH', '/api/doctor/schedule/settings', { timeZone: 'asia/kolkata' }, bearer(doctor.token));
      assert.equal(json(spelled).schedule.timeZone, 'Asia/Kolkata');
      const res = await send(t, 'PATCH', '/api/doctor/schedule/settings', { slotMinutes: 60, slotIntervalMinutes: 60, bufferMinutes: 0 }, bearer(doctor.token));
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(await slotTimes(t, doctor.id, TUE), ['09:00 AM', '10:00 AM', '11:00 AM', '01:00 PM']);
    });

    it('blocks whole dates, date ranges and intervals; overlaps are refused; removal is owner-only', async () => {
      const day = await post(t.app, '/api/doctor/schedule/time-off', { date: TUE }, bearer(doctor.token));
      assert.equal(day.statusCode, 201, day.body);
      assert.deepEqual(json(day).timeOff, { id: json(day).timeOff.id, startsAt: '2030-01-07T18:30:00.000Z', endsAt: '2030-01-08T18:30:00.000Z', reason: null });
      assert.deepEqual(await slotTimes(t, doctor.id, TUE), []);

      const overlap = await post(t.app, '/api/doctor/schedule/time-off', { startsAt: '2030-01-08T05:00:00Z', endsAt: '2030-01-08T06:00:00Z' }, bearer(doctor.token));
      assert.equal(overlap.statusCode, 409);
      assert.equal(json(overlap).message, 'This time off overlaps time off already recorded');

      const range = await post(t.app, '/api/doctor/schedule/time-off', { fromDate: '2030-01-20', toDate: '2030-01-22', reason: 'holiday' }, bearer(doctor.token));
      assert.equal(range.statusCode, 201);
      assert.equal(json(range).timeOff.endsAt, '2030-01-22T18:30:00.000Z');

      for (const [body, message] of [
        [{ date: TUE, startsAt: '2030-01-08T05:00:00Z' }, 'Give exactly one of: date, fromDate+toDate, or startsAt+endsAt'],
        [{}, 'Give exactly one of: date, fromDate+toDate, or startsAt+endsAt'],
        [{ fromDate: '2030-01-25' }, 'Dates must be real dates like 2025-01-31, years 1970–2100 (fromDate and toDate both required)'],
        [{ fromDate: '9999-12-30', toDate: '9999-12-31' }, 'fromDate must be a real date like 2025-01-31, years 1970–2100'],
        [{ fromDate: '2030-01-25', toDate: '2030-01-24' }, 'Time off must end after it starts: toDate is before fromDate'],
        [{ startsAt: '2030-01-25T10:00:00Z', endsAt: '2030-01-25T10:00:00Z' }, 'Time off must end after it starts'],
        [{ startsAt: 'soon', endsAt: 'later' }, INSTANTS],
        [{ startsAt: '1', endsAt: '2' }, INSTANTS],
        [{ startsAt: '2030-01-25T10:00:00Z', endsAt: '+275760-09-13T00:00:00Z' }, END_INSTANT],
        [{ startsAt: '2030-01-25T10:00:00Z', endsAt: '+010000-01-03T00:00:00Z' }, END_INSTANT],
        [{ startsAt: '2030-01-25T10:00:00', endsAt: '2030-01-25T11:00:00' }, INSTANTS],
        [{ startsAt: '2030-02-30T10:00:00Z', endsAt: '2030-03-01T11:00:00Z' }, INSTANTS],
      ] as const) {
        const res = await post(t.app, '/api/doctor/schedule/time-off', body, bearer(doctor.token));
        assert.equal(res.statusCode, 400, JSON.stringify(body));
        assert.equal(json(res).message, message);
      }

      const listed = json(await get(t.app, '/api/doctor/schedule', bearer(doctor.token))).schedule.timeOff;
      assert.deepEqual(listed.map((x: { reason: string | null }) => x.reason), [null, 'holiday']);

      const other = await createDoctor(t.app);
      const id = json(day).timeOff.id;
      const foreign = await send(t, 'DELETE', `/api/doctor/schedule/time-off/${id}`, undefined, bearer(other.token));
      assert.equal(foreign.statusCode, 404);
      assert.equal(json(foreign).message, 'Time off not found');
      assert.equal((await send(t, 'DELETE', `/api/doctor/schedule/time-off/${id}`, undefined, bearer(doctor.token))).statusCode, 200);
      assert.equal((await send(t, 'DELETE', `/api/doctor/schedule/time-off/${id}`, undefined, bearer(doctor.token))).statusCode, 404);
      assert.deepEqual(await slotTimes(t, doctor.id, TUE), ['09:00 AM', '10:00 AM', '11:00 AM', '01:00 PM']);
    });

    it('needs a doctor token', async () => {
      assert.equal((await get(t.app, '/api/doctor/schedule')).statusCode, 401);
      assert.equal((await get(t.app, '/api/doctor/schedule', bearer(patient.token))).statusCode, 403);
      assert.equal((await send(t, 'PUT', '/api/doctor/schedule/hours', { workingHours: [] }, bearer(atoken))).statusCode, 403);
    });
  });

  describe("the admin manages anyone's schedule", () => {
    it('reads and changes a doctor’s hours, settings and time off', async () => {
      const d = await createDoctor(t.app);
      const base = `/api/admin/doctors/${d.id}/schedule`;
      assert.equal(json(await get(t.app, base, bearer(atoken))).schedule.docId, d.id);
      const hours = await send(t, 'PUT', `${base}/hours`, { workingHours: [{ weekday: 2, start: '16:00', end: '17:00' }] }, bearer(atoken));
      assert.equal(hours.statusCode, 200, hours.body);
      const settings = await send(t, 'PATCH', `${base}/settings`, { timeZone: 'Europe/London' }, bearer(atoken));
      assert.equal(json(settings).schedule.timeZone, 'Europe/London');
      assert.deepEqual(await slotTimes(t, d.id, TUE), ['04:00 PM', '04:30 PM']);
      const slots = json(await get(t.app, `/api/doctor/${d.id}/slots?from=${TUE}&to=${TUE}`)).slots;
      assert.equal(slots[0].startsAt, '2030-01-08T16:00:00.000Z', 'London wall clock, UTC in winter');
      const off = await post(t.app, `${base}/time-off`, { startsAt: '2030-01-08T16:30:00Z', endsAt: '2030-01-08T17:00:00Z' }, bearer(atoken));
      assert.equal(off.statusCode, 201);
      assert.deepEqual(await slotTimes(t, d.id, TUE), ['04:00 PM']);
      const del = await send(t, 'DELETE', `${base}/time-off/${json(off).timeOff.id}`, undefined, bearer(atoken));
      assert.equal(del.statusCode, 200);
      const bad = await send(t, 'PUT', `${base}/hours`, { workingHours: [{ weekday: 1, start: '10:00', end: '10:00' }] }, bearer(atoken));
      assert.equal(bad.statusCode, 400);
    });

    it('answers 404 for an unknown doctor and refuses non-admins', async () => {
      const unknown = await get(t.app, '/api/admin/doctors/0123456789abcdef01234567/schedule', bearer(atoken));
      assert.equal(unknown.statusCode, 404);
      const d = await createDoctor(t.app);
      assert.equal((await get(t.app, `/api/admin/doctors/${d.id}/schedule`, bearer(d.token))).statusCode, 403);
      assert.equal((await get(t.app, `/api/admin/doctors/${d.id}/schedule`)).statusCode, 401);
    });
  });

  describe('invariants in the database', () => {
    it('overlapping bookings stay impossible after the slot grid changes', async () => {
      const d = await createDoctor(t.app);
      assert.equal((await book(t.app, patient.token, d.id, { slotDate: TUE, slotTime: '10:00 AM' })).statusCode, 201);
      // a 15-minute grid now publishes 10:15 and 10:30 in principle; the held [10:00, 10:45) still wins
      await send(t, 'PATCH', '/api/doctor/schedule/settings', { slotIntervalMinutes: 15 }, bearer(d.token));
      const times = await slotTimes(t, d.id, TUE);
      assert.equal(times.includes('10:30 AM'), false);
      assert.equal(times.includes('10:15 AM'), false);
      assert.equal(times.includes('10:45 AM'), true, 'the first start after the held [10:00, 10:45)');
      const res = await book(t.app, patient.token, d.id, { slotDate: TUE, slotTime: '10:30 AM' });
      assert.equal(res.statusCode, 409);
      assert.equal(json(res).message, 'Slot not available');
    });

    it('working ranges and time off cannot overlap even when written directly', async () => {
      const d = await createDoctor(t.app);
      await assert.rejects(t.testDb.database.query('INSERT INTO doctor_hours (doctor_id, weekday, start_minute, end_minute) VALUES ($1, 1, 600, 700)', [d.id]));
      await t.testDb.database.query("INSERT INTO doctor_time_off (id, doctor_id, starts_at, ends_at) VALUES ('a00000000000000000000001', $1, '2030-03-01T00:00Z', '2030-03-02T00:00Z')", [d.id]);
      await assert.rejects(
        t.testDb.database.query("INSERT INTO doctor_time_off (id, doctor_id, starts_at, ends_at) VALUES ('a00000000000000000000002', $1, '2030-03-01T12:00Z', '2030-03-03T00:00Z')", [d.id]),
      );
    });
  });
});
