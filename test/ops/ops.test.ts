// Operational endpoints in process: /health, /ready, /metrics (content and protection), request ids.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildOpsApp } from '../../src/plugins/ops.js';
import { bearer, book, createDoctor, futureSlot, get, json, makeTestApp, post, registerPatient, type TestApp } from '../helpers/app.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The value of one series in a Prometheus text scrape, or undefined. */
function sample(scrape: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of scrape.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return undefined;
}

describe('operations endpoints', () => {
  let t: TestApp;
  before(async () => {
    t = await makeTestApp();
  });
  after(async () => t.close());

  it('GET /health answers while the process is up', async () => {
    const res = await get(t.app, '/health');
    assert.equal(res.statusCode, 200);
    assert.equal(json(res).status, 'ok');
    assert.equal(typeof json(res).uptime, 'number');
  });

  it('GET /ready checks the database and Redis', async () => {
    const res = await get(t.app, '/ready');
    assert.equal(res.statusCode, 200);
    assert.deepEqual(json(res), { status: 'ready', database: 'up', redis: process.env.REDIS_URL ? 'up' : 'disabled' });
  });

  describe('request ids', () => {
    it('generates one when the caller sends none, on every response', async () => {
      for (const res of [await get(t.app, '/health'), await get(t.app, '/nope'), await get(t.app, '/api/user/get-profile')]) {
        assert.match(String(res.headers['x-request-id']), UUID);
      }
      const a = await get(t.app, '/health');
      const b = await get(t.app, '/health');
      assert.notEqual(a.headers['x-request-id'], b.headers['x-request-id']);
    });

    it('echoes the caller’s id, on success and on errors', async () => {
      const ok = await get(t.app, '/health', { 'x-request-id': 'lb-1234.abc:7' });
      assert.equal(ok.headers['x-request-id'], 'lb-1234.abc:7');
      const refused = await post(t.app, '/api/user/login', { email: 'x@example.com' }, { 'x-request-id': 'req-400' });
      assert.equal(refused.statusCode, 400);
      assert.equal(refused.headers['x-request-id'], 'req-400');
    });

    it('replaces an id that could forge log lines', async () => {
      const res = await get(t.app, '/health', { 'x-request-id': 'evil\nid with spaces' });
      assert.match(String(res.headers['x-request-id']), UUID);
      const long = await get(t.app, '/health', { 'x-request-id': 'a'.repeat(200) });
      assert.match(String(long.headers['x-request-id']), UUID);
    });
  });

  describe('GET /metrics', () => {
    let scrape: string;
    before(async () => {
      // traffic worth counting: a failed login of each kind, a booking and its cancellation
      await post(t.app, '/api/user/login', { email: 'nobody@example.com', password: 'wrong-password-1' });
      await post(t.app, '/api/user/login', { email: 'nobody@example.com', password: 'wrong-password-1' });
      await post(t.app, '/api/doctor/login', { email: 'nobody@example.com', password: 'wrong-password-1' });
      await post(t.app, '/api/admin/login', { email: 'nobody@example.com', password: 'wrong-password-1' });
      const doctor = await createDoctor(t.app);
      const patient = await registerPatient(t.app);
      const booked = await book(t.app, patient.token, doctor.id, futureSlot(3));
      assert.equal(booked.statusCode, 201, booked.body);
      const cancel = await post(t.app, '/api/user/cancel-appointment', { appointmentId: json(booked).appointment._id }, bearer(patient.token));
      assert.equal(cancel.statusCode, 200, cancel.body);
      await get(t.app, '/api/doctor/list');
      await get(t.app, '/no/such/route/123');
      const res = await get(t.app, '/metrics');
      assert.equal(res.statusCode, 200);
      assert.match(String(res.headers['content-type']), /^text\/plain; version=0\.0\.4/);
      scrape = res.body;
    });

    it('counts requests per route template, method and status', () => {
      assert.equal(sample(scrape, 'http_requests_total', { method: 'POST', route: '/api/user/login', status_code: '401' }), 2);
      assert.equal(sample(scrape, 'http_requests_total', { method: 'POST', route: '/api/user/book-appointment', status_code: '201' }), 1);
      // unknown paths share one series instead of one per URL
      assert.ok((sample(scrape, 'http_requests_total', { route: 'unmatched', status_code: '404' }) ?? 0) >= 1);
      assert.ok(!scrape.includes('/no/such/route/123'));
    });

    it('has latency histograms per route', () => {
      assert.equal(sample(scrape, 'http_request_duration_seconds_count', { method: 'POST', route: '/api/user/login', status_code: '401' }), 2);
      assert.equal(sample(scrape, 'http_request_duration_seconds_bucket', { method: 'POST', route: '/api/user/login', status_code: '401', le: '+Inf' }), 2);
    });

    it('has business counters: bookings, cancellations, failed logins', () => {
      assert.equal(sample(scrape, 'prescripto_appointment_events_total', { event: 'booked' }), 1);
      assert.equal(sample(scrape, 'prescripto_appointment_events_total', { event: 'cancelled' }), 1);
      assert.equal(sample(scrape, 'prescripto_failed_logins_total', { role: 'patient' }), 2);
      assert.equal(sample(scrape, 'prescripto_failed_logins_total', { role: 'doctor' }), 1);
      assert.equal(sample(scrape, 'prescripto_failed_logins_total', { role: 'admin' }), 1);
      assert.ok(scrape.includes('# TYPE prescripto_payments_total counter'));
    });

    it('payments: refused verifications are counted per gateway, and ctx.metrics takes the rest', async () => {
      const patient = await registerPatient(t.app);
      const refused = await post(t.app, '/api/user/verifyRazorpay', {}, bearer(patient.token));
      assert.equal(refused.statusCode, 400);
      assert.equal((await post(t.app, '/api/user/verify-razorpay', {})).statusCode, 401); // no session: not an outcome
      t.app.ctx.metrics.payment('stripe', 'refunded');
      const res = await get(t.app, '/metrics');
      assert.equal(sample(res.body, 'prescripto_payments_total', { gateway: 'razorpay', outcome: 'failed' }), 1);
      assert.equal(sample(res.body, 'prescripto_payments_total', { gateway: 'stripe', outcome: 'refunded' }), 1);
    });

    it('has event-loop lag, memory and (on a server) the database pool', () => {
      assert.notEqual(sample(scrape, 'nodejs_eventloop_lag_seconds'), undefined);
      assert.ok((sample(scrape, 'process_resident_memory_bytes') ?? 0) > 0);
      assert.ok((sample(scrape, 'nodejs_heap_size_used_bytes') ?? 0) > 0);
      if (t.app.ctx.database.kind === 'pg') assert.ok((sample(scrape, 'prescripto_db_pool_connections', { state: 'total' }) ?? 0) >= 1);
      if (process.env.REDIS_URL) assert.equal(sample(scrape, 'prescripto_redis_up'), 1);
    });
  });
});

describe('operations endpoints behind OPS_TOKEN', () => {
  let t: TestApp;
  before(async () => {
    t = await makeTestApp({ OPS_TOKEN: 'ops-secret-123' });
  });
  after(async () => t.close());

  for (const url of ['/metrics', '/ready']) {
    it(`${url} needs the token`, async () => {
      const none = await get(t.app, url);
      assert.equal(none.statusCode, 401);
      assert.deepEqual(json(none), { success: false, message: 'A valid ops token is required' });
      assert.equal((await get(t.app, url, bearer('ops-secret-12'))).statusCode, 401);
      assert.equal((await get(t.app, url, bearer('ops-secret-123'))).statusCode, 200);
    });
  }

  it('/health stays open for the load balancer', async () => {
    assert.equal((await get(t.app, '/health')).statusCode, 200);
  });
});

describe('operations endpoints on OPS_PORT', () => {
  let t: TestApp;
  before(async () => {
    t = await makeTestApp({ OPS_PORT: '9464' });
  });
  after(async () => t.close());

  it('the public app serves /health only', async () => {
    assert.equal((await get(t.app, '/health')).statusCode, 200);
    assert.equal((await get(t.app, '/metrics')).statusCode, 404);
    assert.equal((await get(t.app, '/ready')).statusCode, 404);
  });

  it('the ops app serves /ready and /metrics with the public app’s numbers', async () => {
    await post(t.app, '/api/user/login', { email: 'nobody@example.com', password: 'wrong-password-1' });
    const ops = await buildOpsApp(t.app.ctx);
    try {
      assert.equal((await ops.inject({ url: '/ready' })).statusCode, 200);
      const res = await ops.inject({ url: '/metrics' });
      assert.equal(res.statusCode, 200);
      assert.equal(sample(res.body, 'prescripto_failed_logins_total', { role: 'patient' }), 1);
    } finally {
      await ops.close();
    }
  });
});
