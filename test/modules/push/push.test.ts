// Web Push through HTTP on a real database, against a local push service stand-in that checks the
// VAPID signature and decrypts each payload (test/helpers/push-service.ts): subscribing (validation,
// one row per device, ownership, removed with a deleted account), a push per device for booking,
// confirmation, cancellation, reminders and new messages, none for another account's events, 404/410
// removing the subscription, a 500 retried with the outbox's backoff, and pushes left in the outbox
// delivered by a new app on the same database.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../../src/lib/clock.js';
import { bearer, book, createDoctor, futureSlot, get, json, makeTestApp, post, registerPatient, type TestApp } from '../../helpers/app.js';
import { PushServiceStandIn, type Subscriber } from '../../helpers/push-service.js';

const HOUR = 3600_000;

describe('push notifications', () => {
  let t: TestApp;
  let ps: PushServiceStandIn;
  const clock = new ManualClock(Date.now());
  let doctor: Awaited<ReturnType<typeof createDoctor>>;
  let ann: Awaited<ReturnType<typeof registerPatient>>;
  let bob: Awaited<ReturnType<typeof registerPatient>>;
  let annPhone: Subscriber;
  let annLaptop: Subscriber;
  let docBrowser: Subscriber;
  let bobPhone: Subscriber;
  let slot = 0;
  const env = { PUSH_ALLOW_PRIVATE: 'true', NOTIFY_BACKOFF_SECONDS: '30', REMINDER_MINUTES: '1440' };

  const subscribe = (token: string, body: unknown, who: 'user' | 'doctor' = 'user') =>
    t.app.inject({ method: 'POST', url: `/api/${who}/push/subscriptions`, payload: body as object, headers: bearer(token) });
  const subscriptionRows = () => t.testDb.database.query<{ id: string; owner_role: string; owner_id: string; endpoint: string }>('SELECT id, owner_role, owner_id, endpoint FROM push_subscriptions');
  /** Turns a device off by its row's id (found by endpoint, as the browser knows it). */
  async function unsubscribe(token: string, endpoint: string, who: 'user' | 'doctor' = 'user') {
    const id = (await subscriptionRows()).find((r) => r.endpoint === endpoint)?.id ?? '0'.repeat(24);
    return t.app.inject({ method: 'DELETE', url: `/api/${who}/push/subscriptions/${id}`, headers: bearer(token) });
  }
  const deliver = () => t.app.ctx.notificationWorker.runOnce();
  /** What arrived for a subscriber since the last look. */
  const seen = new Map<string, number>();
  function fresh(s: Subscriber) {
    const all = ps.of(s.id);
    const from = seen.get(s.id) ?? 0;
    seen.set(s.id, all.length);
    return all.slice(from).map((r) => r.payload as { title: string; body: string; url: string });
  }
  async function booked(patient: { token: string }, daysAhead = 3) {
    const res = await book(t.app, patient.token, doctor.id, futureSlot(slot++, daysAhead, clock.now()));
    assert.equal(res.statusCode, 201, res.body);
    return json(res).appointment as { _id: string; startsAt: string };
  }

  before(async () => {
    ps = await new PushServiceStandIn().start();
    t = await makeTestApp(env, { clock });
    doctor = await createDoctor(t.app, { name: 'Dr. Meera Rao' });
    ann = await registerPatient(t.app, { name: 'Ann Lee' });
    bob = await registerPatient(t.app, { name: 'Bob Roy' });
    annPhone = ps.subscriber();
    annLaptop = ps.subscriber();
    docBrowser = ps.subscriber();
    bobPhone = ps.subscriber();
  });
  after(async () => {
    await t.close();
    await ps.stop();
  });

  it('hands out the VAPID public key without a login', async () => {
    const res = await get(t.app, '/api/push/public-key');
    assert.equal(res.statusCode, 200);
    assert.equal(json(res).enabled, true);
    assert.equal(Buffer.from(json(res).publicKey, 'base64url').length, 65);
  });

  it('validates subscriptions: https endpoints outside private networks, well-formed keys, a login', async () => {
    const good = annPhone.subscription;
    assert.equal((await post(t.app, '/api/user/push/subscriptions', good)).statusCode, 401);
    const bad: Array<[string, unknown]> = [
      ['not a URL', { ...good, endpoint: 'not a url at all' }],
      ['ftp', { ...good, endpoint: 'ftp://push.example.com/x' }],
      ['short p256dh', { ...good, keys: { ...good.keys, p256dh: good.keys.p256dh.slice(0, 80) } }],
      ['compressed-looking p256dh', { ...good, keys: { ...good.keys, p256dh: Buffer.alloc(65, 3).toString('base64url') } }],
      ['auth of 15 bytes', { ...good, keys: { ...good.keys, auth: Buffer.alloc(15).toString('base64url') } }],
      ['missing keys', { endpoint: good.endpoint }],
    ];
    for (const [why, body] of bad) assert.equal((await subscribe(ann.token, body)).statusCode, 400, why);
    assert.equal((await subscriptionRows()).length, 0);

    // without PUSH_ALLOW_PRIVATE: loopback and private addresses are refused, and so is plain http
    const strict = await makeTestApp({}, { testDb: t.testDb });
    try {
      const s = (endpoint: string) => strict.app.inject({ method: 'POST', url: '/api/user/push/subscriptions', payload: { ...good, endpoint }, headers: bearer(ann.token) });
      assert.equal((await s(good.endpoint)).statusCode, 400, 'http');
      for (const endpoint of ['https://127.0.0.1/push/x', 'https://10.1.2.3/push/x', 'https://169.254.169.254/latest', 'https://[::1]/push/x', 'https://localhost/push/x']) {
        const res = await s(endpoint);
        assert.equal(res.statusCode, 400, endpoint);
        assert.match(json(res).message, /private|loopback|resolve/);
      }
    } finally {
      await strict.app.close();
    }
  });

  it('keeps one row per device: subscribing again updates it; the patient and the doctor subscribe their browsers', async () => {
    const first = await subscribe(ann.token, annPhone.subscription);
    assert.equal(first.statusCode, 201, first.body);
    const again = await subscribe(ann.token, { ...annPhone.subscription, expirationTime: null });
    assert.equal(again.statusCode, 200, again.body);
    assert.equal(json(again).subscription._id, json(first).subscription._id);
    assert.equal((await subscribe(ann.token, annLaptop.subscription)).statusCode, 201);
    assert.equal((await subscribe(doctor.token, docBrowser.subscription, 'doctor')).statusCode, 201);
    assert.equal((await subscribe(bob.token, bobPhone.subscription)).statusCode, 201);
    const rows = await subscriptionRows();
    assert.equal(rows.length, 4);
    assert.equal(rows.filter((r) => r.endpoint === annPhone.subscription.endpoint).length, 1);
  });

  it('lets only the owner turn a device off', async () => {
    assert.equal((await unsubscribe(bob.token, annPhone.subscription.endpoint)).statusCode, 404);
    assert.equal((await unsubscribe(doctor.token, annPhone.subscription.endpoint, 'doctor')).statusCode, 404);
    assert.equal((await subscriptionRows()).filter((r) => r.endpoint === annPhone.subscription.endpoint).length, 1);
    // a patient's token does not open the doctor's routes
    assert.equal((await subscribe(ann.token, annPhone.subscription, 'doctor')).statusCode, 403);
  });

  it('pushes a booking to every device of the patient and to the doctor, signed and encrypted, and nothing to another patient', async () => {
    const a = await booked(ann);
    await deliver();
    assert.deepEqual(ps.rejected, []);
    for (const device of [annPhone, annLaptop]) {
      const got = fresh(device);
      assert.equal(got.length, 1);
      assert.match(got[0].title, /Dr\. Meera Rao/);
      assert.equal(got[0].url, '/appointments');
      assert.deepEqual(Object.keys(got[0]).sort(), ['body', 'title', 'url']);
    }
    const forDoctor = fresh(docBrowser);
    assert.equal(forDoctor.length, 1);
    assert.equal(forDoctor[0].url, '/doctor/appointments');
    assert.deepEqual(fresh(bobPhone), []);
    // the push carries the in-app notice's title and body, nothing more
    const notices = json(await get(t.app, '/api/user/notifications', bearer(ann.token))).notifications as { title: string; body: string; appointmentId: string }[];
    const notice = notices.find((n) => n.appointmentId === a._id)!;
    const last = ps.of(annPhone.id).at(-1)!;
    assert.deepEqual(last.payload, { title: notice.title, body: notice.body, url: '/appointments' });
    assert.equal(last.vapidKey, t.config.push.vapid!.publicKey);
    assert.match(last.claims.sub, /^mailto:/);
  });

  it('pushes confirmation, cancellation, a reminder and a new message', async () => {
    // far from the other bookings: the only reminder due 23 hours before it
    const a = await booked(ann, 20);
    await deliver();
    fresh(annPhone);
    fresh(docBrowser);

    assert.ok(await t.app.ctx.appointmentLifecycle.confirmPayment(a._id, { gateway: 'razorpay', ref: 'order_push_1', paymentId: 'pay_push_1' }));
    await deliver();
    const confirmed = fresh(annPhone);
    assert.equal(confirmed.length, 1);
    assert.match(confirmed[0].title, /^Appointment confirmed with Dr\. Meera Rao/);

    const saved = clock.now();
    clock.set(new Date(a.startsAt).getTime() - 23 * HOUR);
    try {
      await deliver();
      // (earlier bookings, now in the past, may announce that they lapsed)
      const reminders = fresh(annPhone).filter((p) => /reminder/i.test(p.title));
      assert.equal(reminders.length, 1);
      assert.equal(fresh(docBrowser).filter((p) => /reminder/i.test(p.title)).length, 0, 'reminders go to the patient only');
    } finally {
      clock.set(saved);
    }

    const msg = await post(t.app, `/api/doctor/appointments/${a._id}/messages`, { text: 'Please bring your blood test results.' }, bearer(doctor.token));
    assert.equal(msg.statusCode, 201, msg.body);
    await deliver();
    const message = fresh(annPhone);
    assert.equal(message.length, 1);
    assert.equal(message[0].title, 'New message from Dr. Meera Rao');
    assert.doesNotMatch(JSON.stringify(message[0]), /blood test/, 'the text of a message never travels in a push');
    assert.equal(message[0].url, '/appointments');
    assert.deepEqual(fresh(docBrowser), [], 'the sender gets no push for their own message');

    const cancel = await post(t.app, '/api/user/cancel-appointment', { appointmentId: a._id }, bearer(ann.token));
    assert.equal(cancel.statusCode, 200, cancel.body);
    await deliver();
    const cancelled = fresh(docBrowser);
    assert.equal(cancelled.length, 1);
    assert.match(cancelled[0].title, /cancel/i);
    assert.equal(fresh(annPhone).length, 1);
    assert.deepEqual(fresh(bobPhone), []);
    assert.deepEqual(ps.rejected, []);
  });

  it('removes a subscription the push service answers 410 or 404 for, and drops its pushes', async () => {
    fresh(annLaptop);
    ps.answer(annLaptop.id, 410);
    await booked(ann);
    const pass = await deliver();
    assert.ok(pass.skipped >= 1);
    const endpoints = (await subscriptionRows()).map((r) => r.endpoint);
    assert.equal(endpoints.includes(annLaptop.subscription.endpoint), false);
    assert.equal(endpoints.includes(annPhone.subscription.endpoint), true);
    const [row] = await t.testDb.database.query<{ status: string; last_error: string }>(
      "SELECT status, last_error FROM notification_outbox WHERE channel = 'push' AND last_error LIKE '%410%'",
    );
    assert.equal(row.status, 'skipped');
    // the next event no longer queues anything for that device
    await booked(ann);
    await deliver();
    assert.deepEqual(fresh(annLaptop), []);

    const bobTablet = ps.subscriber();
    assert.equal((await subscribe(bob.token, bobTablet.subscription)).statusCode, 201);
    ps.answer(bobTablet.id, 404);
    await booked(bob);
    await deliver();
    assert.equal((await subscriptionRows()).some((r) => r.endpoint === bobTablet.subscription.endpoint), false);
  });

  it('retries a push the push service failed (500) after the backoff, then delivers it', async () => {
    fresh(annPhone);
    ps.answer(annPhone.id, 500);
    await booked(ann);
    const first = await deliver();
    assert.equal(first.retrying, 1);
    assert.equal(fresh(annPhone).length, 0);
    // not before the backoff
    await deliver();
    assert.equal(fresh(annPhone).length, 0);
    clock.advance(31_000);
    const second = await deliver();
    assert.equal(second.sent >= 1, true);
    const got = fresh(annPhone);
    assert.equal(got.length, 1);
    assert.match(got[0].title, /Dr\. Meera Rao/);
    assert.ok((await subscriptionRows()).some((r) => r.endpoint === annPhone.subscription.endpoint), 'a 500 keeps the subscription');
  });

  it('moves a device to the account that subscribes it last; pushes queued for the previous owner are dropped', async () => {
    await booked(bob);
    // Bob's queued booking push for bobPhone is pending when Ann signs in on that phone
    const moved = await subscribe(ann.token, bobPhone.subscription);
    assert.equal(moved.statusCode, 201, moved.body);
    fresh(bobPhone);
    await deliver();
    assert.deepEqual(fresh(bobPhone), [], "Bob's push does not reach the phone Ann now uses");
    assert.equal((await subscriptionRows()).find((r) => r.endpoint === bobPhone.subscription.endpoint)!.owner_id, ann.id);
    assert.equal((await unsubscribe(bob.token, bobPhone.subscription.endpoint)).statusCode, 404);
    assert.equal((await unsubscribe(ann.token, bobPhone.subscription.endpoint)).statusCode, 200);
  });

  it("removes a deleted account's devices with the account", async () => {
    const cara = await registerPatient(t.app, { name: 'Cara Gone' });
    const caraPhone = ps.subscriber();
    assert.equal((await subscribe(cara.token, caraPhone.subscription)).statusCode, 201);
    const del = await post(t.app, '/api/user/delete-account', { password: cara.password }, bearer(cara.token));
    assert.equal(del.statusCode, 200, del.body);
    assert.equal((await subscriptionRows()).some((r) => r.owner_id === cara.id), false);
  });

  it('delivers pushes left in the outbox from a new app on the same database (restart)', async () => {
    fresh(annPhone);
    await booked(ann);
    const [{ n }] = await t.testDb.database.query<{ n: number }>("SELECT count(*)::int AS n FROM notification_outbox WHERE channel = 'push' AND status = 'pending'");
    assert.ok(n >= 1);
    const next = await makeTestApp(env, { clock, testDb: t.testDb });
    try {
      await next.app.ctx.notificationWorker.runOnce();
      const got = fresh(annPhone);
      assert.equal(got.length, 1);
      assert.match(got[0].title, /Dr\. Meera Rao/);
      assert.deepEqual(ps.rejected, []);
    } finally {
      await next.app.close();
    }
  });
});
