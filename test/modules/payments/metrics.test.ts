// prescripto_payments_total{gateway,outcome} counts what actually committed: a payment applied
// (by the client's verify or a webhook, once however many confirmations race), a refund the
// gateway processed, a webhook payment rejected; repeats and replays count nothing.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bearer, json, post, type TestApp } from '../../helpers/app.js';
import { GatewayStub, paymentFixture, razorpayCheckoutSignature, razorpaySignature, stripeSignature } from './stub.js';

describe('payments: prescripto_payments_total', () => {
  const stub = new GatewayStub();
  let fx: Awaited<ReturnType<typeof paymentFixture>>;
  let t: TestApp;

  before(async () => {
    fx = await paymentFixture(stub, { fees: 500, patientName: 'Mia Metric', env: { FRONTEND_URL: 'https://app.prescripto.test' } });
    t = fx.t;
  });
  after(async () => fx.close());

  async function count(gateway: string, outcome: string): Promise<number> {
    const metric = t.app.ctx.metrics.registry.getSingleMetric('prescripto_payments_total');
    const values = (await metric!.get()).values;
    return values.find((v) => v.labels.gateway === gateway && v.labels.outcome === outcome)?.value ?? 0;
  }
  async function razorpayOrder(appointmentId: string): Promise<string> {
    const res = await post(t.app, '/api/user/payment-razorpay', { appointmentId }, bearer(fx.patient.token));
    assert.equal(res.statusCode, 200, res.body);
    return json(res).order.id;
  }
  const captured = (payment: Record<string, unknown>) => JSON.stringify({ entity: 'event', event: 'payment.captured', contains: ['payment'], payload: { payment: { entity: payment } } });
  const deliverRazorpay = (body: string, eventId: string) =>
    t.app.inject({ method: 'POST', url: '/api/webhooks/razorpay', payload: body, headers: { 'content-type': 'application/json', 'x-razorpay-signature': razorpaySignature(body), 'x-razorpay-event-id': eventId } });

  it('counts a webhook confirmation once, and a later client verify of it not at all', async () => {
    const id = await fx.booked();
    const orderId = await razorpayOrder(id);
    const pay = stub.payRazorpayOrder(orderId);
    const body = captured(pay);
    const results = await Promise.all([deliverRazorpay(body, 'evt_metric_1'), deliverRazorpay(body, 'evt_metric_1'), deliverRazorpay(body, 'evt_metric_1b')]);
    for (const r of results) assert.equal(r.statusCode, 200, r.body);
    assert.equal(await count('razorpay', 'verified'), 1);
    const again = await post(t.app, '/api/user/verify-razorpay', { razorpay_order_id: orderId, razorpay_payment_id: pay.id, razorpay_signature: razorpayCheckoutSignature(orderId, pay.id) }, bearer(fx.patient.token));
    assert.equal(json(again).message, 'Payment already verified');
    assert.equal(await count('razorpay', 'verified'), 1);
  });

  it('counts a Stripe payment confirmed by the client’s verify', async () => {
    const id = await fx.booked();
    const res = await post(t.app, '/api/user/payment-stripe', { appointmentId: id }, bearer(fx.patient.token));
    stub.payStripeSession(json(res).session.id);
    assert.equal((await post(t.app, '/api/user/verify-stripe', { appointmentId: id }, bearer(fx.patient.token))).statusCode, 200);
    assert.equal((await post(t.app, '/api/user/verify-stripe', { appointmentId: id }, bearer(fx.patient.token))).statusCode, 200);
    assert.equal(await count('stripe', 'verified'), 1);
  });

  it('counts a refund when the gateway reports it processed, once', async () => {
    const id = await fx.booked();
    const orderId = await razorpayOrder(id);
    const pay = stub.payRazorpayOrder(orderId);
    await post(t.app, '/api/user/verify-razorpay', { razorpay_order_id: orderId, razorpay_payment_id: pay.id, razorpay_signature: razorpayCheckoutSignature(orderId, pay.id) }, bearer(fx.patient.token));
    stub.razorpayRefundStatus = 'pending';
    try {
      assert.equal((await post(t.app, '/api/user/cancel-appointment', { appointmentId: id }, bearer(fx.patient.token))).statusCode, 200);
      await t.app.ctx.refunds.idle();
    } finally {
      stub.razorpayRefundStatus = 'processed';
    }
    assert.equal(await count('razorpay', 'refunded'), 0, 'pending is not refunded yet');
    const refund = { ...stub.refunds.get((await fx.appointment(id)).refundRef!)!, status: 'processed' };
    const body = JSON.stringify({ entity: 'event', event: 'refund.processed', contains: ['refund'], payload: { refund: { entity: refund } } });
    assert.equal(json(await deliverRazorpay(body, 'evt_metric_refund')).outcome, 'refund processed');
    assert.equal(json(await deliverRazorpay(body, 'evt_metric_refund_again')).duplicate, true);
    assert.equal(await count('razorpay', 'refunded'), 1);
  });

  it('counts a webhook payment rejected for its amount as failed', async () => {
    const id = await fx.booked();
    const res = await post(t.app, '/api/user/payment-stripe', { appointmentId: id }, bearer(fx.patient.token));
    const s = { ...stub.payStripeSession(json(res).session.id), amount_total: 1 };
    const body = JSON.stringify({ id: 'evt_metric_amount', object: 'event', type: 'checkout.session.completed', data: { object: s } });
    const delivered = await t.app.inject({ method: 'POST', url: '/api/webhooks/stripe', payload: body, headers: { 'content-type': 'application/json', 'stripe-signature': stripeSignature(body) } });
    assert.equal(json(delivered).outcome, 'rejected: Payment amount does not match the appointment');
    assert.equal(await count('stripe', 'failed'), 1);
    await t.app.ctx.refunds.idle();
    assert.equal(await count('stripe', 'refunded'), 1, 'the captured amount went back');
  });
});
