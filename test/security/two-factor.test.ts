// TOTP second factor for patients, doctors and admins: enrol, confirm, required at login, no replay,
// single-use recovery codes, disable.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../src/lib/clock.js';
import { base32Decode, base32Encode, hotp, totpCode } from '../../src/modules/auth/totp.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, bearer, createDoctor, get, json, makeTestApp, post, registerPatient, type TestApp } from '../helpers/app.js';

describe('security: TOTP', () => {
  it('matches the RFC 6238 / RFC 4226 test vectors', () => {
    const secret = base32Encode(Buffer.from('12345678901234567890'));
    assert.equal(secret, 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ');
    assert.deepEqual(base32Decode(secret), Buffer.from('12345678901234567890'));
    // RFC 4226 appendix D
    assert.deepEqual([0, 1, 2, 9].map((c) => hotp(secret, c)), ['755224', '287082', '359152', '520489']);
    // RFC 6238 appendix B (SHA-1, last 6 digits)
    assert.equal(totpCode(secret, new Date(59_000)), '287082');
    assert.equal(totpCode(secret, new Date(1111111109_000)), '081804');
  });
});

describe('security: two-factor login', () => {
  let t: TestApp;
  const clock = new ManualClock(Date.now());
  before(async () => {
    t = await makeTestApp({}, { clock });
  });
  after(async () => t.close());

  async function enrol(prefix: '/api/user' | '/api/doctor' | '/api/admin', token: string) {
    const setup = await post(t.app, `${prefix}/2fa/setup`, undefined, bearer(token));
    assert.equal(setup.statusCode, 200, setup.body);
    const { secret, otpauthUrl } = json(setup) as { secret: string; otpauthUrl: string };
    assert.match(otpauthUrl, /^otpauth:\/\/totp\/Prescripto%3A.+\?secret=[A-Z2-7]+&issuer=Prescripto/);
    const wrong = await post(t.app, `${prefix}/2fa/confirm`, { code: '000000' === totpCode(secret, clock.now()) ? '111111' : '000000' }, bearer(token));
    assert.equal(wrong.statusCode, 400);
    assert.equal(json(wrong).message, 'Invalid authentication code');
    const confirm = await post(t.app, `${prefix}/2fa/confirm`, { code: totpCode(secret, clock.now()) }, bearer(token));
    assert.equal(confirm.statusCode, 200, confirm.body);
    const codes = json(confirm).recoveryCodes as string[];
    assert.equal(codes.length, 10);
    return { secret, codes };
  }

  it('a doctor with 2FA on needs a fresh code at login; codes do not replay; recovery codes work once', async () => {
    const d = await createDoctor(t.app);
    assert.deepEqual(json(await get(t.app, '/api/doctor/2fa', bearer(d.token))), { success: true, enabled: false });
    const { secret, codes } = await enrol('/api/doctor', d.token);
    assert.deepEqual(json(await get(t.app, '/api/doctor/2fa', bearer(d.token))), { success: true, enabled: true });

    const noCode = await post(t.app, '/api/doctor/login', { email: d.email, password: d.password });
    assert.equal(noCode.statusCode, 401);
    assert.deepEqual(json(noCode), { success: false, message: 'Two-factor authentication code required' });
    assert.equal(noCode.headers['x-2fa-required'], 'totp');

    // the code used to confirm cannot be used again in the same step
    const replay = await post(t.app, '/api/doctor/login', { email: d.email, password: d.password, otp: totpCode(secret, clock.now()) });
    assert.equal(replay.statusCode, 401);
    assert.match(json(replay).message, /already used/);

    clock.advance(30_000);
    const ok = await post(t.app, '/api/doctor/login', { email: d.email, password: d.password, otp: totpCode(secret, clock.now()) });
    assert.equal(ok.statusCode, 200, ok.body);
    assert.equal(typeof json(ok).refreshToken, 'string');

    const badPassword = await post(t.app, '/api/doctor/login', { email: d.email, password: 'wrong-password', otp: totpCode(secret, clock.now()) });
    assert.equal(badPassword.statusCode, 401);
    assert.equal(json(badPassword).message, 'Invalid credentials');

    const recovery = await post(t.app, '/api/doctor/login', { email: d.email, password: d.password, otp: codes[0].toUpperCase() });
    assert.equal(recovery.statusCode, 200);
    const reused = await post(t.app, '/api/doctor/login', { email: d.email, password: d.password, otp: codes[0] });
    assert.equal(reused.statusCode, 401);
    assert.deepEqual(json(reused), { success: false, message: 'Invalid authentication code' });

    // stored hashed
    const [row] = await t.testDb.database.query<{ recovery_hashes: string[] }>('SELECT recovery_hashes FROM two_factor WHERE account_id = $1', [d.id]);
    assert.equal(row.recovery_hashes.length, 9);
    assert.ok(!row.recovery_hashes.includes(codes[1]));

    // setup again while on: refused; disable needs a code
    assert.equal((await post(t.app, '/api/doctor/2fa/setup', undefined, bearer(d.token))).statusCode, 409);
    assert.equal((await post(t.app, '/api/doctor/2fa/disable', { code: '123' }, bearer(d.token))).statusCode, 401);
    clock.advance(30_000);
    const off = await post(t.app, '/api/doctor/2fa/disable', { code: totpCode(secret, clock.now()) }, bearer(d.token));
    assert.equal(off.statusCode, 200);
    assert.equal((await post(t.app, '/api/doctor/login', { email: d.email, password: d.password })).statusCode, 200);
  });

  it('turning it on ends every other session of the account (they logged in with the password alone)', async () => {
    const d = await createDoctor(t.app);
    const other = json(await post(t.app, '/api/doctor/login', { email: d.email, password: d.password }));
    assert.equal((await get(t.app, '/api/doctor/profile', bearer(other.token))).statusCode, 200);
    const { secret } = await enrol('/api/doctor', d.token);
    // the session that turned it on carries on
    assert.equal((await get(t.app, '/api/doctor/profile', bearer(d.token))).statusCode, 200);
    const ended = await get(t.app, '/api/doctor/profile', bearer(other.token));
    assert.equal(ended.statusCode, 401);
    assert.deepEqual(json(ended), { success: false, message: 'Session ended, please login again' });
    assert.equal((await post(t.app, '/api/doctor/refresh', { refreshToken: other.refreshToken })).statusCode, 401);
    clock.advance(30_000);
    const back = await post(t.app, '/api/doctor/login', { email: d.email, password: d.password, otp: totpCode(secret, clock.now()) });
    assert.equal(back.statusCode, 200);
    assert.equal((await get(t.app, '/api/doctor/profile', bearer(json(back).token))).statusCode, 200);
  });

  it('works for the admin too', async () => {
    const login = json(await post(t.app, '/api/admin/login', { email: ADMIN_EMAIL, password: ADMIN_PASSWORD }));
    const { secret } = await enrol('/api/admin', login.token);
    assert.equal((await post(t.app, '/api/admin/login', { email: ADMIN_EMAIL, password: ADMIN_PASSWORD })).statusCode, 401);
    clock.advance(30_000);
    const ok = await post(t.app, '/api/admin/login', { email: ADMIN_EMAIL, password: ADMIN_PASSWORD, otp: totpCode(secret, clock.now()) });
    assert.equal(ok.statusCode, 200);
    clock.advance(30_000);
    assert.equal((await post(t.app, '/api/admin/2fa/disable', { code: totpCode(secret, clock.now()) }, bearer(json(ok).token))).statusCode, 200);

  });

  it('a patient can turn it on, then needs a code at login, and can turn it off; a patient token cannot enrol a doctor factor', async () => {
    const p = await registerPatient(t.app);
    assert.deepEqual(json(await get(t.app, '/api/user/2fa', bearer(p.token))), { success: true, enabled: false });
    const { secret } = await enrol('/api/user', p.token);
    assert.deepEqual(json(await get(t.app, '/api/user/2fa', bearer(p.token))), { success: true, enabled: true });

    const noCode = await post(t.app, '/api/user/login', { email: p.email, password: p.password });
    assert.equal(noCode.statusCode, 401);
    assert.deepEqual(json(noCode), { success: false, message: 'Two-factor authentication code required' });
    assert.equal(noCode.headers['x-2fa-required'], 'totp');

    clock.advance(30_000);
    const current = totpCode(secret, clock.now());
    const wrong = await post(t.app, '/api/user/login', { email: p.email, password: p.password, otp: current === '000000' ? '111111' : '000000' });
    assert.equal(wrong.statusCode, 401);
    assert.deepEqual(json(wrong), { success: false, message: 'Invalid authentication code' });

    const ok = await post(t.app, '/api/user/login', { email: p.email, password: p.password, otp: current });
    assert.equal(ok.statusCode, 200, ok.body);
    const session = json(ok);
    assert.equal((await get(t.app, '/api/user/get-profile', bearer(session.token))).statusCode, 200);

    // disabling needs a good code, then the password alone is enough again
    assert.equal((await post(t.app, '/api/user/2fa/disable', { code: '123' }, bearer(session.token))).statusCode, 401);
    clock.advance(30_000);
    const off = await post(t.app, '/api/user/2fa/disable', { code: totpCode(secret, clock.now()) }, bearer(session.token));
    assert.equal(off.statusCode, 200, off.body);
    assert.deepEqual(json(await get(t.app, '/api/user/2fa', bearer(session.token))), { success: true, enabled: false });
    assert.equal((await post(t.app, '/api/user/login', { email: p.email, password: p.password })).statusCode, 200);

    // a patient token cannot enrol a doctor factor
    assert.equal((await post(t.app, '/api/doctor/2fa/setup', undefined, bearer(p.token))).statusCode, 403);
  });
});
