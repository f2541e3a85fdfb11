// The appointment lifecycle with scheduling on: the payment window (PAYMENT_REQUIRED), refunds
// stored with cancellations, reschedule, and the filtered / paginated listings. Time is a
// ManualClock, so the 15-minute window passes without waiting.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { DomainEvent } from '../../../src/lib/events.js';
import { ManualClock } from '../../../src/lib/clock.js';
import { adminToken, bearer, book, createDoctor, get, json, makeTestApp, post, registerPatient, type TestApp } from '../../helpers/app.js';

const NOW = '2030-01-07T04:30:00Z'; // Monday 10:00 IST
const MINUTE = 60_000;

type Doctor = Awaited<ReturnType<typeof createDoctor>>;
type Patient = Awaited<ReturnType<typeof registerPatient>>;

describe('appointment lifecycle with scheduling', () => {
  let t: TestApp;
  let clock: ManualClock;
  let patient: Patient;
  let other: Patient;
  const published: DomainEvent[] = [];

  before(async () => {
    clock = new ManualClock(NOW);
    t = await makeTestApp({ PAYMENT_REQUIRED: 'true' }, { clock });
    t.app.ctx.events.onPublish((e) => void published.push(e));
    [patient, other] = [await registerPatient(t.app), await registerPatient(t.app)];
  });
  after(async () => t.close());
  beforeEach(() => clock.set(NOW));

  const markPaid = (id: string) =>
    t.testDb.database.query("UPDATE appointments SET paid = true, status = 'confirmed', paid_at = now() WHERE id = $1", [id]);
  const row = async (id: string) =>
    (await t.testDb.database.query<{ status: string; cancelled_by: string | null; cancelled_by_id: string | null; cancel_reason: string | null; refund_minor: number | null; refund_status: string | null }>(
      'SELECT status, cancelled_by, cancelled_by_id, cancel_reason, refund_minor, refund_status FROM appointments WHERE id = $1', [id],
    ))[0];
  const slotTimes = async (docId: string, date: string) =>
    (json(await get(t.app, `/api/doctor/${docId}/slots?from=${date}&to=${date}`)).slots as { slotTime: string }[]).map((s) => s.slotTime);
  const bookOk = async (p: Patient, docId: string, slotDate: string, slotTime: string) => {
    const res = await book(t.app, p.token, docId, { slotDate, slotTime });
    assert.equal(res.statusCode, 201, res.body);
    return json(res).appointment as { _id: string; slotDate: string; slotTime: string; startsAt: string; status: string; payment: boolean };
  };

  describe('the 15-minute payment window', () => {
    let doctor: Doctor;
    before(async () => {
      doctor = await createDoctor(t.app);
    });

    it('an unpaid booking holds its slot for 15 minutes, then the slot is free and the next booking cancels it', async () => {
      const first = await bookOk(patient, doctor.id, '2030-01-08', '10:00 AM');
      clock.advance(14 * MINUTE);
      assert.equal((await slotTimes(doctor.id, '2030-01-08')).includes('10:00 AM'), false);
      const early = await book(t.app, other.token, doctor.id, { slotDate: '2030-01-08', slotTime: '10:00 AM' });
      assert.equal(early.statusCode, 409);
      clock.advance(1 * MINUTE); // exactly 15 minutes after booking
      assert.equal((await slotTimes(doctor.id, '2030-01-08')).includes('10:00 AM'), true, 'expired holds are listed as free');
      assert.equal((await row(first._id)).status, 'pending', 'nothing swept yet');
      await bookOk(other, doctor.id, '2030-01-08', '10:00 AM');
      const old = await row(first._id);
      assert.deepEqual([old.status, old.cancelled_by, old.cancel_reason], ['cancelled', 'system', 'payment window expired']);
      const mine = json(await get(t.app, '/api/user/appointments', bearer(patient.token))).appointments.find((a: { _id: string }) => a._id === first._id);
      assert.equal(mine.cancelled, true);
      assert.equal(mine.cancelledBy, 'system');
    });

    it('a booking that releases an expired hold publishes its "expired" event (live streams hear of it)', async () => {
      const hold = await bookOk(patient, doctor.id, '2030-01-08', '11:00 AM');
      clock.advance(15 * MINUTE);
      const before = published.length;
      await bookOk(other, doctor.id, '2030-01-08', '11:00 AM');
      const expired = published.slice(before).filter((e) => e.kind === 'appointment' && e.type === 'expired');
      assert.deepEqual(expired.map((e) => e.kind === 'appointment' && [e.appointmentId, e.patientId, e.actor]), [[hold._id, patient.id, 'system']]);
    });

    it('slots_booked agrees with the free-slot list: an expired hold is not booked; update-profile answers the real bookings', async () => {
      const hold = await bookOk(patient, doctor.id, '2030-01-08', '05:00 PM');
      const bookedTimes = async () => json(await get(t.app, '/api/doctor/profile', bearer(doctor.token))).profileData.slots_booked['2030-01-08'] ?? [];
      assert.equal((await bookedTimes()).includes('05:00 PM'), true);
      const updated = await post(t.app, '/api/doctor/update-profile', { about: 'Still here' }, bearer(doctor.token));
      assert.equal(updated.statusCode, 200, updated.body);
      assert.equal(json(updated).profileData.slots_booked['2030-01-08'].includes('05:00 PM'), true);
      assert.equal(json(updated).profileData.slots_booked['8_1_2030'].includes('05:00 PM'), true);
      clock.advance(15 * MINUTE);
      assert.equal((await slotTimes(doctor.id, '2030-01-08')).includes('05:00 PM'), true, 'free in the slot list');
      assert.equal((await bookedTimes()).includes('05:00 PM'), false, 'so not in slots_booked either');
      assert.equal((await row(hold._id)).status, 'pending', 'nothing swept: the hold merely ended');
      assert.deepEqual((await t.app.ctx.scheduling.sweepExpired()).map((r) => r.id), [hold._id]); // leave nothing for the next test
    });

    it('the sweep cancels expired unpaid bookings only, and publishes an "expired" event', async () => {
      const unpaid = await bookOk(patient, doctor.id, '2030-01-08', '02:00 PM');
      const paid = await bookOk(patient, doctor.id, '2030-01-08', '03:00 PM');
      await markPaid(paid._id);
      assert.deepEqual(await t.app.ctx.scheduling.sweepExpired(), [], 'inside the window nothing expires');
      clock.advance(16 * MINUTE);
      const swept = (await t.app.ctx.scheduling.sweepExpired()).map((r) => r.id);
      assert.deepEqual(swept, [unpaid._id]);
      assert.equal((await row(unpaid._id)).cancel_reason, 'payment window expired');
      assert.equal((await row(paid._id)).status, 'confirmed');
      assert.ok(published.some((e) => e.kind === 'appointment' && e.type === 'expired' && e.appointmentId === unpaid._id && e.actor === 'system'));
    });

    it('an expired booking cannot be rescheduled', async () => {
      const a = await bookOk(patient, doctor.id, '2030-01-09', '10:00 AM');
      clock.advance(20 * MINUTE);
      const res = await post(t.app, '/api/user/reschedule-appointment', { appointmentId: a._id, slotDate: '2030-01-09', slotTime: '11:00 AM' }, bearer(patient.token));
      assert.equal(res.statusCode, 409);
      assert.equal(json(res).message, 'The payment window of this appointment has ended; please book again');
    });

    it('pending → confirmed → completed: an unpaid appointment cannot be completed', async () => {
      const a = await bookOk(patient, doctor.id, '2030-01-09', '02:00 PM');
      const refused = await post(t.app, '/api/doctor/complete-appointment', { appointmentId: a._id }, bearer(doctor.token));
      assert.equal(refused.statusCode, 409);
      assert.equal(json(refused).message, 'Appointment is not paid yet and cannot be completed');
      await markPaid(a._id);
      const done = await post(t.app, '/api/doctor/complete-appointment', { appointmentId: a._id }, bearer(doctor.token));
      assert.equal(done.statusCode, 200);
      assert.equal(json(done).appointment.status, 'completed');
      assert.equal(json(done).appointment.isCompleted, true);
      const again = await post(t.app, '/api/user/cancel-appointment', { appointmentId: a._id }, bearer(patient.token));
      assert.equal(again.statusCode, 409);
      assert.equal(json(again).message, 'Appointment is completed and cannot be cancelled');
    });
  });

  describe('cancellation refunds are computed and stored with who cancelled', () => {
    let doctor: Doctor;
    before(async () => {
      doctor = await createDoctor(t.app, { fees: 500 });
    });

    const cancel = async (role: 'user' | 'doctor', token: string, id: string) => {
      const res = await post(t.app, `/api/${role}/cancel-appointment`, { appointmentId: id, reason: 'plans changed' }, bearer(token));
      assert.equal(res.statusCode, 200, res.body);
      return json(res).appointment;
    };

    it('patient, exactly 24 h before: full refund', async () => {
      const a = await bookOk(patient, doctor.id, '2030-01-08', '10:00 AM');
      await markPaid(a._id);
      const c = await cancel('user', patient.token, a._id);
      assert.deepEqual([c.refundAmount, c.refundStatus, c.cancelledBy, c.cancelReason], [500, 'pending', 'patient', 'plans changed']);
      assert.equal((await row(a._id)).cancelled_by_id, patient.id);
    });

    it('patient, later the same day: half', async () => {
      const a = await bookOk(patient, doctor.id, '2030-01-07', '08:00 PM');
      await markPaid(a._id);
      assert.equal((await cancel('user', patient.token, a._id)).refundAmount, 250);
    });

    it('patient, after the start (no-show): nothing', async () => {
      const a = await bookOk(patient, doctor.id, '2030-01-07', '12:00 PM');
      await markPaid(a._id);
      clock.set('2030-01-07T06:40:00Z'); // 12:10 IST
      const c = await cancel('user', patient.token, a._id);
      assert.deepEqual([c.refundAmount, c.refundStatus], [0, 'none']);
    });

    it('doctor, even at the last minute: full refund; unpaid: no refund recorded', async () => {
      const a = await bookOk(patient, doctor.id, '2030-01-07', '01:00 PM');
      await markPaid(a._id);
      clock.set('2030-01-07T07:25:00Z'); // 12:55 IST
      const c = await cancel('doctor', doctor.token, a._id);
      assert.deepEqual([c.refundAmount, c.cancelledBy], [500, 'doctor']);
      assert.equal((await row(a._id)).cancelled_by_id, doctor.id);
      clock.set(NOW);
      const unpaid = await bookOk(patient, doctor.id, '2030-01-08', '04:00 PM');
      assert.equal((await cancel('user', patient.token, unpaid._id)).refundAmount, null);
    });
  });

  describe('POST /api/user/reschedule-appointment', () => {
    let doctor: Doctor;
    before(async () => {
      doctor = await createDoctor(t.app);
    });
    const move = (token: string, appointmentId: string, slotDate: string, slotTime: string) =>
      post(t.app, '/api/user/reschedule-appointment', { appointmentId, slotDate, slotTime }, bearer(token));

    it('moves the appointment: the old slot is released, the new one taken, a "rescheduled" event published', async () => {
      const a = await bookOk(patient, doctor.id, '2030-01-09', '10:00 AM');
      const res = await move(patient.token, a._id, '2030-01-09', '03:00 PM');
      assert.equal(res.statusCode, 200, res.body);
      const moved = json(res).appointment;
      assert.equal(json(res).message, 'Appointment Rescheduled');
      assert.deepEqual([moved._id, moved.slotDate, moved.slotTime, moved.startsAt, moved.status], [a._id, '2030-01-09', '03:00 PM', '2030-01-09T09:30:00.000Z', 'pending']);
      const times = await slotTimes(doctor.id, '2030-01-09');
      assert.equal(times.includes('10:00 AM'), true);
      assert.equal(times.includes('03:00 PM'), false);
      assert.ok(published.some((e) => e.kind === 'appointment' && e.type === 'rescheduled' && e.appointmentId === a._id && e.actor === 'patient'));
      // moving onto an interval that overlaps only its own current hold is fine
      const nudge = await move(patient.token, a._id, '2030-01-09', '03:30 PM');
      assert.equal(nudge.statusCode, 200, nudge.body);
    });

    it('to a taken slot: 409, and the appointment keeps its old slot', async () => {
      const mine = await bookOk(patient, doctor.id, '2030-01-10', '10:00 AM');
      await bookOk(other, doctor.id, '2030-01-10', '12:00 PM');
      const res = await move(patient.token, mine._id, '2030-01-10', '12:30 PM'); // inside the other booking's buffer
      assert.equal(res.statusCode, 409);
      assert.equal(json(res).message, 'Slot not available');
      const list = json(await get(t.app, '/api/user/appointments', bearer(patient.token))).appointments;
      assert.equal(list.find((x: { _id: string }) => x._id === mine._id).slotTime, '10:00 AM');
      assert.equal((await slotTimes(doctor.id, '2030-01-10')).includes('10:00 AM'), false);
    });

    it('a paid appointment stays paid and confirmed when moved', async () => {
      const a = await bookOk(patient, doctor.id, '2030-01-10', '04:00 PM');
      await markPaid(a._id);
      const res = await move(patient.token, a._id, '2030-01-11', '04:00 PM');
      assert.equal(res.statusCode, 200);
      assert.deepEqual([json(res).appointment.status, json(res).appointment.payment], ['confirmed', true]);
    });

    it('a paid appointment inside the full-refund window cannot be moved out of it (cancelling still refunds half)', async () => {
      const a = await bookOk(patient, doctor.id, '2030-01-07', '06:30 PM'); // 8.5 h ahead
      await markPaid(a._id);
      const res = await move(patient.token, a._id, '2030-01-09', '06:30 PM');
      assert.equal(res.statusCode, 409);
      assert.equal(json(res).message, 'A paid appointment can be rescheduled only until 24 hours before it starts; it can still be cancelled under the refund policy');
      const cancel = await post(t.app, '/api/user/cancel-appointment', { appointmentId: a._id }, bearer(patient.token));
      assert.equal(cancel.statusCode, 200, cancel.body);
      assert.equal(json(cancel).appointment.refundAmount, json(cancel).appointment.amount / 2);
      // unpaid, nothing to refund: it may still move
      const unpaid = await bookOk(patient, doctor.id, '2030-01-07', '07:30 PM');
      assert.equal((await move(patient.token, unpaid._id, '2030-01-09', '07:30 PM')).statusCode, 200);
    });

    it('refuses a slot the rules refuse, the same time, and bad input', async () => {
      const a = await bookOk(patient, doctor.id, '2030-01-11', '10:00 AM');
      for (const [slotDate, slotTime, status, message] of [
        ['2030-01-12', '10:00 AM', 400, 'Weekend bookings are not available'],
        ['2030-01-11', '10:10 AM', 400, '10:10 AM is not a published slot: slots start every 30 minutes from 10:00 AM'],
        ['2030-01-11', '10:00 AM', 409, 'The appointment is already at that time'],
        ['2030-13-01', '10:00 AM', 400, 'slotDate must be a real date like 2024-12-25 (or 25_12_2024), years 1970–2100'],
        ['2030-01-11', 'noon', 400, 'slotTime must be a time like 10:30 AM'],
      ] as const) {
        const res = await move(patient.token, a._id, slotDate, slotTime);
        assert.equal(res.statusCode, status, `${slotDate} ${slotTime}`);
        assert.equal(json(res).message, message);
      }
    });

    it('only the owner, only live, only before it starts', async () => {
      const a = await bookOk(patient, doctor.id, '2030-01-14', '10:00 AM');
      const foreign = await move(other.token, a._id, '2030-01-14', '11:00 AM');
      assert.equal(foreign.statusCode, 403);
      assert.equal(json(foreign).message, 'This appointment belongs to another patient');
      assert.equal((await move(doctor.token, a._id, '2030-01-14', '11:00 AM')).statusCode, 403);
      assert.equal((await move(patient.token, '0123456789abcdef01234567', '2030-01-14', '11:00 AM')).statusCode, 404);
      await markPaid(a._id); // so it is still live (not an expired hold) when it starts
      clock.set('2030-01-14T04:40:00Z'); // 10:10 IST: started
      const started = await move(patient.token, a._id, '2030-01-14', '03:00 PM');
      assert.equal(started.statusCode, 409);
      assert.equal(json(started).message, 'Appointment has already started and cannot be rescheduled');
      clock.set(NOW);
      await post(t.app, '/api/user/cancel-appointment', { appointmentId: a._id }, bearer(patient.token));
      const cancelled = await move(patient.token, a._id, '2030-01-14', '11:00 AM');
      assert.equal(cancelled.statusCode, 409);
      assert.equal(json(cancelled).message, 'Appointment is cancelled and cannot be rescheduled');
    });
  });

  describe('listings filter, sort and paginate', () => {
    let doctor: Doctor;
    let otherDoctor: Doctor;
    let atoken: string;
    let patient: Patient; // fresh accounts: earlier suites booked with the shared ones
    let other: Patient;
    const ids: Record<string, string> = {};
    before(async () => {
      clock.set(NOW);
      [patient, other] = [await registerPatient(t.app), await registerPatient(t.app)];
      [doctor, otherDoctor] = [await createDoctor(t.app), await createDoctor(t.app)];
      atoken = await adminToken(t.app);
      ids.thu10 = (await bookOk(patient, doctor.id, '2030-01-10', '10:00 AM'))._id;
      clock.advance(MINUTE);
      ids.fri14 = (await bookOk(other, doctor.id, '2030-01-11', '02:00 PM'))._id;
      clock.advance(MINUTE);
      ids.thu14 = (await bookOk(patient, doctor.id, '2030-01-10', '02:00 PM'))._id;
      clock.advance(MINUTE);
      ids.fri10 = (await bookOk(other, doctor.id, '2030-01-11', '10:00 AM'))._id;
      ids.elsewhere = (await bookOk(patient, otherDoctor.id, '2030-01-10', '10:00 AM'))._id;
      await markPaid(ids.thu10);
      await markPaid(ids.fri14);
      await markPaid(ids.thu14);
      await markPaid(ids.fri10);
      await markPaid(ids.elsewhere);
      await post(t.app, '/api/user/cancel-appointment', { appointmentId: ids.thu14 }, bearer(patient.token));
    });
    const list = async (url: string, token: string) => {
      const res = await get(t.app, url, bearer(token));
      assert.equal(res.statusCode, 200, res.body);
      return json(res);
    };
    const idsOf = (body: Record<string, unknown>) => (body.appointments as { _id: string }[]).map((a) => a._id);

    it('without parameters keeps the old shape, newest booking first', async () => {
      const body = await list('/api/doctor/appointments', doctor.token);
      assert.deepEqual(Object.keys(body).sort(), ['appointments', 'success']);
      assert.deepEqual(idsOf(body), [ids.fri10, ids.thu14, ids.fri14, ids.thu10]);
    });

    it('filters by status, date range and patient; sorts by start time', async () => {
      assert.deepEqual(idsOf(await list('/api/doctor/appointments?status=cancelled', doctor.token)), [ids.thu14]);
      assert.deepEqual(idsOf(await list('/api/doctor/appointments?from=2030-01-11&to=2030-01-11&sort=startsAt', doctor.token)), [ids.fri10, ids.fri14]);
      assert.deepEqual(idsOf(await list(`/api/doctor/appointments?userId=${patient.id}&sort=-startsAt`, doctor.token)), [ids.thu14, ids.thu10]);
      assert.deepEqual(idsOf(await list('/api/doctor/appointments?sort=startsAt&status=confirmed', doctor.token)), [ids.thu10, ids.fri10, ids.fri14]);
    });

    it('paginates with page, limit and the total count; pages neither overlap nor skip', async () => {
      const p1 = await list('/api/doctor/appointments?sort=startsAt&limit=3', doctor.token);
      assert.deepEqual([p1.total, p1.page, p1.limit, p1.appointments.length], [4, 1, 3, 3]);
      const p2 = await list('/api/doctor/appointments?sort=startsAt&limit=3&page=2', doctor.token);
      assert.deepEqual([p2.total, p2.page, p2.appointments.length], [4, 2, 1]);
      assert.deepEqual([...idsOf(p1), ...idsOf(p2)], [ids.thu10, ids.thu14, ids.fri10, ids.fri14]);
      const beyond = await list('/api/doctor/appointments?page=9', doctor.token);
      assert.deepEqual([beyond.total, beyond.limit, beyond.appointments.length], [4, 20, 0]);
    });

    it('a doctor cannot list another doctor’s appointments; bad parameters are refused', async () => {
      const res = await get(t.app, `/api/doctor/appointments?docId=${otherDoctor.id}`, bearer(doctor.token));
      assert.equal(res.statusCode, 403);
      assert.equal(json(res).message, 'A doctor can only list their own appointments');
      for (const q of ['status=lost', 'limit=101', 'page=0', 'from=10-01-2030', 'sort=name', 'docId=xyz']) {
        assert.equal((await get(t.app, `/api/doctor/appointments?${q}`, bearer(doctor.token))).statusCode, 400, q);
      }
      for (const [q, message] of [
        ['status=foo', 'status must be one of: pending, confirmed, completed, cancelled in querystring'],
        ['sort=name', 'sort must be one of: startsAt, -startsAt, createdAt, -createdAt in querystring'],
        ['page=two', 'page must be an integer in querystring'],
      ]) {
        const res = await get(t.app, `/api/admin/appointments?${q}`, bearer(atoken));
        assert.equal(res.statusCode, 400, q);
        assert.equal(json(res).message, message);
      }
      const backwards = await get(t.app, '/api/doctor/appointments?from=2030-01-11&to=2030-01-10', bearer(doctor.token));
      assert.equal(json(backwards).message, 'to must not be before from');
    });

    it('the admin filters everyone’s appointments by doctor and patient', async () => {
      assert.deepEqual(idsOf(await list(`/api/admin/appointments?docId=${otherDoctor.id}`, atoken)), [ids.elsewhere]);
      const byPatient = await list(`/api/admin/appointments?userId=${patient.id}&from=2030-01-10&to=2030-01-10&sort=startsAt&page=1&limit=10`, atoken);
      assert.equal(byPatient.total, 3);
      assert.deepEqual(new Set(idsOf(byPatient)), new Set([ids.thu10, ids.elsewhere, ids.thu14]));
      assert.equal((await get(t.app, '/api/admin/appointments?status=pending', bearer(doctor.token))).statusCode, 403);
    });
  });
});
