// Waitlist races, one winner each time: two accepts of one offer, a booking racing the offer of a
// freed time, two matchings of one freed time; and the database's own guarantees, tried directly.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../../src/lib/clock.js';
import { bearer, createDoctor, json, makeTestApp, post, registerPatient, type TestApp } from '../../helpers/app.js';

const NOW = '2030-01-07T04:30:00Z'; // Monday 10:00 IST
const DAYS = ['2030-01-08', '2030-01-09', '2030-01-10', '2030-01-11'];

type Doctor = Awaited<ReturnType<typeof createDoctor>>;
type Patient = Awaited<ReturnType<typeof registerPatient>>;
interface Entry {
  _id: string;
  status: string;
  offer: { _id: string; status: string; slotDate: string } | null;
}

describe('waitlist races', () => {
  let t: TestApp;
  let doctor: Doctor;
  let p: Patient[];

  const q = async <T>(sql: string, params: unknown[] = []) => t.testDb.database.query<T>(sql, params);
  const join = async (who: Patient, fromDate: string): Promise<Entry> => {
    const res = await post(t.app, '/api/user/waitlist', { docId: doctor.id, fromDate }, bearer(who.token));
    assert.equal(res.statusCode, 201, res.body);
    return json(res).entry as Entry;
  };
  const book = (who: Patient, slotDate: string) => post(t.app, '/api/user/book-appointment', { docId: doctor.id, slotDate, slotTime: '10:00 AM' }, bearer(who.token));
  const bookOk = async (who: Patient, slotDate: string): Promise<string> => {
    const res = await book(who, slotDate);
    assert.equal(res.statusCode, 201, res.body);
    return json(res).appointment._id as string;
  };
  const cancel = (who: Patient, appointmentId: string) => post(t.app, '/api/user/cancel-appointment', { appointmentId }, bearer(who.token));
  const openOffers = async (day: string) =>
    q<{ patient_id: string }>("SELECT patient_id FROM waitlist_offers WHERE doctor_id = $1 AND slot_date = $2 AND status = 'open'", [doctor.id, day]);
  const holders = async (day: string) =>
    (await q<{ n: number }>("SELECT count(*)::int AS n FROM schedule_blocks b JOIN (SELECT $1::text AS d) x ON b.doctor_id = x.d WHERE lower(b.blocks)::date = $2::date", [doctor.id, day]))[0].n;

  before(async () => {
    // one appointment per patient with this doctor: accepting an offer obeys the cap like any booking
    t = await makeTestApp({ MAX_LIVE_BOOKINGS_PER_PATIENT_PER_DOCTOR: '1' }, { clock: new ManualClock(NOW) });
    doctor = await createDoctor(t.app);
    const hours = { workingHours: [2, 3, 4, 5].map((weekday) => ({ weekday, start: '10:00', end: '10:30' })) };
    assert.equal((await t.app.inject({ method: 'PUT', url: '/api/doctor/schedule/hours', headers: bearer(doctor.token), payload: hours })).statusCode, 200);
    p = [];
    for (let i = 0; i < 8; i++) p.push(await registerPatient(t.app, { name: `Racing Patient ${i}` }));
  });
  after(async () => t.close());

  it('two accepts of one offer at once: one booking, one 409', async () => {
    const day = DAYS[0];
    const held = await bookOk(p[0], day);
    const e = await join(p[1], day);
    assert.equal((await cancel(p[0], held)).statusCode, 200);
    const accept = () => post(t.app, `/api/user/waitlist/${e._id}/accept`, undefined, bearer(p[1].token));
    const answers = await Promise.all([accept(), accept(), accept()]);
    assert.deepEqual(answers.map((r) => r.statusCode).sort(), [201, 409, 409], answers.map((r) => r.body).join('\n'));
    const live = await q<{ n: number }>("SELECT count(*)::int AS n FROM appointments WHERE doctor_id = $1 AND slot_date = $2 AND status <> 'cancelled'", [doctor.id, day]);
    assert.equal(live[0].n, 1);
    assert.equal(await holders(day), 1, 'the appointment alone holds the time');
  });

  it('a booking racing the offer of a freed time: exactly one of them gets it', async () => {
    const day = DAYS[1];
    const held = await bookOk(p[2], day);
    await join(p[3], day);
    const [cancelled, direct] = await Promise.all([cancel(p[2], held), book(p[4], day)]);
    assert.equal(cancelled.statusCode, 200);
    const offers = await openOffers(day);
    if (direct.statusCode === 201) assert.equal(offers.length, 0, 'the booking won: nothing to offer');
    else {
      assert.equal(direct.statusCode, 409, direct.body);
      assert.equal(json(direct).message, 'Slot not available');
      assert.deepEqual(offers.map((o) => o.patient_id), [p[3].id], 'the offer won');
    }
    assert.equal(await holders(day), 1);
    // whoever won, a second direct booking is refused while it holds
    const late = await book(p[5], day);
    assert.equal(late.statusCode, 409);
  });

  it('two matchings of one freed time offer it once, to the earliest waiting patient', async () => {
    const day = DAYS[2];
    const held = await bookOk(p[5], day);
    await join(p[6], day);
    await join(p[7], day);
    // the freed time is matched twice at once, as two instances would after the same cancellation
    await q("UPDATE appointments SET status = 'cancelled', cancelled_by = 'system', cancelled_at = now() WHERE id = $1", [held]);
    const made = await Promise.all([t.app.ctx.waitlist.match(doctor.id), t.app.ctx.waitlist.match(doctor.id)]);
    assert.equal(made.flat().length, 1);
    assert.deepEqual((await openOffers(day)).map((o) => o.patient_id), [p[6].id]);
  });

  it('accepting obeys every booking rule: over the per-doctor cap it answers 409 and the offer stays open', async () => {
    const day = DAYS[3];
    // p[1] holds the appointment its accepted offer booked; p[0] cancelled theirs and may book again
    const held = await bookOk(p[0], day);
    const e = await join(p[1], day);
    assert.equal((await cancel(p[0], held)).statusCode, 200);
    const listed = json(await t.app.inject({ method: 'GET', url: '/api/user/waitlist', headers: bearer(p[1].token) })).entries as Entry[];
    assert.equal(listed.find((x) => x._id === e._id)?.offer?.status, 'open');
    const res = await post(t.app, `/api/user/waitlist/${e._id}/accept`, undefined, bearer(p[1].token));
    assert.equal(res.statusCode, 409);
    assert.match(json(res).message, /You already have 1 upcoming appointment with this doctor/);
    assert.equal((await openOffers(day)).length, 1, 'the refused booking left the offer as it was');
  });

  it('fair order within the part of the day: an evening entry is passed over for a morning time', async () => {
    const day = '2030-01-15'; // a Tuesday: 10:00 only
    const held = await bookOk(p[0], day);
    const evening = json(await post(t.app, '/api/user/waitlist', { docId: doctor.id, fromDate: day, partOfDay: 'evening' }, bearer(p[2].token))).entry as Entry;
    assert.equal((await post(t.app, '/api/user/waitlist', { docId: doctor.id, fromDate: day, partOfDay: 'morning' }, bearer(p[3].token))).statusCode, 201);
    assert.equal((await cancel(p[0], held)).statusCode, 200);
    assert.deepEqual((await openOffers(day)).map((o) => o.patient_id), [p[3].id], 'the morning patient, though they joined later');
    const [e] = await q<{ n: number }>("SELECT count(*)::int AS n FROM waitlist_offers WHERE entry_id = $1", [evening._id]);
    assert.equal(e.n, 0);
  });

  it('the database refuses a second open offer for a time, and an offer over a booked time', async () => {
    const [{ id: entryId, patient_id: patientId }] = await q<{ id: string; patient_id: string }>("SELECT id, patient_id FROM waitlist_entries WHERE status = 'waiting' AND doctor_id = $1 LIMIT 1", [doctor.id]);
    const insert = (id: string, start: string) =>
      q(`INSERT INTO waitlist_offers (id, entry_id, patient_id, doctor_id, slot_date, slot_time, starts_at, ends_at, blocks, status, expires_at, created_at)
         VALUES ($1, $2, $3, $4, '2030-01-10', '10:00 AM', $5::timestamptz, $5::timestamptz + interval '30 minutes', tstzrange($5::timestamptz, $5::timestamptz + interval '45 minutes'), 'open', now() + interval '1 hour', now())`,
        [id, entryId, patientId, doctor.id, start]);
    // DAYS[2] 10:00 IST is held by p[6]'s open offer
    await assert.rejects(insert('aaaaaaaaaaaaaaaaaaaaaaa1', '2030-01-10T04:30:00Z'), (err: { code?: string; cause?: { code?: string } }) => ['23505', '23P01'].includes(err.code ?? err.cause?.code ?? ''));
    // DAYS[0] 10:00 IST is p[1]'s appointment
    await assert.rejects(insert('aaaaaaaaaaaaaaaaaaaaaaa2', '2030-01-08T04:30:00Z'), (err: { code?: string; cause?: { code?: string } }) => ['23505', '23P01'].includes(err.code ?? err.cause?.code ?? ''));
  });
});
