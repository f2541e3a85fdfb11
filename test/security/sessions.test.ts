// Sessions: expiring access tokens, rotating refresh tokens (reuse revokes the family), logout,
// revocation shared across instances, password change ending every session, pinned algorithm.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createSigner } from 'fast-jwt';
import {
  ADMIN_EMAIL,
  ADMIN_PASSWORD,
  bearer,
  createDoctor,
  get,
  json,
  makeTestApp,
  post,
  registerPatient,
  type TestApp,
} from '../helpers/app.js';

const SECRET = 'test-secret-that-is-long-enough-123';

function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')) as Record<string, unknown>;
}

const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');

async function login(t: TestApp, email: string, password: string) {
  const res = await post(t.app, '/api/user/login', { email, password });
  assert.equal(res.statusCode, 200, res.body);
  return json(res) as { token: string; refreshToken: string };
}

describe('security: sessions', () => {
  let t: TestApp;
  let t2: TestApp;
  before(async () => {
    const prefix = `tsess${Date.now().toString(36)}:`;
    t = await makeTestApp({ REDIS_PREFIX: prefix });
    // a second instance on the same database (and Redis, when set): revocation must reach it
    t2 = await makeTestApp({ REDIS_PREFIX: prefix }, { testDb: t.testDb });
  });
  after(async () => {
    await t2.close();
    await t.close();
  });

  it('login answers an access token that expires after 24 h by default and carries only id, role and ids', async () => {
    const p = await registerPatient(t.app);
    const body = await login(t, p.email, p.password);
    assert.equal(typeof body.refreshToken, 'string');
    assert.ok(body.refreshToken.length >= 40);
    const c = claimsOf(body.token);
    assert.deepEqual(Object.keys(c).sort(), ['exp', 'iat', 'id', 'jti', 'role']);
    assert.equal(c.role, 'patient');
    assert.equal(c.id, p.id);
    assert.equal(Number(c.exp) - Number(c.iat), 24 * 3600);
    const header = JSON.parse(Buffer.from(body.token.split('.')[0], 'base64url').toString()) as { alg: string };
    assert.equal(header.alg, 'HS256');
  });

  it('doctor and admin logins answer refresh tokens too, and each refreshes only at its own role', async () => {
    const d = await createDoctor(t.app);
    const dl = json(await post(t.app, '/api/doctor/login', { email: d.email, password: d.password }));
    assert.equal(typeof dl.refreshToken, 'string');
    const al = json(await post(t.app, '/api/admin/login', { email: ADMIN_EMAIL, password: ADMIN_PASSWORD }));
    assert.equal(typeof al.refreshToken, 'string');

    const wrongRole = await post(t.app, '/api/user/refresh', { refreshToken: dl.refreshToken });
    assert.equal(wrongRole.statusCode, 401);
    assert.deepEqual(json(wrongRole), { success: false, message: 'Invalid refresh token, please login again' });

    const ok = await post(t.app, '/api/admin/refresh', { refreshToken: al.refreshToken });
    assert.equal(ok.statusCode, 200);
    const res = await get(t.app, '/api/admin/all-doctors', bearer(json(ok).token));
    assert.equal(res.statusCode, 200);
  });

  it('refresh rotates; presenting a used refresh token revokes the whole family', async () => {
    const p = await registerPatient(t.app);
    const first = await login(t, p.email, p.password);
    const r1 = await post(t.app, '/api/user/refresh', { refreshToken: first.refreshToken });
    assert.equal(r1.statusCode, 200);
    const second = json(r1) as { success: boolean; token: string; refreshToken: string };
    assert.equal(second.success, true);
    assert.notEqual(second.refreshToken, first.refreshToken);
    assert.equal((await get(t.app, '/api/user/get-profile', bearer(second.token))).statusCode, 200);

    // the old one again: refused, and the family (including the newest tokens) is ended
    const reuse = await post(t.app, '/api/user/refresh', { refreshToken: first.refreshToken });
    assert.equal(reuse.statusCode, 401);
    assert.match(json(reuse).message, /already used/);
    const after1 = await post(t.app, '/api/user/refresh', { refreshToken: second.refreshToken });
    assert.equal(after1.statusCode, 401);
    assert.equal(json(after1).message, 'Session ended, please login again');
    const profile = await get(t.app, '/api/user/get-profile', bearer(second.token));
    assert.equal(profile.statusCode, 401);
    assert.deepEqual(json(profile), { success: false, message: 'Session ended, please login again' });
    // another login of the same account is unaffected
    const other = await login(t, p.email, p.password);
    assert.equal((await get(t.app, '/api/user/get-profile', bearer(other.token))).statusCode, 200);
  });

  it('stores refresh tokens hashed, never as issued', async () => {
    const p = await registerPatient(t.app);
    const s = await login(t, p.email, p.password);
    const rows = await t.testDb.database.query<{ token_hash: string }>('SELECT token_hash FROM refresh_tokens');
    assert.ok(rows.length > 0);
    assert.ok(rows.every((r) => r.token_hash !== s.refreshToken && /^[0-9a-f]{64}$/.test(r.token_hash)));
  });

  it('refuses unknown, empty and malformed refresh tokens', async () => {
    const unknown = await post(t.app, '/api/user/refresh', { refreshToken: 'x'.repeat(43) });
    assert.equal(unknown.statusCode, 401);
    assert.equal(json(unknown).message, 'Invalid refresh token, please login again');
    const empty = await post(t.app, '/api/user/refresh', { refreshToken: '' });
    assert.equal(empty.statusCode, 400);
    const missing = await post(t.app, '/api/user/refresh', {});
    assert.deepEqual(json(missing), { success: false, message: 'Missing Details' });
    const op = await post(t.app, '/api/user/refresh', { refreshToken: { $ne: null } });
    assert.equal(op.statusCode, 400);
  });

  it('logout revokes the token and its refresh token, on every instance', async () => {
    const p = await registerPatient(t.app);
    const s = await login(t, p.email, p.password);
    assert.equal((await get(t2.app, '/api/user/get-profile', bearer(s.token))).statusCode, 200);
    const out = await post(t.app, '/api/user/logout', {}, bearer(s.token));
    assert.equal(out.statusCode, 200);
    assert.deepEqual(json(out), { success: true, message: 'Logged out' });
    for (const app of [t.app, t2.app]) {
      const res = await get(app, '/api/user/get-profile', bearer(s.token));
      assert.equal(res.statusCode, 401);
      assert.deepEqual(json(res), { success: false, message: 'Session ended, please login again' });
      // legacy header too
      assert.equal((await get(app, '/api/user/get-profile', { token: s.token })).statusCode, 401);
    }
    const refresh = await post(t2.app, '/api/user/refresh', { refreshToken: s.refreshToken });
    assert.equal(refresh.statusCode, 401);
    // logging out twice is harmless but needs a live token
    assert.equal((await post(t.app, '/api/user/logout', {}, bearer(s.token))).statusCode, 401);
  });

  it('logout with the refresh token alone works once the access token has expired', async () => {
    const p = await registerPatient(t.app);
    const s = await login(t, p.email, p.password);
    const now = Math.floor(Date.now() / 1000);
    const claims = claimsOf(s.token);
    // the same session's access token, expired
    const expired = createSigner({ key: SECRET, algorithm: 'HS256' })({ id: p.id, role: 'patient', jti: claims.jti, iat: now - 7200, exp: now - 60 });
    const out = await post(t.app, '/api/user/logout', { refreshToken: s.refreshToken }, bearer(expired));
    assert.equal(out.statusCode, 200, out.body);
    assert.deepEqual(json(out), { success: true, message: 'Logged out' });
    assert.equal((await post(t2.app, '/api/user/refresh', { refreshToken: s.refreshToken })).statusCode, 401);
    assert.equal((await get(t2.app, '/api/user/get-profile', bearer(s.token))).statusCode, 401);

    // no access token at all, too
    const s2 = await login(t, p.email, p.password);
    assert.equal((await post(t.app, '/api/user/logout', { refreshToken: s2.refreshToken })).statusCode, 200);
    assert.equal((await get(t.app, '/api/user/get-profile', bearer(s2.token))).statusCode, 401);

    // a refresh token of another role, or an unknown one, ends nothing
    const d = await createDoctor(t.app);
    const dl = json(await post(t.app, '/api/doctor/login', { email: d.email, password: d.password }));
    const wrongRole = await post(t.app, '/api/user/logout', { refreshToken: dl.refreshToken });
    assert.equal(wrongRole.statusCode, 401);
    assert.deepEqual(json(wrongRole), { success: false, message: 'Invalid refresh token, please login again' });
    assert.equal((await get(t.app, '/api/doctor/profile', bearer(dl.token))).statusCode, 200);
    assert.equal((await post(t.app, '/api/user/logout', { refreshToken: 'x'.repeat(43) })).statusCode, 401);
  });

  it('logout needs a token of its own role', async () => {
    const p = await registerPatient(t.app);
    const res = await post(t.app, '/api/doctor/logout', {}, bearer(p.token));
    assert.equal(res.statusCode, 403);
    assert.equal(json(res).success, false);
    const none = await post(t.app, '/api/doctor/logout', {});
    assert.equal(none.statusCode, 401);
    // without any body too: the token is judged first
    assert.equal((await post(t.app, '/api/doctor/logout')).statusCode, 401);
    assert.equal((await post(t.app, '/api/doctor/logout', undefined, bearer(p.token))).statusCode, 403);
    // and a body-less logout with a good token works (most clients send no body)
    const mine = await post(t.app, '/api/user/logout', undefined, bearer(p.token));
    assert.equal(mine.statusCode, 200, mine.body);
    assert.equal((await get(t.app, '/api/user/get-profile', bearer(p.token))).statusCode, 401);
  });

  it('changing the password ends every session of the account', async () => {
    const p = await registerPatient(t.app);
    const a = await login(t, p.email, p.password);
    const b = await login(t, p.email, p.password);
    const wrong = await post(t.app, '/api/user/change-password', { oldPassword: 'not-it-123', newPassword: 'brand-new-pass-1' }, bearer(a.token));
    assert.equal(wrong.statusCode, 400);
    assert.equal(json(wrong).message, 'The current password is not correct');
    assert.equal((await get(t.app, '/api/user/get-profile', bearer(b.token))).statusCode, 200);

    const ok = await post(t.app, '/api/user/change-password', { oldPassword: p.password, newPassword: 'brand-new-pass-1' }, bearer(a.token));
    assert.equal(ok.statusCode, 200);
    for (const s of [a, b]) {
      assert.equal((await get(t2.app, '/api/user/get-profile', bearer(s.token))).statusCode, 401);
      assert.equal((await post(t.app, '/api/user/refresh', { refreshToken: s.refreshToken })).statusCode, 401);
    }
    assert.equal((await post(t.app, '/api/user/login', { email: p.email, password: p.password })).statusCode, 401);
    const fresh = await login(t, p.email, 'brand-new-pass-1');
    assert.equal((await get(t.app, '/api/user/get-profile', bearer(fresh.token))).statusCode, 200);
  });

  it('refuses expired tokens, foreign signatures, alg none and HS/RS confusion', async () => {
    const p = await registerPatient(t.app);
    const now = Math.floor(Date.now() / 1000);
    const expired = createSigner({ key: SECRET, algorithm: 'HS256' })({ id: p.id, role: 'patient', jti: 'x', iat: now - 7200, exp: now - 3600 });
    const r1 = await get(t.app, '/api/user/get-profile', bearer(expired));
    assert.equal(r1.statusCode, 401);
    assert.deepEqual(json(r1), { success: false, message: 'Session expired, please login again' });

    const foreign = createSigner({ key: 'another-secret-that-is-long-enough', algorithm: 'HS256', expiresIn: 60_000 })({ id: p.id, role: 'patient', jti: 'y' });
    const none = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ id: p.id, role: 'patient', jti: 'z', iat: now, exp: now + 600 })}.`;
    const hs512 = (() => {
      const head = b64({ alg: 'HS512', typ: 'JWT' });
      const body = b64({ id: p.id, role: 'patient', jti: 'w', iat: now, exp: now + 600 });
      return `${head}.${body}.${createHmac('sha512', SECRET).update(`${head}.${body}`).digest('base64url')}`;
    })();
    const rs = (() => {
      const head = b64({ alg: 'RS256', typ: 'JWT' });
      const body = b64({ id: p.id, role: 'admin', jti: 'v', iat: now, exp: now + 600 });
      return `${head}.${body}.${createHmac('sha256', SECRET).update(`${head}.${body}`).digest('base64url')}`;
    })();
    for (const bad of [foreign, none, hs512, rs, 'not-a-jwt', `${p.token}x`]) {
      const res = await get(t.app, '/api/user/get-profile', bearer(bad));
      assert.equal(res.statusCode, 401, bad);
      assert.deepEqual(json(res), { success: false, message: 'Invalid token, please login again' });
    }
  });

  it('a new ADMIN_PASSWORD at start ends the sessions opened with the old one (runs last: it changes the admin password)', async () => {
    const old = json(await post(t.app, '/api/admin/login', { email: ADMIN_EMAIL, password: ADMIN_PASSWORD }));
    assert.equal((await get(t.app, '/api/admin/all-doctors', bearer(old.token))).statusCode, 200);
    const t3 = await makeTestApp({ REDIS_PREFIX: t.config.redisPrefix, ADMIN_PASSWORD: 'rotated-admin-pass-1' }, { testDb: t.testDb });
    try {
      const res = await get(t.app, '/api/admin/all-doctors', bearer(old.token));
      assert.equal(res.statusCode, 401);
      assert.equal((await post(t3.app, '/api/admin/refresh', { refreshToken: old.refreshToken })).statusCode, 401);
      assert.equal((await post(t3.app, '/api/admin/login', { email: ADMIN_EMAIL, password: 'rotated-admin-pass-1' })).statusCode, 200);
    } finally {
      await t3.close();
    }
  });
});
