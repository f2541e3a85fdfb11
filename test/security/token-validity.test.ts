// A token is good only while its account exists, and only if it has the shape every token we sign
// has: an id, an `iat` not in the future and an `exp` no further than the configured lifetime.
// Deleting an account (here straight in the database, as no API deletes patients or doctors) ends
// its sessions through a database trigger: its access tokens and refresh tokens answer 401.
// Without Redis every request reads the session from the database, so the refusal is immediate;
// with Redis an instance may trust an earlier "session live" answer for REVOCATION_CACHE_SECONDS.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createHmac } from 'node:crypto';
import { ManualClock } from '../../src/lib/clock.js';
import { bearer, createDoctor, get, json, makeTestApp, post, registerPatient, type TestApp } from '../helpers/app.js';

const SECRET = 'test-secret-that-is-long-enough-123';

/** An HS256 token with exactly these claims, signed with the server's key (a signer would add or check claims). */
function sign(claims: object): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const head = `${part({ alg: 'HS256', typ: 'JWT' })}.${part(claims)}`;
  return `${head}.${createHmac('sha256', SECRET).update(head).digest('base64url')}`;
}

describe('token validity: deleted accounts, tokens without an end or from the future', () => {
  let t: TestApp;
  let clock: ManualClock;
  before(async () => {
    clock = new ManualClock(Date.now());
    t = await makeTestApp({ NOTIFY_WORKER: 'false' }, { clock });
  });
  after(async () => t.close());

  /** Past any "session live" answer an instance may keep beside Redis (none without Redis). */
  const pastTheCache = () => clock.advance((t.config.security.revocationCacheSeconds + 1) * 1000);

  it('a deleted patient: its token reads nothing and its refresh token issues nothing', async () => {
    const reg = await post(t.app, '/api/user/register', { name: 'Gone Soon', email: `gone.${Date.now()}@example.com`, password: 'patient-pass-123' });
    assert.equal(reg.statusCode, 201, reg.body);
    const { token, refreshToken } = json(reg);
    const me = json(await get(t.app, '/api/user/get-profile', bearer(token))).userData._id as string;
    assert.equal((await get(t.app, '/api/user/appointments', bearer(token))).statusCode, 200);

    await t.testDb.database.query('DELETE FROM patients WHERE id = $1', [me]);
    if (!t.app.ctx.redis) {
      // nothing cached without Redis: refused on the very next request
      assert.equal((await get(t.app, '/api/user/appointments', bearer(token))).statusCode, 401);
    }
    pastTheCache();
    for (const url of ['/api/user/appointments', '/api/user/get-profile']) {
      const res = await get(t.app, url, bearer(token));
      assert.equal(res.statusCode, 401, `${url}: ${res.body}`);
      assert.deepEqual(json(res), { success: false, message: 'Session ended, please login again' });
    }
    const refreshed = await post(t.app, '/api/user/refresh', { refreshToken });
    assert.equal(refreshed.statusCode, 401, refreshed.body);
    assert.equal(json(refreshed).message, 'Session ended, please login again');
    assert.equal('token' in json(refreshed), false);
  });

  it('a deleted doctor: its token and refresh token answer 401, and so does a token signed outside a session', async () => {
    const d = await createDoctor(t.app);
    const login = json(await post(t.app, '/api/doctor/login', { email: d.email, password: d.password }));
    const unbound = t.app.ctx.tokens.sign(d.id, 'doctor');
    assert.equal((await get(t.app, '/api/doctor/appointments', bearer(unbound))).statusCode, 200);
    assert.equal((await get(t.app, '/api/doctor/appointments', bearer(login.token))).statusCode, 200);
    await t.testDb.database.query('DELETE FROM doctors WHERE id = $1', [d.id]);
    pastTheCache();
    for (const token of [d.token, login.token, unbound]) {
      const res = await get(t.app, '/api/doctor/appointments', bearer(token));
      assert.equal(res.statusCode, 401, res.body);
    }
    assert.equal((await post(t.app, '/api/doctor/refresh', { refreshToken: login.refreshToken })).statusCode, 401);
    const [row] = await t.testDb.database.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM auth_sessions WHERE account_id = $1 AND revoked_at IS NULL", [d.id]);
    assert.equal(row.n, 0, 'every session of the deleted doctor ended');
  });

  it('refuses tokens without exp, with iat in the future, with no iat, without jti, or living longer than the configured lifetime', async () => {
    const p = await registerPatient(t.app);
    const claims = JSON.parse(Buffer.from(p.token.split('.')[1], 'base64url').toString()) as { id: string; jti: string; iat: number; exp: number };
    const now = Math.floor(Date.now() / 1000);
    const base = { id: p.id, role: 'patient', jti: claims.jti };
    const forged: Record<string, string> = {
      'no exp': sign({ ...base, iat: now }),
      'iat an hour ahead': sign({ ...base, iat: now + 3600, exp: now + 3600 + 600 }),
      'iat a year ahead, no exp': sign({ ...base, iat: now + 365 * 86_400 }),
      'no iat': sign({ ...base, exp: now + 600 }),
      'no jti': sign({ id: p.id, role: 'patient', iat: now, exp: now + 600 }),
      'ten years long': sign({ ...base, iat: now, exp: now + 10 * 365 * 86_400 }),
      'exp as text': sign({ ...base, iat: now, exp: String(now + 600) }),
    };
    for (const [what, token] of Object.entries(forged)) {
      const res = await get(t.app, '/api/user/get-profile', bearer(token));
      assert.equal(res.statusCode, 401, `${what}: ${res.body}`);
      assert.deepEqual(json(res), { success: false, message: 'Invalid token, please login again' }, what);
    }
    // the same session with a proper token still works: only the shape was refused
    assert.equal((await get(t.app, '/api/user/get-profile', bearer(p.token))).statusCode, 200);
    const good = sign({ ...base, iat: now, exp: now + 600 });
    assert.equal((await get(t.app, '/api/user/get-profile', bearer(good))).statusCode, 200);
  });
});
