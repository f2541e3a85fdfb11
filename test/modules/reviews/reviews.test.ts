// Reviews through HTTP on a real database: who may rate what and when, the 30-day edit window on
// the app's clock, what the public sees of the reviewer, replies, reports, hiding (audit-logged),
// and the rating in the (cached) doctor list.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { InjectOptions } from 'fastify';
import { ManualClock } from '../../../src/lib/clock.js';
import { adminToken, bearer, book, createDoctor, futureSlot, get, json, makeTestApp, post, registerPatient, type TestApp } from '../../helpers/app.js';

const DAY = 86_400_000;

describe('reviews', () => {
  let t: TestApp;
  const clock = new ManualClock(Date.now());
  let admin: string;
  let doctor: Awaited<ReturnType<typeof createDoctor>>;
  let otherDoctor: Awaited<ReturnType<typeof createDoctor>>;
  let ann: Awaited<ReturnType<typeof registerPatient>>;
  let bob: Awaited<ReturnType<typeof registerPatient>>;
  let slotIndex = 0;

  const put = (url: string, payload: unknown, headers: Record<string, string>) =>
    t.app.inject({ method: 'PUT', url, payload: payload as InjectOptions['payload'], headers });

  /** A booked appointment of `patient` with `doctorId`, completed by the doctor unless `complete` is false. */
  async function visit(patient: { token: string }, doc: { id: string; token: string }, complete = true): Promise<string> {
    const res = await book(t.app, patient.token, doc.id, futureSlot(slotIndex++, 2, clock.now()));
    assert.equal(res.statusCode, 201, res.body);
    const id = json(res).appointment._id as string;
    if (complete) assert.equal((await post(t.app, '/api/doctor/complete-appointment', { appointmentId: id }, bearer(doc.token))).statusCode, 200);
    return id;
  }

  const rate = (patient: { token: string }, appointmentId: string, body: unknown) =>
    post(t.app, `/api/user/appointments/${appointmentId}/review`, body, bearer(patient.token));

  const listed = async (docId: string) => json(await get(t.app, '/api/doctor/list')).doctors.find((d: { _id: string }) => d._id === docId);

  before(async () => {
    t = await makeTestApp({}, { clock });
    admin = await adminToken(t.app);
    doctor = await createDoctor(t.app);
    otherDoctor = await createDoctor(t.app);
    ann = await registerPatient(t.app, { name: 'Ann  Maria Lee-Smith' });
    bob = await registerPatient(t.app, { name: 'Bob' });
  });
  after(async () => t.close());

  it('lets a patient rate a completed appointment of theirs once; the unique constraint refuses a second, even concurrent', async () => {
    const id = await visit(ann, doctor);
    const [a, b] = await Promise.all([rate(ann, id, { rating: 4, comment: ' Kind and thorough. ' }), rate(ann, id, { rating: 1 })]);
    const codes = [a.statusCode, b.statusCode].sort();
    assert.deepEqual(codes, [201, 409], `${a.body} ${b.body}`);
    const won = json(a.statusCode === 201 ? a : b).review;
    assert.equal(won.appointmentId, id);
    assert.equal(won.doctorId, doctor.id);
    assert.equal(new Date(won.editableUntil).getTime(), new Date(won.createdAt).getTime() + 30 * DAY);
    const again = await rate(ann, id, { rating: 5 });
    assert.equal(again.statusCode, 409);
    assert.match(json(again).message, /already been reviewed/);
    const rows = await t.testDb.database.query<{ n: number }>('SELECT count(*)::int AS n FROM reviews WHERE appointment_id = $1', [id]);
    assert.equal(rows[0].n, 1);
  });

  it('refuses appointments that are not completed, not the patient’s, or do not exist', async () => {
    const pending = await visit(ann, doctor, false);
    const notDone = await rate(ann, pending, { rating: 5 });
    assert.equal(notDone.statusCode, 409);
    assert.match(json(notDone).message, /completed/);

    const cancelled = await visit(ann, doctor, false);
    assert.equal((await post(t.app, '/api/user/cancel-appointment', { appointmentId: cancelled }, bearer(ann.token))).statusCode, 200);
    assert.equal((await rate(ann, cancelled, { rating: 5 })).statusCode, 409);

    const annsDone = await visit(ann, doctor);
    assert.equal((await rate(bob, annsDone, { rating: 1 })).statusCode, 403, 'another patient cannot rate it');
    assert.equal((await rate(ann, '0123456789abcdef01234567', { rating: 5 })).statusCode, 404);
    // only patients rate
    assert.equal((await post(t.app, `/api/user/appointments/${annsDone}/review`, { rating: 5 }, bearer(doctor.token))).statusCode, 403);
    assert.equal((await post(t.app, `/api/user/appointments/${annsDone}/review`, { rating: 5 })).statusCode, 401);
  });

  it('validates the rating and the comment', async () => {
    const id = await visit(bob, doctor);
    for (const body of [{ rating: 0 }, { rating: 6 }, { rating: 3.5 }, { rating: '5' }, {}, { rating: 5, comment: 'x'.repeat(2001) }, { rating: 5, comment: 42 }]) {
      const res = await rate(bob, id, body);
      assert.equal(res.statusCode, 400, `${JSON.stringify(body).slice(0, 40)} → ${res.body}`);
      assert.equal(json(res).success, false);
    }
    assert.equal((await post(t.app, '/api/user/appointments/not-an-id/review', { rating: 5 }, bearer(bob.token))).statusCode, 400);
    const ok = await rate(bob, id, { rating: 5, comment: '   ' });
    assert.equal(ok.statusCode, 201, ok.body);
    assert.equal(json(ok).review.comment, null, 'a blank comment is no comment');
  });

  it('allows edits for 30 days after writing, on the app’s clock, then refuses them', async () => {
    const id = await visit(ann, otherDoctor);
    assert.equal((await rate(ann, id, { rating: 2, comment: 'Late.' })).statusCode, 201);
    clock.advance(29 * DAY);
    const edited = await put(`/api/user/appointments/${id}/review`, { rating: 4, comment: 'Late, but very good.' }, bearer(ann.token));
    assert.equal(edited.statusCode, 200, edited.body);
    assert.equal(json(edited).review.rating, 4);
    assert.equal(json(edited).review.comment, 'Late, but very good.');
    assert.equal((await put(`/api/user/appointments/${id}/review`, { rating: 5 }, bearer(bob.token))).statusCode, 403, 'only its author edits it');
    clock.advance(1 * DAY + 1000);
    const late = await put(`/api/user/appointments/${id}/review`, { rating: 5 }, bearer(ann.token));
    assert.equal(late.statusCode, 409);
    assert.match(json(late).message, /30 days/);
    clock.set(Date.now());
    const unrated = await visit(ann, otherDoctor);
    assert.equal((await put(`/api/user/appointments/${unrated}/review`, { rating: 5 }, bearer(ann.token))).statusCode, 404);
    const own = json(await get(t.app, '/api/user/reviews', bearer(ann.token))).reviews as { appointmentId: string; rating: number }[];
    assert.equal(own.find((r) => r.appointmentId === id)?.rating, 4);
  });

  it('shows the reviewer publicly as first name and last initial only', async () => {
    const page = json(await get(t.app, `/api/doctor/${doctor.id}/reviews`));
    assert.equal(page.success, true);
    const authors = page.reviews.map((r: { author: string }) => r.author).sort();
    assert.deepEqual(authors, ['Ann L.', 'Bob']);
    const text = JSON.stringify(page);
    for (const secret of ['Maria', 'Lee-Smith', ann.email, bob.email, ann.id, bob.id]) assert.ok(!text.includes(secret), `public reviews must not contain ${secret}`);
    for (const r of page.reviews) assert.deepEqual(Object.keys(r).sort(), ['_id', 'author', 'comment', 'createdAt', 'rating', 'repliedAt', 'reply', 'updatedAt']);
    assert.equal((await get(t.app, '/api/doctor/0123456789abcdef01234567/reviews')).statusCode, 404);
  });

  it('gives the average and count in the doctor list and profile (the cached list follows every change)', async () => {
    // doctor: ann 4 (or 1 if the concurrent 1 won) and bob 5
    const ratings = (await t.testDb.database.query<{ rating: number }>('SELECT rating FROM reviews WHERE doctor_id = $1 AND hidden_at IS NULL', [doctor.id])).map((r) => r.rating);
    const expected = Math.round((ratings.reduce((a, b) => a + b, 0) / ratings.length) * 100) / 100;
    const d = await listed(doctor.id);
    assert.equal(d.ratingCount, 2);
    assert.equal(d.ratingAverage, expected);
    const other = await listed(otherDoctor.id);
    assert.deepEqual([other.ratingAverage, other.ratingCount], [4, 1]);
    // a doctor with no reviews: additive fields, null average
    const fresh = await createDoctor(t.app);
    assert.deepEqual([(await listed(fresh.id)).ratingAverage, (await listed(fresh.id)).ratingCount], [null, 0]);
    // a new review moves the cached list at once
    const id = await visit(bob, fresh);
    await get(t.app, '/api/doctor/list');
    assert.equal((await rate(bob, id, { rating: 3 })).statusCode, 201);
    assert.deepEqual([(await listed(fresh.id)).ratingAverage, (await listed(fresh.id)).ratingCount], [3, 1]);
    const profile = json(await get(t.app, '/api/doctor/profile', bearer(fresh.token))).profileData;
    assert.deepEqual([profile.ratingAverage, profile.ratingCount], [3, 1]);
    const own = json(await get(t.app, '/api/doctor/reviews', bearer(fresh.token)));
    assert.deepEqual(own.rating, { average: 3, count: 1 });
  });

  it('lets the doctor reply once, to reviews about them only', async () => {
    const page = json(await get(t.app, '/api/doctor/reviews', bearer(doctor.token)));
    const review = page.reviews[0];
    assert.equal((await post(t.app, `/api/doctor/reviews/${review._id}/reply`, { reply: 'Thank you!' }, bearer(otherDoctor.token))).statusCode, 403);
    assert.equal((await post(t.app, `/api/doctor/reviews/${review._id}/reply`, { reply: '' }, bearer(doctor.token))).statusCode, 400);
    const [a, b] = await Promise.all([
      post(t.app, `/api/doctor/reviews/${review._id}/reply`, { reply: 'Thank you!' }, bearer(doctor.token)),
      post(t.app, `/api/doctor/reviews/${review._id}/reply`, { reply: 'Second' }, bearer(doctor.token)),
    ]);
    assert.deepEqual([a.statusCode, b.statusCode].sort(), [200, 409]);
    const pub = json(await get(t.app, `/api/doctor/${doctor.id}/reviews`)).reviews.find((r: { _id: string }) => r._id === review._id);
    assert.ok(['Thank you!', 'Second'].includes(pub.reply));
    assert.ok(pub.repliedAt);
    assert.equal((await post(t.app, `/api/user/reviews/${review._id}/reply`, { reply: 'x' }, bearer(ann.token))).statusCode, 404, 'no patient reply route');
  });

  it('lets patients and the reviewed doctor report; the admin sees reported reviews, hides one (audit-logged) and the rating drops it', async () => {
    const reviews = json(await get(t.app, `/api/doctor/${doctor.id}/reviews`)).reviews as { _id: string; author: string; rating: number }[];
    const target = reviews.find((r) => r.author === 'Bob')!;
    assert.equal((await post(t.app, `/api/user/reviews/${target._id}/report`, { reason: 'Off topic' }, bearer(ann.token))).statusCode, 200);
    assert.equal((await post(t.app, `/api/user/reviews/${target._id}/report`, { reason: 'Again' }, bearer(ann.token))).statusCode, 200, 'reporting twice changes nothing');
    assert.equal((await post(t.app, `/api/doctor/reviews/${target._id}/report`, { reason: 'Not my patient' }, bearer(otherDoctor.token))).statusCode, 403);
    assert.equal((await post(t.app, `/api/doctor/reviews/${target._id}/report`, { reason: 'Personal data' }, bearer(doctor.token))).statusCode, 200);
    assert.equal((await post(t.app, `/api/user/reviews/${target._id}/report`, { reason: '' }, bearer(bob.token))).statusCode, 400);
    assert.equal((await post(t.app, '/api/user/reviews/0123456789abcdef01234567/report', { reason: 'x' }, bearer(bob.token))).statusCode, 404);

    assert.equal((await get(t.app, '/api/admin/reviews', bearer(doctor.token))).statusCode, 403);
    const reported = json(await get(t.app, '/api/admin/reviews', bearer(admin)));
    assert.equal(reported.total, 1);
    assert.equal(reported.reviews[0]._id, target._id);
    assert.equal(reported.reviews[0].reports, 2);
    assert.deepEqual([...reported.reviews[0].reasons].sort(), ['Off topic', 'Personal data']);

    const before = await listed(doctor.id);
    assert.equal((await post(t.app, `/api/admin/reviews/${target._id}/hide`, {}, bearer(admin))).statusCode, 400, 'a reason is required');
    assert.equal((await post(t.app, `/api/admin/reviews/${target._id}/hide`, { reason: 'Personal data' }, bearer(doctor.token))).statusCode, 403);
    const hidden = await post(t.app, `/api/admin/reviews/${target._id}/hide`, { reason: 'Personal data' }, bearer(admin));
    assert.equal(hidden.statusCode, 200, hidden.body);
    assert.equal(json(hidden).review.hidden, true);

    const after = await listed(doctor.id);
    assert.equal(after.ratingCount, before.ratingCount - 1);
    const remaining = reviews.filter((r) => r._id !== target._id).map((r) => r.rating);
    assert.equal(after.ratingAverage, remaining.reduce((a, b) => a + b, 0) / remaining.length);
    assert.ok(!json(await get(t.app, `/api/doctor/${doctor.id}/reviews`)).reviews.some((r: { _id: string }) => r._id === target._id));
    const ownDoctor = json(await get(t.app, '/api/doctor/reviews', bearer(doctor.token))).reviews.find((r: { _id: string }) => r._id === target._id);
    assert.equal(ownDoctor.hidden, true, 'the doctor still sees it, marked hidden');
    assert.equal(json(await get(t.app, '/api/admin/reviews?filter=hidden', bearer(admin))).reviews[0]._id, target._id);

    const audit = json(await get(t.app, `/api/admin/audit-log?targetId=${target._id}`, bearer(admin)));
    const entries = audit.logs;
    assert.ok(Array.isArray(entries), JSON.stringify(audit).slice(0, 200));
    const hide = entries.find((e: { action: string; outcome: string }) => e.action === 'admin.reviews.:reviewId.hide' && e.outcome === 'success');
    assert.ok(hide, 'the hide is in the audit log');
    assert.equal(hide.targetType, 'review');

    assert.equal((await post(t.app, `/api/admin/reviews/${target._id}/unhide`, undefined, bearer(admin))).statusCode, 200);
    assert.deepEqual([(await listed(doctor.id)).ratingCount, (await listed(doctor.id)).ratingAverage], [before.ratingCount, before.ratingAverage]);
  });

  it('keeps the aggregate exact when reviews are deleted (an erased account takes its reviews along)', async () => {
    const fresh = await createDoctor(t.app);
    const carl = await registerPatient(t.app, { name: 'Carl Young' });
    const id1 = await visit(carl, fresh);
    const id2 = await visit(bob, fresh);
    assert.equal((await rate(carl, id1, { rating: 1 })).statusCode, 201);
    assert.equal((await rate(bob, id2, { rating: 5 })).statusCode, 201);
    assert.deepEqual([(await listed(fresh.id)).ratingAverage, (await listed(fresh.id)).ratingCount], [3, 2]);
    await t.testDb.database.query('DELETE FROM reviews WHERE patient_id = $1', [carl.id]);
    const [row] = await t.testDb.database.query<{ reviews: number; rating_sum: number }>('SELECT reviews, rating_sum::int FROM doctor_ratings WHERE doctor_id = $1', [fresh.id]);
    assert.deepEqual([row.reviews, row.rating_sum], [1, 5]);
  });
});
