// Gateways deliver webhooks in bursts from a few addresses: the per-IP limit that guards the API
// must not refuse them (the signature is what protects these routes).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { get, json, makeTestApp, type TestApp } from '../../helpers/app.js';
import { RZP_WEBHOOK_SECRET, razorpaySignature, STRIPE_WEBHOOK_SECRET, stripeSignature } from './stub.js';

describe('payments: webhooks and the global rate limit', () => {
  let t: TestApp;
  before(async () => {
    t = await makeTestApp({ RATE_LIMIT: 'true', RATE_LIMIT_MAX: '3', RAZORPAY_WEBHOOK_SECRET: RZP_WEBHOOK_SECRET, STRIPE_WEBHOOK_SECRET: STRIPE_WEBHOOK_SECRET });
  });
  after(async () => t.close());

  it('a burst of deliveries beyond RATE_LIMIT_MAX is answered, while other routes are limited', async () => {
    for (let i = 0; i < 8; i++) {
      const rzp = JSON.stringify({ entity: 'event', event: 'payment.authorized', payload: {}, created_at: i });
      let res = await t.app.inject({ method: 'POST', url: '/api/webhooks/razorpay', payload: rzp, headers: { 'content-type': 'application/json', 'x-razorpay-signature': razorpaySignature(rzp) } });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(json(res).outcome, 'ignored');
      const st = JSON.stringify({ id: `evt_burst_${i}`, object: 'event', type: 'customer.created', data: { object: {} } });
      res = await t.app.inject({ method: 'POST', url: '/api/webhooks/stripe', payload: st, headers: { 'content-type': 'application/json', 'stripe-signature': stripeSignature(st) } });
      assert.equal(res.statusCode, 200, res.body);
    }
    // the limit itself is on: the same address is refused elsewhere
    const codes: number[] = [];
    for (let i = 0; i < 5; i++) codes.push((await get(t.app, '/api/doctor/list')).statusCode);
    assert.ok(codes.includes(429), `expected a 429 among ${codes.join(',')}`);
  });
});
