import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { legacyDateKey } from '../../../src/lib/time.js';
import {
  bearer, book, createDoctor, futureSlot, get, json, makeTestApp, post, registerPatient, adminToken, type TestApp,
} from '../../helpers/app.js';

describe('appointments', () => {
  let t: TestApp;
  let doctor: Awaited<ReturnType<typeof createDoctor>>;
  let otherDoctor: Awaited<ReturnType<typeof createDoctor>>;
  let patient: Awaited<ReturnType<typeof registerPatient>>;
  let otherPatient: Awaited<ReturnType<typeof registerPatient>>;
  let slotIndex = 0;
  const nextSlot = () => futureSlot(slotIndex++);

  before(async () => {
    t = await makeTestApp();
    [doctor, otherDoctor] = [await createDoctor(t.app, { fees: 500 }), await createDoctor(t.app, { fees: 300 })];
    [patient, otherPatient] = [await registerPatient(t.app, { name: 'Pat One' }), await registerPatient(t.app, { name: 'Pat Two' })];
  });
  after(async () => t.close());

  describe('booking', () => {
    it('books a slot with snapshots, amount from the doctor and the spec booleans', async () => {
      const slot = nextSlot();
      const res = await book(t.app, patient.token, doctor.id, slot);
      assert.equal(res.statusCode, 201, res.body);
      const { appointment } = json(res);
      assert.match(appointment._id, /^[0-9a-f]{24}$/);
      assert.equal(appointment.userId, patient.id);
      assert.equal(appointment.docId, doctor.id);
      assert.equal(appointment.slotDate, slot.slotDate);
      assert.equal(appointment.slotTime, slot.slotTime);
      assert.equal(appointment.amount, 500);
      assert.equal(appointment.userData.name, 'Pat One');
      assert.equal(appointment.docData.name, 'Dr. Test Doctor');
      assert.equal(appointment.docData.fees, 500);
      assert.equal(appointment.status, 'pending');
      assert.equal(appointment.cancelled, false);
      assert.equal(appointment.payment, false);
      assert.equal(appointment.isCompleted, false);
      assert.equal('password' in appointment.userData, false);
    });

    it('accepts legacy d_m_yyyy dates and lower-case / 24-hour times, stored as hh:mm AM', async () => {
      const a = nextSlot();
      const res = await book(t.app, patient.token, doctor.id, { slotDate: legacyDateKey(a.slotDate), slotTime: a.slotTime.toLowerCase() });
      assert.equal(res.statusCode, 201, res.body);
      assert.equal(json(res).appointment.slotDate, a.slotDate);
      assert.equal(json(res).appointment.slotTime, a.slotTime);
      const b = nextSlot();
      const [hh, rest] = b.slotTime.split(':');
      const h24 = (Number(hh) % 12) + (rest.endsWith('PM') ? 12 : 0);
      const res2 = await book(t.app, patient.token, doctor.id, { slotDate: b.slotDate, slotTime: `${h24}:${rest.slice(0, 2)}` });
      assert.equal(res2.statusCode, 201, res2.body);
      assert.equal(json(res2).appointment.slotTime, b.slotTime);
    });

    it('refuses a taken slot with 409 "Slot not available"', async () => {
      const slot = nextSlot();
      assert.equal((await book(t.app, patient.token, doctor.id, slot)).statusCode, 201);
      const res = await book(t.app, otherPatient.token, doctor.id, slot);
      assert.equal(res.statusCode, 409);
      assert.deepEqual(json(res), { success: false, message: 'Slot not available' });
    });

    it('the same time with another doctor is fine', async () => {
      const slot = nextSlot();
      assert.equal((await book(t.app, patient.token, doctor.id, slot)).statusCode, 201);
      assert.equal((await book(t.app, otherPatient.token, otherDoctor.id, slot)).statusCode, 201);
    });

    it('fifty simultaneous requests for one slot: exactly one success, 49 clean 409s', async () => {
      const slot = nextSlot();
      const patients = await Promise.all(Array.from({ length: 5 }, () => registerPatient(t.app)));
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) => book(t.app, patients[i % patients.length].token, doctor.id, slot)),
      );
      const codes = results.map((r) => r.statusCode);
      assert.equal(codes.filter((c) => c === 201).length, 1, `codes: ${codes.join(',')}`);
      assert.equal(codes.filter((c) => c === 409).length, 49, `codes: ${codes.join(',')}; first odd body: ${results.find((r) => r.statusCode !== 201 && r.statusCode !== 409)?.body}`);
      for (const r of results.filter((x) => x.statusCode === 409)) assert.deepEqual(json(r), { success: false, message: 'Slot not available' });
      const rows = await t.testDb.database.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM appointments WHERE doctor_id = $1 AND slot_date = $2 AND slot_time = $3 AND status <> 'cancelled'",
        [doctor.id, slot.slotDate, slot.slotTime],
      );
      assert.equal(rows[0].n, 1);
    });

    it('the database itself refuses an overlapping row, whatever the application does', async () => {
      const slot = nextSlot();
      const res = await book(t.app, patient.token, doctor.id, slot);
      const { appointment } = json(res);
      await assert.rejects(
        t.testDb.database.query(
          `INSERT INTO appointments (id, patient_id, doctor_id, slot_date, slot_time, starts_at, ends_at, blocks, user_data, doc_data, amount_minor, currency, status)
           SELECT 'ffffffffffffffffffffffff', patient_id, doctor_id, slot_date, slot_time, starts_at + interval '10 minutes', ends_at + interval '10 minutes',
                  tstzrange(starts_at + interval '10 minutes', ends_at + interval '25 minutes'), user_data, doc_data, amount_minor, currency, 'pending'
           FROM appointments WHERE id = $1`,
          [appointment._id],
        ),
        (err: Error & { code?: string }) => err.code === '23P01' || /exclu|conflict/i.test(err.message),
      );
    });

    for (const [name, body, status, message] of [
      ['a malformed docId', { docId: 'abc', slotDate: '2030-01-01', slotTime: '10:00 AM' }, 400, /docId/],
      ['an unknown doctor', { docId: 'aaaaaaaaaaaaaaaaaaaaaaaa', slotDate: '2030-01-07', slotTime: '10:00 AM' }, 404, /Doctor not found/],
      ['an impossible date', { slotDate: '2030-02-30', slotTime: '10:00 AM' }, 400, /slotDate/],
      ['a garbage time', { slotDate: '2030-01-07', slotTime: '25:99' }, 400, /slotTime/],
      ['a missing slotTime', { slotDate: '2030-01-07' }, 400, /Missing Details/],
      ['an operator object', { slotDate: { $gt: '' }, slotTime: '10:00 AM' }, 400, /slotDate/],
    ] as const) {
      it(`refuses ${name}`, async () => {
        const res = await post(t.app, '/api/user/book-appointment', Object.assign({ docId: doctor.id }, body), bearer(patient.token));
        assert.equal(res.statusCode, status, res.body);
        assert.equal(json(res).success, false);
        assert.match(json(res).message, message);
      });
    }

    it('refuses a past slot', async () => {
      const res = await book(t.app, patient.token, doctor.id, { slotDate: '2020-01-06', slotTime: '10:00 AM' });
      assert.equal(res.statusCode, 400);
      assert.equal(json(res).success, false);
    });

    it('refuses booking an unavailable doctor', async () => {
      const d = await createDoctor(t.app);
      await post(t.app, '/api/doctor/change-availability', { available: false }, bearer(d.token));
      const res = await book(t.app, patient.token, d.id, nextSlot());
      assert.equal(res.statusCode, 409);
      assert.equal(json(res).message, 'Doctor not available');
    });

    it('needs a patient token', async () => {
      assert.equal((await post(t.app, '/api/user/book-appointment', { docId: doctor.id, ...nextSlot() })).statusCode, 401);
      assert.equal((await book(t.app, doctor.token, doctor.id, nextSlot())).statusCode, 403);
      assert.equal((await book(t.app, await adminToken(t.app), doctor.id, nextSlot())).statusCode, 403);
    });

    it('ignores client-sent amount, payment and status fields', async () => {
      const res = await post(t.app, '/api/user/book-appointment', { docId: doctor.id, ...nextSlot(), amount: 1, payment: true, isCompleted: true, status: 'confirmed' }, bearer(patient.token));
      assert.equal(res.statusCode, 201, res.body);
      const { appointment } = json(res);
      assert.equal(appointment.amount, 500);
      assert.equal(appointment.payment, false);
      assert.equal(appointment.status, 'pending');
    });
  });

  describe('slots_booked', () => {
    it('lists live slots under YYYY-MM-DD and legacy d_m_yyyy keys, and frees them on cancel', async () => {
      const d = await createDoctor(t.app);
      const slot = nextSlot();
      const { appointment } = json(await book(t.app, patient.token, d.id, slot));
      const listed = json(await get(t.app, '/api/doctor/list')).doctors.find((x: { _id: string }) => x._id === d.id);
      assert.deepEqual(listed.slots_booked[slot.slotDate], [slot.slotTime]);
      assert.deepEqual(listed.slots_booked[legacyDateKey(slot.slotDate)], [slot.slotTime]);
      await post(t.app, '/api/user/cancel-appointment', { appointmentId: appointment._id }, bearer(patient.token));
      const after = json(await get(t.app, '/api/doctor/list')).doctors.find((x: { _id: string }) => x._id === d.id);
      assert.deepEqual(after.slots_booked, {});
      assert.equal((await book(t.app, otherPatient.token, d.id, slot)).statusCode, 201, 'a cancelled slot can be booked again');
    });
  });

  describe('listing', () => {
    it('a patient sees only their own appointments, newest first', async () => {
      const p = await registerPatient(t.app);
      const a1 = json(await book(t.app, p.token, doctor.id, nextSlot())).appointment;
      const a2 = json(await book(t.app, p.token, otherDoctor.id, nextSlot())).appointment;
      await book(t.app, otherPatient.token, doctor.id, nextSlot());
      const res = await get(t.app, '/api/user/appointments', bearer(p.token));
      assert.equal(res.statusCode, 200);
      const ids = json(res).appointments.map((a: { _id: string }) => a._id);
      assert.deepEqual(ids, [a2._id, a1._id]);
    });

    it('a doctor sees only their own appointments', async () => {
      const d = await createDoctor(t.app);
      const a = json(await book(t.app, patient.token, d.id, nextSlot())).appointment;
      await book(t.app, patient.token, otherDoctor.id, nextSlot());
      const list = json(await get(t.app, '/api/doctor/appointments', bearer(d.token))).appointments;
      assert.deepEqual(list.map((x: { _id: string }) => x._id), [a._id]);
    });

    it('the admin sees everyone’s appointments; others may not use the admin list', async () => {
      const res = await get(t.app, '/api/admin/appointments', bearer(await adminToken(t.app)));
      assert.equal(res.statusCode, 200);
      const list = json(res).appointments;
      assert.ok(list.some((a: { docId: string }) => a.docId === doctor.id));
      assert.ok(list.some((a: { docId: string }) => a.docId === otherDoctor.id));
      assert.equal((await get(t.app, '/api/admin/appointments', bearer(patient.token))).statusCode, 403);
      assert.equal((await get(t.app, '/api/admin/appointments', bearer(doctor.token))).statusCode, 403);
      assert.equal((await get(t.app, '/api/admin/appointments')).statusCode, 401);
    });
  });

  describe('cancel and complete', () => {
    it('a patient cancels their own appointment; the second cancel is a 409', async () => {
      const { appointment } = json(await book(t.app, patient.token, doctor.id, nextSlot()));
      const res = await post(t.app, '/api/user/cancel-appointment', { appointmentId: appointment._id, reason: 'feeling better' }, bearer(patient.token));
      assert.equal(res.statusCode, 200, res.body);
      const cancelled = json(res).appointment;
      assert.equal(cancelled.cancelled, true);
      assert.equal(cancelled.status, 'cancelled');
      assert.equal(cancelled.cancelledBy, 'patient');
      assert.equal(cancelled.cancelReason, 'feeling better');
      const again = await post(t.app, '/api/user/cancel-appointment', { appointmentId: appointment._id }, bearer(patient.token));
      assert.equal(again.statusCode, 409);
      assert.match(json(again).message, /cancelled/);
    });

    it('a patient cannot cancel someone else’s appointment', async () => {
      const { appointment } = json(await book(t.app, patient.token, doctor.id, nextSlot()));
      const res = await post(t.app, '/api/user/cancel-appointment', { appointmentId: appointment._id }, bearer(otherPatient.token));
      assert.equal(res.statusCode, 403);
      const still = json(await get(t.app, '/api/user/appointments', bearer(patient.token))).appointments.find((a: { _id: string }) => a._id === appointment._id);
      assert.equal(still.cancelled, false);
    });

    it('unknown and malformed ids answer 404 and 400', async () => {
      const unknown = await post(t.app, '/api/user/cancel-appointment', { appointmentId: 'abcdefabcdefabcdefabcdef' }, bearer(patient.token));
      assert.equal(unknown.statusCode, 404);
      const malformed = await post(t.app, '/api/user/cancel-appointment', { appointmentId: { $ne: null } }, bearer(patient.token));
      assert.equal(malformed.statusCode, 400);
    });

    it('a doctor completes their appointment; completed cannot be cancelled or completed again', async () => {
      const { appointment } = json(await book(t.app, patient.token, doctor.id, nextSlot()));
      const res = await post(t.app, '/api/doctor/appointment-complete', { appointmentId: appointment._id }, bearer(doctor.token));
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(json(res).appointment.isCompleted, true);
      for (const [url, token] of [
        ['/api/doctor/appointment-complete', doctor.token],
        ['/api/doctor/appointment-cancel', doctor.token],
        ['/api/user/cancel-appointment', patient.token],
      ] as const) {
        const r = await post(t.app, url, { appointmentId: appointment._id }, bearer(token));
        assert.equal(r.statusCode, 409, url);
        assert.match(json(r).message, /completed/);
      }
    });

    it('legacy aliases complete-appointment and cancel-appointment work for doctors, with the dtoken header', async () => {
      const a = json(await book(t.app, patient.token, doctor.id, nextSlot())).appointment;
      const b = json(await book(t.app, patient.token, doctor.id, nextSlot())).appointment;
      assert.equal((await post(t.app, '/api/doctor/complete-appointment', { appointmentId: a._id }, { dtoken: doctor.token })).statusCode, 200);
      const c = await post(t.app, '/api/doctor/cancel-appointment', { appointmentId: b._id }, { dtoken: doctor.token });
      assert.equal(c.statusCode, 200);
      assert.equal(json(c).appointment.cancelledBy, 'doctor');
    });

    it('a doctor cannot complete or cancel another doctor’s appointment', async () => {
      const { appointment } = json(await book(t.app, patient.token, doctor.id, nextSlot()));
      assert.equal((await post(t.app, '/api/doctor/appointment-complete', { appointmentId: appointment._id }, bearer(otherDoctor.token))).statusCode, 403);
      assert.equal((await post(t.app, '/api/doctor/appointment-cancel', { appointmentId: appointment._id }, bearer(otherDoctor.token))).statusCode, 403);
    });

    it('the admin cancels any appointment (also via the legacy alias and atoken header)', async () => {
      const atoken = await adminToken(t.app);
      const a = json(await book(t.app, patient.token, doctor.id, nextSlot())).appointment;
      const b = json(await book(t.app, patient.token, doctor.id, nextSlot())).appointment;
      const r1 = await post(t.app, '/api/admin/appointment-cancel', { appointmentId: a._id }, bearer(atoken));
      assert.equal(r1.statusCode, 200);
      assert.equal(json(r1).appointment.cancelledBy, 'admin');
      assert.equal((await post(t.app, '/api/admin/cancel-appointment', { appointmentId: b._id }, { atoken })).statusCode, 200);
    });

    it('concurrent cancel and complete: exactly one wins', async () => {
      const { appointment } = json(await book(t.app, patient.token, doctor.id, nextSlot()));
      const [c, d] = await Promise.all([
        post(t.app, '/api/user/cancel-appointment', { appointmentId: appointment._id }, bearer(patient.token)),
        post(t.app, '/api/doctor/appointment-complete', { appointmentId: appointment._id }, bearer(doctor.token)),
      ]);
      assert.deepEqual([c.statusCode, d.statusCode].sort(), [200, 409]);
    });

    it('a payment confirmed while a cancel is under way is refunded (refund computed and queued)', async () => {
      const { appointment } = json(await book(t.app, patient.token, doctor.id, nextSlot()));
      const service = t.app.ctx.appointmentQueries;
      const getFor = service.getFor;
      // the interleaving: the cancel has read the unpaid row when the gateway's confirmation lands
      service.getFor = async (...args) => {
        const row = await getFor.apply(service, args);
        service.getFor = getFor;
        await t.app.ctx.appointmentLifecycle.confirmPayment(appointment._id, { gateway: 'razorpay', ref: 'order_race', paymentId: 'pay_race' });
        return row;
      };
      try {
        const res = await post(t.app, '/api/user/cancel-appointment', { appointmentId: appointment._id }, bearer(patient.token));
        assert.equal(res.statusCode, 200, res.body);
        const cancelled = json(res).appointment;
        assert.deepEqual([cancelled.payment, cancelled.refundAmount, cancelled.refundStatus], [true, 500, 'pending']);
      } finally {
        service.getFor = getFor;
      }
      const jobs = await t.testDb.database.query<{ amount_minor: number; payment_id: string }>(
        'SELECT amount_minor, payment_id FROM payment_refunds WHERE appointment_id = $1', [appointment._id],
      );
      assert.deepEqual(jobs.map((j) => [j.amount_minor, j.payment_id]), [[50000, 'pay_race']]);
      await t.app.ctx.refunds.idle();
    });
  });

  describe('dashboards', () => {
    it('doctor dashboard: earnings from completed, counts, distinct patients, latest five', async () => {
      const d = await createDoctor(t.app, { fees: 250 });
      const p2 = await registerPatient(t.app);
      const ids: string[] = [];
      for (const p of [patient, patient, p2]) ids.push(json(await book(t.app, p.token, d.id, nextSlot())).appointment._id);
      await post(t.app, '/api/doctor/appointment-complete', { appointmentId: ids[0] }, bearer(d.token));
      await post(t.app, '/api/doctor/appointment-cancel', { appointmentId: ids[1] }, bearer(d.token));
      const res = await get(t.app, '/api/doctor/dashboard', bearer(d.token));
      assert.equal(res.statusCode, 200);
      const { dashData } = json(res);
      assert.equal(dashData.earnings, 250);
      assert.equal(dashData.appointments, 3);
      assert.equal(dashData.patients, 2);
      assert.equal(dashData.latestAppointments.length, 3);
      assert.equal(dashData.latestAppointments[0]._id, ids[2]);
    });

    it('admin dashboard: totals, state counts and latest appointments', async () => {
      const res = await get(t.app, '/api/admin/dashboard', bearer(await adminToken(t.app)));
      assert.equal(res.statusCode, 200);
      const { dashData } = json(res);
      const counts = await t.testDb.database.query<{ status: string; n: number }>('SELECT status, count(*)::int AS n FROM appointments GROUP BY status');
      const by = Object.fromEntries(counts.map((c) => [c.status, c.n]));
      const total = counts.reduce((s, c) => s + c.n, 0);
      assert.equal(dashData.appointments, total);
      assert.equal(dashData.totalAppointments, total);
      assert.equal(dashData.pendingAppointments, by.pending ?? 0);
      assert.equal(dashData.completedAppointments, by.completed ?? 0);
      assert.equal(dashData.cancelledAppointments, by.cancelled ?? 0);
      const [{ n: doctors }] = await t.testDb.database.query<{ n: number }>('SELECT count(*)::int AS n FROM doctors');
      const [{ n: patients }] = await t.testDb.database.query<{ n: number }>('SELECT count(*)::int AS n FROM patients');
      assert.equal(dashData.doctors, doctors);
      assert.equal(dashData.patients, patients);
      assert.equal(typeof dashData.totalRevenue, 'number');
      assert.equal(dashData.latestAppointments.length, 5);
      assert.equal((await get(t.app, '/api/admin/dashboard', bearer(doctor.token))).statusCode, 403);
      assert.equal((await get(t.app, '/api/doctor/dashboard', bearer(patient.token))).statusCode, 403);
    });
  });
});
