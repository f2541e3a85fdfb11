// Gateway answers are read, not trusted in shape: the fields we use are checked, an answer without
// them is a clear 502 (nothing recorded, nothing marked paid), and fields we do not need may be
// missing without breaking anything. Real SDKs against the local stand-in, which reshapes answers.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bearer, json, post, type TestApp } from '../../helpers/app.js';
import { GatewayStub, paymentFixture } from './stub.js';

describe('payments: malformed gateway answers', () => {
  const stub = new GatewayStub();
  let fx: Awaited<ReturnType<typeof paymentFixture>>;
  let t: TestApp;
  let patient: typeof fx.patient;

  before(async () => {
    fx = await paymentFixture(stub, { fees: 300, patientName: 'Gail Gateway' });
    ({ t, patient } = fx);
  });
  after(async () => fx.close());

  const payRazorpay = (appointmentId: string) => post(t.app, '/api/user/payment-razorpay', { appointmentId }, bearer(patient.token));
  const payStripe = (appointmentId: string) => post(t.app, '/api/user/payment-stripe', { appointmentId }, { ...bearer(patient.token), origin: 'https://app.example' });
  const ordersOf = (id: string) => t.testDb.database.query('SELECT id FROM payment_orders WHERE appointment_id = $1', [id]);

  async function reshaped<T>(route: string, reshape: (body: Record<string, any>) => unknown, run: () => Promise<T>): Promise<T> {
    stub.reshape(route, reshape);
    try {
      return await run();
    } finally {
      stub.clearFailures();
    }
  }

  it('a Razorpay order without amount_paid (a field we do not need) still gives the order', async () => {
    const id = await fx.booked();
    const res = await reshaped('POST /v1/orders', (o) => {
      delete o.amount_paid;
      delete o.attempts;
      return o;
    }, () => payRazorpay(id));
    assert.equal(res.statusCode, 200, res.body);
    const { order } = json(res);
    assert.equal(order.amount, 30000);
    assert.equal(order.currency, 'INR');
    assert.ok(stub.orders.has(order.id));
    assert.equal('amount_paid' in order, false);
  });

  for (const [name, reshape, field] of [
    ['without amount', (o: Record<string, any>) => ({ ...o, amount: undefined }), 'amount'],
    ['without id', (o: Record<string, any>) => ({ ...o, id: null }), 'id'],
    ['with the amount as an object', (o: Record<string, any>) => ({ ...o, amount: { value: o.amount } }), 'amount'],
    ['for another amount', (o: Record<string, any>) => ({ ...o, amount: 1 }), 'amount'],
    ['that is not an object', () => 'ok', 'id, amount, currency'],
  ] as const) {
    it(`a Razorpay order ${name} is a 502 naming the field, and nothing is recorded`, async () => {
      const id = await fx.booked();
      const res = await reshaped('POST /v1/orders', reshape, () => payRazorpay(id));
      assert.equal(res.statusCode, 502, res.body);
      assert.equal(json(res).message, `Razorpay sent an incomplete answer (no valid ${field}), please try again later`);
      assert.equal((await ordersOf(id)).length, 0);
      assert.equal((await fx.appointment(id)).paid, false);
    });
  }

  it('verify-razorpay by order status: an order answer without amount_paid is a 502, the appointment stays unpaid', async () => {
    const id = await fx.booked();
    const created = await payRazorpay(id);
    assert.equal(created.statusCode, 200, created.body);
    const orderId = json(created).order.id as string;
    stub.payRazorpayOrder(orderId);
    const res = await reshaped('GET /v1/orders/', (o) => {
      delete o.amount_paid;
      return o;
    }, () => post(t.app, '/api/user/verify-razorpay', { razorpay_order_id: orderId }, bearer(patient.token)));
    assert.equal(res.statusCode, 502, res.body);
    assert.match(json(res).message, /^Razorpay sent an incomplete answer \(no valid amount_paid\)/);
    assert.equal((await fx.appointment(id)).paid, false);
    // the same call with a whole answer confirms it
    const ok = await post(t.app, '/api/user/verify-razorpay', { razorpay_order_id: orderId }, bearer(patient.token));
    assert.equal(ok.statusCode, 200, ok.body);
    assert.equal((await fx.appointment(id)).paid, true);
  });

  it('verify-razorpay: a payment list without items is a 502', async () => {
    const id = await fx.booked();
    const orderId = json(await payRazorpay(id)).order.id as string;
    stub.payRazorpayOrder(orderId);
    const res = await reshaped('GET /v1/orders/', (o) => (o.entity === 'collection' ? { entity: 'collection' } : o), () =>
      post(t.app, '/api/user/verify-razorpay', { razorpay_order_id: orderId }, bearer(patient.token)));
    assert.equal(res.statusCode, 502, res.body);
    assert.match(json(res).message, /no valid items/);
    assert.equal((await fx.appointment(id)).paid, false);
  });

  it('a Stripe session without url is a 502 and no session is recorded', async () => {
    const id = await fx.booked();
    const res = await reshaped('POST /v1/checkout/sessions', (s) => ({ ...s, url: null }), () => payStripe(id));
    assert.equal(res.statusCode, 502, res.body);
    assert.equal(json(res).message, 'Stripe sent an incomplete answer (no valid url), please try again later');
    assert.equal((await ordersOf(id)).length, 0);
  });

  it('a Stripe session with only id and url (nothing else) is enough to start checkout', async () => {
    const id = await fx.booked();
    const res = await reshaped('POST /v1/checkout/sessions', (s) => ({ id: s.id, object: 'checkout.session', url: s.url }), () => payStripe(id));
    assert.equal(res.statusCode, 200, res.body);
    const body = json(res);
    assert.equal(body.session_url, stub.sessions.get(body.session.id)?.url);
  });

  it('verify-stripe: a session answer without payment_status is a 502, the appointment stays unpaid', async () => {
    const id = await fx.booked();
    const created = await payStripe(id);
    assert.equal(created.statusCode, 200, created.body);
    stub.payStripeSession(json(created).session.id);
    const res = await reshaped('GET /v1/checkout/sessions/', (s) => ({ ...s, payment_status: 7 }), () =>
      post(t.app, '/api/user/verify-stripe', { appointmentId: id }, bearer(patient.token)));
    assert.equal(res.statusCode, 502, res.body);
    assert.equal(json(res).message, 'Stripe sent an incomplete answer (no valid payment_status), please try again later');
    assert.equal((await fx.appointment(id)).paid, false);
  });
});
