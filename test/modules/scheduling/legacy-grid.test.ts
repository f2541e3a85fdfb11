// Contract test of LEGACY_CLIENTS=true, the slot grid: the original patient app offers 10:00–20:30
// every 30 minutes on each of the next 7 days and hides only what `slots_booked["d_m_yyyy"]` lists.
// The grid is computed here as the app's code computes it; every time it would offer that
// slots_booked does not hide must book, and every time slots_booked hides must be refused, for each
// reason the server refuses (past, too soon, booked or buffer, time off, weekend, outside hours).
// The calls go through the app's own endpoints, headers and spellings (test/helpers/legacy-apps.ts).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../../src/lib/clock.js';
import { formatSlotTime, legacyDateKey } from '../../../src/lib/time.js';
import { get, json, makeTestApp, post, uniqueEmail, type TestApp } from '../../helpers/app.js';
import {
  addDoctorForm, adminLogin, appGrid, assertAppDate, assertAppError, FRI, FULL_DAY, NOW, SAT, SPELLINGS, THU, TODAY, WED,
  type Json, type Spelling,
} from '../../helpers/legacy-apps.js';

describe('LEGACY_CLIENTS=true: the patient app’s slot grid against slots_booked and book-appointment', () => {
  let t: TestApp;
  let clock: ManualClock;
  let dToken: string;
  let docId: string;
  let token: string;
  let other: string;

  before(async () => {
    clock = new ManualClock(NOW);
    t = await makeTestApp({ LEGACY_CLIENTS: 'true' }, { clock });
    const aToken = await adminLogin(t);
    const doctor = { name: 'Dr. Grid', email: uniqueEmail('grid.doctor'), password: 'doctor-pass-123', fees: '500' };
    const added = await post(t.app, '/api/admin/add-doctor', await addDoctorForm(doctor), { aToken });
    assert.equal(json(added).success, true, added.body);
    docId = json(added).doctor._id;
    dToken = json(await post(t.app, '/api/doctor/login', { email: doctor.email, password: doctor.password })).token;
    // the doctor's week for the grid checks below: Friday mornings only, Thursday afternoon off
    const hours = [1, 2, 3, 4].map((weekday) => ({ weekday, start: '10:00', end: '21:00' })).concat({ weekday: 5, start: '10:00', end: '13:00' });
    const put = await t.app.inject({ method: 'PUT', url: '/api/doctor/schedule/hours', payload: { workingHours: hours }, headers: { dToken } });
    assert.equal(json(put).success, true, put.body);
    for (const who of ['grid.patient', 'grid.other']) {
      const reg = await post(t.app, '/api/user/register', { name: 'Grid Patient', email: uniqueEmail(who), password: 'patient-pass-123' });
      assert.equal(json(reg).success, true, reg.body);
      if (who === 'grid.patient') token = json(reg).token;
      else other = json(reg).token;
    }
  });
  after(async () => t.close());

  /** The doctor as GET /api/doctor/list gives it to the patient app. */
  async function listedDoctor(): Promise<Json> {
    const res = await get(t.app, '/api/doctor/list');
    assert.equal(res.statusCode, 200);
    const doc = (json(res).doctors as Json[]).find((d) => d._id === docId);
    assert.ok(doc);
    return doc;
  }

  const bookAs = (tok: string, slotDate: string, slotTime: string) => post(t.app, '/api/user/book-appointment', { docId, slotDate, slotTime }, { token: tok });

  it('slots_booked hides exactly the times of the apps’ grid that cannot be booked, in every spelling; every time offered books', async () => {
    // a live booking on Wednesday 11:00 (its 15-minute buffer takes 10:30 and 11:30 too), time off Thursday 15:00–17:00
    const held = await bookAs(other, legacyDateKey(WED), '11:00 AM');
    assert.equal(json(held).success, true, held.body);
    const off = await post(t.app, '/api/doctor/schedule/time-off', { startsAt: `${THU}T15:00:00+05:30`, endsAt: `${THU}T17:00:00+05:30` }, { dToken });
    assert.equal(json(off).success, true, off.body);

    const doc = await listedDoctor();
    const grid = appGrid(clock.now());
    assert.deepEqual(grid.map((d) => d.key), ['1_12_2026', '2_12_2026', '3_12_2026', '4_12_2026', '5_12_2026', '6_12_2026', '7_12_2026']);
    assert.equal(grid[0].minutes[0], 10 * 60 + 30, 'at 10:45 the app starts today at 10:30, already past');

    const hidden = (key: string, m: number, spelling: Spelling) => (doc.slots_booked[key] as string[] | undefined)?.includes(spelling(m)) ?? false;
    const refusals = new Map<string, string[]>();
    let offered = 0;
    let i = 0;
    for (const day of grid) {
      for (const m of FULL_DAY) {
        const states = Object.values(SPELLINGS).map((s) => hidden(day.key, m, s));
        assert.ok(states.every((h) => h === states[0]), `${day.key} ${formatSlotTime(m)}: hidden in some spellings only`);
        // alternate the spellings browsers send: en-US `10:00 AM`, en-IN `10:00 am`, en-GB `10:00`
        const spelling = Object.values(SPELLINGS)[i++ % 3];
        const res = await bookAs(token, day.key, spelling(m));
        if (states[0]) {
          assert.equal(res.statusCode, 200, res.body);
          assert.equal(json(res).success, false, `${day.key} ${spelling(m)} is hidden but booked: ${res.body}`);
          const list = refusals.get(json(res).message) ?? [];
          refusals.set(json(res).message, [...list, `${day.date} ${formatSlotTime(m)}`]);
        } else {
          assert.equal(json(res).success, true, `${day.key} ${spelling(m)} is offered but refused: ${res.body}`);
          assertAppDate(json(res).appointment.slotDate, day.key);
          if (day.minutes.includes(m)) offered++;
          const cancel = await post(t.app, '/api/user/cancel-appointment', { appointmentId: json(res).appointment._id }, { token });
          assert.equal(json(cancel).success, true, cancel.body);
          assertAppDate(json(cancel).appointment.slotDate, day.key);
        }
      }
    }
    assert.ok(offered > 50, `the app offers bookable times (${offered})`);
    // every reason the server refuses was hidden, with the server's own message
    const at = (message: string) => refusals.get(message) ?? [];
    assert.deepEqual(at('Appointments can only be booked for a future time'), [`${TODAY} 10:00 AM`, `${TODAY} 10:30 AM`]);
    assert.deepEqual(at('Appointments must be booked at least 1 hour ahead'), [`${TODAY} 11:00 AM`, `${TODAY} 11:30 AM`]);
    assert.deepEqual(at('Slot not available'), [`${WED} 10:30 AM`, `${WED} 11:00 AM`, `${WED} 11:30 AM`]);
    const timeOff = [...refusals.keys()].filter((k) => k.endsWith('(time off)'));
    assert.deepEqual(timeOff.flatMap(at), ['03:00 PM', '03:30 PM', '04:00 PM', '04:30 PM'].map((time) => `${THU} ${time}`));
    assert.equal(at(`The doctor is not working at 03:00 PM on ${THU} (time off)`).length, 1);
    assert.equal(at('Weekend bookings are not available').length, 44);
    assert.ok(at('Weekend bookings are not available').every((s) => s.startsWith(SAT) || s.startsWith('2026-12-06')));
    assert.deepEqual(at(`01:00 PM on ${FRI} is outside the doctor's working hours`), [`${FRI} 01:00 PM`]);
    const fridayAfternoon = [...refusals.keys()].filter((k) => k.includes(`on ${FRI} is outside`));
    assert.equal(fridayAfternoon.length, 16, 'Friday 13:00–20:30 refused, each with its own message');
    const reasons = new Set([...refusals.keys()].map((k) => k.replace(/\d\d:\d\d [AP]M on \d{4}-\d\d-\d\d /, '')));
    assert.equal(reasons.size, 6, `past, too soon, booked or buffer, time off, weekend, outside hours: ${[...reasons].join(' | ')}`);
  });

  it('a change of the schedule shows in slots_booked at once; a slot becoming too soon hides as the clock moves', async () => {
    const before = await listedDoctor();
    assert.equal((before.slots_booked['2_12_2026'] as string[]).includes('02:00 PM'), false);
    const off = await post(t.app, '/api/doctor/schedule/time-off', { startsAt: `${WED}T14:00:00+05:30`, endsAt: `${WED}T14:30:00+05:30` }, { dToken });
    assert.equal(json(off).success, true, off.body);
    const afterOff = await listedDoctor();
    for (const s of ['02:00 PM', '02:00 pm', '14:00']) assert.ok((afterOff.slots_booked['2_12_2026'] as string[]).includes(s), s);

    assert.equal((afterOff.slots_booked['1_12_2026'] as string[]).includes('12:00 PM'), false, '12:00 is 75 minutes ahead at 10:45');
    clock.set('2026-12-01T05:31:00Z'); // 11:01: 12:00 is now 59 minutes ahead
    const later = await listedDoctor();
    for (const s of ['12:00 PM', '12:00 pm', '12:00']) assert.ok((later.slots_booked['1_12_2026'] as string[]).includes(s), s);
    assertAppError(await bookAs(token, '1_12_2026', '12:00 PM'), 'Appointments must be booked at least 1 hour ahead');
    clock.set(NOW);
  });
});
