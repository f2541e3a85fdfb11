import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bearer, form, get, json, makeTestApp, pngBytes, post, registerPatient, uniqueEmail, type TestApp } from '../../helpers/app.js';

describe('patients: /api/user', () => {
  let t: TestApp;
  before(async () => {
    t = await makeTestApp();
  });
  after(async () => t.close());

  describe('register', () => {
    it('creates an account and returns a token', async () => {
      const res = await post(t.app, '/api/user/register', { name: 'Ann', email: uniqueEmail(), password: 'long-enough-1' });
      assert.equal(res.statusCode, 201);
      const body = json(res);
      assert.equal(body.success, true);
      assert.match(body.token, /^ey/);
    });

    for (const [name, payload] of [
      ['no name', { email: 'a@b.co', password: 'long-enough-1' }],
      ['no email', { name: 'A', password: 'long-enough-1' }],
      ['no password', { name: 'A', email: 'a@b.co' }],
      ['empty name', { name: '', email: 'a@b.co', password: 'long-enough-1' }],
    ] as const) {
      it(`refuses ${name} with "Missing Details"`, async () => {
        const res = await post(t.app, '/api/user/register', payload);
        assert.equal(res.statusCode, 400);
        assert.deepEqual(json(res), { success: false, message: 'Missing Details' });
      });
    }

    it('refuses an invalid email', async () => {
      const res = await post(t.app, '/api/user/register', { name: 'A', email: 'not-an-email', password: 'long-enough-1' });
      assert.equal(res.statusCode, 400);
      assert.equal(json(res).message, 'Please enter a valid email');
    });

    it('refuses a password longer than the 72 bytes bcrypt reads; older long ones still log in', async () => {
      const chars = await post(t.app, '/api/user/register', { name: 'A', email: uniqueEmail(), password: 'p'.repeat(73) });
      assert.equal(chars.statusCode, 400);
      assert.equal(json(chars).message, 'password must be at most 72 characters');
      const bytes = await post(t.app, '/api/user/register', { name: 'A', email: uniqueEmail(), password: '🔑'.repeat(19) }); // 38 characters, 76 bytes
      assert.equal(bytes.statusCode, 400);
      assert.equal(json(bytes).message, 'Password is too long: at most 72 bytes (72 plain letters; accented letters and emoji count 2–4 each)');
      const fits = await post(t.app, '/api/user/register', { name: 'A', email: uniqueEmail(), password: 'é'.repeat(36) }); // 72 bytes
      assert.equal(fits.statusCode, 201, fits.body);
      // a hash made before the cap from a longer password: login still takes up to 128 characters
      const p = await registerPatient(t.app);
      const { hashPassword } = await import('../../../src/modules/auth/passwords.js');
      await t.app.ctx.database.query('UPDATE patients SET password_hash = $1 WHERE id = $2', [await hashPassword('x'.repeat(100)), p.id]);
      assert.equal((await post(t.app, '/api/user/login', { email: p.email, password: 'x'.repeat(100) })).statusCode, 200);
    });

    it('refuses a short password', async () => {
      const res = await post(t.app, '/api/user/register', { name: 'A', email: uniqueEmail(), password: 'short' });
      assert.equal(res.statusCode, 400);
      assert.equal(json(res).message, 'Please enter a strong password');
    });

    it('refuses a duplicate email, whatever its case', async () => {
      const email = uniqueEmail();
      await registerPatient(t.app, { email });
      const res = await post(t.app, '/api/user/register', { name: 'B', email: email.toUpperCase(), password: 'long-enough-1' });
      assert.equal(res.statusCode, 409);
      assert.equal(json(res).success, false);
    });

    it('stores a bcrypt hash at cost 10, never the password', async () => {
      // the default cost, not the fixtures' cheap one (testEnv)
      const own = await makeTestApp({ BCRYPT_ROUNDS: undefined });
      try {
        const p = await registerPatient(own.app);
        const rows = await own.testDb.database.query<{ password_hash: string }>('SELECT password_hash FROM patients WHERE id = $1', [p.id]);
        assert.match(rows[0].password_hash, /^\$2[aby]\$10\$/);
      } finally {
        await own.close();
      }
    });

    it('refuses MongoDB operator objects', async () => {
      const res = await post(t.app, '/api/user/register', { name: 'A', email: { $ne: null }, password: 'long-enough-1' });
      assert.equal(res.statusCode, 400);
      assert.equal(json(res).success, false);
    });
  });

  describe('login', () => {
    it('logs in with the right password, case-insensitive email', async () => {
      const p = await registerPatient(t.app);
      const res = await post(t.app, '/api/user/login', { email: p.email.toUpperCase(), password: p.password });
      assert.equal(res.statusCode, 200);
      assert.match(json(res).token, /^ey/);
    });

    it('refuses a wrong password and an unknown email alike', async () => {
      const p = await registerPatient(t.app);
      const wrong = await post(t.app, '/api/user/login', { email: p.email, password: 'wrong-password' });
      const unknown = await post(t.app, '/api/user/login', { email: uniqueEmail(), password: 'wrong-password' });
      assert.equal(wrong.statusCode, 401);
      assert.equal(unknown.statusCode, 401);
      assert.equal(json(wrong).message, json(unknown).message);
    });

    it('refuses operator injection in login', async () => {
      const res = await post(t.app, '/api/user/login', { email: { $ne: null }, password: { $ne: null } });
      assert.equal(res.statusCode, 400);
    });

    it('answers malformed JSON with 400 and the envelope', async () => {
      const res = await t.app.inject({ method: 'POST', url: '/api/user/login', payload: '{"email":', headers: { 'content-type': 'application/json' } });
      assert.equal(res.statusCode, 400);
      assert.deepEqual(json(res), { success: false, message: 'The request body is not valid JSON' });
    });

    it('answers an oversized body with 413', async () => {
      const res = await post(t.app, '/api/user/login', { email: 'a@b.co', password: 'x'.repeat(2 * 1024 * 1024) });
      assert.equal(res.statusCode, 413);
      assert.equal(json(res).success, false);
    });
  });

  describe('profile', () => {
    it('returns the profile with the spec defaults and no password', async () => {
      const p = await registerPatient(t.app, { name: 'Defaults' });
      const res = await get(t.app, '/api/user/get-profile', bearer(p.token));
      assert.equal(res.statusCode, 200);
      const { userData } = json(res);
      assert.equal(userData._id, p.id);
      assert.equal(userData.phone, '000000000');
      assert.equal(userData.gender, 'Not Selected');
      assert.equal(userData.dob, 'Not Selected');
      assert.deepEqual(userData.address, { line1: '', line2: '' });
      assert.match(userData.image, /^http/);
      assert.equal('password' in userData, false);
      assert.equal('passwordHash' in userData, false);
    });

    it('accepts the legacy `token` header', async () => {
      const p = await registerPatient(t.app);
      const res = await get(t.app, '/api/user/get-profile', { token: p.token });
      assert.equal(res.statusCode, 200);
    });

    it('refuses a missing or invalid token with 401', async () => {
      assert.equal((await get(t.app, '/api/user/get-profile')).statusCode, 401);
      const res = await get(t.app, '/api/user/get-profile', bearer('not.a.jwt'));
      assert.equal(res.statusCode, 401);
      assert.equal(json(res).success, false);
    });

    it('updates with JSON, address as object', async () => {
      const p = await registerPatient(t.app);
      const res = await post(t.app, '/api/user/update-profile', { name: 'New Name', phone: '9876543210', address: { line1: 'a', line2: 'b' }, gender: 'Female', dob: '1990-04-21' }, bearer(p.token));
      assert.equal(res.statusCode, 200);
      const { userData } = json(await get(t.app, '/api/user/get-profile', bearer(p.token)));
      assert.equal(userData.name, 'New Name');
      assert.equal(userData.phone, '9876543210');
      assert.deepEqual(userData.address, { line1: 'a', line2: 'b' });
      assert.equal(userData.gender, 'Female');
      assert.equal(userData.dob, '1990-04-21');
    });

    it('updates with multipart, address as a JSON string, and an image', async () => {
      const p = await registerPatient(t.app);
      const res = await post(t.app, '/api/user/update-profile', form({ name: 'Multi', address: JSON.stringify({ line1: 'x', line2: 'y' }) }, { bytes: await pngBytes() }), bearer(p.token));
      assert.equal(res.statusCode, 200, res.body);
      const { userData } = json(res);
      assert.equal(userData.name, 'Multi');
      assert.deepEqual(userData.address, { line1: 'x', line2: 'y' });
      assert.match(userData.image, /\/uploads\/[a-f0-9]{32}-512\.webp$/);
      const img = await get(t.app, new URL(userData.image).pathname);
      assert.equal(img.statusCode, 200);
      assert.equal(img.headers['content-type'], 'image/webp');
    });

    it('ignores fields that could change state (mass assignment)', async () => {
      const p = await registerPatient(t.app);
      const res = await post(t.app, '/api/user/update-profile', { name: 'Safe', email: 'evil@example.com', password: 'hijacked-123', payment: true, isCompleted: true, amount: 0, _id: '000000000000000000000000' }, bearer(p.token));
      assert.equal(res.statusCode, 200);
      const { userData } = json(await get(t.app, '/api/user/get-profile', bearer(p.token)));
      assert.equal(userData.email, p.email);
      assert.equal(userData._id, p.id);
      const login = await post(t.app, '/api/user/login', { email: p.email, password: p.password });
      assert.equal(login.statusCode, 200);
    });

    it('refuses bad values with a clear message', async () => {
      const p = await registerPatient(t.app);
      for (const [body, msg] of [
        [{ gender: 'Robot' }, /gender/],
        [{ dob: 'yesterday' }, /Date of birth/],
        [{ phone: 'call me' }, /phone/],
        [{ address: '{not json' }, /address/],
        [{ name: { $gt: '' } }, /name/],
      ] as const) {
        const res = await post(t.app, '/api/user/update-profile', body, bearer(p.token));
        assert.equal(res.statusCode, 400, JSON.stringify(body));
        assert.match(json(res).message, msg);
      }
    });

    it('refuses JSON values of the wrong type instead of converting them', async () => {
      const p = await registerPatient(t.app, { name: 'Kept Name' });
      for (const [body, message] of [
        [{ name: 42 }, 'name must be a string'],
        [{ phone: ['123456789'] }, 'phone must be a string'],
        [{ phone: 123456789 }, 'phone must be a string'],
        [{ name: null }, 'name must be a string'],
      ] as const) {
        const res = await post(t.app, '/api/user/update-profile', body, bearer(p.token));
        assert.equal(res.statusCode, 400, JSON.stringify(body));
        assert.equal(json(res).message, message);
      }
      const { userData } = json(await get(t.app, '/api/user/get-profile', bearer(p.token)));
      assert.deepEqual([userData.name, userData.phone], ['Kept Name', '000000000']);
      const login = await post(t.app, '/api/user/login', { email: 5, password: 'patient-pass-123' });
      assert.equal(login.statusCode, 400);
      assert.equal(json(login).message, 'email must be a string');
    });

    it('a doctor token cannot open patient routes (403)', async () => {
      const { createDoctor } = await import('../../helpers/app.js');
      const d = await createDoctor(t.app);
      const res = await get(t.app, '/api/user/get-profile', bearer(d.token));
      assert.equal(res.statusCode, 403);
    });
  });
});
