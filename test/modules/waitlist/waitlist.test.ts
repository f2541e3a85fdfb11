// Waitlists: a patient waits for a doctor's time in a window of dates; a freed time is offered to
// the earliest waiting patient and held for them (nobody else can book it), by email and live; they
// accept (a normal booking) or decline, and a lapsed or declined offer passes to the next patient.
// The offers are rows: a new app on the same database finds them and its job lapses them.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../../src/lib/clock.js';
import type { LiveMessage } from '../../../src/modules/notifications/live.js';
import { adminToken, bearer, createDoctor, get, json, makeTestApp, post, registerPatient, type TestApp } from '../../helpers/app.js';
import { startSmtp, type TestSmtp } from '../../helpers/smtp.js';

const NOW = '2030-01-07T04:30:00Z'; // Monday 10:00 IST
const DAY = '2030-01-08'; // Tuesday: the doctor works 10:00–10:30 only, one slot
const DAY2 = '2030-01-09'; // Wednesday: the same
const MINUTE = 60_000;

type Doctor = Awaited<ReturnType<typeof createDoctor>>;
type Patient = Awaited<ReturnType<typeof registerPatient>>;
interface Offer {
  _id: string;
  slotDate: string;
  slotTime: string;
  status: string;
  expiresAt: string;
  appointmentId: string | null;
}
interface Entry {
  _id: string;
  docId: string;
  fromDate: string;
  toDate: string;
  partOfDay: string;
  status: string;
  offer: Offer | null;
}

describe('waitlist', () => {
  let t: TestApp;
  let smtp: TestSmtp;
  let clock: ManualClock;
  let doctor: Doctor;
  let other: Doctor;
  let p: Patient[];
  const heard: LiveMessage[] = [];

  const req = (method: 'POST' | 'GET' | 'DELETE', url: string, who: { token: string }, payload?: unknown) =>
    t.app.inject({ method, url, headers: bearer(who.token), payload: payload as string | undefined });
  const join = (who: Patient, body: Record<string, unknown>) => req('POST', '/api/user/waitlist', who, { docId: doctor.id, fromDate: DAY, ...body });
  const joinOk = async (who: Patient, body: Record<string, unknown> = {}): Promise<Entry> => {
    const res = await join(who, body);
    assert.equal(res.statusCode, 201, res.body);
    return json(res).entry as Entry;
  };
  const entries = async (who: Patient): Promise<Entry[]> => json(await req('GET', '/api/user/waitlist', who)).entries as Entry[];
  const entry = async (who: Patient, id: string): Promise<Entry> => {
    const e = (await entries(who)).find((x) => x._id === id);
    assert.ok(e, `entry ${id} listed`);
    return e;
  };
  const book = (who: Patient, slotDate = DAY, slotTime = '10:00 AM', docId = doctor.id) =>
    post(t.app, '/api/user/book-appointment', { docId, slotDate, slotTime }, bearer(who.token));
  const cancel = (who: Patient, appointmentId: string) => post(t.app, '/api/user/cancel-appointment', { appointmentId }, bearer(who.token));
  const freeTimes = async (date = DAY) => (json(await get(t.app, `/api/doctor/${doctor.id}/slots?from=${date}&to=${date}`)).slots as { slotTime: string }[]).map((s) => s.slotTime);
  const leaveAll = async (who: Patient) => {
    for (const e of await entries(who)) if (e.status === 'waiting') assert.equal((await req('DELETE', `/api/user/waitlist/${e._id}`, who)).statusCode, 200);
  };
  const openOffers = async () =>
    (await t.testDb.database.query<{ n: number }>("SELECT count(*)::int AS n FROM waitlist_offers WHERE doctor_id = $1 AND status = 'open'", [doctor.id]))[0].n;

  before(async () => {
    smtp = await startSmtp();
    clock = new ManualClock(NOW);
    t = await makeTestApp({ SMTP_URL: smtp.url }, { clock });
    [doctor, other] = [await createDoctor(t.app), await createDoctor(t.app)];
    const hours = { workingHours: [2, 3].map((weekday) => ({ weekday, start: '10:00', end: '10:30' })) };
    assert.equal((await t.app.inject({ method: 'PUT', url: '/api/doctor/schedule/hours', headers: bearer(doctor.token), payload: hours })).statusCode, 200);
    p = [];
    for (let i = 0; i < 6; i++) p.push(await registerPatient(t.app, { name: `Waiting Patient ${i}` }));
    await t.app.ctx.live.add({ role: 'patient', id: p[1].id, send: (m) => heard.push(m), close: () => undefined });
  });
  after(async () => {
    await t.close();
    await smtp.close();
  });

  describe('joining, listing, leaving', () => {
    it('refuses bad windows with a clear 400', async () => {
      const cases: [Record<string, unknown>, RegExp][] = [
        [{ fromDate: '2030-01-06' }, /fromDate 2030-01-06 is in the past/],
        [{ fromDate: DAY, toDate: '2030-01-22' }, /at most 14 days/],
        [{ fromDate: DAY2, toDate: DAY }, /toDate must not be before fromDate/],
        [{ fromDate: '2030-02-30' }, /fromDate must be a real date/],
        [{ fromDate: '2030-03-30' }, /at most 30 days ahead/],
        [{ partOfDay: 'night' }, /partOfDay/],
      ];
      for (const [body, message] of cases) {
        const res = await join(p[0], body);
        assert.equal(res.statusCode, 400, `${JSON.stringify(body)}: ${res.body}`);
        assert.match(json(res).message, message);
      }
      const unknown = await req('POST', '/api/user/waitlist', p[0], { docId: 'ffffffffffffffffffffffff', fromDate: DAY });
      assert.equal(unknown.statusCode, 404);
      assert.equal(json(unknown).message, 'Doctor not found');
      assert.equal((await t.app.inject({ method: 'POST', url: '/api/user/waitlist', payload: { docId: doctor.id, fromDate: DAY } })).statusCode, 401);
      assert.equal((await req('POST', '/api/user/waitlist', doctor, { docId: doctor.id, fromDate: DAY })).statusCode, 403);
    });

    it('joins for a date or a 14-day range; twice for the same dates is 409; at most WAITLIST_MAX_ENTRIES (3)', async () => {
      // the two days' only slots are booked, so nothing is offered at once
      assert.equal((await book(p[5], DAY)).statusCode, 201);
      assert.equal((await book(p[5], DAY2)).statusCode, 201);
      const a = await joinOk(p[0], { partOfDay: 'morning' });
      assert.deepEqual([a.fromDate, a.toDate, a.partOfDay, a.status, a.offer], [DAY, DAY, 'morning', 'waiting', null]);
      for (const body of [{}, { fromDate: '2030-01-05', toDate: DAY }, { fromDate: DAY, toDate: '2030-01-21' }]) {
        const res = await join(p[0], body.fromDate === '2030-01-05' ? { fromDate: DAY, toDate: DAY2 } : body);
        assert.equal(res.statusCode, 409, res.body);
        assert.match(json(res).message, /already on this doctor’s waitlist for some of these dates/);
      }
      const b = await joinOk(p[0], { fromDate: '2030-01-10', toDate: '2030-01-23' });
      assert.equal(b.toDate, '2030-01-23');
      await joinOk(p[0], { docId: other.id, fromDate: '2030-01-15' });
      const fourth = await join(p[0], { docId: other.id, fromDate: '2030-01-20' });
      assert.equal(fourth.statusCode, 409);
      assert.equal(json(fourth).message, 'You are already on 3 waitlists: leave one before joining another');
      const mine = await entries(p[0]);
      assert.equal(mine.length, 3);
      assert.deepEqual(await entries(p[2]), []);
      // leaving frees a place under the limit; leaving twice is 409
      const left = await req('DELETE', `/api/user/waitlist/${b._id}`, p[0]);
      assert.equal(left.statusCode, 200, left.body);
      assert.equal((json(left).entry as Entry).status, 'left');
      const again = await req('DELETE', `/api/user/waitlist/${b._id}`, p[0]);
      assert.equal(again.statusCode, 409);
      assert.match(json(again).message, /already left/);
      assert.equal((await join(p[0], { docId: other.id, fromDate: '2030-01-20' })).statusCode, 201);
    });

    it('another patient can neither see nor touch an entry (404)', async () => {
      const [a] = await entries(p[0]);
      for (const [method, url] of [['DELETE', `/api/user/waitlist/${a._id}`], ['POST', `/api/user/waitlist/${a._id}/accept`], ['POST', `/api/user/waitlist/${a._id}/decline`]] as const) {
        const res = await req(method, url, p[3]);
        assert.equal(res.statusCode, 404, `${method} ${url}`);
        assert.equal(json(res).message, 'Waitlist entry not found');
      }
      assert.equal((await entries(p[3])).length, 0);
      await leaveAll(p[0]);
    });
  });

  describe('offers', () => {
    let blocker: string;
    let a: Entry;
    let b: Entry;

    before(async () => {
      // DAY's one slot is p[5]'s (booked above); p[1] then p[2] wait for it
      blocker = (json(await get(t.app, '/api/user/appointments', bearer(p[5].token))).appointments as { _id: string; slotDate: string }[]).find((x) => x.slotDate === DAY)!._id;
      a = await joinOk(p[1]);
      clock.advance(1000);
      b = await joinOk(p[2], { fromDate: DAY, toDate: DAY2 });
      assert.equal(a.offer, null);
      assert.equal(b.offer, null);
    });

    it('a cancellation offers the time to the earliest waiting patient, holds it, and tells them by email and live', async () => {
      const heardBefore = heard.length;
      assert.equal((await cancel(p[5], blocker)).statusCode, 200);
      const offered = await entry(p[1], a._id);
      assert.equal(offered.offer?.status, 'open');
      assert.deepEqual([offered.offer?.slotDate, offered.offer?.slotTime], [DAY, '10:00 AM']);
      assert.equal(offered.offer?.expiresAt, new Date(Date.parse(NOW) + 1000 + 15 * MINUTE).toISOString());
      assert.equal((await entry(p[2], b._id)).offer, null, 'the later patient waits');
      // held: not listed as free, and nobody else can book it
      assert.equal((await freeTimes()).includes('10:00 AM'), false);
      const taken = await book(p[3]);
      assert.equal(taken.statusCode, 409);
      assert.equal(json(taken).message, 'Slot not available');
      // live and in-app
      assert.ok(heard.slice(heardBefore).some((m) => m.type === 'waitlist.offered' && m.appointmentId === a._id && m.patientId === p[1].id));
      const notices = json(await get(t.app, '/api/user/notifications', bearer(p[1].token))).notifications as { type: string; title: string }[];
      assert.ok(notices.some((n) => n.type === 'waitlist.offered' && /10:00 AM/.test(n.title)));
      // email through the SMTP stand-in
      const before = smtp.received.length;
      await t.app.ctx.notificationWorker.runOnce();
      const mail = smtp.received.slice(before).find((m) => m.rcpt.includes(p[1].email));
      assert.ok(mail, 'the offer is emailed');
      assert.match(mail.mail.subject ?? '', /^Waitlist: .* has a free time on 2030-01-08$/);
      assert.match(mail.mail.text ?? '', /held for you for 15 minutes/);
    });

    it('accepting someone else’s, or with nothing offered, is refused; declining passes the time to the next patient', async () => {
      const nothing = await req('POST', `/api/user/waitlist/${b._id}/accept`, p[2]);
      assert.equal(nothing.statusCode, 409);
      assert.equal(json(nothing).message, 'No time has been offered on this waitlist entry yet');
      const declined = await req('POST', `/api/user/waitlist/${a._id}/decline`, p[1]);
      assert.equal(declined.statusCode, 200, declined.body);
      assert.equal((json(declined).entry as Entry).status, 'waiting', 'the entry keeps waiting');
      assert.equal((json(declined).entry as Entry).offer?.status, 'declined');
      const next = await entry(p[2], b._id);
      assert.equal(next.offer?.status, 'open');
      assert.equal(next.offer?.slotTime, '10:00 AM');
      assert.equal((await entry(p[1], a._id)).offer?.status, 'declined', 'a declined time is not offered again to the same entry');
      const twice = await req('POST', `/api/user/waitlist/${a._id}/decline`, p[1]);
      assert.equal(twice.statusCode, 409);
    });

    it('a lapsed offer answers 410 and passes on by the job; nobody left: the time is free', async () => {
      clock.advance(15 * MINUTE + 1000);
      const late = await req('POST', `/api/user/waitlist/${b._id}/accept`, p[2]);
      assert.equal(late.statusCode, 410);
      assert.match(json(late).message, /lapsed/);
      assert.equal((await entry(p[2], b._id)).offer?.status, 'lapsed', 'shown lapsed before the job ran');
      const result = await t.app.ctx.waitlist.runOnce();
      assert.equal(result.lapsed, 1);
      assert.equal(await openOffers(), 0);
      // p[1] declined that time, p[2] let it lapse: it is free for anyone again
      assert.ok((await freeTimes()).includes('10:00 AM'));
      const declineLate = await req('POST', `/api/user/waitlist/${b._id}/decline`, p[2]);
      assert.equal(declineLate.statusCode, 410);
    });

    it('a patient joining sees a free time in their window offered at once; accepting books it with every rule', async () => {
      const c = await joinOk(p[3]);
      assert.equal(c.offer?.status, 'open');
      const accepted = await req('POST', `/api/user/waitlist/${c._id}/accept`, p[3]);
      assert.equal(accepted.statusCode, 201, accepted.body);
      const { entry: e, appointment } = json(accepted) as { entry: Entry; appointment: { _id: string; slotDate: string; slotTime: string; status: string; userId: string } };
      assert.deepEqual([appointment.slotDate, appointment.slotTime, appointment.status, appointment.userId], [DAY, '10:00 AM', 'pending', p[3].id]);
      assert.equal(e.status, 'booked');
      assert.equal(e.offer?.status, 'accepted');
      assert.equal(e.offer?.appointmentId, appointment._id);
      const again = await req('POST', `/api/user/waitlist/${c._id}/accept`, p[3]);
      assert.equal(again.statusCode, 409);
      assert.match(json(again).message, /is booked/);
      const leave = await req('DELETE', `/api/user/waitlist/${c._id}`, p[3]);
      assert.equal(leave.statusCode, 409);
    });

    it('an account deleted while waiting is not offered anything: its entry goes with the account', async () => {
      const gone = await registerPatient(t.app, { name: 'Leaving Patient' });
      const z = await joinOk(gone);
      assert.equal(z.offer, null);
      const deleted = await post(t.app, '/api/user/delete-account', { password: gone.password }, bearer(gone.token));
      assert.equal(deleted.statusCode, 200, deleted.body);
      const mine = json(await get(t.app, '/api/user/appointments', bearer(p[3].token))).appointments as { _id: string; status: string }[];
      assert.equal((await cancel(p[3], mine.find((x) => x.status !== 'cancelled')!._id)).statusCode, 200);
      assert.equal(await openOffers(), 0, 'p[1] declined and p[2] let this time lapse; the deleted account gets nothing');
      assert.deepEqual(await t.testDb.database.query('SELECT status FROM waitlist_entries WHERE id = $1', [z._id]), []);
      assert.equal((await book(p[3])).statusCode, 201, 'the time is free for anyone');
    });

    it('the doctor and the admin see the waiting patients per day', async () => {
      const doc = json(await get(t.app, '/api/doctor/waitlist', bearer(doctor.token)));
      // p[1] waits for DAY, p[2] for DAY and DAY2
      assert.deepEqual(doc.days, [{ date: DAY, waiting: 2 }, { date: DAY2, waiting: 1 }]);
      assert.deepEqual(json(await get(t.app, '/api/doctor/waitlist', bearer(other.token))).days, []);
      const atoken = await adminToken(t.app);
      const all = json(await get(t.app, '/api/admin/waitlist', { atoken }));
      assert.deepEqual(all.days, [{ date: DAY, waiting: 2 }, { date: DAY2, waiting: 1 }]);
      assert.deepEqual(json(await get(t.app, `/api/admin/waitlist?docId=${doctor.id}`, { atoken })).days, all.days);
      assert.equal((await get(t.app, '/api/admin/waitlist?docId=ffffffffffffffffffffffff', { atoken })).statusCode, 404);
      assert.equal((await get(t.app, '/api/admin/waitlist', bearer(doctor.token))).statusCode, 403);
    });

    it('time off removed frees its time for the waitlist', async () => {
      // DAY2's slot: p[5]'s booking is cancelled while the doctor is off that day, so nothing is offered
      const off = await post(t.app, '/api/doctor/schedule/time-off', { date: DAY2, reason: 'conference' }, bearer(doctor.token));
      assert.equal(off.statusCode, 201, off.body);
      const mine = json(await get(t.app, '/api/user/appointments', bearer(p[5].token))).appointments as { _id: string; slotDate: string; status: string }[];
      assert.equal((await cancel(p[5], mine.find((x) => x.slotDate === DAY2 && x.status !== 'cancelled')!._id)).statusCode, 200);
      assert.equal((await entry(p[2], b._id)).offer?.status, 'lapsed', 'still the lapsed DAY offer');
      const timeOffId = (json(off).timeOff as { id: string }).id;
      assert.equal((await t.app.inject({ method: 'DELETE', url: `/api/doctor/schedule/time-off/${timeOffId}`, headers: bearer(doctor.token) })).statusCode, 200);
      const offered = await entry(p[2], b._id);
      assert.equal(offered.offer?.status, 'open');
      assert.deepEqual([offered.offer?.slotDate, offered.offer?.slotTime], [DAY2, '10:00 AM']);
    });

    it('offers are rows: a new app on the same database lists them, its job lapses them and passes the time on', async () => {
      const t2 = await makeTestApp({}, { clock, testDb: t.testDb });
      try {
        const p4 = p[4];
        const late = await t2.app.inject({ method: 'POST', url: '/api/user/waitlist', headers: bearer(p4.token), payload: { docId: doctor.id, fromDate: DAY2 } });
        assert.equal(late.statusCode, 201, late.body);
        assert.equal((json(late).entry as Entry).offer, null, 'held for p[2]');
        const listed = json(await t2.app.inject({ method: 'GET', url: '/api/user/waitlist', headers: bearer(p[2].token) })).entries as Entry[];
        assert.equal(listed.find((e) => e._id === b._id)?.offer?.status, 'open');
        clock.advance(16 * MINUTE);
        await t2.app.ctx.notificationWorker.runOnce();
        const next = (json(await t2.app.inject({ method: 'GET', url: '/api/user/waitlist', headers: bearer(p4.token) })).entries as Entry[])[0];
        assert.equal(next.offer?.status, 'open');
        assert.equal(next.offer?.slotDate, DAY2);
        // freed time whose matching never ran (the process stopped right after the commit) is
        // matched by the job from the note written in the freeing transaction
        const waiting = await joinOk(p[0], { fromDate: DAY2 });
        assert.equal(waiting.offer, null, 'held for p[4]');
        await t.testDb.database.query("UPDATE waitlist_offers SET status = 'declined', decided_at = now() WHERE status = 'open'");
        await t.testDb.database.query('INSERT INTO waitlist_freed (doctor_id) VALUES ($1)', [doctor.id]);
        assert.equal((await entry(p[0], waiting._id)).offer, null);
        await t2.app.ctx.notificationWorker.runOnce();
        assert.equal((await entry(p[0], waiting._id)).offer?.status, 'open');
        assert.equal((await t.testDb.database.query<{ n: number }>('SELECT count(*)::int AS n FROM waitlist_freed'))[0].n, 0, 'the notes are cleared once matched');
      } finally {
        await t2.close();
      }
    });
  });
});
