// Messages through HTTP on a real database: only the two parties of an appointment read and write
// its thread; the admin sees counts, and bodies only of a reported thread; limits and bad input;
// the window from booking until MESSAGE_WINDOW_DAYS after the visit; read receipts and unread
// counts; the unread-message email, due after MESSAGE_EMAIL_DELAY_MINUTES through the outbox,
// dropped when read, and delivered by another app instance after a restart.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../../src/lib/clock.js';
import { adminToken, bearer, book, createDoctor, futureSlot, get, json, makeTestApp, pngBytes, post, registerPatient, type TestApp } from '../../helpers/app.js';

const MIN = 60_000;
const DAY = 86_400_000;

describe('messages', () => {
  let t: TestApp;
  const clock = new ManualClock(Date.now());
  let admin: string;
  let doctor: Awaited<ReturnType<typeof createDoctor>>;
  let otherDoctor: Awaited<ReturnType<typeof createDoctor>>;
  let ann: Awaited<ReturnType<typeof registerPatient>>;
  let bob: Awaited<ReturnType<typeof registerPatient>>;
  let appt = '';
  let slotIndex = 0;

  const env = { MESSAGE_WINDOW_DAYS: '14', MESSAGE_EMAIL_DELAY_MINUTES: '30', MESSAGE_RATE_PER_MINUTE: '5' };
  const q = <T = Record<string, unknown>>(sql: string, params: unknown[] = []) => t.testDb.database.query<T>(sql, params);
  const userUrl = (id: string) => `/api/user/appointments/${id}/messages`;
  const docUrl = (id: string) => `/api/doctor/appointments/${id}/messages`;

  async function booked(patient: { token: string }, doc: { id: string }): Promise<string> {
    const res = await book(t.app, patient.token, doc.id, futureSlot(slotIndex++, 2, clock.now()));
    assert.equal(res.statusCode, 201, res.body);
    return json(res).appointment._id as string;
  }

  function images(n: number, bytes: Buffer, text = 'see attached'): FormData {
    const fd = new FormData();
    fd.append('text', text);
    for (let i = 0; i < n; i++) fd.append('images', new Blob([new Uint8Array(bytes)], { type: 'image/png' }), `p${i}.png`);
    return fd;
  }

  before(async () => {
    t = await makeTestApp(env, { clock });
    admin = await adminToken(t.app);
    doctor = await createDoctor(t.app);
    otherDoctor = await createDoctor(t.app);
    ann = await registerPatient(t.app, { name: 'Ann Lee' });
    bob = await registerPatient(t.app, { name: 'Bob Roy' });
    appt = await booked(ann, doctor);
  });
  after(async () => t.close());

  it('lets the patient and the doctor exchange messages from booking on, newest first with cursor pages', async () => {
    const a = await post(t.app, userUrl(appt), { text: '  Should I bring my old reports?  ' }, bearer(ann.token));
    assert.equal(a.statusCode, 201, a.body);
    assert.equal(json(a).message.text, 'Should I bring my old reports?');
    assert.equal(json(a).message.from, 'patient');
    assert.equal(json(a).message.readAt, null);
    clock.advance(1000);
    const b = await post(t.app, docUrl(appt), { text: 'Yes, please.' }, bearer(doctor.token));
    assert.equal(b.statusCode, 201, b.body);
    clock.advance(1000);
    assert.equal((await post(t.app, userUrl(appt), { text: 'Thanks' }, bearer(ann.token))).statusCode, 201);

    const first = json(await get(t.app, `${docUrl(appt)}?limit=2`, bearer(doctor.token)));
    assert.deepEqual(first.messages.map((m: { text: string }) => m.text), ['Thanks', 'Yes, please.']);
    assert.equal(first.thread.open, true);
    assert.ok(first.next);
    const second = json(await get(t.app, `${docUrl(appt)}?limit=2&before=${first.next}`, bearer(doctor.token)));
    assert.deepEqual(second.messages.map((m: { text: string }) => m.text), ['Should I bring my old reports?']);
    assert.equal(second.next, null);
    assert.equal((await get(t.app, `${userUrl(appt)}?before=nonsense`, bearer(ann.token))).statusCode, 400);
  });

  it('keeps unread counts and read receipts', async () => {
    const docUnread = json(await get(t.app, '/api/doctor/messages/unread', bearer(doctor.token)));
    assert.equal(docUnread.total, 2);
    assert.deepEqual(docUnread.threads, [{ appointmentId: appt, unread: 2 }]);
    assert.equal(json(await get(t.app, '/api/user/messages/unread', bearer(ann.token))).total, 1);

    const read = await post(t.app, `${docUrl(appt)}/read`, undefined, bearer(doctor.token));
    assert.equal(read.statusCode, 200, read.body);
    assert.equal(json(read).marked, 2);
    assert.equal(json(await get(t.app, '/api/doctor/messages/unread', bearer(doctor.token))).total, 0);
    // the patient sees the receipts on their own messages; the doctor's message is still unread
    const thread = json(await get(t.app, userUrl(appt), bearer(ann.token))).messages as { from: string; readAt: string | null }[];
    assert.ok(thread.filter((m) => m.from === 'patient').every((m) => m.readAt !== null));
    assert.ok(thread.filter((m) => m.from === 'doctor').every((m) => m.readAt === null));
    assert.equal(json(await post(t.app, `${docUrl(appt)}/read`, undefined, bearer(doctor.token))).marked, 0);
  });

  it('lets no one else read or write the thread: other patient, other doctor, the admin, no token', async () => {
    for (const [url, token, code] of [
      [userUrl(appt), bob.token, 403],
      [docUrl(appt), otherDoctor.token, 403],
      [userUrl(appt), admin, 403],
      [docUrl(appt), admin, 403],
      [userUrl(appt), doctor.token, 403],
      [docUrl(appt), ann.token, 403],
    ] as const) {
      const res = await get(t.app, url, bearer(token));
      assert.equal(res.statusCode, code, `${url}: ${res.body}`);
      assert.ok(!res.body.includes('old reports'));
      assert.equal((await post(t.app, url, { text: 'hi' }, bearer(token))).statusCode, code);
      assert.equal((await post(t.app, `${url}/read`, undefined, bearer(token))).statusCode, code);
    }
    assert.equal((await get(t.app, userUrl(appt))).statusCode, 401);
    assert.equal((await get(t.app, userUrl('0123456789abcdef01234567'), bearer(ann.token))).statusCode, 404);
    assert.equal((await get(t.app, userUrl('not-an-id'), bearer(ann.token))).statusCode, 400);
  });

  it('shows the admin counts only, and the bodies of a thread only once a party reported it', async () => {
    const counts = await get(t.app, '/api/admin/message-threads', bearer(admin));
    assert.equal(counts.statusCode, 200, counts.body);
    const row = json(counts).threads.find((x: { appointmentId: string }) => x.appointmentId === appt);
    assert.equal(row.messages, 3);
    assert.equal(row.reported, false);
    assert.ok(!counts.body.includes('old reports'), 'no body in the counts');
    assert.equal((await get(t.app, '/api/admin/message-threads', bearer(doctor.token))).statusCode, 403);

    const refused = await get(t.app, `/api/admin/message-threads/${appt}`, bearer(admin));
    assert.equal(refused.statusCode, 403);
    assert.ok(!refused.body.includes('old reports'));
    assert.equal((await post(t.app, `${userUrl(appt)}/report`, { reason: 'x' }, bearer(bob.token))).statusCode, 403, 'only a party reports');
    assert.equal((await post(t.app, `${userUrl(appt)}/report`, { reason: '' }, bearer(ann.token))).statusCode, 400);
    assert.equal((await post(t.app, `${userUrl(appt)}/report`, { reason: 'Rude answers' }, bearer(ann.token))).statusCode, 200);
    const thread = await get(t.app, `/api/admin/message-threads/${appt}`, bearer(admin));
    assert.equal(thread.statusCode, 200, thread.body);
    assert.equal(json(thread).messages.length, 3);
    const reported = json(await get(t.app, '/api/admin/message-threads', bearer(admin))).threads[0];
    assert.deepEqual([reported.appointmentId, reported.reported, reported.reasons], [appt, true, ['Rude answers']]);
  });

  it('refuses bad input: empty, too long, unknown file field, too many or fake pictures; takes up to 3 real ones', async () => {
    const other = await booked(bob, doctor);
    for (const body of [{}, { text: '   ' }, { text: 'x'.repeat(2001) }, { text: 42 }]) {
      const res = await post(t.app, userUrl(other), body, bearer(bob.token));
      assert.equal(res.statusCode, 400, `${JSON.stringify(body).slice(0, 30)} → ${res.body}`);
    }
    assert.equal((await post(t.app, userUrl(other), { text: '😀'.repeat(2000) }, bearer(bob.token))).statusCode, 201, '2,000 characters, not bytes');
    const png = await pngBytes();
    const three = await post(t.app, userUrl(other), images(3, png), bearer(bob.token));
    assert.equal(three.statusCode, 201, three.body);
    assert.equal(json(three).message.images.length, 3);
    for (const url of json(three).message.images as string[]) assert.match(url, /^http/);
    assert.equal((await post(t.app, userUrl(other), images(4, png), bearer(bob.token))).statusCode, 413);
    const fake = await post(t.app, userUrl(other), images(1, Buffer.from('not a picture at all')), bearer(bob.token));
    assert.ok([400, 415].includes(fake.statusCode), fake.body);
    const wrongField = new FormData();
    wrongField.append('image', new Blob([new Uint8Array(png)], { type: 'image/png' }), 'a.png');
    assert.equal((await post(t.app, userUrl(other), wrongField, bearer(bob.token))).statusCode, 400);
    const onlyPicture = await post(t.app, docUrl(other), images(1, png, ''), bearer(doctor.token));
    assert.equal(onlyPicture.statusCode, 201, onlyPicture.body);
  });

  it('limits how many messages one sender sends a minute', async () => {
    const thread = await booked(ann, otherDoctor);
    clock.advance(2 * MIN);
    for (let i = 0; i < 5; i++) assert.equal((await post(t.app, userUrl(thread), { text: `m${i}` }, bearer(ann.token))).statusCode, 201);
    const limited = await post(t.app, userUrl(thread), { text: 'one too many' }, bearer(ann.token));
    assert.equal(limited.statusCode, 429);
    assert.match(json(limited).message, /at most 5 a minute/);
    // the other party is not limited by it
    assert.equal((await post(t.app, docUrl(thread), { text: 'ok' }, bearer(otherDoctor.token))).statusCode, 201);
    clock.advance(MIN + 1000);
    assert.equal((await post(t.app, userUrl(thread), { text: 'later' }, bearer(ann.token))).statusCode, 201);
  });

  it('opens from booking until MESSAGE_WINDOW_DAYS after the visit; never for a visit cancelled before it started', async () => {
    const thread = await booked(bob, otherDoctor);
    const [row] = await q<{ ends_at: Date; starts_at: Date }>('SELECT ends_at, starts_at FROM appointments WHERE id = $1', [thread]);
    const endsAt = new Date(row.ends_at).getTime();
    const saved = clock.now().getTime();
    clock.set(endsAt + 14 * DAY - MIN);
    assert.equal((await post(t.app, userUrl(thread), { text: 'still open' }, bearer(bob.token))).statusCode, 201);
    clock.set(endsAt + 14 * DAY + MIN);
    const closed = await post(t.app, docUrl(thread), { text: 'too late' }, bearer(otherDoctor.token));
    assert.equal(closed.statusCode, 409);
    assert.match(json(closed).message, /14 days/);
    const page = json(await get(t.app, userUrl(thread), bearer(bob.token)));
    assert.equal(page.thread.open, false, 'the thread can still be read');
    assert.equal(page.messages.length, 1);
    clock.set(saved);

    const cancelled = await booked(bob, otherDoctor);
    assert.equal((await post(t.app, '/api/user/cancel-appointment', { appointmentId: cancelled }, bearer(bob.token))).statusCode, 200);
    assert.equal((await post(t.app, userUrl(cancelled), { text: 'hello?' }, bearer(bob.token))).statusCode, 409);
    assert.equal((await get(t.app, docUrl(cancelled), bearer(otherDoctor.token))).statusCode, 404);

    // cancelled after it started (the visit happened in part): the thread stays open
    const late = await booked(bob, otherDoctor);
    await q(`UPDATE appointments SET status = 'cancelled', cancelled_by = 'doctor', cancelled_at = starts_at + interval '10 minutes' WHERE id = $1`, [late]);
    assert.equal((await post(t.app, userUrl(late), { text: 'about what we discussed' }, bearer(bob.token))).statusCode, 201);
  });

  it('emails an unread message after the delay through the outbox, not a read one, and delivers after a restart', async () => {
    const thread = await booked(ann, doctor);
    const sent = json(await post(t.app, docUrl(thread), { text: 'Your results are in.' }, bearer(doctor.token))).message;
    const readOne = json(await post(t.app, docUrl(thread), { text: 'Second note.' }, bearer(doctor.token))).message;
    const outbox = async (id: string) =>
      (await q<{ status: string; recipient: string; next_attempt_at: Date; text_body: string }>('SELECT status, recipient, next_attempt_at, text_body FROM notification_outbox WHERE dedupe_key = $1', [`message:${id}`]))[0];
    const due = await outbox(sent._id);
    assert.equal(due.recipient, ann.email);
    assert.equal(due.status, 'pending');
    assert.equal(new Date(due.next_attempt_at).getTime(), new Date(sent.createdAt).getTime() + 30 * MIN);
    assert.ok(!due.text_body.includes('Your results are in.'), 'the email never carries the body');

    await t.app.ctx.notificationWorker.runOnce();
    assert.equal((await outbox(sent._id)).status, 'pending', 'not before the delay');

    // the patient reads the thread, then a second message arrives and stays unread
    assert.equal(json(await post(t.app, `${userUrl(thread)}/read`, undefined, bearer(ann.token))).marked, 2);
    const unread = json(await post(t.app, docUrl(thread), { text: 'Third note.' }, bearer(doctor.token))).message;

    // "restart": a new app instance on the same database delivers what is due
    clock.advance(31 * MIN);
    const again = await makeTestApp(env, { clock, testDb: t.testDb });
    try {
      await again.app.ctx.notificationWorker.runOnce();
    } finally {
      await again.close();
    }
    assert.equal((await outbox(sent._id)).status, 'skipped', 'read in time: no email');
    assert.equal((await outbox(readOne._id)).status, 'skipped');
    // unread after the delay: emailed by the new instance (kept as `logged` here, where there is no SMTP)
    assert.equal((await outbox(unread._id)).status, 'logged');
  });
});
