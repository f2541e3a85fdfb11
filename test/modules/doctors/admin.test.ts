import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createSigner } from 'fast-jwt';
import {
  ADMIN_EMAIL, ADMIN_PASSWORD, adminToken, bearer, createDoctor, doctorFields, form, get, json, makeTestApp, pngBytes, post,
  registerPatient, type TestApp,
} from '../../helpers/app.js';

describe('admin and doctors', () => {
  let t: TestApp;
  let atoken: string;
  before(async () => {
    t = await makeTestApp();
    atoken = await adminToken(t.app);
  });
  after(async () => t.close());

  describe('admin login', () => {
    it('logs in with the configured credentials, stored hashed at cost 10', async () => {
      // the default cost, not the fixtures' cheap one (testEnv)
      const own = await makeTestApp({ BCRYPT_ROUNDS: undefined });
      try {
        const res = await post(own.app, '/api/admin/login', { email: ADMIN_EMAIL, password: ADMIN_PASSWORD });
        assert.equal(res.statusCode, 200);
        const rows = await own.testDb.database.query<{ password_hash: string }>('SELECT password_hash FROM admins');
        assert.equal(rows.length, 1);
        assert.match(rows[0].password_hash, /^\$2[aby]\$10\$/);
      } finally {
        await own.close();
      }
    });

    it('refuses wrong credentials with 401 and missing ones with 400', async () => {
      assert.equal((await post(t.app, '/api/admin/login', { email: ADMIN_EMAIL, password: 'nope-nope' })).statusCode, 401);
      const r = await post(t.app, '/api/admin/login', { email: ADMIN_EMAIL });
      assert.equal(r.statusCode, 400);
      assert.equal(json(r).message, 'Missing Details');
    });

    it('a changed ADMIN_EMAIL leaves one admin: the old one can no longer log in, its sessions end', async () => {
      const oldToken = await adminToken(t.app);
      const renamed = await makeTestApp({ ADMIN_EMAIL: 'new.admin@prescripto.test', ADMIN_PASSWORD: 'new-admin-password' }, { testDb: t.testDb });
      try {
        const oldLogin = await post(renamed.app, '/api/admin/login', { email: ADMIN_EMAIL, password: ADMIN_PASSWORD });
        assert.equal(oldLogin.statusCode, 401, oldLogin.body);
        const oldSession = await get(renamed.app, '/api/admin/all-doctors', bearer(oldToken));
        assert.equal(oldSession.statusCode, 401, oldSession.body);
        const rows = await t.testDb.database.query<{ email: string }>('SELECT email FROM admins');
        assert.deepEqual(rows.map((r) => r.email), ['new.admin@prescripto.test']);
        const newLogin = await post(renamed.app, '/api/admin/login', { email: 'new.admin@prescripto.test', password: 'new-admin-password' });
        assert.equal(newLogin.statusCode, 200, newLogin.body);
      } finally {
        await renamed.close();
      }
      // back to the suite's admin (the other tests log in with it); the renamed one is removed in turn
      await t.app.ctx.admin.bootstrap();
      atoken = await adminToken(t.app);
      assert.equal((await t.testDb.database.query('SELECT id FROM admins')).length, 1);
    });
  });

  describe('add-doctor', () => {
    it('creates a doctor from a multipart form with an image; address as JSON string', async () => {
      const fields = doctorFields({ name: 'Dr. Added', fees: 450 });
      const res = await post(t.app, '/api/admin/add-doctor', form(fields, { bytes: await pngBytes() }), bearer(atoken));
      assert.equal(res.statusCode, 201, res.body);
      const { doctor } = json(res);
      assert.equal(doctor.name, 'Dr. Added');
      assert.equal(doctor.fees, 450);
      assert.equal(doctor.available, true);
      assert.deepEqual(doctor.address, fields.address);
      assert.match(doctor.image, /^http.*\/uploads\//);
      assert.equal('password' in doctor, false);
    });

    it('accepts the legacy atoken header', async () => {
      const res = await post(t.app, '/api/admin/add-doctor', form(doctorFields(), { bytes: await pngBytes() }), { atoken });
      assert.equal(res.statusCode, 201, res.body);
    });

    it('accepts a form without password (the doctor sets theirs through the welcome email)', async () => {
      const fields: Record<string, unknown> = doctorFields();
      delete fields.password;
      const res = await post(t.app, '/api/admin/add-doctor', form(fields as Record<string, string>, { bytes: await pngBytes() }), bearer(atoken));
      assert.equal(res.statusCode, 201, res.body);
    });

    for (const field of ['name', 'email', 'speciality', 'degree', 'experience', 'about', 'fees', 'address']) {
      it(`refuses a form without ${field} ("Missing Details")`, async () => {
        const fields: Record<string, unknown> = doctorFields();
        delete fields[field];
        const res = await post(t.app, '/api/admin/add-doctor', form(fields as Record<string, string>, { bytes: await pngBytes() }), bearer(atoken));
        assert.equal(res.statusCode, 400);
        assert.match(json(res).message, /^Missing Details/);
      });
    }

    it('refuses a form without an image', async () => {
      const res = await post(t.app, '/api/admin/add-doctor', form(doctorFields()), bearer(atoken));
      assert.equal(res.statusCode, 400);
      assert.match(json(res).message, /image/);
    });

    for (const [name, override, message] of [
      ['an invalid email', { email: 'nope' }, /valid email/],
      ['a weak password', { password: 'short' }, /strong password/],
      ['negative fees', { fees: -5 }, /fees/],
      ['non-numeric fees', { fees: 'lots' }, /fees/],
      ['an unparseable address', { address: '{oops' }, /address/],
      ['an address without its first line', { address: {} }, /^Missing Details: the address needs its first line \(line1\)$/],
      ['an address with a blank first line', { address: { line1: '  ', line2: 'x' } }, /line1/],
      ['a password bcrypt would cut (73 characters)', { password: 'p'.repeat(73) }, /^password must be at most 72 characters$/],
      ['a password bcrypt would cut (40 characters, 80 bytes)', { password: 'é'.repeat(40) }, /^Password is too long: at most 72 bytes/],
    ] as const) {
      it(`refuses ${name}`, async () => {
        const fields = { ...doctorFields(), ...override };
        const res = await post(t.app, '/api/admin/add-doctor', form(fields as unknown as Record<string, string>, { bytes: await pngBytes() }), bearer(atoken));
        assert.equal(res.statusCode, 400, res.body);
        assert.match(json(res).message, message);
      });
    }

    it('refuses a duplicate email with 409', async () => {
      const d = await createDoctor(t.app);
      const res = await post(t.app, '/api/admin/add-doctor', form(doctorFields({ email: d.email.toUpperCase() }), { bytes: await pngBytes() }), bearer(atoken));
      assert.equal(res.statusCode, 409);
    });

    it('refuses a file that is not an image', async () => {
      const res = await post(t.app, '/api/admin/add-doctor', form(doctorFields(), { bytes: Buffer.from('not an image at all'), name: 'x.png' }), bearer(atoken));
      assert.equal(res.statusCode, 415);
      assert.equal(json(res).success, false);
    });

    it('is admin-only', async () => {
      const p = await registerPatient(t.app);
      const d = await createDoctor(t.app);
      const attempts: Record<string, string>[] = [{}, bearer(p.token), bearer(d.token), { atoken: p.token }];
      for (const headers of attempts) {
        const res = await post(t.app, '/api/admin/add-doctor', form(doctorFields(), { bytes: await pngBytes() }), headers);
        assert.ok([401, 403].includes(res.statusCode), `${res.statusCode}`);
      }
    });
  });

  describe('all-doctors and availability', () => {
    it('lists every doctor with email but no password, by GET and POST', async () => {
      const d = await createDoctor(t.app);
      for (const method of ['GET', 'POST'] as const) {
        const res = await t.app.inject({ method, url: '/api/admin/all-doctors', headers: bearer(atoken) });
        assert.equal(res.statusCode, 200);
        const found = json(res).doctors.find((x: { _id: string }) => x._id === d.id);
        assert.equal(found.email, d.email);
        assert.equal('password' in found, false);
        assert.equal('passwordHash' in found, false);
      }
      const asDoctor = await get(t.app, '/api/admin/all-doctors', bearer(d.token));
      assert.equal(asDoctor.statusCode, 403);
      assert.equal(json(asDoctor).message, 'This action needs an admin account');
    });

    it('admin toggles availability; unknown and malformed ids are refused', async () => {
      const d = await createDoctor(t.app);
      const r1 = await post(t.app, '/api/admin/change-availability', { docId: d.id }, bearer(atoken));
      assert.equal(r1.statusCode, 200);
      assert.match(json(r1).message, /not available/);
      assert.equal(json(await get(t.app, '/api/doctor/profile', bearer(d.token))).profileData.available, false);
      await post(t.app, '/api/admin/change-availability', { docId: d.id }, bearer(atoken));
      assert.equal(json(await get(t.app, '/api/doctor/profile', bearer(d.token))).profileData.available, true);
      assert.equal((await post(t.app, '/api/admin/change-availability', { docId: 'aaaaaaaaaaaaaaaaaaaaaaaa' }, bearer(atoken))).statusCode, 404);
      assert.equal((await post(t.app, '/api/admin/change-availability', { docId: 'zzz' }, bearer(atoken))).statusCode, 400);
      assert.equal((await post(t.app, '/api/admin/change-availability', {}, bearer(atoken))).statusCode, 400);
    });
  });

  describe('doctor endpoints', () => {
    it('doctor login and profile (with the dtoken header)', async () => {
      const d = await createDoctor(t.app, { name: 'Dr. Profile' });
      const res = await get(t.app, '/api/doctor/profile', { dtoken: d.token });
      assert.equal(res.statusCode, 200);
      const { profileData } = json(res);
      assert.equal(profileData._id, d.id);
      assert.equal(profileData.name, 'Dr. Profile');
      assert.equal(profileData.email, d.email);
      assert.equal('password' in profileData, false);
      assert.equal((await post(t.app, '/api/doctor/login', { email: d.email, password: 'wrong-password' })).statusCode, 401);
    });

    it('updates fees, address, about and available; ignores name, email and other fields', async () => {
      const d = await createDoctor(t.app, { name: 'Dr. Same' });
      const res = await post(t.app, '/api/doctor/update-profile', { fees: 999, address: { line1: 'L1', line2: 'L2' }, about: 'New about', available: false, name: 'Dr. Hacker', email: 'x@y.zz', feesMinor: 1 }, bearer(d.token));
      assert.equal(res.statusCode, 200, res.body);
      const { profileData } = json(await get(t.app, '/api/doctor/profile', bearer(d.token)));
      assert.equal(profileData.fees, 999);
      assert.deepEqual(profileData.address, { line1: 'L1', line2: 'L2' });
      assert.equal(profileData.about, 'New about');
      assert.equal(profileData.available, false);
      assert.equal(profileData.name, 'Dr. Same');
      assert.equal(profileData.email, d.email);
    });

    it('refuses bad profile values', async () => {
      const d = await createDoctor(t.app);
      for (const body of [{ fees: -1 }, { fees: 'abc' }, { available: 'maybe' }, { about: '   ' }, { address: 5 }]) {
        const res = await post(t.app, '/api/doctor/update-profile', body, bearer(d.token));
        assert.equal(res.statusCode, 400, JSON.stringify(body));
        assert.equal(json(res).success, false);
      }
    });

    it('refuses JSON values of the wrong type instead of converting them', async () => {
      const d = await createDoctor(t.app, { fees: 500 });
      const cases: [Record<string, unknown>, string][] = [
        [{ fees: null }, 'fees must be a number'],
        [{ fees: true }, 'fees must be a number'],
        [{ fees: 'lots' }, 'fees must be a number'],
        [{ available: null }, 'available must be a boolean'],
        [{ available: 'false' }, 'available must be a boolean'],
        [{ about: 42 }, 'about must be a string'],
      ];
      for (const [body, message] of cases) {
        const res = await post(t.app, '/api/doctor/update-profile', body, bearer(d.token));
        assert.equal(res.statusCode, 400, JSON.stringify(body));
        assert.equal(json(res).message, message);
      }
      const nullAvailability = await post(t.app, '/api/doctor/change-availability', { available: null }, bearer(d.token));
      assert.equal(nullAvailability.statusCode, 400);
      assert.equal(json(nullAvailability).message, 'available must be a boolean');
      const { profileData } = json(await get(t.app, '/api/doctor/profile', bearer(d.token)));
      assert.deepEqual([profileData.fees, profileData.available], [500, true], 'nothing was applied');
      // the one text-for-number the old doctor panel sends: its fee input's text
      const panel = await post(t.app, '/api/doctor/update-profile', { fees: '450', available: true }, bearer(d.token));
      assert.equal(panel.statusCode, 200, panel.body);
      assert.equal(json(panel).profileData.fees, 450);
      const login = await post(t.app, '/api/doctor/login', { email: 5, password: 'x' });
      assert.equal(login.statusCode, 400);
      assert.equal(json(login).message, 'email must be a string');
    });

    it('multipart form fields (always text) still become numbers and booleans', async () => {
      const d = await createDoctor(t.app, { fees: 500 });
      const res = await post(t.app, '/api/doctor/update-profile', form({ fees: '650', available: 'false' }), bearer(d.token));
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual([json(res).profileData.fees, json(res).profileData.available], [650, false]);
      const bad = await post(t.app, '/api/doctor/update-profile', form({ fees: 'lots' }), bearer(d.token));
      assert.equal(bad.statusCode, 400);
      assert.equal(json(bad).message, 'fees must be a number');
    });

    it('change-availability sets the flag, or toggles it without a body value', async () => {
      const d = await createDoctor(t.app);
      await post(t.app, '/api/doctor/change-availability', { available: false }, bearer(d.token));
      assert.equal(json(await get(t.app, '/api/doctor/profile', bearer(d.token))).profileData.available, false);
      await post(t.app, '/api/doctor/change-availability', {}, bearer(d.token));
      assert.equal(json(await get(t.app, '/api/doctor/profile', bearer(d.token))).profileData.available, true);
    });

    it('doctor routes refuse patient and admin tokens', async () => {
      const p = await registerPatient(t.app);
      for (const url of ['/api/doctor/profile', '/api/doctor/appointments', '/api/doctor/dashboard']) {
        assert.equal((await get(t.app, url, bearer(p.token))).statusCode, 403, url);
        assert.equal((await get(t.app, url, bearer(atoken))).statusCode, 403, url);
        assert.equal((await get(t.app, url)).statusCode, 401, url);
      }
    });

    it('the public list never exposes email or password', async () => {
      await createDoctor(t.app);
      const res = await get(t.app, '/api/doctor/list');
      assert.equal(res.statusCode, 200);
      const { doctors } = json(res);
      assert.ok(doctors.length > 0);
      for (const d of doctors) {
        assert.equal('email' in d, false);
        assert.equal('password' in d, false);
        assert.equal('passwordHash' in d, false);
        assert.equal(typeof d.fees, 'number');
        assert.equal(typeof d.slots_booked, 'object');
      }
      assert.equal(res.body.includes('$2b$'), false);
    });
  });

  describe('tokens', () => {
    it('an expired token is refused with 401', async () => {
      const d = await createDoctor(t.app);
      const sign = createSigner({ key: t.config.jwtSecret, algorithm: 'HS256', expiresIn: 1000 });
      const past = sign({ id: d.id, role: 'doctor', jti: 'x', iat: Math.floor(Date.now() / 1000) - 3600 });
      const res = await get(t.app, '/api/doctor/profile', bearer(past));
      assert.equal(res.statusCode, 401);
      assert.match(json(res).message, /expired/i);
    });

    it('tokens expire after 24 hours by default', async () => {
      const { token } = json(await post(t.app, '/api/admin/login', { email: ADMIN_EMAIL, password: ADMIN_PASSWORD }));
      const payload = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
      assert.equal(payload.exp - payload.iat, 24 * 3600);
      assert.equal(payload.role, 'admin');
    });

    it('alg "none" and foreign-key tokens are refused', async () => {
      const d = await createDoctor(t.app);
      const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
      const body = Buffer.from(JSON.stringify({ id: d.id, role: 'doctor', exp: Math.floor(Date.now() / 1000) + 60 })).toString('base64url');
      assert.equal((await get(t.app, '/api/doctor/profile', bearer(`${header}.${body}.`))).statusCode, 401);
      const forged = createSigner({ key: 'another-secret-entirely-123', algorithm: 'HS256' })({ id: d.id, role: 'doctor' });
      assert.equal((await get(t.app, '/api/doctor/profile', bearer(forged))).statusCode, 401);
    });

    it('a patient token in the dtoken header is still a patient token (403)', async () => {
      const p = await registerPatient(t.app);
      assert.equal((await get(t.app, '/api/doctor/profile', { dtoken: p.token })).statusCode, 403);
    });
  });
});
