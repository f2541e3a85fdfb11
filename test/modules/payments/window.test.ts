// PAYMENT_REQUIRED=true: an unpaid booking holds its slot for the payment window only. Once the
// window has ended (swept or not), the booking can no longer be paid: new orders and sessions are
// refused, and a payment the gateway proves afterwards is not applied but refunded in full.
// Time is a ManualClock, so the window passes without waiting.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../../src/lib/clock.js';
import { bearer, book, createDoctor, json, makeTestApp, post, registerPatient, type TestApp } from '../../helpers/app.js';
import { GatewayStub, gatewayEnv, razorpayCheckoutSignature, razorpaySignature } from './stub.js';

const NOW = '2030-01-07T04:30:00Z'; // Monday 10:00 IST
const MINUTE = 60_000;
const ENDED = 'The payment window for this appointment has ended';

describe('payments: the payment window (PAYMENT_REQUIRED)', () => {
  const stub = new GatewayStub();
  const clock = new ManualClock(NOW);
  let t: TestApp;
  let doctor: Awaited<ReturnType<typeof createDoctor>>;
  let patient: Awaited<ReturnType<typeof registerPatient>>;
  let hour = 10;

  before(async () => {
    t = await makeTestApp({ ...gatewayEnv(await stub.start()), PAYMENT_REQUIRED: 'true', FRONTEND_URL: 'https://app.prescripto.test' }, { clock });
    doctor = await createDoctor(t.app, { fees: 500 });
    patient = await registerPatient(t.app);
  });
  after(async () => {
    await t.close();
    await stub.stop();
  });

  /** Books the next free hour on Tuesday 2030-01-08, at the clock's NOW. */
  async function booked(): Promise<string> {
    clock.set(NOW);
    const h = hour++;
    const slotTime = `${String(h > 12 ? h - 12 : h).padStart(2, '0')}:00 ${h >= 12 ? 'PM' : 'AM'}`;
    const res = await book(t.app, patient.token, doctor.id, { slotDate: '2030-01-08', slotTime });
    assert.equal(res.statusCode, 201, res.body);
    return json(res).appointment._id;
  }
  async function razorpayOrder(appointmentId: string): Promise<string> {
    const res = await post(t.app, '/api/user/payment-razorpay', { appointmentId }, bearer(patient.token));
    assert.equal(res.statusCode, 200, res.body);
    return json(res).order.id;
  }
  const appointment = (id: string) => t.app.ctx.appointmentQueries.get(id);

  it('inside the window the booking can be paid', async () => {
    const id = await booked();
    const orderId = await razorpayOrder(id);
    clock.advance(14 * MINUTE);
    const pay = stub.payRazorpayOrder(orderId);
    const res = await post(t.app, '/api/user/verify-razorpay', { razorpay_order_id: orderId, razorpay_payment_id: pay.id, razorpay_signature: razorpayCheckoutSignature(orderId, pay.id) }, bearer(patient.token));
    assert.equal(res.statusCode, 200, res.body);
    assert.equal((await appointment(id)).paid, true);
  });

  it('once the window has ended (not swept yet), no order or session can be opened', async () => {
    const id = await booked();
    clock.advance(15 * MINUTE);
    assert.equal((await appointment(id)).status, 'pending', 'nothing swept');
    for (const url of ['/api/user/payment-razorpay', '/api/user/payment-stripe']) {
      const res = await post(t.app, url, { appointmentId: id }, bearer(patient.token));
      assert.equal(res.statusCode, 409, url);
      assert.equal(json(res).message, ENDED);
    }
    assert.equal(stub.find('POST', '/v1/orders').filter((r) => r.body.receipt === id).length, 0);
  });

  it('a payment proven after the window is not applied and is refunded in full (webhook)', async () => {
    const id = await booked();
    const orderId = await razorpayOrder(id);
    clock.advance(16 * MINUTE);
    const pay = stub.payRazorpayOrder(orderId);
    const body = JSON.stringify({ entity: 'event', event: 'payment.captured', contains: ['payment'], payload: { payment: { entity: pay } } });
    const res = await t.app.inject({ method: 'POST', url: '/api/webhooks/razorpay', payload: body, headers: { 'content-type': 'application/json', 'x-razorpay-signature': razorpaySignature(body), 'x-razorpay-event-id': 'evt_window_late' } });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(json(res).outcome, 'refund-queued');
    await t.app.ctx.refunds.idle();
    const a = await appointment(id);
    assert.equal(a.paid, false);
    assert.equal(a.status, 'pending');
    const sent = stub.find('POST', `/v1/payments/${pay.id}/refund`);
    assert.equal(sent.length, 1);
    assert.equal(sent[0].body.amount, 50000);
  });

  it('a checkout signature verified after the window answers 409 and the payment is refunded', async () => {
    const id = await booked();
    const orderId = await razorpayOrder(id);
    clock.advance(20 * MINUTE);
    const pay = stub.payRazorpayOrder(orderId);
    const res = await post(t.app, '/api/user/verify-razorpay', { razorpay_order_id: orderId, razorpay_payment_id: pay.id, razorpay_signature: razorpayCheckoutSignature(orderId, pay.id) }, bearer(patient.token));
    assert.equal(res.statusCode, 409);
    assert.equal(json(res).message, 'Appointment is no longer open for payment; the payment will be refunded');
    await t.app.ctx.refunds.idle();
    assert.equal((await appointment(id)).paid, false);
    assert.equal(stub.find('POST', `/v1/payments/${pay.id}/refund`).length, 1);
  });
});
