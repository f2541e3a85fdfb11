// Razorpay through the real SDK against the local stand-in: orders from the stored amount,
// checkout-signature and order-status verification, webhooks (signature, replay, concurrency),
// refunds on cancel and every refusal.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { adminToken, bearer, get, json, post, type TestApp } from '../../helpers/app.js';
import { assertReceipt, GatewayStub, paymentFixture, razorpayCheckoutSignature, razorpaySignature, RZP_KEY_ID } from './stub.js';

describe('payments: Razorpay', () => {
  const stub = new GatewayStub();
  let fx: Awaited<ReturnType<typeof paymentFixture>>;
  let t: TestApp;
  let doctor: typeof fx.doctor;
  let patient: typeof fx.patient;
  let other: typeof fx.other;
  let confirmed: string[];

  before(async () => {
    fx = await paymentFixture(stub, { fees: 500, patientName: 'Rita Payer' });
    ({ t, doctor, patient, other, confirmed } = fx);
  });
  after(async () => fx.close());

  const booked = (token?: string) => fx.booked(token);
  const appointment = (id: string) => fx.appointment(id);
  async function order(appointmentId: string, token = patient.token) {
    const res = await post(t.app, '/api/user/payment-razorpay', { appointmentId }, bearer(token));
    assert.equal(res.statusCode, 200, res.body);
    return json(res).order as { id: string; amount: number; currency: string; receipt: string };
  }
  const verify = (body: Record<string, string>, token = patient.token, url = '/api/user/verify-razorpay') => post(t.app, url, body, bearer(token));

  describe('payment-razorpay', () => {
    it('creates an order for the stored amount in paise, CURRENCY, receipt = appointment id', async () => {
      const id = await booked();
      const res = await post(t.app, '/api/user/payment-razorpay', { appointmentId: id, amount: 1 }, bearer(patient.token));
      assert.equal(res.statusCode, 200, res.body);
      const body = json(res);
      assert.equal(body.success, true);
      assert.equal(body.key, RZP_KEY_ID);
      assert.equal(body.order.amount, 50000);
      assert.equal(body.order.currency, 'INR');
      assert.equal(body.order.receipt, id);
      const sent = stub.find('POST', '/v1/orders').at(-1)!;
      assert.deepEqual({ amount: sent.body.amount, currency: sent.body.currency, receipt: sent.body.receipt }, { amount: 50000, currency: 'INR', receipt: id });
      assert.ok(stub.orders.has(body.order.id));
    });

    it('refuses someone else’s appointment, an unknown one, cancelled, completed and paid ones', async () => {
      const mine = await booked();
      let res = await post(t.app, '/api/user/payment-razorpay', { appointmentId: mine }, bearer(other.token));
      assert.equal(res.statusCode, 403);
      assert.equal(json(res).message, 'This appointment belongs to another patient');

      res = await post(t.app, '/api/user/payment-razorpay', { appointmentId: 'a'.repeat(24) }, bearer(patient.token));
      assert.equal(res.statusCode, 404);
      assert.equal(json(res).message, 'Appointment not found');

      const cancelled = await booked();
      assert.equal((await post(t.app, '/api/user/cancel-appointment', { appointmentId: cancelled }, bearer(patient.token))).statusCode, 200);
      res = await post(t.app, '/api/user/payment-razorpay', { appointmentId: cancelled }, bearer(patient.token));
      assert.equal(res.statusCode, 409);
      assert.equal(json(res).message, 'Appointment is cancelled and cannot be paid');

      const done = await booked();
      assert.equal((await post(t.app, '/api/doctor/complete-appointment', { appointmentId: done }, bearer(doctor.token))).statusCode, 200);
      res = await post(t.app, '/api/user/payment-razorpay', { appointmentId: done }, bearer(patient.token));
      assert.equal(res.statusCode, 409);
      assert.equal(json(res).message, 'Appointment is completed and cannot be paid');

      const paid = await booked();
      const o = await order(paid);
      const pay = stub.payRazorpayOrder(o.id);
      assert.equal((await verify({ razorpay_order_id: o.id, razorpay_payment_id: pay.id, razorpay_signature: razorpayCheckoutSignature(o.id, pay.id) })).statusCode, 200);
      res = await post(t.app, '/api/user/payment-razorpay', { appointmentId: paid }, bearer(patient.token));
      assert.equal(res.statusCode, 409);
      assert.equal(json(res).message, 'Appointment is already paid');
    });

    it('answers 401 without a token and 403 for a doctor token', async () => {
      const id = await booked();
      assert.equal((await post(t.app, '/api/user/payment-razorpay', { appointmentId: id })).statusCode, 401);
      assert.equal((await post(t.app, '/api/user/payment-razorpay', { appointmentId: id }, bearer(doctor.token))).statusCode, 403);
    });

    it('answers 502 with a safe message when Razorpay fails, leaving the appointment untouched', async () => {
      const id = await booked();
      stub.fail('POST /v1/orders', 500);
      try {
        const res = await post(t.app, '/api/user/payment-razorpay', { appointmentId: id }, bearer(patient.token));
        assert.equal(res.statusCode, 502);
        assert.equal(json(res).message, 'Razorpay could not process the request, please try again');
        assert.doesNotMatch(res.body, /stand-in/);
      } finally {
        stub.clearFailures();
      }
      const a = await appointment(id);
      assert.equal(a.paid, false);
      assert.equal(a.status, 'pending');
      const rows = await t.testDb.database.query('SELECT 1 FROM payment_orders WHERE appointment_id = $1', [id]);
      assert.equal(rows.length, 0);
    });
  });

  describe('verify-razorpay', () => {
    it('confirms on a valid checkout signature, once; verifying again is harmless', async () => {
      const id = await booked();
      const o = await order(id);
      const pay = stub.payRazorpayOrder(o.id);
      const body = { razorpay_order_id: o.id, razorpay_payment_id: pay.id, razorpay_signature: razorpayCheckoutSignature(o.id, pay.id) };
      const res = await verify(body);
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(json(res), { success: true, message: 'Payment Successful' });
      const a = await appointment(id);
      assert.equal(a.paid, true);
      assert.equal(a.status, 'confirmed');
      assert.equal(a.paymentGateway, 'razorpay');
      assert.equal(a.paymentRef, o.id);
      assert.equal(a.paymentId, pay.id);
      const again = await verify(body, patient.token, '/api/user/verifyRazorpay');
      assert.equal(again.statusCode, 200);
      assert.equal(json(again).message, 'Payment already verified');
      assert.equal(confirmed.filter((c) => c === id).length, 1);
    });

    it('refuses a bad signature and leaves the appointment unpaid', async () => {
      const id = await booked();
      const o = await order(id);
      const pay = stub.payRazorpayOrder(o.id);
      for (const sig of [razorpayCheckoutSignature(o.id, pay.id, 'wrong-secret'), razorpayCheckoutSignature(o.id, 'pay_other'), 'zz', 'a'.repeat(64)]) {
        const res = await verify({ razorpay_order_id: o.id, razorpay_payment_id: pay.id, razorpay_signature: sig });
        assert.equal(res.statusCode, 400);
        assert.equal(json(res).message, 'Invalid payment signature');
      }
      const half = await verify({ razorpay_order_id: o.id, razorpay_payment_id: pay.id });
      assert.equal(half.statusCode, 400);
      assert.equal(json(half).message, 'razorpay_payment_id and razorpay_signature must be sent together');
      assert.equal((await appointment(id)).paid, false);
    });

    it('with only the order id, asks Razorpay and requires status paid for the full amount', async () => {
      const id = await booked();
      const o = await order(id);
      let res = await verify({ razorpay_order_id: o.id });
      assert.equal(res.statusCode, 402);
      assert.equal(json(res).message, 'Payment not completed');
      assert.equal((await appointment(id)).paid, false);

      stub.payRazorpayOrder(o.id);
      res = await verify({ razorpay_order_id: o.id });
      assert.equal(res.statusCode, 200, res.body);
      const a = await appointment(id);
      assert.equal(a.paid, true);
      assert.match(a.paymentId ?? '', /^pay_/);
    });

    it('refuses a paid order whose amount is not the appointment’s', async () => {
      const id = await booked();
      const o = await order(id);
      stub.payRazorpayOrder(o.id, 100);
      const res = await verify({ razorpay_order_id: o.id });
      assert.equal(res.statusCode, 400);
      assert.equal(json(res).message, 'Payment amount does not match the appointment');
      assert.equal((await appointment(id)).paid, false);
    });

    it('refuses another patient’s order and unknown orders', async () => {
      const id = await booked();
      const o = await order(id);
      const pay = stub.payRazorpayOrder(o.id);
      let res = await verify({ razorpay_order_id: o.id, razorpay_payment_id: pay.id, razorpay_signature: razorpayCheckoutSignature(o.id, pay.id) }, other.token);
      assert.equal(res.statusCode, 403);
      assert.equal(json(res).message, 'This payment belongs to another patient');
      res = await verify({ razorpay_order_id: 'order_unknown1' });
      assert.equal(res.statusCode, 404);
      assert.equal(json(res).message, 'Unknown Razorpay order');
      assert.equal((await appointment(id)).paid, false);
    });

    it('answers 502 when Razorpay cannot be asked, leaving the appointment unpaid', async () => {
      const id = await booked();
      const o = await order(id);
      stub.payRazorpayOrder(o.id);
      stub.fail('GET /v1/orders', 503);
      try {
        const res = await verify({ razorpay_order_id: o.id });
        assert.equal(res.statusCode, 502);
        assert.equal(json(res).message, 'Razorpay could not process the request, please try again');
      } finally {
        stub.clearFailures();
      }
      assert.equal((await appointment(id)).paid, false);
    });
  });

  describe('webhook', () => {
    const event = (type: string, payment: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
      JSON.stringify({ entity: 'event', account_id: 'acc_standin', event: type, contains: ['payment'], payload: { payment: { entity: payment }, ...extra }, created_at: Math.floor(Date.now() / 1000) });
    const deliver = (body: string, eventId?: string, signature = razorpaySignature(body)) =>
      t.app.inject({
        method: 'POST',
        url: '/api/webhooks/razorpay',
        payload: body,
        headers: { 'content-type': 'application/json', 'x-razorpay-signature': signature, ...(eventId ? { 'x-razorpay-event-id': eventId } : {}) },
      });

    it('confirms on payment.captured; a replay answers 200 and changes nothing', async () => {
      const id = await booked();
      const o = await order(id);
      const pay = stub.payRazorpayOrder(o.id);
      const body = event('payment.captured', pay);
      const first = await deliver(body, 'evt_rzp_1');
      assert.equal(first.statusCode, 200, first.body);
      assert.deepEqual(json(first), { received: true, duplicate: false, outcome: 'confirmed' });
      const a = await appointment(id);
      assert.equal(a.paid, true);
      assert.equal(a.paymentId, pay.id);
      const replay = await deliver(body, 'evt_rzp_1');
      assert.equal(replay.statusCode, 200);
      assert.equal(json(replay).duplicate, true);
      // without an event id header, the body's hash identifies the delivery
      const noId = event('order.paid', pay, { order: { entity: stub.orders.get(o.id) } });
      assert.equal(json(await deliver(noId)).outcome, 'already-confirmed');
      assert.equal(json(await deliver(noId)).duplicate, true);
      assert.equal(confirmed.filter((c) => c === id).length, 1);
      const rows = await t.testDb.database.query<{ outcome: string }>("SELECT outcome FROM payment_events WHERE gateway = 'razorpay' AND event_id = 'evt_rzp_1'");
      assert.deepEqual(rows.map((r) => r.outcome), ['confirmed']);
    });

    it('a captured signed body replayed under a new X-Razorpay-Event-Id is a duplicate', async () => {
      const id = await booked();
      const o = await order(id);
      const pay = stub.payRazorpayOrder(o.id);
      const body = event('payment.captured', pay);
      assert.equal(json(await deliver(body, 'evt_rzp_hdr_a')).outcome, 'confirmed');
      // the header is not signed: anyone holding the body can send it with another id
      const replay = await deliver(body, 'evt_rzp_hdr_b');
      assert.equal(replay.statusCode, 200);
      assert.deepEqual(json(replay), { received: true, duplicate: true, outcome: 'duplicate' });
      assert.equal(json(await deliver(body)).duplicate, true);
      assert.equal(confirmed.filter((c) => c === id).length, 1);
      // nothing of the refused replay was kept
      assert.equal((await t.testDb.database.query("SELECT 1 FROM payment_events WHERE event_id = 'evt_rzp_hdr_b'")).length, 0);
    });

    it('confirms exactly once under concurrent duplicate and overlapping deliveries', async () => {
      const id = await booked();
      const o = await order(id);
      const pay = stub.payRazorpayOrder(o.id);
      const captured = event('payment.captured', pay);
      const orderPaid = event('order.paid', pay, { order: { entity: stub.orders.get(o.id) } });
      const results = await Promise.all([
        ...Array.from({ length: 4 }, () => deliver(captured, 'evt_rzp_dup')),
        deliver(orderPaid, 'evt_rzp_dup_order'),
        verify({ razorpay_order_id: o.id, razorpay_payment_id: pay.id, razorpay_signature: razorpayCheckoutSignature(o.id, pay.id) }),
      ]);
      for (const r of results) assert.equal(r.statusCode, 200, r.body);
      assert.equal(results.slice(0, 4).filter((r) => json(r).duplicate === false).length, 1);
      assert.equal(confirmed.filter((c) => c === id).length, 1);
      const a = await appointment(id);
      assert.equal(a.paid, true);
      assert.equal(a.status, 'confirmed');
    });

    it('refuses a bad signature with 400 and records nothing', async () => {
      const id = await booked();
      const o = await order(id);
      const body = event('payment.captured', stub.payRazorpayOrder(o.id));
      for (const sig of [razorpaySignature(body, 'other-secret'), razorpaySignature(`${body} `), '']) {
        const res = await deliver(body, 'evt_rzp_badsig', sig);
        assert.equal(res.statusCode, 400);
        assert.equal(json(res).message, 'Invalid Razorpay signature');
      }
      // the raw body is what is verified: re-serialised JSON does not pass
      const res = await deliver(JSON.stringify(JSON.parse(body), null, 2), 'evt_rzp_badsig', razorpaySignature(body));
      assert.equal(res.statusCode, 400);
      assert.equal((await appointment(id)).paid, false);
      assert.equal((await t.testDb.database.query("SELECT 1 FROM payment_events WHERE event_id = 'evt_rzp_badsig'")).length, 0);
    });

    it('records but does not apply a payment of the wrong amount, and refunds what was captured', async () => {
      const id = await booked();
      const o = await order(id);
      const pay = stub.payRazorpayOrder(o.id, 4999);
      const res = await deliver(event('payment.captured', pay), 'evt_rzp_amount');
      assert.equal(res.statusCode, 200);
      assert.equal(json(res).outcome, 'rejected: Payment amount does not match the appointment');
      assert.equal((await appointment(id)).paid, false);
      await t.app.ctx.refunds.idle();
      const sent = stub.find('POST', `/v1/payments/${pay.id}/refund`);
      assert.equal(sent.length, 1);
      assert.equal(sent[0].body.amount, 4999);
      // the client's verify of the same payment changes nothing more: one refund
      assert.equal((await verify({ razorpay_order_id: o.id })).statusCode, 400);
      await t.app.ctx.refunds.idle();
      assert.equal(stub.find('POST', `/v1/payments/${pay.id}/refund`).length, 1);
      const [job] = await t.testDb.database.query<{ kind: string; status: string; amount_minor: number }>('SELECT kind, status, amount_minor FROM payment_refunds WHERE appointment_id = $1', [id]);
      assert.deepEqual(job, { kind: 'unapplied', status: 'issued', amount_minor: 4999 });
    });

    it('ignores payments for orders it did not create', async () => {
      const res = await deliver(event('payment.captured', { id: 'pay_foreign', order_id: 'order_foreign', amount: 100, currency: 'INR', status: 'captured' }), 'evt_rzp_foreign');
      assert.equal(res.statusCode, 200);
      assert.equal(json(res).outcome, 'ignored: unknown order');
    });
  });

  describe('receipt', () => {
    it('returns a PDF with patient, doctor, date and time, amount, currency and gateway reference', async () => {
      const id = await booked();
      const o = await order(id);
      const pay = stub.payRazorpayOrder(o.id);
      await verify({ razorpay_order_id: o.id, razorpay_payment_id: pay.id, razorpay_signature: razorpayCheckoutSignature(o.id, pay.id) });
      const a = await appointment(id);
      await assertReceipt(t.app, patient.token, id, ['Payment receipt', id, 'Rita Payer', a.userData.email, 'Dr. Test Doctor', `${a.slotDate} at ${a.slotTime}`, '500.00 INR', 'Razorpay', pay.id, o.id]);
    });

    it('refuses an unpaid appointment, another patient’s and a doctor’s token', async () => {
      const id = await booked();
      let res = await get(t.app, `/api/user/appointments/${id}/receipt`, bearer(patient.token));
      assert.equal(res.statusCode, 409);
      assert.equal(json(res).message, 'No receipt yet: this appointment has not been paid');
      res = await get(t.app, `/api/user/appointments/${id}/receipt`, bearer(other.token));
      assert.equal(res.statusCode, 403);
      assert.equal(json(res).message, 'This appointment belongs to another patient');
      res = await get(t.app, `/api/user/appointments/${id}/receipt`, bearer(doctor.token));
      assert.equal(res.statusCode, 403);
      res = await get(t.app, '/api/user/appointments/not-an-id/receipt', bearer(patient.token));
      assert.equal(res.statusCode, 400);
    });
  });

  describe('refunds', () => {
    async function paidAppointment(): Promise<{ id: string; paymentId: string }> {
      const id = await booked();
      const o = await order(id);
      const pay = stub.payRazorpayOrder(o.id);
      assert.equal((await verify({ razorpay_order_id: o.id, razorpay_payment_id: pay.id, razorpay_signature: razorpayCheckoutSignature(o.id, pay.id) })).statusCode, 200);
      return { id, paymentId: pay.id };
    }

    it('refunds the policy amount through Razorpay when a paid appointment is cancelled', async () => {
      const { id, paymentId } = await paidAppointment();
      const res = await post(t.app, '/api/user/cancel-appointment', { appointmentId: id }, bearer(patient.token));
      assert.equal(res.statusCode, 200, res.body);
      await t.app.ctx.refunds.idle();
      const sent = stub.find('POST', `/v1/payments/${paymentId}/refund`);
      assert.equal(sent.length, 1);
      assert.equal(sent[0].body.amount, 50000); // more than 24 h ahead: the full fee
      assert.equal((sent[0].body.notes as Record<string, string>).appointmentId, id);
      const a = await appointment(id);
      assert.equal(a.refundMinor, 50000);
      assert.equal(a.refundStatus, 'processed');
      assert.match(a.refundRef ?? '', /^rfnd_/);
    });

    it('keeps a refund pending through gateway trouble and retries it; a refusal is recorded as failed', async () => {
      const { id, paymentId } = await paidAppointment();
      stub.fail(`POST /v1/payments/${paymentId}/refund`, 500);
      assert.equal((await post(t.app, '/api/doctor/cancel-appointment', { appointmentId: id }, bearer(doctor.token))).statusCode, 200);
      await t.app.ctx.refunds.idle();
      assert.equal((await appointment(id)).refundStatus, 'pending');
      let [job] = await t.testDb.database.query<{ status: string; attempts: number }>('SELECT status, attempts FROM payment_refunds WHERE appointment_id = $1', [id]);
      assert.deepEqual(job, { status: 'queued', attempts: 1 });
      stub.clearFailures();
      // not due yet: a sweep leaves it alone
      assert.equal(await t.app.ctx.refunds.sweep(), 0);
      await t.testDb.database.query("UPDATE payment_refunds SET next_attempt_at = now() - interval '1 minute' WHERE appointment_id = $1", [id]);
      assert.equal(await t.app.ctx.refunds.sweep(), 1);
      const a = await appointment(id);
      assert.equal(a.refundStatus, 'processed');
      // the retry looked for an earlier refund first (Razorpay has no idempotency keys), found none, refunded once
      assert.equal(stub.find('GET', `/v1/payments/${paymentId}/refunds`).length, 1);
      assert.equal([...stub.refunds.values()].filter((r) => r.payment_id === paymentId).length, 1);

      const second = await paidAppointment();
      stub.fail(`POST /v1/payments/${second.paymentId}/refund`, 400);
      assert.equal((await post(t.app, '/api/doctor/cancel-appointment', { appointmentId: second.id }, bearer(doctor.token))).statusCode, 200);
      await t.app.ctx.refunds.idle();
      stub.clearFailures();
      assert.equal((await appointment(second.id)).refundStatus, 'failed');
      [job] = await t.testDb.database.query<{ status: string; attempts: number }>('SELECT status, attempts FROM payment_refunds WHERE appointment_id = $1', [second.id]);
      assert.equal(job.status, 'failed');
    });

    it('issues a refund once when several workers sweep at the same time', async () => {
      const { id, paymentId } = await paidAppointment();
      stub.fail(`POST /v1/payments/${paymentId}/refund`, 502);
      assert.equal((await post(t.app, '/api/admin/cancel-appointment', { appointmentId: id }, bearer(await adminToken(t.app)))).statusCode, 200);
      await t.app.ctx.refunds.idle();
      stub.clearFailures();
      await t.testDb.database.query("UPDATE payment_refunds SET next_attempt_at = now() - interval '1 minute' WHERE appointment_id = $1", [id]);
      const r = t.app.ctx.refunds;
      await Promise.all([r.sweep(), r.sweep(), r.processOne(id), r.processOne(id)]);
      assert.equal([...stub.refunds.values()].filter((x) => x.payment_id === paymentId).length, 1);
      assert.equal((await appointment(id)).refundStatus, 'processed');
    });

    it('follows a pending refund to processed through the refund.processed webhook', async () => {
      const { id, paymentId } = await paidAppointment();
      stub.razorpayRefundStatus = 'pending';
      try {
        assert.equal((await post(t.app, '/api/user/cancel-appointment', { appointmentId: id }, bearer(patient.token))).statusCode, 200);
        await t.app.ctx.refunds.idle();
      } finally {
        stub.razorpayRefundStatus = 'processed';
      }
      let a = await appointment(id);
      assert.equal(a.refundStatus, 'pending');
      const refund = { ...stub.refunds.get(a.refundRef!)!, status: 'processed' };
      const body = JSON.stringify({ entity: 'event', event: 'refund.processed', contains: ['refund', 'payment'], payload: { refund: { entity: refund }, payment: { entity: stub.payments.get(paymentId) } } });
      const res = await t.app.inject({ method: 'POST', url: '/api/webhooks/razorpay', payload: body, headers: { 'content-type': 'application/json', 'x-razorpay-signature': razorpaySignature(body), 'x-razorpay-event-id': 'evt_rzp_refund' } });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(json(res).outcome, 'refund processed');
      a = await appointment(id);
      assert.equal(a.refundStatus, 'processed');
    });

    it('keeps a finished refund finished when an older event arrives late (out-of-order webhooks)', async () => {
      const { id, paymentId } = await paidAppointment();
      assert.equal((await post(t.app, '/api/user/cancel-appointment', { appointmentId: id }, bearer(patient.token))).statusCode, 200);
      await t.app.ctx.refunds.idle();
      assert.equal((await appointment(id)).refundStatus, 'processed');
      const refundRef = (await appointment(id)).refundRef!;
      // Razorpay's refund.created (status pending) delivered after the refund was processed
      const refund = { ...stub.refunds.get(refundRef)!, status: 'pending' };
      const body = JSON.stringify({ entity: 'event', event: 'refund.created', contains: ['refund', 'payment'], payload: { refund: { entity: refund }, payment: { entity: stub.payments.get(paymentId) } } });
      const res = await t.app.inject({ method: 'POST', url: '/api/webhooks/razorpay', payload: body, headers: { 'content-type': 'application/json', 'x-razorpay-signature': razorpaySignature(body), 'x-razorpay-event-id': 'evt_rzp_refund_late' } });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(json(res).outcome, 'ignored: refund already processed');
      const a = await appointment(id);
      assert.equal(a.refundStatus, 'processed');
      assert.equal(a.refundRef, refundRef);
      const [job] = await t.testDb.database.query<{ status: string; refund_state: string }>('SELECT status, refund_state FROM payment_refunds WHERE appointment_id = $1', [id]);
      assert.deepEqual(job, { status: 'issued', refund_state: 'processed' });
    });

    it('does not refund an unpaid cancellation', async () => {
      const id = await booked();
      const before = stub.refunds.size;
      assert.equal((await post(t.app, '/api/user/cancel-appointment', { appointmentId: id }, bearer(patient.token))).statusCode, 200);
      await t.app.ctx.refunds.idle();
      assert.equal(stub.refunds.size, before);
      assert.equal((await t.testDb.database.query('SELECT 1 FROM payment_refunds WHERE appointment_id = $1', [id])).length, 0);
    });
  });
});
