// Group sessions: a doctor opens a session with its own time, fee and capacity; it shows among the
// doctor's free times as its own kind and never overlaps single appointments (database-enforced);
// patients book places up to the capacity, also when 51 ask for 50 places at once; cancelling the
// session cancels and refunds every place.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../../src/lib/clock.js';
import type { GroupSessionView } from '../../../src/modules/group-sessions/service.js';
import { adminToken, bearer, createDoctor, get, json, makeTestApp, post, registerPatient, type TestApp } from '../../helpers/app.js';

const NOW = '2030-01-07T04:30:00Z'; // Monday 10:00 IST
const DAY = '2030-01-08';

type Doctor = Awaited<ReturnType<typeof createDoctor>>;
type Patient = Awaited<ReturnType<typeof registerPatient>>;

describe('group sessions', () => {
  let t: TestApp;
  let doctor: Doctor;
  let otherDoctor: Doctor;
  let patients: Patient[];

  const open = (d: Doctor, body: Record<string, unknown>) =>
    post(t.app, '/api/doctor/group-sessions', { title: 'Vaccination hour', slotDate: DAY, slotTime: '02:00 PM', durationMinutes: 60, capacity: 50, fee: 300, ...body }, bearer(d.token));
  const openOk = async (d: Doctor, body: Record<string, unknown>): Promise<GroupSessionView> => {
    const res = await open(d, body);
    assert.equal(res.statusCode, 201, res.body);
    return json(res).session as GroupSessionView;
  };
  const bookPlace = (p: Patient, id: string) => post(t.app, `/api/user/group-sessions/${id}/book`, undefined, bearer(p.token));
  const free = async (d: Doctor, date = DAY) => json(await get(t.app, `/api/doctor/${d.id}/slots?from=${date}&to=${date}`)) as { slots: { slotTime: string }[]; groupSessions: GroupSessionView[] };
  const booked = async (id: string) => (await t.testDb.database.query<{ booked: number }>('SELECT booked FROM group_sessions WHERE id = $1', [id]))[0].booked;
  const livePlaces = async (id: string) =>
    (await t.testDb.database.query<{ n: number }>("SELECT count(*)::int AS n FROM appointments WHERE group_session_id = $1 AND status <> 'cancelled'", [id]))[0].n;

  before(async () => {
    t = await makeTestApp({}, { clock: new ManualClock(NOW) });
    [doctor, otherDoctor] = [await createDoctor(t.app), await createDoctor(t.app)];
    patients = [];
    for (let i = 0; i < 52; i++) patients.push(await registerPatient(t.app, { name: `Group Patient ${i}` }));
  });
  after(async () => t.close());

  describe('opening a session', () => {
    let session: GroupSessionView;

    it('a doctor opens a session; it is listed with the free times as its own kind, and its time leaves the single slots', async () => {
      const before = (await free(doctor)).slots.map((s) => s.slotTime);
      assert.ok(before.includes('02:00 PM') && before.includes('02:30 PM'));
      session = await openOk(doctor, { title: 'Flu vaccination', capacity: 3, fee: 250 });
      assert.equal(session.title, 'Flu vaccination');
      assert.equal(session.slotTime, '02:00 PM');
      assert.equal(session.startsAt, '2030-01-08T08:30:00.000Z');
      assert.equal(session.endsAt, '2030-01-08T09:30:00.000Z');
      assert.deepEqual([session.capacity, session.booked, session.placesLeft, session.fee, session.status], [3, 0, 3, 250, 'open']);
      const after = await free(doctor);
      assert.deepEqual(after.groupSessions.map((s) => s._id), [session._id]);
      const times = after.slots.map((s) => s.slotTime);
      // 14:00–15:00 plus the 15-minute buffer: 13:30 (its buffer reaches 14:15), 14:00, 14:30 go; 15:30 stays
      for (const gone of ['01:30 PM', '02:00 PM', '02:30 PM', '03:00 PM']) assert.equal(times.includes(gone), false, gone);
      assert.ok(times.includes('03:30 PM') && times.includes('01:00 PM'));
      const mine = json(await get(t.app, '/api/doctor/group-sessions', bearer(doctor.token))).sessions as GroupSessionView[];
      assert.deepEqual(mine.map((s) => s._id), [session._id]);
      assert.deepEqual(json(await get(t.app, '/api/doctor/group-sessions', bearer(otherDoctor.token))).sessions, []);
    });

    it('never overlaps the doctor’s single appointments or another session, either way round', async () => {
      const single = await post(t.app, '/api/user/book-appointment', { docId: doctor.id, slotDate: DAY, slotTime: '02:30 PM' }, bearer(patients[0].token));
      assert.equal(single.statusCode, 409, single.body);
      const overlapping = await open(doctor, { slotTime: '02:45 PM', durationMinutes: 30 });
      assert.equal(overlapping.statusCode, 409);
      assert.equal(json(overlapping).message, 'This time overlaps an appointment or another group session of the doctor');
      const appt = await post(t.app, '/api/user/book-appointment', { docId: doctor.id, slotDate: DAY, slotTime: '10:00 AM' }, bearer(patients[0].token));
      assert.equal(appt.statusCode, 201, appt.body);
      assert.equal((await open(doctor, { slotTime: '10:15 AM', durationMinutes: 30 })).statusCode, 409, 'over a booked appointment');
      // another doctor's time is theirs
      assert.equal((await open(otherDoctor, { slotTime: '02:00 PM' })).statusCode, 201);
    });

    it('the database refuses an overlap whatever the code does', async () => {
      await assert.rejects(
        t.testDb.database.query(
          "INSERT INTO group_sessions (id, doctor_id, title, slot_date, slot_time, starts_at, ends_at, blocks, capacity, fee_minor, currency) VALUES ('gs-raw', $1, 'x', $2, '02:00 PM', '2030-01-08T08:45Z', '2030-01-08T09:00Z', '[2030-01-08T08:45Z,2030-01-08T09:00Z)', 5, 0, 'INR')",
          [doctor.id, DAY],
        ),
        (err: { code?: string }) => err.code === '23P01',
      );
      await assert.rejects(t.testDb.database.query('UPDATE group_sessions SET capacity = 51 WHERE id = $1', [session._id]), (err: { code?: string }) => err.code === '23514');
    });

    it('refuses a capacity over 50 or under 1, a start in the past, an empty title, and other roles', async () => {
      for (const body of [{ capacity: 51 }, { capacity: 0 }, { durationMinutes: 1 }, { fee: -1 }, { title: '' }, { slotTime: 'teatime' }]) {
        const res = await open(doctor, { slotDate: '2030-01-09', ...body });
        assert.equal(res.statusCode, 400, `${JSON.stringify(body)}: ${res.body}`);
      }
      assert.equal((await open(doctor, { slotDate: '2030-01-07', slotTime: '09:00 AM' })).statusCode, 400);
      assert.equal(json(await open(doctor, { slotDate: '2030-01-07', slotTime: '09:00 AM' })).message, 'A group session must start in the future');
      assert.equal((await post(t.app, '/api/doctor/group-sessions', { title: 'x', slotDate: DAY, slotTime: '05:00 PM', durationMinutes: 30, capacity: 5, fee: 0 }, bearer(patients[0].token))).statusCode, 403);
    });

    describe('places', () => {
      it('a patient books a place: an appointment with the session’s time and fee, counted in the session', async () => {
        const res = await bookPlace(patients[1], session._id);
        assert.equal(res.statusCode, 201, res.body);
        const place = json(res).appointment;
        assert.equal(place.groupSessionId, session._id);
        assert.equal(place.startsAt, session.startsAt);
        assert.equal(place.amount, 250);
        assert.equal(place.status, 'pending');
        assert.equal(await booked(session._id), 1);
        assert.equal((await free(doctor)).groupSessions[0].placesLeft, 2);
        const mine = json(await get(t.app, '/api/user/appointments', bearer(patients[1].token))).appointments as { _id: string }[];
        assert.ok(mine.some((a) => a._id === place._id), 'the place is in the patient’s appointments');
      });

      it('one place per patient; a place cannot be rescheduled; a full session refuses', async () => {
        const twice = await bookPlace(patients[1], session._id);
        assert.equal(twice.statusCode, 409);
        assert.equal(json(twice).message, 'You already have a place in this group session');
        const place = (json(await get(t.app, '/api/user/appointments', bearer(patients[1].token))).appointments as { _id: string; groupSessionId: string | null }[]).find((a) => a.groupSessionId)!;
        const moved = await post(t.app, '/api/user/reschedule-appointment', { appointmentId: place._id, slotDate: DAY, slotTime: '05:00 PM' }, bearer(patients[1].token));
        assert.equal(moved.statusCode, 409);
        assert.equal((await bookPlace(patients[2], session._id)).statusCode, 201);
        assert.equal((await bookPlace(patients[3], session._id)).statusCode, 201);
        const full = await bookPlace(patients[4], session._id);
        assert.equal(full.statusCode, 409);
        assert.equal(json(full).message, 'This group session is full');
        assert.equal(await booked(session._id), 3);
      });

      it('a place cancelled by its patient frees it for another', async () => {
        const place = (json(await get(t.app, '/api/user/appointments', bearer(patients[3].token))).appointments as { _id: string }[])[0];
        const res = await post(t.app, '/api/user/cancel-appointment', { appointmentId: place._id }, bearer(patients[3].token));
        assert.equal(res.statusCode, 200, res.body);
        assert.equal(await booked(session._id), 2);
        assert.equal((await bookPlace(patients[4], session._id)).statusCode, 201);
        assert.equal(await booked(session._id), 3);
      });

      it('unknown sessions are 404, and only patients book places', async () => {
        assert.equal((await bookPlace(patients[5], 'aaaaaaaaaaaaaaaaaaaaaaaa')).statusCode, 404);
        assert.equal((await post(t.app, `/api/user/group-sessions/${session._id}/book`, undefined, bearer(doctor.token))).statusCode, 403);
      });
    });

    describe('cancelling the whole session', () => {
      it('only its doctor may; every place is cancelled and every paid place refunded in full', async () => {
        const ids = (await t.testDb.database.query<{ id: string }>("SELECT id FROM appointments WHERE group_session_id = $1 AND status <> 'cancelled' ORDER BY id", [session._id])).map((r) => r.id);
        assert.equal(ids.length, 3);
        // two places paid, one not
        await t.testDb.database.query("UPDATE appointments SET paid = true, status = 'confirmed', paid_at = now() WHERE id = ANY($1)", [ids.slice(0, 2)]);
        assert.equal((await post(t.app, `/api/doctor/group-sessions/${session._id}/cancel`, {}, bearer(otherDoctor.token))).statusCode, 403);

        const res = await post(t.app, `/api/doctor/group-sessions/${session._id}/cancel`, { reason: 'Vaccine delivery delayed' }, bearer(doctor.token));
        assert.equal(res.statusCode, 200, res.body);
        const body = json(res);
        assert.equal(body.session.status, 'cancelled');
        assert.equal(body.session.placesLeft, 0);
        assert.equal(body.cancelledPlaces.length, 3);
        const rows = await t.testDb.database.query<{ id: string; status: string; cancelled_by: string; refund_minor: number | null; cancel_reason: string }>(
          'SELECT id, status, cancelled_by, refund_minor, cancel_reason FROM appointments WHERE id = ANY($1) ORDER BY id', [ids],
        );
        for (const r of rows) {
          assert.equal(r.status, 'cancelled');
          assert.equal(r.cancelled_by, 'doctor');
          assert.equal(r.cancel_reason, 'Vaccine delivery delayed');
        }
        assert.deepEqual(rows.map((r) => r.refund_minor), [25000, 25000, null], 'paid places refunded in full, the unpaid one owes nothing');
        assert.equal(await booked(session._id), 0);
        assert.equal(await livePlaces(session._id), 0);
      });

      it('the session’s time is free again, no place can be booked, and a second cancel is refused', async () => {
        const after = await free(doctor);
        assert.deepEqual(after.groupSessions, []);
        assert.ok(after.slots.some((s) => s.slotTime === '02:00 PM'));
        const late = await bookPlace(patients[6], session._id);
        assert.equal(late.statusCode, 409);
        assert.equal(json(late).message, 'This group session is cancelled');
        assert.equal((await post(t.app, `/api/doctor/group-sessions/${session._id}/cancel`, {}, bearer(doctor.token))).statusCode, 409);
        const single = await post(t.app, '/api/user/book-appointment', { docId: doctor.id, slotDate: DAY, slotTime: '02:00 PM' }, bearer(patients[6].token));
        assert.equal(single.statusCode, 201, single.body);
      });
    });
  });

  describe('capacity under concurrency', () => {
    it('51 patients asking at once for 50 places: exactly 50 get one', async () => {
      const session = await openOk(doctor, { slotDate: '2030-01-09', slotTime: '11:00 AM', capacity: 50, fee: 100 });
      const results = await Promise.all(patients.slice(1, 52).map((p) => bookPlace(p, session._id)));
      const codes = results.map((r) => r.statusCode);
      assert.equal(codes.filter((c) => c === 201).length, 50, JSON.stringify(results.filter((r) => r.statusCode !== 201).map((r) => r.body)));
      assert.equal(codes.filter((c) => c === 409).length, 1);
      assert.equal(json(results.find((r) => r.statusCode === 409)!).message, 'This group session is full');
      assert.equal(await booked(session._id), 50);
      assert.equal(await livePlaces(session._id), 50);
      // the admin sees the places like any appointment
      const all = json(await get(t.app, `/api/admin/appointments?docId=${doctor.id}&from=2030-01-09&to=2030-01-09&page=1&limit=100`, bearer(await adminToken(t.app))));
      assert.equal(all.total, 50);
    });
  });
});
