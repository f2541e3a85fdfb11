// Stripe through the real SDK against the local stand-in: Checkout Sessions from the stored
// amount, verification by asking Stripe (never the client's `success` flag), signed webhooks with
// replay and concurrency, refunds on cancel, and refusals.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bearer, json, post, type TestApp } from '../../helpers/app.js';
import { assertReceipt, GatewayStub, paymentFixture, STRIPE_KEY, stripeSignature } from './stub.js';

describe('payments: Stripe', () => {
  const stub = new GatewayStub();
  let fx: Awaited<ReturnType<typeof paymentFixture>>;
  let t: TestApp;
  let doctor: typeof fx.doctor;
  let patient: typeof fx.patient;
  let other: typeof fx.other;
  let confirmed: string[];
  const FRONTEND = 'https://app.prescripto.test';

  before(async () => {
    fx = await paymentFixture(stub, { fees: 750, patientName: 'Sam Stripe', env: { FRONTEND_URL: FRONTEND } });
    ({ t, doctor, patient, other, confirmed } = fx);
  });
  after(async () => fx.close());

  const booked = (token?: string) => fx.booked(token);
  const appointment = (id: string) => fx.appointment(id);
  async function session(appointmentId: string): Promise<string> {
    const res = await post(t.app, '/api/user/payment-stripe', { appointmentId }, bearer(patient.token));
    assert.equal(res.statusCode, 200, res.body);
    return json(res).session.id;
  }
  const verify = (body: Record<string, unknown>, token = patient.token, url = '/api/user/verify-stripe') => post(t.app, url, body, bearer(token));

  describe('payment-stripe', () => {
    it('creates a Checkout Session for the stored amount with return URLs from FRONTEND_URL', async () => {
      const id = await booked();
      const res = await post(t.app, '/api/user/payment-stripe', { appointmentId: id }, { ...bearer(patient.token), origin: 'https://evil.example' });
      assert.equal(res.statusCode, 200, res.body);
      const body = json(res);
      assert.equal(body.success, true);
      assert.match(body.session.id, /^cs_test_/);
      assert.equal(body.session_url, `https://checkout.stripe.test/c/pay/${body.session.id}`);
      const sent = stub.find('POST', '/v1/checkout/sessions').at(-1)!;
      assert.equal(sent.auth, `Bearer ${STRIPE_KEY}`);
      assert.equal(sent.body['line_items[0][price_data][unit_amount]'], '75000');
      assert.equal(sent.body['line_items[0][price_data][currency]'], 'inr');
      assert.equal(sent.body['line_items[0][quantity]'], '1');
      assert.equal(sent.body.mode, 'payment');
      assert.equal(sent.body.client_reference_id, id);
      assert.equal(sent.body['metadata[appointmentId]'], id);
      // Stripe replaces {CHECKOUT_SESSION_ID}; success and appointmentId stay for existing clients
      assert.equal(sent.body.success_url, `${FRONTEND}/verify?success=true&appointmentId=${id}&session_id={CHECKOUT_SESSION_ID}`);
      assert.equal(sent.body.cancel_url, `${FRONTEND}/verify?success=false&appointmentId=${id}`);
    });

    it('falls back to the request’s Origin without FRONTEND_URL, and refuses when there is neither', async () => {
      const urls = t.app.ctx.config.frontendUrls;
      const saved = urls.splice(0);
      try {
        const id = await booked();
        let res = await post(t.app, '/api/user/payment-stripe', { appointmentId: id }, { ...bearer(patient.token), origin: 'http://localhost:5173' });
        assert.equal(res.statusCode, 200, res.body);
        assert.equal(stub.find('POST', '/v1/checkout/sessions').at(-1)!.body.success_url, `http://localhost:5173/verify?success=true&appointmentId=${id}&session_id={CHECKOUT_SESSION_ID}`);
        res = await post(t.app, '/api/user/payment-stripe', { appointmentId: id }, bearer(patient.token));
        assert.equal(res.statusCode, 400);
        assert.equal(json(res).message, 'Cannot build the return address: set FRONTEND_URL or send an Origin header');
      } finally {
        urls.push(...saved);
      }
    });

    it('refuses someone else’s, cancelled and already paid appointments', async () => {
      const id = await booked();
      let res = await post(t.app, '/api/user/payment-stripe', { appointmentId: id }, bearer(other.token));
      assert.equal(res.statusCode, 403);
      assert.equal(json(res).message, 'This appointment belongs to another patient');

      const sid = await session(id);
      stub.payStripeSession(sid);
      assert.equal((await verify({ appointmentId: id })).statusCode, 200);
      res = await post(t.app, '/api/user/payment-stripe', { appointmentId: id }, bearer(patient.token));
      assert.equal(res.statusCode, 409);
      assert.equal(json(res).message, 'Appointment is already paid');

      const gone = await booked();
      await post(t.app, '/api/user/cancel-appointment', { appointmentId: gone }, bearer(patient.token));
      res = await post(t.app, '/api/user/payment-stripe', { appointmentId: gone }, bearer(patient.token));
      assert.equal(res.statusCode, 409);
      assert.equal(json(res).message, 'Appointment is cancelled and cannot be paid');
    });

    it('refuses a completed appointment', async () => {
      const id = await booked();
      assert.equal((await post(t.app, '/api/doctor/complete-appointment', { appointmentId: id }, bearer(doctor.token))).statusCode, 200);
      const before = stub.find('POST', '/v1/checkout/sessions').length;
      const res = await post(t.app, '/api/user/payment-stripe', { appointmentId: id }, bearer(patient.token));
      assert.equal(res.statusCode, 409);
      assert.equal(json(res).message, 'Appointment is completed and cannot be paid');
      assert.equal(stub.find('POST', '/v1/checkout/sessions').length, before, 'Stripe was not asked');
    });

    it('answers 502 with a safe message when Stripe fails, leaving the appointment untouched', async () => {
      const id = await booked();
      stub.fail('POST /v1/checkout/sessions', 400);
      try {
        const res = await post(t.app, '/api/user/payment-stripe', { appointmentId: id }, bearer(patient.token));
        assert.equal(res.statusCode, 502);
        assert.equal(json(res).message, 'Stripe could not process the request, please try again');
      } finally {
        stub.clearFailures();
      }
      const a = await appointment(id);
      assert.equal(a.paid, false);
      assert.equal(a.status, 'pending');
    });
  });

  describe('verify-stripe', () => {
    it('never trusts the client’s success flag: an unpaid session confirms nothing', async () => {
      const id = await booked();
      await session(id);
      for (const success of ['true', true]) {
        const res = await verify({ appointmentId: id, success });
        assert.equal(res.statusCode, 402);
        assert.equal(json(res).message, 'Payment not completed');
      }
      const a = await appointment(id);
      assert.equal(a.paid, false);
      assert.equal(a.status, 'pending');
    });

    it('confirms when Stripe says the session is paid (alias verifyStripe), once', async () => {
      const id = await booked();
      const sid = await session(id);
      const s = stub.payStripeSession(sid);
      const res = await verify({ appointmentId: id, success: 'false', session_id: sid }, patient.token, '/api/user/verifyStripe');
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(json(res), { success: true, message: 'Payment Successful' });
      const a = await appointment(id);
      assert.equal(a.paid, true);
      assert.equal(a.status, 'confirmed');
      assert.equal(a.paymentGateway, 'stripe');
      assert.equal(a.paymentRef, sid);
      assert.equal(a.paymentId, s.payment_intent);
      assert.equal(json(await verify({ appointmentId: id })).message, 'Payment already verified');
      assert.equal(confirmed.filter((c) => c === id).length, 1);
    });

    it('without a session id, finds the paid one among every session opened for the appointment', async () => {
      const id = await booked();
      const first = await session(id);
      const second = await session(id); // opened later (another tab), never paid
      const s = stub.payStripeSession(first);
      const res = await verify({ appointmentId: id, success: 'true' });
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(json(res), { success: true, message: 'Payment Successful' });
      const a = await appointment(id);
      assert.equal(a.paid, true);
      assert.equal(a.paymentRef, first);
      assert.equal(a.paymentId, s.payment_intent);
      assert.notEqual(a.paymentRef, second);
      assert.equal(json(await verify({ appointmentId: id })).message, 'Payment already verified');
      assert.equal(confirmed.filter((c) => c === id).length, 1);
    });

    it('answers 502 when Stripe cannot be asked about the session, leaving the appointment unpaid', async () => {
      const id = await booked();
      const sid = await session(id);
      stub.payStripeSession(sid);
      stub.fail(`GET /v1/checkout/sessions/${sid}`, 500);
      try {
        for (const body of [{ appointmentId: id, session_id: sid }, { appointmentId: id }]) {
          const res = await verify(body);
          assert.equal(res.statusCode, 502);
          assert.equal(json(res).message, 'Stripe could not process the request, please try again');
          assert.doesNotMatch(res.body, /stand-in/);
        }
      } finally {
        stub.clearFailures();
      }
      assert.equal((await appointment(id)).paid, false);
    });

    it('refuses a paid session of the wrong amount and refunds what was captured', async () => {
      const id = await booked();
      const sid = await session(id);
      const s = stub.payStripeSession(sid, 100);
      const res = await verify({ appointmentId: id });
      assert.equal(res.statusCode, 400);
      assert.equal(json(res).message, 'Payment amount does not match the appointment');
      assert.equal((await appointment(id)).paid, false);
      await t.app.ctx.refunds.idle();
      const sent = stub.find('POST', '/v1/refunds').filter((r) => r.body.payment_intent === s.payment_intent);
      assert.equal(sent.length, 1);
      assert.equal(sent[0].body.amount, '100');
    });

    it('refuses another patient’s appointment, a session of another appointment and a never-started payment', async () => {
      const a1 = await booked();
      const a2 = await booked();
      const s1 = await session(a1);
      stub.payStripeSession(s1);
      let res = await verify({ appointmentId: a1 }, other.token);
      assert.equal(res.statusCode, 403);
      assert.equal(json(res).message, 'This appointment belongs to another patient');
      res = await verify({ appointmentId: a2, session_id: s1 });
      assert.equal(res.statusCode, 400);
      assert.equal(json(res).message, 'This Stripe session is for another appointment');
      res = await verify({ appointmentId: a2 });
      assert.equal(res.statusCode, 400);
      assert.equal(json(res).message, 'No Stripe payment was started for this appointment');
      assert.equal((await appointment(a2)).paid, false);
    });
  });

  describe('webhook', () => {
    const completed = (s: Record<string, unknown>, id: string) =>
      JSON.stringify({ id, object: 'event', type: 'checkout.session.completed', api_version: '2026-10-28.endive', created: Math.floor(Date.now() / 1000), data: { object: s } });
    const deliver = (body: string, signature = stripeSignature(body)) =>
      t.app.inject({ method: 'POST', url: '/api/webhooks/stripe', payload: body, headers: { 'content-type': 'application/json; charset=utf-8', 'stripe-signature': signature } });

    it('confirms on checkout.session.completed; a replay answers 200 and changes nothing', async () => {
      const id = await booked();
      const s = stub.payStripeSession(await session(id));
      const body = completed(s, 'evt_stripe_1');
      const res = await deliver(body);
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(json(res), { received: true, duplicate: false, outcome: 'confirmed' });
      assert.equal((await appointment(id)).paid, true);
      const replay = await deliver(body);
      assert.equal(replay.statusCode, 200);
      assert.equal(json(replay).duplicate, true);
      assert.equal(confirmed.filter((c) => c === id).length, 1);
    });

    it('confirms exactly once when duplicates and the client’s verify race', async () => {
      const id = await booked();
      const s = stub.payStripeSession(await session(id));
      const body = completed(s, 'evt_stripe_dup');
      const results = await Promise.all([...Array.from({ length: 5 }, () => deliver(body)), verify({ appointmentId: id })]);
      for (const r of results) assert.equal(r.statusCode, 200, r.body);
      assert.equal(results.slice(0, 5).filter((r) => json(r).duplicate === false).length, 1);
      assert.equal(confirmed.filter((c) => c === id).length, 1);
    });

    it('forgets a delivery whose handling failed, so the gateway’s retry is processed', async () => {
      const id = await booked();
      const s = stub.payStripeSession(await session(id));
      const body = completed(s, 'evt_stripe_retry');
      const appointments = t.app.ctx.appointmentLifecycle;
      const original = appointments.confirmPayment;
      appointments.confirmPayment = async () => {
        throw new Error('database hiccup');
      };
      try {
        const res = await deliver(body);
        assert.equal(res.statusCode, 500);
      } finally {
        appointments.confirmPayment = original;
      }
      assert.equal((await t.testDb.database.query("SELECT 1 FROM payment_events WHERE event_id = 'evt_stripe_retry'")).length, 0);
      const retry = await deliver(body);
      assert.equal(retry.statusCode, 200);
      assert.equal(json(retry).outcome, 'confirmed');
      assert.equal((await appointment(id)).paid, true);
    });

    it('a delivery whose process died mid-way is handled by a redelivery once its lease has passed', async () => {
      const id = await booked();
      const s = stub.payStripeSession(await session(id));
      const body = completed(s, 'evt_stripe_crash');
      // what a process killed between recording the event and applying it leaves behind
      await t.testDb.database.query(
        "INSERT INTO payment_events (gateway, event_id, type, outcome, lease_until) VALUES ('stripe', 'evt_stripe_crash', 'checkout.session.completed', 'received', now() + interval '2 minutes')",
      );
      // while the lease runs, the event may still be in hand elsewhere: a duplicate
      assert.equal(json(await deliver(body)).outcome, 'duplicate');
      assert.equal((await appointment(id)).paid, false);
      await t.testDb.database.query("UPDATE payment_events SET lease_until = now() - interval '1 second' WHERE event_id = 'evt_stripe_crash'");
      const redelivery = await deliver(body);
      assert.equal(redelivery.statusCode, 200, redelivery.body);
      assert.deepEqual(json(redelivery), { received: true, duplicate: false, outcome: 'confirmed' });
      assert.equal((await appointment(id)).paid, true);
      const [row] = await t.testDb.database.query<{ outcome: string; lease_until: Date | null }>("SELECT outcome, lease_until FROM payment_events WHERE event_id = 'evt_stripe_crash'");
      assert.deepEqual(row, { outcome: 'confirmed', lease_until: null });
      // handled now: later deliveries are plain duplicates
      assert.equal(json(await deliver(body)).duplicate, true);
      assert.equal(confirmed.filter((c) => c === id).length, 1);
    });

    it('refuses a bad or stale signature with 400', async () => {
      const id = await booked();
      const s = stub.payStripeSession(await session(id));
      const body = completed(s, 'evt_stripe_bad');
      for (const sig of [stripeSignature(body, 'whsec_other'), stripeSignature(body, undefined, Math.floor(Date.now() / 1000) - 3600), 't=1,v1=abc']) {
        const res = await deliver(body, sig);
        assert.equal(res.statusCode, 400);
        assert.equal(json(res).message, 'Invalid Stripe signature');
      }
      // the raw body is what is verified: the same event re-serialised does not pass
      const reserialised = await deliver(JSON.stringify(JSON.parse(body), null, 2), stripeSignature(body));
      assert.equal(reserialised.statusCode, 400);
      assert.equal(json(reserialised).message, 'Invalid Stripe signature');
      const missing = await t.app.inject({ method: 'POST', url: '/api/webhooks/stripe', payload: body, headers: { 'content-type': 'application/json' } });
      assert.equal(missing.statusCode, 400);
      assert.equal(json(missing).message, 'Missing Stripe-Signature header');
      assert.equal((await appointment(id)).paid, false);
      assert.equal((await t.testDb.database.query("SELECT 1 FROM payment_events WHERE event_id = 'evt_stripe_bad'")).length, 0);
    });

    it('records but does not apply a completed session of the wrong amount', async () => {
      const id = await booked();
      const s = { ...stub.payStripeSession(await session(id)), amount_total: 1 };
      const res = await deliver(completed(s, 'evt_stripe_amount'));
      assert.equal(res.statusCode, 200);
      assert.equal(json(res).outcome, 'rejected: Payment amount does not match the appointment');
      assert.equal((await appointment(id)).paid, false);
    });

    it('refunds a payment that lands after its appointment was cancelled', async () => {
      const id = await booked();
      const sid = await session(id);
      assert.equal((await post(t.app, '/api/user/cancel-appointment', { appointmentId: id }, bearer(patient.token))).statusCode, 200);
      const s = stub.payStripeSession(sid);
      const res = await deliver(completed(s, 'evt_stripe_late'));
      assert.equal(json(res).outcome, 'refund-queued');
      await t.app.ctx.refunds.idle();
      const sent = stub.find('POST', '/v1/refunds').filter((r) => r.body.payment_intent === s.payment_intent);
      assert.equal(sent.length, 1);
      assert.equal(sent[0].body.amount, '75000');
      const a = await appointment(id);
      assert.equal(a.paid, false);
      assert.equal(a.refundStatus, null); // the appointment owed nothing; the job records the return
      const [job] = await t.testDb.database.query<{ kind: string; status: string; amount_minor: number }>(
        'SELECT kind, status, amount_minor FROM payment_refunds WHERE appointment_id = $1', [id]);
      assert.deepEqual(job, { kind: 'unapplied', status: 'issued', amount_minor: 75000 });
    });

    it('returns a second payment of an already paid appointment', async () => {
      const id = await booked();
      const first = stub.payStripeSession(await session(id));
      assert.equal((await verify({ appointmentId: id })).statusCode, 200);
      // a second session opened before the first was paid (another tab), then paid too
      const second = await t.app.ctx.payments.createStripeSession(patient.id, id, FRONTEND).catch((e: Error) => e);
      assert.ok(second instanceof Error, 'a paid appointment cannot open a new session');
      const stale = 'cs_test_second_tab';
      stub.sessions.set(stale, { ...first, id: stale, payment_intent: 'pi_second_tab' });
      await t.testDb.database.query("INSERT INTO payment_orders (id, gateway, appointment_id, patient_id, amount_minor, currency) VALUES ($1, 'stripe', $2, $3, 75000, 'INR')", [stale, id, patient.id]);
      const res = await deliver(completed(stub.sessions.get(stale)!, 'evt_stripe_second'));
      assert.equal(json(res).outcome, 'refund-queued');
      await t.app.ctx.refunds.idle();
      assert.equal(stub.find('POST', '/v1/refunds').filter((r) => r.body.payment_intent === 'pi_second_tab').length, 1);
      const a = await appointment(id);
      assert.equal(a.paid, true);
      assert.equal(a.paymentRef, first.id);
      assert.equal(a.refundStatus, null);
    });
  });

  describe('receipt', () => {
    it('returns a PDF for a Stripe-paid appointment with the PaymentIntent and session as reference', async () => {
      const id = await booked();
      const sid = await session(id);
      const s = stub.payStripeSession(sid);
      assert.equal((await verify({ appointmentId: id, session_id: sid })).statusCode, 200);
      const a = await appointment(id);
      await assertReceipt(t.app, patient.token, id, ['Payment receipt', id, 'Sam Stripe', a.userData.email, `${a.slotDate} at ${a.slotTime}`, '750.00 INR', 'Stripe', s.payment_intent, sid]);
    });
  });

  describe('refunds', () => {
    /** A Stripe-paid appointment the doctor cancelled, whose refund Stripe still reports as pending. */
    async function paidThenCancelledWithPendingRefund() {
      const id = await booked();
      const s = stub.payStripeSession(await session(id));
      assert.equal((await verify({ appointmentId: id })).statusCode, 200);
      stub.stripeRefundStatus = 'pending';
      try {
        assert.equal((await post(t.app, '/api/doctor/cancel-appointment', { appointmentId: id }, bearer(doctor.token))).statusCode, 200);
        await t.app.ctx.refunds.idle();
      } finally {
        stub.stripeRefundStatus = 'succeeded';
      }
      return { id, s };
    }

    it('finishes a pending refund from charge.refunded without an embedded refunds list (asks Stripe)', async () => {
      const { id, s } = await paidThenCancelledWithPendingRefund();
      const refundId = (await appointment(id)).refundRef!;
      assert.equal((await appointment(id)).refundStatus, 'pending');
      stub.refunds.get(refundId)!.status = 'succeeded';
      // the charge as recent API versions send it: amount_refunded, no `refunds`
      const charge = { id: 'ch_standin_1', object: 'charge', payment_intent: s.payment_intent, amount: 75000, amount_refunded: 75000, refunded: true, currency: 'inr' };
      const body = JSON.stringify({ id: 'evt_stripe_charge_refunded', object: 'event', type: 'charge.refunded', api_version: '2026-10-28.endive', data: { object: charge } });
      const res = await t.app.inject({ method: 'POST', url: '/api/webhooks/stripe', payload: body, headers: { 'content-type': 'application/json', 'stripe-signature': stripeSignature(body) } });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(json(res).outcome, 'refund processed');
      assert.equal(stub.find('GET', `/v1/refunds/${refundId}`).length, 1);
      const a = await appointment(id);
      assert.equal(a.refundStatus, 'processed');
      assert.equal(a.refundRef, refundId);
    });

    it('charge.refunded for a refund whose issuing call failed here finds it by the appointment in its metadata', async () => {
      const id = await booked();
      const s = stub.payStripeSession(await session(id));
      assert.equal((await verify({ appointmentId: id })).statusCode, 200);
      stub.fail('POST /v1/refunds', 500); // the refund reached Stripe, its answer did not reach us
      try {
        assert.equal((await post(t.app, '/api/doctor/cancel-appointment', { appointmentId: id }, bearer(doctor.token))).statusCode, 200);
        await t.app.ctx.refunds.idle();
      } finally {
        stub.clearFailures();
      }
      stub.refunds.set('re_standin_lost', { id: 're_standin_lost', object: 'refund', amount: 75000, currency: 'inr', payment_intent: s.payment_intent, status: 'succeeded', metadata: { appointmentId: id } });
      const charge = { id: 'ch_standin_2', object: 'charge', payment_intent: s.payment_intent, amount_refunded: 75000, refunded: true };
      const body = JSON.stringify({ id: 'evt_stripe_charge_refunded_2', object: 'event', type: 'charge.refunded', data: { object: charge } });
      const res = await t.app.inject({ method: 'POST', url: '/api/webhooks/stripe', payload: body, headers: { 'content-type': 'application/json', 'stripe-signature': stripeSignature(body) } });
      assert.equal(json(res).outcome, 'refund processed');
      const [job] = await t.testDb.database.query<{ status: string; refund_id: string }>('SELECT status, refund_id FROM payment_refunds WHERE appointment_id = $1', [id]);
      assert.deepEqual(job, { status: 'issued', refund_id: 're_standin_lost' }); // no second refund will be issued
      assert.equal((await appointment(id)).refundStatus, 'processed');
    });

    it('refunds half through Stripe when the patient cancels on the day, with an idempotency key', async () => {
      // a slot starting in under 24 h: the policy refunds half
      const id = await booked();
      const sid = await session(id);
      const s = stub.payStripeSession(sid);
      assert.equal((await verify({ appointmentId: id })).statusCode, 200);
      await t.testDb.database.query("UPDATE appointments SET starts_at = now() + interval '3 hours' WHERE id = $1", [id]);
      assert.equal((await post(t.app, '/api/user/cancel-appointment', { appointmentId: id }, bearer(patient.token))).statusCode, 200);
      await t.app.ctx.refunds.idle();
      const sent = stub.find('POST', '/v1/refunds').filter((r) => r.body.payment_intent === s.payment_intent);
      assert.equal(sent.length, 1);
      assert.equal(sent[0].body.amount, '37500');
      assert.equal(sent[0].idempotencyKey, `refund-${id}:${s.payment_intent}`);
      const a = await appointment(id);
      assert.equal(a.refundMinor, 37500);
      assert.equal(a.refundStatus, 'processed');
      assert.match(a.refundRef ?? '', /^re_/);
    });

    it('follows a pending refund to processed through a signed refund.updated webhook', async () => {
      const { id, s } = await paidThenCancelledWithPendingRefund();
      let a = await appointment(id);
      assert.equal(a.refundStatus, 'pending');
      const refund = { ...stub.refunds.get(a.refundRef!)!, status: 'succeeded', payment_intent: s.payment_intent };
      const body = JSON.stringify({ id: 'evt_stripe_refund', object: 'event', type: 'refund.updated', data: { object: refund } });
      const res = await t.app.inject({ method: 'POST', url: '/api/webhooks/stripe', payload: body, headers: { 'content-type': 'application/json', 'stripe-signature': stripeSignature(body) } });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(json(res).outcome, 'refund processed');
      a = await appointment(id);
      assert.equal(a.refundStatus, 'processed');

      // refund.created (pending) delivered after refund.updated: processed stays processed
      const late = JSON.stringify({ id: 'evt_stripe_refund_created_late', object: 'event', type: 'refund.created', data: { object: { ...refund, status: 'pending' } } });
      const lateRes = await t.app.inject({ method: 'POST', url: '/api/webhooks/stripe', payload: late, headers: { 'content-type': 'application/json', 'stripe-signature': stripeSignature(late) } });
      assert.equal(lateRes.statusCode, 200, lateRes.body);
      assert.equal(json(lateRes).outcome, 'ignored: refund already processed');
      assert.equal((await appointment(id)).refundStatus, 'processed');
    });
  });
});
