// STRIPE_API_BASE and RAZORPAY_API_BASE point the SDKs elsewhere. The Stripe SDK takes only a
// protocol, host and port, so a base with a path is refused when the configuration loads rather
// than silently sending requests to another path.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../../src/config.js';

const base = { NODE_ENV: 'test', DATA_DIR: '/tmp/prescripto-config-test' };

describe('payments: gateway API base settings', () => {
  it('accepts a bare origin for STRIPE_API_BASE', () => {
    for (const url of ['http://localhost:12111', 'https://stripe-proxy.internal/', 'http://127.0.0.1:4010']) {
      assert.equal(loadConfig({ ...base, STRIPE_API_BASE: url }).stripeApiBase, url);
    }
    assert.equal(loadConfig(base).stripeApiBase, undefined);
  });

  it('refuses a STRIPE_API_BASE the SDK cannot honour, with a clear message', () => {
    for (const [url, message] of [
      ['http://proxy.internal/stripe', /STRIPE_API_BASE must be only a scheme, host and port \(the Stripe SDK cannot use a path prefix/],
      ['http://proxy.internal:8080/v1', /cannot use a path prefix/],
      ['http://user:pw@proxy.internal', /cannot use a path prefix, credentials or a query/],
      ['ftp://proxy.internal', /STRIPE_API_BASE must use http or https/],
      ['localhost:12111/x', /STRIPE_API_BASE must/],
      ['not a url', /STRIPE_API_BASE must be a URL like http:\/\/localhost:12111/],
    ] as const) {
      assert.throws(() => loadConfig({ ...base, STRIPE_API_BASE: url }), (err: unknown) => err instanceof ConfigError && message.test(err.message), url);
    }
  });

  it('keeps RAZORPAY_API_BASE paths (the SDK’s HTTP client takes a full base URL)', () => {
    assert.equal(loadConfig({ ...base, RAZORPAY_API_BASE: 'http://proxy.internal/razorpay' }).razorpayApiBase, 'http://proxy.internal/razorpay');
  });
});
