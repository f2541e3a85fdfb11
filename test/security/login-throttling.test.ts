// Login throttling that slows attackers without locking the owner out. Failed logins are limited per
// account *and address* (AUTH_RATE_LIMIT_ACCOUNT_MAX), so ten wrong passwords from other addresses
// no longer refuse the owner everywhere for 15 minutes; guessing one account from many addresses is
// slowed by a wait that doubles per failure (AUTH_LOGIN_DELAY_MS up to AUTH_LOGIN_DELAY_MAX_MS),
// recorded as `delayMs` in the audit log. Counters live in Redis when REDIS_URL is set (this file
// runs both ways), in the process otherwise.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { json, makeTestApp, registerPatient, type TestApp } from '../helpers/app.js';

const LIMITS = {
  RATE_LIMIT: 'true',
  AUTH_RATE_LIMIT_ACCOUNT_MAX: '10',
  AUTH_RATE_LIMIT_IP_MAX: '30',
  AUTH_RATE_LIMIT_WINDOW_SECONDS: '900',
  // short waits keep the test quick; their growth is what is checked
  AUTH_LOGIN_DELAY_MS: '1',
  AUTH_LOGIN_DELAY_MAX_MS: '16',
  RATE_LIMIT_MAX: '1000',
};

let net = 0;
const freshAddress = () => `10.${60 + (net >> 16)}.${(net >> 8) & 255}.${net++ & 255}`;

describe('login throttling: attackers slowed, owners never locked out', () => {
  let t: TestApp;
  before(async () => {
    t = await makeTestApp(LIMITS);
  });
  after(async () => t.close());

  const login = (app: TestApp, ip: string, body: object) => app.app.inject({ method: 'POST', url: '/api/user/login', payload: body, remoteAddress: ip });

  /** A patient registered from an address of its own (register is limited per address too). */
  async function patient() {
    const p = await registerPatient(t.app);
    return p;
  }

  async function delays(email: string): Promise<number[]> {
    const rows = await t.testDb.database.query<{ d: number | null }>(
      "SELECT (detail->>'delayMs')::int AS d FROM audit_log WHERE action = 'user.login' AND detail->>'email' = $1 ORDER BY at, id",
      [email.toLowerCase()],
    );
    return rows.map((r) => r.d ?? 0);
  }

  it('after ten failures from other addresses, the right password from a new address logs in', async () => {
    const p = await patient();
    for (let i = 0; i < 10; i++) {
      assert.equal((await login(t, freshAddress(), { email: p.email, password: `wrong-guess-${i}` })).statusCode, 401);
    }
    const owner = await login(t, freshAddress(), { email: p.email, password: p.password });
    assert.equal(owner.statusCode, 200, owner.body);
    assert.equal(typeof json(owner).token, 'string');
  });

  it('and after thirty failures from thirty addresses, still', async () => {
    const p = await patient();
    const codes = await Promise.all(Array.from({ length: 30 }, (_, i) => login(t, freshAddress(), { email: p.email, password: `parallel-${i}` })));
    assert.deepEqual([...new Set(codes.map((r) => r.statusCode))], [401]);
    assert.equal((await login(t, freshAddress(), { email: p.email, password: p.password })).statusCode, 200);
  });

  it('one address is refused on that account after ten failures (429 with Retry-After), even with the right password', async () => {
    const p = await patient();
    const attacker = freshAddress();
    for (let i = 0; i < 10; i++) assert.equal((await login(t, attacker, { email: p.email, password: `wrong-${i}` })).statusCode, 401);
    const refused = await login(t, attacker, { email: p.email, password: p.password });
    assert.equal(refused.statusCode, 429);
    assert.match(json(refused).message, /^Too many attempts, please try again in \d+ seconds?$/);
    const retry = Number(refused.headers['retry-after']);
    assert.ok(retry > 0 && retry <= 900, String(refused.headers['retry-after']));
    // the owner elsewhere is not
    assert.equal((await login(t, freshAddress(), { email: p.email, password: p.password })).statusCode, 200);
  });

  it('slows guesses from many addresses with a wait that doubles per failure, and the owner\'s login ends it', async () => {
    const p = await patient();
    for (let i = 0; i < 15; i++) assert.equal((await login(t, freshAddress(), { email: p.email, password: `spread-${i}` })).statusCode, 401);
    assert.equal((await login(t, freshAddress(), { email: p.email, password: p.password })).statusCode, 200);
    // ten free failures, then 1, 2, 4, 8 ms, capped at 16; the owner waited too (16 ms), once
    assert.deepEqual(await delays(p.email), [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 4, 8, 16, 16]);
    // after the owner's login, the next failure starts again without a wait
    assert.equal((await login(t, freshAddress(), { email: p.email, password: 'after-owner-1' })).statusCode, 401);
    assert.equal((await delays(p.email)).at(-1), 0);
  });

  it('shares the counts between instances through Redis', { skip: !process.env.REDIS_URL && 'needs REDIS_URL' }, async () => {
    const t2 = await makeTestApp({ ...LIMITS, REDIS_PREFIX: t.config.redisPrefix }, { testDb: t.testDb });
    try {
      const p = await patient();
      const attacker = freshAddress();
      for (let i = 0; i < 10; i++) assert.equal((await login(i % 2 ? t : t2, attacker, { email: p.email, password: `both-${i}` })).statusCode, 401);
      assert.equal((await login(t2, attacker, { email: p.email, password: 'both-10' })).statusCode, 429);
      // the eleventh failure on the account waits on either instance
      assert.equal((await login(t2, freshAddress(), { email: p.email, password: 'both-11' })).statusCode, 401);
      assert.deepEqual((await delays(p.email)).slice(-2), [0, 1]);
      assert.equal((await login(t, freshAddress(), { email: p.email, password: p.password })).statusCode, 200);
    } finally {
      await t2.close();
    }
  });
});
