// Slot hoarding: a patient holds at most MAX_LIVE_BOOKINGS_PER_PATIENT upcoming appointments, and
// MAX_LIVE_BOOKINGS_PER_PATIENT_PER_DOCTOR with one doctor, also when the bookings arrive together.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../../src/lib/clock.js';
import { bearer, book, createDoctor, json, makeTestApp, post, registerPatient, type TestApp } from '../../helpers/app.js';

const NOW = '2030-01-07T04:30:00Z'; // Monday 10:00 IST
const PER_DOCTOR = 'You already have 2 upcoming appointments with this doctor: cancel one, or book again after one has taken place';
const OVERALL = 'You already have 3 upcoming appointments: cancel one, or book again after one has taken place';

type Doctor = Awaited<ReturnType<typeof createDoctor>>;

describe('booking caps per patient', () => {
  let t: TestApp;
  let clock: ManualClock;
  let doctors: Doctor[];

  before(async () => {
    clock = new ManualClock(NOW);
    t = await makeTestApp({ MAX_LIVE_BOOKINGS_PER_PATIENT: '3', MAX_LIVE_BOOKINGS_PER_PATIENT_PER_DOCTOR: '2' }, { clock });
    doctors = [await createDoctor(t.app), await createDoctor(t.app), await createDoctor(t.app)];
  });
  after(async () => t.close());

  it('refuses a booking past the per-doctor and the overall cap; cancelled and past ones do not count', async () => {
    const p = await registerPatient(t.app);
    const [a, b, c] = doctors;
    const ok = async (docId: string, slotDate: string, slotTime: string) => {
      const res = await book(t.app, p.token, docId, { slotDate, slotTime });
      assert.equal(res.statusCode, 201, res.body);
      return json(res).appointment._id as string;
    };
    const refused = async (docId: string, slotDate: string, slotTime: string, message: string) => {
      const res = await book(t.app, p.token, docId, { slotDate, slotTime });
      assert.equal(res.statusCode, 409, res.body);
      assert.equal(json(res).message, message);
    };
    const first = await ok(a.id, '2030-01-07', '01:00 PM');
    await ok(a.id, '2030-01-08', '10:00 AM');
    await refused(a.id, '2030-01-09', '10:00 AM', PER_DOCTOR);
    await ok(b.id, '2030-01-08', '10:00 AM');
    await refused(c.id, '2030-01-08', '10:00 AM', OVERALL);
    const cancelled = await post(t.app, '/api/user/cancel-appointment', { appointmentId: first }, bearer(p.token));
    assert.equal(cancelled.statusCode, 200);
    await ok(c.id, '2030-01-08', '10:00 AM');
    await refused(c.id, '2030-01-09', '10:00 AM', OVERALL);
    clock.set('2030-01-08T05:00:00Z'); // 10:30 IST on Tuesday: the three 10:00 appointments have started
    await ok(c.id, '2030-01-09', '10:00 AM');
    clock.set(NOW);
  });

  it('concurrent bookings cannot pass the cap together', async () => {
    const p = await registerPatient(t.app);
    const requests = doctors.flatMap((d) => ['11:00 AM', '12:00 PM'].map((slotTime) => book(t.app, p.token, d.id, { slotDate: '2030-01-10', slotTime })));
    const answers = await Promise.all(requests);
    assert.deepEqual(answers.map((r) => r.statusCode).sort(), [201, 201, 201, 409, 409, 409]);
    for (const r of answers.filter((x) => x.statusCode === 409)) assert.equal(json(r).message, OVERALL);
  });
});
