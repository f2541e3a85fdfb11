// Redis cut off through a TCP proxy the test controls, for the security state kept in Redis:
// revocations (the database stays the source of truth) and rate limits (an in-process limiter takes
// over). Needs REDIS_URL; the database is PGlite or DATABASE_URL, as for every test app.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../src/lib/clock.js';
import { bearer, get, json, makeTestApp, post, registerPatient, type TestApp } from '../helpers/app.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { until } from '../helpers/wait.js';

/** Waits (bounded) until the app's Redis connection is in the wanted state. */
function redisState(t: TestApp, ready: boolean): Promise<void> {
  return until(() => (t.app.ctx.redis?.status === 'ready') === ready, `Redis to become ${ready ? 'ready' : 'unavailable'}`, 10_000, 50);
}

function proxiedRedisUrl(proxy: TcpProxy): string {
  const url = new URL(process.env.REDIS_URL!);
  url.port = String(proxy.port);
  return url.toString();
}

async function redisProxy(): Promise<TcpProxy> {
  const url = new URL(process.env.REDIS_URL!);
  return startTcpProxy(url.hostname, Number(url.port || 6379));
}

describe('Redis cut off during logout', { skip: process.env.REDIS_URL ? false : 'needs REDIS_URL' }, () => {
  let proxy: TcpProxy;
  let a: TestApp;
  let b: TestApp;
  const clock = new ManualClock(Date.now());
  before(async () => {
    proxy = await redisProxy();
    const prefix = `trev${Date.now().toString(36)}:`;
    // instance a reaches Redis through the proxy, instance b directly; one database
    a = await makeTestApp({ REDIS_URL: proxiedRedisUrl(proxy), REDIS_PREFIX: prefix }, { clock });
    b = await makeTestApp({ REDIS_PREFIX: prefix }, { clock, testDb: a.testDb });
  });
  after(async () => {
    await b.close();
    await a.close();
    await proxy.close();
  });

  it('a token logged out while Redis was unreachable stays refused on every instance, during and after the outage', async () => {
    const p = await registerPatient(a.app);
    const login = json(await post(a.app, '/api/user/login', { email: p.email, password: p.password }));
    for (const t of [a, b]) assert.equal((await get(t.app, '/api/user/get-profile', bearer(login.token))).statusCode, 200);

    proxy.cut();
    await redisState(a, false);
    const out = await post(a.app, '/api/user/logout', {}, bearer(login.token));
    assert.equal(out.statusCode, 200, out.body);

    const refused = { success: false, message: 'Session ended, please login again' };
    const onA = await get(a.app, '/api/user/get-profile', bearer(login.token));
    assert.equal(onA.statusCode, 401);
    assert.deepEqual(json(onA), refused);
    // b's Redis is up but never got the revocation: once its short "not revoked" memory lapses it asks the database
    clock.advance((a.config.security.revocationCacheSeconds + 1) * 1000);
    const onB = await get(b.app, '/api/user/get-profile', bearer(login.token));
    assert.equal(onB.statusCode, 401);
    assert.deepEqual(json(onB), refused);

    proxy.restore();
    await redisState(a, true);
    clock.advance((a.config.security.revocationCacheSeconds + 1) * 1000);
    for (const t of [a, b]) {
      const res = await get(t.app, '/api/user/get-profile', bearer(login.token));
      assert.equal(res.statusCode, 401, 'Redis back without the key: still refused');
      assert.equal((await post(t.app, '/api/user/refresh', { refreshToken: login.refreshToken })).statusCode, 401);
    }
  });
});

describe('Redis cut off with rate limits on', { skip: process.env.REDIS_URL ? false : 'needs REDIS_URL' }, () => {
  let proxy: TcpProxy;
  let t: TestApp;
  before(async () => {
    proxy = await redisProxy();
    t = await makeTestApp({
      REDIS_URL: proxiedRedisUrl(proxy),
      RATE_LIMIT: 'true',
      RATE_LIMIT_MAX: '20',
      AUTH_RATE_LIMIT_IP_MAX: '50',
      AUTH_RATE_LIMIT_ACCOUNT_MAX: '3',
    });
  });
  after(async () => {
    await t.close();
    await proxy.close();
  });

  const from = (ip: string, url: string, payload?: object) =>
    t.app.inject({ method: payload ? 'POST' : 'GET', url, payload, remoteAddress: ip });

  it('keeps limiting in process while Redis is gone (limits are never switched off), then counts in Redis again', async () => {
    const p = await registerPatient(t.app);
    proxy.cut();
    await redisState(t, false);

    // per account and address: three failures, then 429 for that address; the owner elsewhere gets in
    const codes: number[] = [];
    for (let i = 0; i < 5; i++) codes.push((await from('10.1.0.1', '/api/user/login', { email: p.email, password: `cut-guess-${i}` })).statusCode);
    assert.deepEqual(codes, [401, 401, 401, 429, 429]);
    assert.equal((await from('10.1.0.2', '/api/user/login', { email: p.email, password: p.password })).statusCode, 200);
    // global per IP
    let n = 0;
    let last = 0;
    while (n < 30 && last !== 429) {
      n++;
      last = (await from('10.1.1.1', '/api/doctor/list')).statusCode;
    }
    assert.equal(last, 429);
    assert.equal(n, 21);
    const limited = await from('10.1.1.1', '/api/doctor/list');
    assert.equal(json(limited).success, false);
    assert.match(json(limited).message, /^Too many attempts/);
    assert.ok(Number(limited.headers['retry-after']) > 0);

    proxy.restore();
    await redisState(t, true);
    const before = await from('10.1.2.1', '/api/doctor/list');
    assert.equal(before.statusCode, 200);
    // the global limit adds each instance's hits to the shared count every 100 ms
    await until(async () => (await t.app.ctx.redis!.exists(`${t.config.redisPrefix}ratelimit:global:10.1.2.1`)) === 1, 'counting in Redis again', 5_000, 50);
  });
});
