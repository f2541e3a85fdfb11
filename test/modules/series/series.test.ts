// Recurring series: preview (free / why not), confirm all or nothing, the 409 that books nothing when
// one chosen occurrence was taken meanwhile, concurrent confirms (one winner), cancelling one or the
// rest (started ones untouched, refunds per policy), rescheduling one, payment per occurrence,
// ownership, the doctor booking for their patient, validation and the database's own guarantees.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../../src/lib/clock.js';
import { bearer, createDoctor, get, json, makeTestApp, post, registerPatient, type TestApp } from '../../helpers/app.js';
import { GatewayStub, gatewayEnv, razorpayCheckoutSignature } from '../payments/stub.js';

const NOW = '2030-01-07T04:30:00Z'; // Monday 10:00 IST
const MONDAYS = ['2030-01-14', '2030-01-21', '2030-01-28', '2030-02-04', '2030-02-11', '2030-02-18'];

type Doctor = Awaited<ReturnType<typeof createDoctor>>;
type Patient = Awaited<ReturnType<typeof registerPatient>>;
interface Occurrence { index: number; slotDate: string; slotTime: string; startsAt: string; free: boolean; reason: string | null }
interface Appt { _id: string; slotDate: string; slotTime: string; status: string; seriesId: string | null; refundAmount: number | null; payment: boolean; amount: number }
interface Series { _id: string; docId: string; userId: string; cadence: string; occurrences: number; bookedBy: string; appointments: Appt[] }

describe('recurring series', () => {
  const stub = new GatewayStub();
  const clock = new ManualClock(NOW);
  let t: TestApp;
  let doctor: Doctor;
  let otherDoctor: Doctor;
  let patient: Patient;
  let other: Patient;
  let third: Patient;

  const preview = (p: Patient, body: Record<string, unknown>, d = doctor) =>
    post(t.app, '/api/user/series/preview', { docId: d.id, slotDate: MONDAYS[0], slotTime: '10:00 AM', cadence: 'weekly', count: 4, ...body }, bearer(p.token));
  const confirm = (p: Patient, body: Record<string, unknown>, d = doctor) =>
    post(t.app, '/api/user/series', { docId: d.id, slotDate: MONDAYS[0], slotTime: '10:00 AM', cadence: 'weekly', count: 4, ...body }, bearer(p.token));
  const confirmOk = async (p: Patient, body: Record<string, unknown>, d = doctor): Promise<Series> => {
    const res = await confirm(p, body, d);
    assert.equal(res.statusCode, 201, res.body);
    return json(res).series as Series;
  };
  const bookSingle = (p: Patient, slotDate: string, slotTime: string, d = doctor) => post(t.app, '/api/user/book-appointment', { docId: d.id, slotDate, slotTime }, bearer(p.token));
  const rows = async (patientId: string) => (await t.testDb.database.query<{ n: number }>('SELECT count(*)::int AS n FROM appointments WHERE patient_id = $1', [patientId]))[0].n;
  const seriesRows = async (patientId: string) => (await t.testDb.database.query<{ n: number }>('SELECT count(*)::int AS n FROM appointment_series WHERE patient_id = $1', [patientId]))[0].n;

  before(async () => {
    t = await makeTestApp({ ...gatewayEnv(await stub.start()), MAX_ADVANCE_DAYS: '120', MAX_LIVE_BOOKINGS_PER_PATIENT_PER_DOCTOR: '4' }, { clock });
    [doctor, otherDoctor] = [await createDoctor(t.app, { fees: 400 }), await createDoctor(t.app)];
    [patient, other, third] = [await registerPatient(t.app, { name: 'Series Patient' }), await registerPatient(t.app), await registerPatient(t.app)];
  });
  after(async () => {
    await t.close();
    await stub.stop();
  });

  describe('preview', () => {
    it('lists every occurrence, weekly or every two weeks, free or why not; nothing is held', async () => {
      assert.equal((await bookSingle(other, MONDAYS[1], '10:00 AM')).statusCode, 201);
      const off = await post(t.app, '/api/doctor/schedule/time-off', { date: MONDAYS[2] }, bearer(doctor.token));
      assert.equal(off.statusCode, 201, off.body);
      const res = await preview(patient, {});
      assert.equal(res.statusCode, 200, res.body);
      const occ = json(res).occurrences as Occurrence[];
      assert.deepEqual(occ.map((o) => [o.index, o.slotDate, o.slotTime, o.free]), [
        [0, MONDAYS[0], '10:00 AM', true], [1, MONDAYS[1], '10:00 AM', false], [2, MONDAYS[2], '10:00 AM', false], [3, MONDAYS[3], '10:00 AM', true],
      ]);
      assert.equal(occ[0].startsAt, '2030-01-14T04:30:00.000Z');
      assert.deepEqual([occ[0].reason, occ[1].reason], [null, 'This time is already booked']);
      assert.match(occ[2].reason!, /time off/);
      const biweekly = json(await preview(patient, { cadence: 'biweekly', count: 3 })).occurrences as Occurrence[];
      assert.deepEqual(biweekly.map((o) => [o.slotDate, o.free]), [[MONDAYS[0], true], [MONDAYS[2], false], [MONDAYS[4], true]]);
      assert.equal(await rows(patient.id), 0);
      const removed = await t.app.inject({ method: 'DELETE', url: `/api/doctor/schedule/time-off/${json(off).timeOff.id}`, headers: bearer(doctor.token) });
      assert.equal(removed.statusCode, 200, removed.body);
      assert.equal((json(await preview(patient, {})).occurrences as Occurrence[])[2].free, true);
    });

    it('marks occurrences beyond the booking window', async () => {
      const occ = json(await preview(patient, { count: 12, slotTime: '11:00 AM', cadence: 'biweekly' })).occurrences as Occurrence[];
      assert.equal(occ.length, 12);
      assert.equal(occ[8].free, true); // 112 days ahead
      assert.equal(occ[9].free, false);
      assert.equal(occ[9].reason, 'Appointments can be booked at most 120 days ahead');
    });
  });

  describe('confirm', () => {
    let series: Series;

    it('books the chosen occurrences together: appointments carrying seriesId, listed by the series', async () => {
      series = await confirmOk(patient, { slotDates: [MONDAYS[3], MONDAYS[0]] });
      assert.equal(series.cadence, 'weekly');
      assert.equal(series.occurrences, 2);
      assert.equal(series.bookedBy, 'patient');
      assert.deepEqual(series.appointments.map((a) => [a.slotDate, a.slotTime, a.status, a.seriesId, a.amount]), [
        [MONDAYS[0], '10:00 AM', 'pending', series._id, 400], [MONDAYS[3], '10:00 AM', 'pending', series._id, 400],
      ]);
      const got = json(await get(t.app, `/api/user/series/${series._id}`, bearer(patient.token))).series as Series;
      assert.deepEqual(got.appointments.map((a) => a._id), series.appointments.map((a) => a._id));
      const mine = json(await get(t.app, '/api/user/appointments', bearer(patient.token))).appointments as Appt[];
      assert.equal(mine.filter((a) => a.seriesId === series._id).length, 2);
      // one booking decision: the per-doctor cap (4) still lets the patient book three single slots
      for (const time of ['03:00 PM', '04:00 PM', '05:00 PM']) assert.equal((await bookSingle(patient, MONDAYS[5], time)).statusCode, 201);
      const capped = await bookSingle(patient, MONDAYS[5], '06:00 PM');
      assert.equal(capped.statusCode, 409);
      assert.match(json(capped).message, /already have 4 upcoming appointments with this doctor/);
      for (const a of (json(await get(t.app, '/api/user/appointments', bearer(patient.token))).appointments as Appt[]).filter((x) => !x.seriesId)) {
        assert.equal((await post(t.app, '/api/user/cancel-appointment', { appointmentId: a._id }, bearer(patient.token))).statusCode, 200);
      }
    });

    it('refuses a chosen occurrence that is not free: nothing is booked', async () => {
      const before = await rows(third.id);
      const res = await confirm(third, { slotTime: '10:00 AM', count: 6, slotDates: [MONDAYS[1], MONDAYS[4]] });
      assert.equal(res.statusCode, 409, res.body);
      assert.equal(json(res).message, `Taken meanwhile: ${MONDAYS[1]}. Nothing was booked; preview again and choose the free dates`);
      const outside = await confirm(third, { slotTime: '10:00 AM', cadence: 'biweekly', count: 12, slotDates: [MONDAYS[4], '2030-05-20'] });
      assert.equal(outside.statusCode, 400);
      assert.equal(json(outside).message, '2030-05-20: Appointments can be booked at most 120 days ahead');
      assert.equal(await rows(third.id), before);
      assert.equal(await seriesRows(third.id), 0);
    });

    it('409 naming the taken ones when occurrences were taken between preview and confirm, and rolls back', async () => {
      const occ = json(await preview(third, { slotTime: '12:00 PM', count: 4 })).occurrences as Occurrence[];
      assert.ok(occ.every((o) => o.free));
      assert.equal((await bookSingle(other, MONDAYS[2], '12:00 PM')).statusCode, 201);
      assert.equal((await bookSingle(other, MONDAYS[3], '01:00 PM')).statusCode, 201); // after 12:00's slot and buffer: no overlap
      const res = await confirm(third, { slotTime: '12:00 PM', slotDates: occ.map((o) => o.slotDate) });
      assert.equal(res.statusCode, 409, res.body);
      assert.equal(json(res).message, `Taken meanwhile: ${MONDAYS[2]}. Nothing was booked; preview again and choose the free dates`);
      assert.equal(await rows(third.id), 0);
      assert.equal(await seriesRows(third.id), 0);
      const ok = await confirmOk(third, { slotTime: '12:00 PM', slotDates: [MONDAYS[0], MONDAYS[1], MONDAYS[3]] });
      assert.equal(ok.appointments.length, 3);
    });

    it('two patients confirming overlapping series at once: one wins wholly, the other gets 409 and nothing', async () => {
      for (const [i, time] of ['01:00 PM', '02:00 PM', '03:00 PM'].entries()) {
        const a = await registerPatient(t.app);
        const b = await registerPatient(t.app);
        const [ra, rb] = await Promise.all([
          confirm(a, { slotTime: time, count: 3, slotDates: MONDAYS.slice(0, 3) }),
          confirm(b, { slotTime: time, count: 4, slotDates: MONDAYS.slice(i === 0 ? 0 : 1, 4) }),
        ]);
        const codes = [ra.statusCode, rb.statusCode].sort();
        assert.deepEqual(codes, [201, 409], `${ra.body} ${rb.body}`);
        const loser = ra.statusCode === 409 ? a : b;
        const winner = ra.statusCode === 201 ? ra : rb;
        assert.equal(await rows(loser.id), 0);
        assert.equal(await seriesRows(loser.id), 0);
        assert.equal((json(winner).series as Series).appointments.length, ra.statusCode === 201 ? 3 : (i === 0 ? 4 : 3));
      }
    });

    it('an Idempotency-Key replays the answer of a confirmed series instead of refusing its own dates', async () => {
      const p = await registerPatient(t.app);
      const body = { docId: doctor.id, slotDate: MONDAYS[0], slotTime: '08:00 PM', cadence: 'weekly', count: 2, slotDates: MONDAYS.slice(0, 2) };
      const headers = { ...bearer(p.token), 'idempotency-key': 'series-key-0001' };
      const first = await post(t.app, '/api/user/series', body, headers);
      assert.equal(first.statusCode, 201, first.body);
      const again = await post(t.app, '/api/user/series', body, headers);
      assert.equal(again.statusCode, 201, again.body);
      assert.equal(again.headers['idempotent-replayed'], 'true');
      assert.equal(json(again).series._id, json(first).series._id);
      assert.equal(await rows(p.id), 2);
      assert.equal(await seriesRows(p.id), 1);
      const without = await post(t.app, '/api/user/series', body, bearer(p.token));
      assert.equal(without.statusCode, 409);
    });

    it('the database keeps the occurrence count in 2..12 and an occurrence with its own series’ patient and doctor', async () => {
      const db = t.testDb.database;
      await assert.rejects(
        db.query("INSERT INTO appointment_series (id, patient_id, doctor_id, cadence_days, occurrences, slot_time, mode, booked_by) VALUES ('s13', $1, $2, 7, 13, '10:00 AM', 'in_person', 'patient')", [patient.id, doctor.id]),
        (err: { code?: string }) => err.code === '23514',
      );
      await assert.rejects(
        db.query("INSERT INTO appointment_series (id, patient_id, doctor_id, cadence_days, occurrences, slot_time, mode, booked_by) VALUES ('s30', $1, $2, 30, 2, '10:00 AM', 'in_person', 'patient')", [patient.id, doctor.id]),
        (err: { code?: string }) => err.code === '23514',
      );
      await assert.rejects(db.query('UPDATE appointments SET series_id = $1 WHERE patient_id = $2', [series._id, other.id]), (err: { code?: string }) => err.code === '23503');
    });
  });

  describe('validation', () => {
    const cases: [string, Record<string, unknown>, number, RegExp][] = [
      ['a cadence other than weekly or every two weeks', { cadence: 'monthly' }, 400, /cadence/],
      ['one occurrence', { count: 1 }, 400, /count/],
      ['thirteen occurrences', { count: 13 }, 400, /count/],
      ['a first date in the past', { slotDate: '2030-01-06' }, 400, /^The first occurrence must be in the future$/],
      ['a time outside the doctor’s hours', { slotTime: '07:00 AM' }, 400, /outside the doctor's working hours/],
      ['a time not on the grid', { slotTime: '10:10 AM' }, 400, /not a published slot/],
      ['a weekend', { slotDate: '2030-01-12' }, 400, /Weekend/],
      ['a mode the doctor does not offer', { mode: 'video' }, 409, /does not offer video consultations/],
      ['a malformed time', { slotTime: 'teatime' }, 400, /slotTime/],
    ];
    for (const [what, body, status, message] of cases) {
      it(`refuses ${what}`, async () => {
        const res = await preview(third, body);
        assert.equal(res.statusCode, status, res.body);
        assert.match(json(res).message, message);
        const c = await confirm(third, { count: 6, ...body, slotDates: [MONDAYS[4], MONDAYS[5]] });
        assert.equal(c.statusCode, status === 409 ? 409 : 400, c.body);
      });
    }

    it('refuses chosen dates outside the series, repeated, or fewer than two; an unknown doctor', async () => {
      const before = await rows(third.id);
      for (const [slotDates, message] of [
        [[MONDAYS[4], '2030-02-12'], /Not dates of this series: 2030-02-12/],
        [[MONDAYS[4], MONDAYS[4]], /must not repeat/],
        [[MONDAYS[4]], /slotDates/],
      ] as [string[], RegExp][]) {
        const res = await confirm(third, { count: 6, slotDates });
        assert.equal(res.statusCode, 400, res.body);
        assert.match(json(res).message, message);
      }
      const unknown = await post(t.app, '/api/user/series/preview', { docId: 'a'.repeat(24), slotDate: MONDAYS[0], slotTime: '10:00 AM', cadence: 'weekly', count: 2 }, bearer(third.token));
      assert.equal(unknown.statusCode, 404);
      // a series whose first date has passed, even with only later dates chosen
      const late = await confirm(third, { slotDate: '2029-12-31', count: 8, slotDates: [MONDAYS[4], MONDAYS[5]] });
      assert.equal(late.statusCode, 400, late.body);
      assert.equal(json(late).message, 'The first occurrence must be in the future');
      assert.equal(await rows(third.id), before);
      assert.equal((await post(t.app, '/api/user/series/preview', { docId: doctor.id }, bearer(doctor.token))).statusCode, 403);
    });
  });

  describe('the doctor books for their patient', () => {
    let series: Series;

    it('books a series for a patient who has booked with them before; refuses a stranger patient', async () => {
      const stranger = await registerPatient(t.app);
      const body = { slotDate: MONDAYS[0], slotTime: '06:00 PM', cadence: 'biweekly', count: 3 };
      const refused = await post(t.app, '/api/doctor/series/preview', { userId: stranger.id, ...body }, bearer(doctor.token));
      assert.equal(refused.statusCode, 404);
      assert.equal(json(refused).message, 'Patient not found among your patients');
      assert.equal((await post(t.app, '/api/doctor/series', { userId: stranger.id, ...body, slotDates: [MONDAYS[0], MONDAYS[2]] }, bearer(doctor.token))).statusCode, 404);
      assert.equal(await rows(stranger.id), 0);
      // `other` booked with the doctor in the preview tests
      const pre = await post(t.app, '/api/doctor/series/preview', { userId: other.id, ...body }, bearer(doctor.token));
      assert.equal(pre.statusCode, 200, pre.body);
      assert.deepEqual((json(pre).occurrences as Occurrence[]).map((o) => [o.slotDate, o.free]), [[MONDAYS[0], true], [MONDAYS[2], true], [MONDAYS[4], true]]);
      const res = await post(t.app, '/api/doctor/series', { userId: other.id, ...body, slotDates: [MONDAYS[0], MONDAYS[4]] }, bearer(doctor.token));
      assert.equal(res.statusCode, 201, res.body);
      series = json(res).series as Series;
      assert.equal(series.bookedBy, 'doctor');
      assert.equal(series.userId, other.id);
      const seen = json(await get(t.app, `/api/user/series/${series._id}`, bearer(other.token))).series as Series;
      assert.deepEqual(seen.appointments.map((a) => a.slotDate), [MONDAYS[0], MONDAYS[4]]);
      // the other doctor has never seen this patient
      assert.equal((await post(t.app, '/api/doctor/series/preview', { userId: other.id, ...body }, bearer(otherDoctor.token))).statusCode, 404);
    });

    it('nobody else sees or cancels the series (404); the doctor cancels the rest', async () => {
      for (const [url, token] of [[`/api/user/series/${series._id}`, patient.token], [`/api/doctor/series/${series._id}`, otherDoctor.token], [`/api/user/series/${'b'.repeat(24)}`, other.token]]) {
        const res = await get(t.app, url, bearer(token));
        assert.equal(res.statusCode, 404, url);
        assert.equal(json(res).message, 'Series not found');
      }
      assert.equal((await post(t.app, `/api/user/series/${series._id}/cancel`, {}, bearer(patient.token))).statusCode, 404);
      assert.equal((await post(t.app, `/api/doctor/series/${series._id}/cancel`, {}, bearer(otherDoctor.token))).statusCode, 404);
      assert.equal((await get(t.app, `/api/doctor/series/${series._id}`, bearer(doctor.token))).statusCode, 200);
      const res = await post(t.app, `/api/doctor/series/${series._id}/cancel`, { reason: 'On leave' }, bearer(doctor.token));
      assert.equal(res.statusCode, 200, res.body);
      const out = json(res) as { cancelled: Appt[]; series: Series };
      assert.equal(out.cancelled.length, 2);
      assert.ok(out.series.appointments.every((a) => a.status === 'cancelled'));
      const again = await post(t.app, `/api/doctor/series/${series._id}/cancel`, {}, bearer(doctor.token));
      assert.equal(again.statusCode, 409);
      assert.match(json(again).message, /^Nothing left to cancel/);
    });
  });

  describe('occurrences one by one, payment and the rest', () => {
    let series: Series;
    const ids = () => series.appointments.map((a) => a._id);
    const appt = (id: string) => t.app.ctx.appointmentQueries.get(id);

    async function pay(appointmentId: string): Promise<void> {
      const res = await post(t.app, '/api/user/payment-razorpay', { appointmentId }, bearer(patient.token));
      assert.equal(res.statusCode, 200, res.body);
      const order = json(res).order as { id: string; amount: number };
      assert.equal(order.amount, 40000, 'each occurrence is paid at its own fee');
      const payment = stub.payRazorpayOrder(order.id);
      const v = await post(t.app, '/api/user/verify-razorpay', { razorpay_order_id: order.id, razorpay_payment_id: payment.id, razorpay_signature: razorpayCheckoutSignature(order.id, payment.id) }, bearer(patient.token));
      assert.equal(v.statusCode, 200, v.body);
    }

    before(async () => {
      series = await confirmOk(patient, { slotTime: '07:00 PM', count: 5, slotDates: MONDAYS.slice(0, 5) });
    });

    it('pays occurrences on their own through the payment endpoints', async () => {
      await pay(ids()[1]);
      await pay(ids()[2]);
      assert.deepEqual(await Promise.all(ids().map(async (id) => (await appt(id)).paid)), [false, true, true, false, false]);
      assert.equal((await appt(ids()[1])).status, 'confirmed');
    });

    it('cancels one occurrence with the existing route; the others stay in the series', async () => {
      const res = await post(t.app, '/api/user/cancel-appointment', { appointmentId: ids()[4] }, bearer(patient.token));
      assert.equal(res.statusCode, 200, res.body);
      const got = json(await get(t.app, `/api/user/series/${series._id}`, bearer(patient.token))).series as Series;
      assert.deepEqual(got.appointments.map((a) => a.status), ['pending', 'confirmed', 'confirmed', 'pending', 'cancelled']);
    });

    it('reschedules one occurrence with the existing route; it stays in the series', async () => {
      const res = await post(t.app, '/api/user/reschedule-appointment', { appointmentId: ids()[3], slotDate: '2030-02-05', slotTime: '07:30 PM' }, bearer(patient.token));
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(json(res).appointment.seriesId, series._id);
      const got = json(await get(t.app, `/api/user/series/${series._id}`, bearer(patient.token))).series as Series;
      assert.deepEqual(got.appointments.map((a) => [a.slotDate, a.slotTime]).slice(3), [['2030-02-05', '07:30 PM'], [MONDAYS[4], '07:00 PM']]);
    });

    it('cancels the rest: started occurrences untouched, each refunded by the policy', async () => {
      clock.set('2030-01-20T14:00:00Z'); // Sunday 19:30 IST: the first has taken place, the second starts in 23.5 h
      const res = await post(t.app, `/api/user/series/${series._id}/cancel`, { reason: 'Moving away' }, bearer(patient.token));
      assert.equal(res.statusCode, 200, res.body);
      const out = json(res) as { cancelled: Appt[]; series: Series };
      assert.deepEqual(out.cancelled.map((a) => a._id), [ids()[1], ids()[2], ids()[3]]);
      // paid: less than 24 h ahead half, more than 24 h ahead in full; unpaid: nothing to refund
      assert.deepEqual(out.cancelled.map((a) => a.refundAmount), [200, 400, null]);
      assert.deepEqual(out.series.appointments.map((a) => a.status), ['pending', 'cancelled', 'cancelled', 'cancelled', 'cancelled']);
      assert.equal((await appt(ids()[0])).status, 'pending', 'the started occurrence is untouched');
      await t.app.ctx.refunds.idle();
      const refunds = stub.find('POST', '/v1/payments/').filter((r) => r.path.endsWith('/refund')).map((r) => r.body.amount).sort();
      assert.deepEqual(refunds, [20000, 40000]);
      const again = await post(t.app, `/api/user/series/${series._id}/cancel`, {}, bearer(patient.token));
      assert.equal(again.statusCode, 409);
    });
  });
});
