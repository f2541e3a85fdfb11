// Without gateway keys or webhook secrets every payment route answers a clear 503 and nothing
// changes.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bearer, book, createDoctor, futureSlot, json, makeTestApp, post, registerPatient, type TestApp } from '../../helpers/app.js';

describe('payments: gateways not configured', () => {
  let t: TestApp;
  let patient: Awaited<ReturnType<typeof registerPatient>>;
  let appointmentId: string;

  before(async () => {
    t = await makeTestApp({ RAZORPAY_KEY_ID: '', RAZORPAY_KEY_SECRET: '', STRIPE_SECRET_KEY: '', RAZORPAY_WEBHOOK_SECRET: '', STRIPE_WEBHOOK_SECRET: '' });
    const doctor = await createDoctor(t.app, { fees: 500 });
    patient = await registerPatient(t.app);
    const res = await book(t.app, patient.token, doctor.id, futureSlot(0));
    appointmentId = json(res).appointment._id;
  });
  after(async () => t.close());

  for (const [url, body, message] of [
    ['/api/user/payment-razorpay', () => ({ appointmentId }), 'Razorpay is not configured'],
    ['/api/user/verify-razorpay', () => ({ razorpay_order_id: 'order_x1' }), 'Razorpay is not configured'],
    ['/api/user/verifyRazorpay', () => ({ razorpay_order_id: 'order_x1', razorpay_payment_id: 'pay_x1', razorpay_signature: 'ab' }), 'Razorpay is not configured'],
    ['/api/user/payment-stripe', () => ({ appointmentId }), 'Stripe is not configured'],
    ['/api/user/verify-stripe', () => ({ appointmentId, success: 'true' }), 'Stripe is not configured'],
    ['/api/user/verifyStripe', () => ({ appointmentId, success: true }), 'Stripe is not configured'],
  ] as const) {
    it(`${url} answers 503 "${message}"`, async () => {
      const res = await post(t.app, url, body(), bearer(patient.token));
      assert.equal(res.statusCode, 503);
      assert.deepEqual(json(res), { success: false, message });
    });
  }

  it('webhooks answer 503 without their secrets', async () => {
    for (const [gateway, name] of [['stripe', 'Stripe'], ['razorpay', 'Razorpay']]) {
      const res = await t.app.inject({ method: 'POST', url: `/api/webhooks/${gateway}`, payload: '{}', headers: { 'content-type': 'application/json', 'stripe-signature': 't=1,v1=00', 'x-razorpay-signature': '00' } });
      assert.equal(res.statusCode, 503);
      assert.equal(json(res).message, `${name} webhook is not configured`);
    }
  });

  it('left the appointment unpaid and pending', async () => {
    const a = await t.app.ctx.appointmentQueries.get(appointmentId);
    assert.equal(a.paid, false);
    assert.equal(a.status, 'pending');
  });
});
