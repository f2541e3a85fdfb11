// Targeted tests for the OWASP API Security Top 10 items that apply: broken object-level
// authorization (API1), broken authentication (API2, see sessions.test.ts), broken object property
// level authorization / mass assignment (API3), unrestricted resource consumption (API4, see also
// abuse.test.ts) and broken function-level authorization (API5), walked over the OpenAPI document.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { adminToken, bearer, book, createDoctor, futureSlot, get, json, makeTestApp, post, registerPatient, type TestApp } from '../helpers/app.js';
import { operationsOf } from './openapi-walk.js';

describe('security: OWASP API Top 10', () => {
  let t: TestApp;
  let victim: Awaited<ReturnType<typeof registerPatient>>;
  let attacker: Awaited<ReturnType<typeof registerPatient>>;
  let d1: Awaited<ReturnType<typeof createDoctor>>;
  let d2: Awaited<ReturnType<typeof createDoctor>>;
  let appointmentId: string;
  let atoken: string;

  const appointmentRow = async () =>
    (await t.testDb.database.query<{ status: string; patient_id: string; amount_minor: number; paid: boolean }>(
      'SELECT status, patient_id, amount_minor, paid FROM appointments WHERE id = $1',
      [appointmentId],
    ))[0];

  before(async () => {
    t = await makeTestApp({ NOTIFY_WORKER: 'false' });
    victim = await registerPatient(t.app);
    attacker = await registerPatient(t.app);
    d1 = await createDoctor(t.app, { fees: 700 });
    d2 = await createDoctor(t.app);
    const res = await book(t.app, victim.token, d1.id, futureSlot(0, 3));
    assert.equal(res.statusCode, 201, res.body);
    appointmentId = json(res).appointment._id;
    atoken = await adminToken(t.app);
  });
  after(async () => t.close());

  describe('API1 object-level authorization', () => {
    it("a patient cannot cancel, reschedule, pay for or read another patient's appointment", async () => {
      const before = await appointmentRow();
      for (const [url, body] of [
        ['/api/user/cancel-appointment', { appointmentId }],
        ['/api/user/reschedule-appointment', { appointmentId, ...futureSlot(1, 3) }],
        ['/api/user/payment-razorpay', { appointmentId }],
        ['/api/user/payment-stripe', { appointmentId }],
      ] as const) {
        const res = await post(t.app, url, body, bearer(attacker.token));
        assert.ok([403, 404, 503].includes(res.statusCode), `${url}: ${res.statusCode} ${res.body}`);
        assert.equal(json(res).success, false);
      }
      const receipt = await get(t.app, `/api/user/appointments/${appointmentId}/receipt`, bearer(attacker.token));
      assert.ok([403, 404].includes(receipt.statusCode), receipt.body);
      const list = json(await get(t.app, '/api/user/appointments', bearer(attacker.token)));
      assert.equal(list.appointments.length, 0);
      assert.deepEqual(await appointmentRow(), before);
    });

    it("a doctor cannot complete or cancel another doctor's appointment", async () => {
      const before = await appointmentRow();
      for (const url of ['/api/doctor/complete-appointment', '/api/doctor/cancel-appointment', '/api/doctor/appointment-complete', '/api/doctor/appointment-cancel']) {
        const res = await post(t.app, url, { appointmentId }, bearer(d2.token));
        assert.ok([403, 404].includes(res.statusCode), `${url}: ${res.statusCode} ${res.body}`);
        assert.equal(json(res).success, false);
      }
      const list = json(await get(t.app, `/api/doctor/appointments?docId=${d1.id}`, bearer(d2.token)));
      assert.ok(!JSON.stringify(list).includes(appointmentId), 'another doctor’s appointment leaked through a filter');
      assert.deepEqual(await appointmentRow(), before);
    });

    it('the admin can act on any appointment (the role that may)', async () => {
      const res = await post(t.app, '/api/admin/cancel-appointment', { appointmentId }, bearer(atoken));
      assert.equal(res.statusCode, 200, res.body);
      assert.equal((await appointmentRow()).status, 'cancelled');
    });
  });

  describe('API3 mass assignment', () => {
    it('profile updates ignore email, password, id and role fields', async () => {
      const res = await post(
        t.app,
        '/api/user/update-profile',
        { name: 'Renamed', email: 'owned@example.com', password: 'changed-pass-1', _id: victim.id, role: 'admin', passwordHash: 'x' },
        bearer(attacker.token),
      );
      assert.equal(res.statusCode, 200, res.body);
      const me = json(await get(t.app, '/api/user/get-profile', bearer(attacker.token))).userData;
      assert.equal(me._id, attacker.id);
      assert.equal(me.email, attacker.email);
      assert.equal(me.name, 'Renamed');
      assert.equal((await post(t.app, '/api/user/login', { email: attacker.email, password: attacker.password })).statusCode, 200);
      const v = json(await get(t.app, '/api/user/get-profile', bearer(victim.token))).userData;
      assert.notEqual(v.name, 'Renamed');
    });

    it('a booking ignores price, payment, completion and owner fields sent by the client', async () => {
      const res = await post(
        t.app,
        '/api/user/book-appointment',
        { docId: d1.id, ...futureSlot(2, 3), amount: 0, fees: 0, payment: true, isCompleted: true, userId: victim.id, status: 'completed' },
        bearer(attacker.token),
      );
      assert.equal(res.statusCode, 201, res.body);
      const id = json(res).appointment._id as string;
      const [row] = await t.testDb.database.query<{ patient_id: string; amount_minor: number; paid: boolean; status: string }>(
        'SELECT patient_id, amount_minor, paid, status FROM appointments WHERE id = $1',
        [id],
      );
      assert.equal(row.patient_id, attacker.id);
      assert.equal(row.amount_minor, 70000);
      assert.equal(row.paid, false);
      assert.notEqual(row.status, 'completed');
    });

    it('a doctor cannot change their own email or password through update-profile', async () => {
      const res = await post(t.app, '/api/doctor/update-profile', { about: 'Updated', email: 'x@example.com', password: 'changed-pass-1', available: true }, bearer(d2.token));
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(json(res).profileData.email, d2.email);
      assert.equal((await post(t.app, '/api/doctor/login', { email: d2.email, password: d2.password })).statusCode, 200);
    });

    it('answers never carry password hashes or secrets', async () => {
      const bodies = [
        (await get(t.app, '/api/doctor/list')).body,
        (await get(t.app, '/api/admin/all-doctors', bearer(atoken))).body,
        (await get(t.app, '/api/user/get-profile', bearer(victim.token))).body,
        (await get(t.app, '/api/doctor/profile', bearer(d1.token))).body,
        (await get(t.app, '/api/admin/appointments', bearer(atoken))).body,
      ];
      for (const b of bodies) assert.doesNotMatch(b, /\$2[aby]\$\d\d\$|password|passwordHash|password_hash/i);
      assert.doesNotMatch(bodies[0], /@example\.com/, 'the public list shows no emails');
    });
  });

  describe('API4 resource consumption', () => {
    it('refuses oversized fields, huge pages and deep bodies with 4xx', async () => {
      const long = await post(t.app, '/api/user/login', { email: `${'a'.repeat(300)}@example.com`, password: 'x' });
      assert.equal(long.statusCode, 400);
      assert.equal(json(long).message, 'email must be at most 254 characters');
      const pwd = await post(t.app, '/api/user/login', { email: 'a@b.co', password: 'p'.repeat(10_000) });
      assert.equal(pwd.statusCode, 400, 'a 10 kB password would cost a bcrypt run per request');
      const page = await get(t.app, '/api/admin/audit-log?limit=100000', bearer(atoken));
      assert.equal(page.statusCode, 400);
      for (const depth of [5_000, 50_000]) {
        const raw = `{"email":${'['.repeat(depth)}1${']'.repeat(depth)},"password":"x"}`;
        const res = await t.app.inject({ method: 'POST', url: '/api/user/login', payload: raw, headers: { 'content-type': 'application/json' } });
        assert.equal(res.statusCode, 400);
        assert.deepEqual(json(res), { success: false, message: 'email must be a string' });
      }
    });
  });

  describe('API5 function-level authorization', () => {
    it('every secured operation refuses other roles with 403 and no token with 401', async () => {
      const tokens = { patient: attacker.token, doctor: d2.token, admin: atoken };
      const ops = operationsOf(t.app).filter((o) => o.role);
      assert.ok(ops.length >= 30);
      for (const op of ops) {
        const url = op.path.replace(/\{(\w+)\}/g, 'aaaaaaaaaaaaaaaaaaaaaaaa');
        const payload = ['POST', 'PUT', 'PATCH'].includes(op.method) ? {} : undefined;
        const anonymous = await t.app.inject({ method: op.method, url, payload });
        assert.equal(anonymous.statusCode, 401, `${op.method} ${op.path} without a token: ${anonymous.statusCode}`);
        assert.equal(json(anonymous).success, false);
        for (const role of ['patient', 'doctor', 'admin'] as const) {
          if (role === op.role) continue;
          const res = await t.app.inject({ method: op.method, url, payload, headers: bearer(tokens[role]) });
          assert.equal(res.statusCode, 403, `${op.method} ${op.path} with a ${role} token: ${res.statusCode} ${res.body}`);
          assert.equal(json(res).success, false);
        }
      }
    });
  });
});
