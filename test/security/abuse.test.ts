// Abuse protection: rate limits (per IP, per account, global; 429 with Retry-After in the envelope;
// shared through Redis when it is there), RATE_LIMIT=false, security headers, CORS allow-list,
// body size limit, no internals in production errors.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bearer, get, json, makeTestApp, post, registerPatient, type TestApp } from '../helpers/app.js';
import { until } from '../helpers/wait.js';

const LIMITS = {
  RATE_LIMIT: 'true',
  AUTH_RATE_LIMIT_ACCOUNT_MAX: '3',
  AUTH_RATE_LIMIT_IP_MAX: '6',
  AUTH_RATE_LIMIT_WINDOW_SECONDS: '600',
  // the growing wait on an account under attack, kept short here (login-throttling.test.ts tests it)
  AUTH_LOGIN_DELAY_MS: '1',
  AUTH_LOGIN_DELAY_MAX_MS: '8',
  RATE_LIMIT_MAX: '40',
  RATE_LIMIT_WINDOW_SECONDS: '600',
  FRONTEND_URL: 'https://app.example.test, https://admin.example.test',
};
// production mode: errors must not carry internals
const PROD = { ...LIMITS, NODE_ENV: 'production', LOG_LEVEL: 'silent', BODY_LIMIT_BYTES: '2048' };

function loginFrom(t: TestApp, ip: string, body: object) {
  return t.app.inject({ method: 'POST', url: '/api/user/login', payload: body, remoteAddress: ip });
}

let fixtureIp = 0;
/** A patient registered from an address of its own, so fixtures never trip the per-IP register limit. */
async function patient(t: TestApp) {
  const body = { name: 'Limit Test', email: `limits.${Date.now().toString(36)}.${fixtureIp}@example.com`, password: 'limit-test-pass-1' };
  const res = await t.app.inject({ method: 'POST', url: '/api/user/register', payload: body, remoteAddress: `10.250.0.${++fixtureIp}` });
  assert.equal(res.statusCode, 201, res.body);
  return { email: body.email, password: body.password, token: json(res).token as string };
}

describe('security: rate limits, headers, CORS, body size, production errors', () => {
  let t: TestApp;
  before(async () => {
    t = await makeTestApp(PROD);
  });
  after(async () => t.close());

  it('refuses one address after repeated failures on an account, without locking the owner out from elsewhere', async () => {
    const p = await registerPatient(t.app);
    for (let i = 0; i < 3; i++) {
      const res = await loginFrom(t, '10.0.1.1', { email: p.email, password: `wrong-guess-${i}` });
      assert.equal(res.statusCode, 401);
    }
    const blocked = await loginFrom(t, '10.0.1.1', { email: p.email.toUpperCase(), password: p.password });
    assert.equal(blocked.statusCode, 429);
    const body = json(blocked);
    assert.equal(body.success, false);
    assert.match(body.message, /^Too many attempts, please try again in \d+ seconds?$/);
    const retryAfter = Number(blocked.headers['retry-after']);
    assert.ok(retryAfter > 0 && retryAfter <= 600, `retry-after ${blocked.headers['retry-after']}`);

    const other = await registerPatient(t.app);
    assert.equal((await loginFrom(t, '10.0.1.1', { email: other.email, password: other.password })).statusCode, 200);
    // the owner, from another address, is not refused
    assert.equal((await loginFrom(t, '10.0.1.99', { email: p.email, password: p.password })).statusCode, 200);
  });

  it('refuses parallel guesses from one address beyond the limit (each attempt is reserved before it runs)', async () => {
    const p = await patient(t);
    const results = await Promise.all(
      Array.from({ length: 5 }, (_, i) => loginFrom(t, '10.0.9.1', { email: p.email, password: `parallel-guess-${i}` })),
    );
    const codes = results.map((r) => r.statusCode);
    assert.equal(codes.filter((c) => c === 401).length, 3, codes.join(','));
    assert.equal(codes.filter((c) => c === 429).length, 2, codes.join(','));
    // the owner elsewhere is not locked out
    assert.equal((await loginFrom(t, '10.0.9.200', { email: p.email, password: p.password })).statusCode, 200);
  });

  it('a successful login clears the account\'s failed attempts', async () => {
    const p = await patient(t);
    for (let i = 0; i < 2; i++) assert.equal((await loginFrom(t, '10.0.10.1', { email: p.email, password: `wrong-${i}-guess` })).statusCode, 401);
    assert.equal((await loginFrom(t, '10.0.10.1', { email: p.email, password: p.password })).statusCode, 200);
    const after = [];
    for (let i = 0; i < 4; i++) after.push((await loginFrom(t, '10.0.10.1', { email: p.email, password: `wrong-${i}-again` })).statusCode);
    assert.deepEqual(after, [401, 401, 401, 429]);
  });

  it('limits forgot-password per account, counting every call (each one emails the victim)', async () => {
    const victim = await patient(t);
    const codes: number[] = [];
    for (let i = 0; i < 20; i++) {
      const res = await t.app.inject({ method: 'POST', url: '/api/user/forgot-password', payload: { email: victim.email }, remoteAddress: `10.0.11.${i}` });
      codes.push(res.statusCode);
    }
    assert.deepEqual(codes, [200, 200, 200, ...Array(17).fill(429)]);
    await t.app.ctx.passwordResets.settled();
    const [{ n }] = await t.testDb.database.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM notification_outbox WHERE recipient = $1 AND topic = 'auth.password-reset'",
      [victim.email],
    );
    assert.equal(n, 3, 'three reset emails, not twenty');
  });

  it('successful logins do not count against the account', async () => {
    const p = await registerPatient(t.app);
    for (let i = 0; i < 5; i++) {
      assert.equal((await loginFrom(t, `10.0.2.${i}`, { email: p.email, password: p.password })).statusCode, 200);
    }
  });

  it('limits one IP across many accounts (credential stuffing)', async () => {
    const codes: number[] = [];
    for (let i = 0; i < 8; i++) {
      codes.push((await loginFrom(t, '10.0.3.1', { email: `victim${i}@example.com`, password: 'guess-guess-1' })).statusCode);
    }
    assert.deepEqual(codes, [401, 401, 401, 401, 401, 401, 429, 429]);
    // another address is not affected
    assert.equal((await loginFrom(t, '10.0.3.2', { email: 'victim0@example.com', password: 'guess-guess-1' })).statusCode, 401);
  });

  it('limits forgot-password and register per IP too', async () => {
    const forgot: number[] = [];
    for (let i = 0; i < 7; i++) {
      const res = await t.app.inject({ method: 'POST', url: '/api/user/forgot-password', payload: { email: `who${i}@example.com` }, remoteAddress: '10.0.4.1' });
      forgot.push(res.statusCode);
    }
    assert.deepEqual(forgot, [200, 200, 200, 200, 200, 200, 429]);
    const reg: number[] = [];
    for (let i = 0; i < 7; i++) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/user/register',
        payload: { name: 'Spam', email: `spam${i}.${Date.now()}@example.com`, password: 'spam-pass-123' },
        remoteAddress: '10.0.4.2',
      });
      reg.push(res.statusCode);
    }
    assert.deepEqual(reg, [201, 201, 201, 201, 201, 201, 429]);
  });

  it('applies a global limit per IP to every route', async () => {
    let last = 0;
    let n = 0;
    while (n < 60) {
      n++;
      last = (await t.app.inject({ method: 'GET', url: '/api/doctor/list', remoteAddress: '10.0.5.1' })).statusCode;
      if (last === 429) break;
    }
    assert.equal(last, 429);
    assert.equal(n, 41);
    const res = await t.app.inject({ method: 'GET', url: '/api/doctor/list', remoteAddress: '10.0.5.1' });
    assert.equal(json(res).success, false);
    assert.ok(Number(res.headers['retry-after']) > 0);
  });

  it('does not trust X-Forwarded-For unless TRUST_PROXY says so', async () => {
    const codes: number[] = [];
    for (let i = 0; i < 7; i++) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/user/login',
        payload: { email: `xff${i}@example.com`, password: 'guess-guess-1' },
        remoteAddress: '10.0.6.1',
        headers: { 'x-forwarded-for': `192.0.2.${i}` },
      });
      codes.push(res.statusCode);
    }
    assert.equal(codes.at(-1), 429);
  });

  it('shares counters between instances through Redis', { skip: !process.env.REDIS_URL && 'needs REDIS_URL' }, async () => {
    const prefix = t.config.redisPrefix;
    const t2 = await makeTestApp({ ...PROD, REDIS_PREFIX: prefix }, { testDb: t.testDb });
    try {
      const email = `shared${Date.now()}@example.com`;
      for (let i = 0; i < 3; i++) assert.equal((await loginFrom(t, '10.0.7.9', { email, password: 'guess-guess-1' })).statusCode, 401);
      assert.equal((await loginFrom(t2, '10.0.7.9', { email, password: 'guess-guess-1' })).statusCode, 429);
      // keys say what they count (the plugin's own store named createRateLimit keys "undefinedundefined-");
      // the global per-IP count reaches Redis in the background (every 100 ms), the login counts at once
      const globalKey = `${prefix}ratelimit:global:10.0.7.9`;
      await until(async () => (await t.app.ctx.redis!.exists(globalKey)) === 1, 'the global per-IP count in Redis');
      const keys = await t.app.ctx.redis!.keys(`${prefix}ratelimit:*`);
      assert.ok(keys.includes(globalKey), keys.join(' '));
      assert.ok(keys.some((k) => k === `${prefix}ratelimit:auth-account:/api/user/login:email:${email}`), keys.join(' '));
      assert.ok(keys.some((k) => k === `${prefix}ratelimit:auth-account-ip:/api/user/login:email:${email}:10.0.7.9`), keys.join(' '));
      assert.deepEqual(keys.filter((k) => /undefined/.test(k)), []);
    } finally {
      await t2.close();
    }
  });

  it('sends helmet headers and no X-Powered-By', async () => {
    const res = await get(t.app, '/api/doctor/list');
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
    assert.equal(res.headers['x-frame-options'], 'SAMEORIGIN');
    assert.match(String(res.headers['strict-transport-security']), /max-age=/);
    assert.match(String(res.headers['content-security-policy']), /frame-ancestors 'none'/);
    assert.equal(res.headers['x-powered-by'], undefined);
  });

  it('allows only the FRONTEND_URL origins', async () => {
    for (const origin of ['https://app.example.test', 'https://admin.example.test']) {
      const res = await t.app.inject({ method: 'OPTIONS', url: '/api/user/login', headers: { origin, 'access-control-request-method': 'POST' } });
      assert.equal(res.headers['access-control-allow-origin'], origin);
    }
    const evil = await t.app.inject({ method: 'OPTIONS', url: '/api/user/login', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
    assert.equal(evil.headers['access-control-allow-origin'], undefined);
    const simple = await t.app.inject({ method: 'GET', url: '/api/doctor/list', headers: { origin: 'https://evil.example' } });
    assert.equal(simple.headers['access-control-allow-origin'], undefined);
  });

  it('answers router errors (over-long parameter, malformed URL) in the envelope with a request id and security headers', async () => {
    const long = await t.app.inject({ method: 'GET', url: `/api/doctor/reports/patients/${'a'.repeat(500)}`, remoteAddress: '10.0.13.1' });
    const bad = await t.app.inject({ method: 'GET', url: '/api/doctor/reports/patients/%E0%A4%A', remoteAddress: '10.0.13.1', headers: { 'x-request-id': 'lb-req-42' } });
    assert.equal(long.statusCode, 414);
    assert.deepEqual(json(long), { success: false, message: 'The URL is too long' });
    assert.equal(bad.statusCode, 400);
    assert.deepEqual(json(bad), { success: false, message: 'The URL is not valid' });
    assert.match(String(long.headers['x-request-id']), /^[0-9a-f-]{36}$/);
    assert.equal(bad.headers['x-request-id'], 'lb-req-42');
    for (const res of [long, bad]) {
      assert.equal(res.headers['x-content-type-options'], 'nosniff');
      assert.match(String(res.headers['content-security-policy']), /frame-ancestors 'none'/);
    }
  });

  it('refuses oversized bodies with 413 in the envelope', async () => {
    const res = await post(t.app, '/api/user/register', { name: 'x'.repeat(4096), email: 'big@example.com', password: 'long-enough-1' });
    assert.equal(res.statusCode, 413);
    assert.deepEqual(json(res), { success: false, message: 'The request is too large' });
  });

  it('answers a server error without internals in production', async () => {
    const p = await registerPatient(t.app);
    // break the database under the app: the answer must not leak SQL or stack
    await t.testDb.database.exec('ALTER TABLE patients RENAME TO patients_moved');
    try {
      const res = await get(t.app, '/api/user/get-profile', bearer(p.token));
      assert.equal(res.statusCode, 500);
      assert.deepEqual(json(res), { success: false, message: 'Something went wrong, please try again' });
    } finally {
      await t.testDb.database.exec('ALTER TABLE patients_moved RENAME TO patients');
    }
  });
});

describe('security: rate limits with LEGACY_ERROR_STATUS=200', () => {
  let t: TestApp;
  before(async () => {
    t = await makeTestApp({ ...LIMITS, LEGACY_ERROR_STATUS: '200' });
  });
  after(async () => t.close());

  it('still counts failures that leave with status 200', async () => {
    const p = await patient(t);
    const bodies: boolean[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await loginFrom(t, '10.0.12.1', { email: p.email, password: `legacy-guess-${i}` });
      assert.equal(res.statusCode, 200);
      bodies.push(json(res).success as boolean);
    }
    assert.deepEqual(bodies, [false, false, false, false]);
    const locked = await loginFrom(t, '10.0.12.1', { email: p.email, password: p.password });
    assert.match(json(locked).message, /^Too many attempts/);
  });
});

describe('security: RATE_LIMIT=false', () => {
  let t: TestApp;
  before(async () => {
    t = await makeTestApp({ ...LIMITS, RATE_LIMIT: 'false' });
  });
  after(async () => t.close());

  it('turns every limit off', async () => {
    for (let i = 0; i < 10; i++) {
      assert.equal((await loginFrom(t, '10.0.8.1', { email: 'off@example.com', password: 'guess-guess-1' })).statusCode, 401);
    }
    for (let i = 0; i < 45; i++) {
      assert.equal((await t.app.inject({ method: 'GET', url: '/api/doctor/list', remoteAddress: '10.0.8.1' })).statusCode, 200);
    }
  });
});
