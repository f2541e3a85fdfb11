// Video consultations: which modes a doctor offers, the mode a booking records, the meeting link
// (unique, unguessable, handed out only to the patient and the doctor from VIDEO_OPENS_MINUTES before
// the start), in emails and invitations, kept by a reschedule and lost by a cancellation. Time is a
// ManualClock, so the link opens without waiting.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { loadConfig } from '../../../src/config.js';
import { ManualClock } from '../../../src/lib/clock.js';
import { parseIcs } from '../../../src/modules/notifications/ical.js';
import { adminToken, bearer, createDoctor, get, json, makeTestApp, post, registerPatient, testEnv, type TestApp } from '../../helpers/app.js';

const NOW = '2030-01-07T04:30:00Z'; // Monday 10:00 IST
const MINUTE = 60_000;
const BASE = 'https://video.clinic.test/rooms';
const LINK = new RegExp(`^${BASE.replace(/[./]/g, '\\$&')}/prescripto-[0-9a-f]{40}$`);

type Doctor = Awaited<ReturnType<typeof createDoctor>>;
type Patient = Awaited<ReturnType<typeof registerPatient>>;
interface View {
  _id: string;
  startsAt: string;
  status: string;
  mode: string;
  videoLink: string | null;
  videoOpensAt: string | null;
}

describe('video consultations', () => {
  let t: TestApp;
  let clock: ManualClock;
  let patient: Patient;
  let other: Patient;
  let atoken: string;
  let inPerson: Doctor;
  let both: Doctor;
  let videoOnly: Doctor;

  const patch = (url: string, payload: unknown, token: string) => t.app.inject({ method: 'PATCH', url, payload: payload as object, headers: bearer(token) });
  const book = (p: Patient, docId: string, slotDate: string, slotTime: string, mode?: string) =>
    post(t.app, '/api/user/book-appointment', { docId, slotDate, slotTime, ...(mode ? { mode } : {}) }, bearer(p.token));
  const bookOk = async (p: Patient, docId: string, slotDate: string, slotTime: string, mode?: string): Promise<View> => {
    const res = await book(p, docId, slotDate, slotTime, mode);
    assert.equal(res.statusCode, 201, res.body);
    return json(res).appointment as View;
  };
  const room = async (id: string) =>
    (await t.testDb.database.query<{ video_room: string | null; mode: string }>('SELECT video_room, mode FROM appointments WHERE id = $1', [id]))[0];
  const patientView = async (p: Patient, id: string): Promise<View> =>
    (json(await get(t.app, '/api/user/appointments', bearer(p.token))).appointments as View[]).find((a) => a._id === id)!;
  const doctorView = async (d: Doctor, id: string): Promise<View | undefined> =>
    (json(await get(t.app, '/api/doctor/appointments', bearer(d.token))).appointments as View[]).find((a) => a._id === id);
  const adminView = async (id: string): Promise<View> =>
    (json(await get(t.app, '/api/admin/appointments', bearer(atoken))).appointments as View[]).find((a) => a._id === id)!;
  const outbox = async (recipient: string) =>
    t.testDb.database.query<{ subject: string; text_body: string; html_body: string; ics: string | null }>(
      'SELECT subject, text_body, html_body, ics FROM notification_outbox WHERE recipient = $1 ORDER BY created_at DESC, id DESC', [recipient],
    );

  before(async () => {
    clock = new ManualClock(NOW);
    t = await makeTestApp({ VIDEO_BASE_URL: `${BASE}/` }, { clock });
    atoken = await adminToken(t.app);
    [patient, other] = [await registerPatient(t.app), await registerPatient(t.app)];
    [inPerson, both, videoOnly] = [await createDoctor(t.app), await createDoctor(t.app), await createDoctor(t.app)];
  });
  after(async () => t.close());
  beforeEach(() => clock.set(NOW));

  describe('the modes a doctor offers', () => {
    it('a new doctor offers in-person visits only, shown in the public list, the profile and the schedule', async () => {
      const listed = (json(await get(t.app, '/api/doctor/list')).doctors as { _id: string; consultationModes: string[] }[]).find((d) => d._id === inPerson.id);
      assert.deepEqual(listed?.consultationModes, ['in_person']);
      assert.deepEqual(json(await get(t.app, '/api/doctor/profile', bearer(inPerson.token))).profileData.consultationModes, ['in_person']);
      assert.deepEqual(json(await get(t.app, '/api/doctor/schedule', bearer(inPerson.token))).schedule.consultationModes, ['in_person']);
    });

    it('the doctor sets their own modes and the admin sets any doctor’s', async () => {
      const own = await patch('/api/doctor/schedule/settings', { consultationModes: ['video', 'in_person'] }, both.token);
      assert.equal(own.statusCode, 200, own.body);
      assert.deepEqual(json(own).schedule.consultationModes, ['in_person', 'video']);
      const byAdmin = await patch(`/api/admin/doctors/${videoOnly.id}/schedule/settings`, { consultationModes: ['video'] }, atoken);
      assert.equal(byAdmin.statusCode, 200, byAdmin.body);
      assert.deepEqual(json(byAdmin).schedule.consultationModes, ['video']);
      const listed = json(await get(t.app, '/api/doctor/list')).doctors as { _id: string; consultationModes: string[] }[];
      assert.deepEqual(listed.find((d) => d._id === videoOnly.id)?.consultationModes, ['video']);
    });

    it('refuses no mode, an unknown mode, a repeated mode, and a patient or another role', async () => {
      for (const consultationModes of [[], ['phone'], ['video', 'video'], 'video']) {
        const res = await patch('/api/doctor/schedule/settings', { consultationModes }, inPerson.token);
        assert.equal(res.statusCode, 400, `${JSON.stringify(consultationModes)}: ${res.body}`);
        assert.equal(json(res).success, false);
      }
      assert.equal((await patch('/api/doctor/schedule/settings', { consultationModes: ['video'] }, patient.token)).statusCode, 403);
      assert.deepEqual(json(await get(t.app, '/api/doctor/profile', bearer(inPerson.token))).profileData.consultationModes, ['in_person']);
    });

    it('the database keeps at least one mode, whatever the code does', async () => {
      await assert.rejects(t.testDb.database.query('UPDATE doctors SET offers_in_person = false, offers_video = false WHERE id = $1', [inPerson.id]));
    });
  });

  describe('booking a mode', () => {
    it('without a mode a booking is in person, with no link, as before', async () => {
      const a = await bookOk(patient, inPerson.id, '2030-01-08', '10:00 AM');
      assert.equal(a.mode, 'in_person');
      assert.equal(a.videoLink, null);
      assert.equal(a.videoOpensAt, null);
      assert.equal((await room(a._id)).video_room, null);
    });

    it('a mode the doctor does not offer is refused with 409 and nothing is booked', async () => {
      const video = await book(patient, inPerson.id, '2030-01-08', '11:00 AM', 'video');
      assert.equal(video.statusCode, 409);
      assert.equal(json(video).message, 'This doctor does not offer video consultations: book in person');
      const person = await book(patient, videoOnly.id, '2030-01-08', '11:00 AM');
      assert.equal(person.statusCode, 409);
      assert.equal(json(person).message, 'This doctor offers video consultations only: book with mode "video"');
      const free = json(await get(t.app, `/api/doctor/${inPerson.id}/slots?from=2030-01-08&to=2030-01-08`)).slots as { slotTime: string }[];
      assert.ok(free.some((s) => s.slotTime === '11:00 AM'), 'the refused slot stays free');
      assert.equal((await book(patient, inPerson.id, '2030-01-08', '11:00 AM', 'phone')).statusCode, 400);
    });

    it('a doctor offering both takes either', async () => {
      assert.equal((await bookOk(other, both.id, '2030-01-08', '10:00 AM', 'in_person')).mode, 'in_person');
      assert.equal((await bookOk(other, both.id, '2030-01-08', '11:00 AM', 'video')).mode, 'video');
    });
  });

  describe('the meeting link', () => {
    let a: View;
    before(async () => {
      clock.set(NOW);
      a = await bookOk(patient, videoOnly.id, '2030-01-09', '10:00 AM', 'video');
    });

    it('is withheld until VIDEO_OPENS_MINUTES before the start; the answer says when it opens', async () => {
      assert.equal(a.mode, 'video');
      assert.equal(a.videoLink, null);
      assert.equal(a.videoOpensAt, new Date(new Date(a.startsAt).getTime() - 10 * MINUTE).toISOString());
      clock.set(new Date(a.startsAt).getTime() - 10 * MINUTE - 1000);
      assert.equal((await patientView(patient, a._id)).videoLink, null);
      assert.equal((await doctorView(videoOnly, a._id))?.videoLink, null);
      clock.set(new Date(a.startsAt).getTime() - 10 * MINUTE);
      const forPatient = await patientView(patient, a._id);
      assert.match(forPatient.videoLink ?? '', LINK);
      assert.equal(forPatient.videoLink, `${BASE}/${(await room(a._id)).video_room}`);
      assert.equal((await doctorView(videoOnly, a._id))?.videoLink, forPatient.videoLink, 'the doctor gets the same room');
    });

    it('is never in an answer to anyone else: other patients, other doctors, public lists, the admin', async () => {
      clock.set(new Date(a.startsAt).getTime() - MINUTE);
      const secret = (await room(a._id)).video_room!;
      assert.match(secret, /^prescripto-[0-9a-f]{40}$/);
      const admin = await adminView(a._id);
      assert.equal(admin.mode, 'video', 'the admin sees the mode');
      assert.equal(admin.videoLink, null, 'but never the link');
      assert.equal(admin.videoOpensAt, a.videoOpensAt);
      const answers = [
        await get(t.app, '/api/user/appointments', bearer(other.token)),
        await get(t.app, '/api/doctor/appointments', bearer(both.token)),
        await get(t.app, '/api/doctor/list'),
        await get(t.app, `/api/doctor/${videoOnly.id}/slots?from=2030-01-09&to=2030-01-09`),
        await get(t.app, '/api/admin/appointments', bearer(atoken)),
        await get(t.app, '/api/admin/appointments?page=1&limit=100', bearer(atoken)),
        await get(t.app, '/api/admin/dashboard', bearer(atoken)),
        await get(t.app, '/api/admin/all-doctors', bearer(atoken)),
      ];
      for (const res of answers) {
        assert.equal(res.statusCode, 200, res.body);
        assert.equal(res.body.includes(secret), false, `answer ${answers.indexOf(res)} leaks the room`);
      }
      // the doctor's own dashboard, a party to the call, shows it
      assert.ok((await get(t.app, '/api/doctor/dashboard', bearer(videoOnly.token))).body.includes(secret));
    });

    it('every video appointment gets its own room, and the database refuses a shared one', async () => {
      const rooms = new Set<string>();
      for (const time of ['11:00 AM', '12:00 PM', '01:00 PM', '02:00 PM']) {
        const b = await bookOk(other, videoOnly.id, '2030-01-10', time, 'video');
        rooms.add((await room(b._id)).video_room!);
      }
      rooms.add((await room(a._id)).video_room!);
      assert.equal(rooms.size, 5);
      const [first, second] = [...rooms];
      await assert.rejects(
        t.testDb.database.query('UPDATE appointments SET video_room = $1 WHERE video_room = $2', [first, second]),
        (err: { code?: string }) => err.code === '23505',
      );
      await assert.rejects(t.testDb.database.query("UPDATE appointments SET video_room = NULL WHERE video_room = $1", [first]), 'a live video appointment keeps a room');
    });

    it('goes to the patient and the doctor in the emails and the invitation (LOCATION and URL)', async () => {
      const secret = (await room(a._id)).video_room!;
      const link = `${BASE}/${secret}`;
      for (const email of [patient.email, videoOnly.email]) {
        const mail = (await outbox(email)).find((m) => m.text_body.includes(link));
        assert.ok(mail, `${email} has an email with the link`);
        assert.match(mail.text_body, /Video call: /);
        assert.match(mail.text_body, /Where: +Video consultation/);
        assert.ok(mail.html_body.includes(`href="${link}"`));
        const ev = parseIcs(mail.ics!).events[0];
        assert.equal(ev.LOCATION, link);
        assert.equal(ev.URL, link);
      }
      const everyone = await t.testDb.database.query<{ recipient: string }>('SELECT recipient FROM notification_outbox WHERE text_body LIKE $1', [`%${secret}%`]);
      assert.deepEqual([...new Set(everyone.map((r) => r.recipient))].sort(), [patient.email, videoOnly.email].sort());
      // in-person appointments' emails carry no video call
      const plain = await outbox(inPerson.email);
      assert.ok(plain.length > 0);
      for (const m of plain) {
        assert.equal(m.text_body.includes('Video call'), false);
        assert.equal(m.ics?.includes('URL:') ?? false, false);
      }
    });

    it('a rescheduled appointment keeps its link', async () => {
      const before = (await room(a._id)).video_room;
      const res = await post(t.app, '/api/user/reschedule-appointment', { appointmentId: a._id, slotDate: '2030-01-09', slotTime: '03:00 PM' }, bearer(patient.token));
      assert.equal(res.statusCode, 200, res.body);
      const moved = json(res).appointment as View;
      assert.equal(moved.mode, 'video');
      assert.equal((await room(a._id)).video_room, before);
      assert.equal(moved.videoOpensAt, new Date(new Date(moved.startsAt).getTime() - 10 * MINUTE).toISOString(), 'opens before the new start');
      clock.set(new Date(moved.startsAt).getTime() - 5 * MINUTE);
      assert.equal((await patientView(patient, a._id)).videoLink, `${BASE}/${before}`);
    });

    it('a cancelled appointment loses its link, for good', async () => {
      const before = (await room(a._id)).video_room!;
      clock.set(new Date((await patientView(patient, a._id)).startsAt).getTime() - 5 * MINUTE);
      const res = await post(t.app, '/api/user/cancel-appointment', { appointmentId: a._id }, bearer(patient.token));
      assert.equal(res.statusCode, 200, res.body);
      const cancelled = json(res).appointment as View;
      assert.equal(cancelled.mode, 'video');
      assert.equal(cancelled.videoLink, null);
      assert.equal(cancelled.videoOpensAt, null);
      assert.equal((await room(a._id)).video_room, null);
      assert.equal((await patientView(patient, a._id)).videoLink, null);
      assert.equal((await doctorView(videoOnly, a._id))?.videoLink, null);
      await assert.rejects(t.testDb.database.query('UPDATE appointments SET video_room = $1 WHERE id = $2', [before, a._id]), 'a cancelled appointment cannot get a room back');
      // the cancellation emails do not repeat it
      const latest = (await outbox(patient.email))[0];
      assert.match(latest.subject, /cancel/i);
      assert.equal(latest.text_body.includes(before), false);
    });

    it('any path that cancels drops the room: the payment-window sweep writes the status alone', async () => {
      const b = await bookOk(patient, videoOnly.id, '2030-01-11', '10:00 AM', 'video');
      assert.ok((await room(b._id)).video_room);
      await t.testDb.database.query("UPDATE appointments SET status = 'cancelled', cancelled_by = 'system', cancelled_at = now() WHERE id = $1", [b._id]);
      assert.equal((await room(b._id)).video_room, null);
    });

    it('a completed visit no longer hands the link out', async () => {
      const b = await bookOk(patient, videoOnly.id, '2030-01-11', '11:00 AM', 'video');
      clock.set(new Date(b.startsAt).getTime() + 5 * MINUTE);
      assert.match((await patientView(patient, b._id)).videoLink ?? '', LINK);
      const res = await post(t.app, '/api/doctor/complete-appointment', { appointmentId: b._id }, bearer(videoOnly.token));
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(json(res).appointment.videoLink, null);
      assert.equal((await patientView(patient, b._id)).videoLink, null);
    });
  });

  describe('settings', () => {
    it('VIDEO_BASE_URL defaults to Jitsi Meet and must be an http(s) URL; VIDEO_OPENS_MINUTES defaults to 10', () => {
      const config = loadConfig(testEnv('/tmp/unused'));
      assert.equal(config.video.baseUrl, 'https://meet.jit.si');
      assert.equal(config.video.opensMinutes, 10);
      assert.throws(() => loadConfig(testEnv('/tmp/unused', { VIDEO_BASE_URL: 'ftp://meet.example' })), /VIDEO_BASE_URL/);
      assert.equal(loadConfig(testEnv('/tmp/unused', { VIDEO_OPENS_MINUTES: '30' })).video.opensMinutes, 30);
    });
  });
});
