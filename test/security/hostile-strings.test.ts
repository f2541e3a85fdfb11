// Text PostgreSQL cannot store: NUL (`\u0000`) and UTF-16 surrogates without their pair (`\ud800`).
// They used to reach the database and answer 500 (SQLSTATE 22021 / 22P05) on the login routes
// (no token needed), register, update-profile (JSON and form), cancel, doctor `about`, time-off and
// the audit-log filter. The validator now refuses them on every route, in JSON bodies, form fields,
// querystrings and path parameters: 400 naming the field, and nothing stored. (The hostile-input
// suite, hostile.test.ts, sends them to every field of every operation of the OpenAPI document.)
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  adminToken, bearer, book, createDoctor, form, futureSlot, json, makeTestApp, post, registerPatient, uniqueEmail, type TestApp,
} from '../helpers/app.js';

const NUL = 'a\u0000b';
const LONE_HIGH = 'Ann\ud800';
const LONE_LOW = '\udc00x';
const REFUSED = /^(\S+) contains a character that is not allowed \(NUL or an unpaired UTF-16 surrogate\)( in (querystring|params))?$/;

function assertRefused(res: { statusCode: number; body: string }, field: string, where = ''): void {
  assert.equal(res.statusCode, 400, res.body);
  const body = JSON.parse(res.body) as { success: boolean; message: string };
  assert.deepEqual(Object.keys(body).sort(), ['message', 'success']);
  assert.equal(body.success, false);
  const m = REFUSED.exec(String(body.message));
  assert.ok(m, body.message);
  assert.equal(m[1], field, body.message);
  assert.equal(m[2] ?? '', where, body.message);
}

describe('hostile strings: NUL and lone surrogates answer 400 naming the field, on every kind of input', () => {
  let t: TestApp;
  let patient: Awaited<ReturnType<typeof registerPatient>>;
  let doctor: Awaited<ReturnType<typeof createDoctor>>;
  let atoken: string;
  let appointmentId: string;

  before(async () => {
    t = await makeTestApp({ NOTIFY_WORKER: 'false' });
    patient = await registerPatient(t.app);
    doctor = await createDoctor(t.app);
    atoken = await adminToken(t.app);
    const booked = await book(t.app, patient.token, doctor.id, futureSlot(0, 3));
    assert.equal(booked.statusCode, 201, booked.body);
    appointmentId = json(booked).appointment._id;
  });
  after(async () => t.close());

  it('the three logins, without a token: email and password', async () => {
    for (const role of ['user', 'doctor', 'admin']) {
      for (const bad of [NUL, LONE_HIGH, LONE_LOW]) {
        assertRefused(await post(t.app, `/api/${role}/login`, { email: `x${bad}@example.com`, password: 'whatever-pass-1' }), 'email');
        assertRefused(await post(t.app, `/api/${role}/login`, { email: patient.email, password: `pass${bad}word` }), 'password');
      }
    }
    // the owner's real login still works (nothing was locked or stored by the refusals)
    assert.equal((await post(t.app, '/api/user/login', { email: patient.email, password: patient.password })).statusCode, 200);
  });

  it('register: name, and nothing is stored', async () => {
    for (const bad of [NUL, LONE_HIGH]) {
      const email = uniqueEmail('nul');
      assertRefused(await post(t.app, '/api/user/register', { name: `Ann ${bad}`, email, password: 'patient-pass-123' }), 'name');
      const rows = await t.testDb.database.query('SELECT 1 FROM patients WHERE email = $1', [email]);
      assert.equal(rows.length, 0);
    }
  });

  it('patient update-profile, as JSON and as a form', async () => {
    assertRefused(await post(t.app, '/api/user/update-profile', { name: LONE_HIGH, phone: '9999999999', gender: 'Female', dob: '1990-01-01' }, bearer(patient.token)), 'name');
    assertRefused(await post(t.app, '/api/user/update-profile', { name: 'Ann', phone: `99${NUL}`, gender: 'Female', dob: '1990-01-01' }, bearer(patient.token)), 'phone');
    assertRefused(await post(t.app, '/api/user/update-profile', { name: 'Ann', address: { line1: NUL, line2: '' }, phone: '9999999999', gender: 'Female', dob: '1990-01-01' }, bearer(patient.token)), 'address.line1');
    assertRefused(await post(t.app, '/api/user/update-profile', form({ name: `Ann${NUL}`, phone: '9999999999', gender: 'Female', dob: '1990-01-01' }), bearer(patient.token)), 'name');
    assertRefused(await post(t.app, '/api/user/update-profile', form({ name: 'Ann', phone: '9999999999', gender: 'Female', dob: '1990-01-01', address: `{"line1":"x${NUL}"}` }), bearer(patient.token)), 'address');
    const [row] = await t.testDb.database.query<{ name: string }>('SELECT name FROM patients WHERE id = $1', [patient.id]);
    assert.equal(row.name, 'Test Patient');
  });

  it('cancel reason, doctor about, time-off reason (doctor and admin), add-doctor form', async () => {
    assertRefused(await post(t.app, '/api/user/cancel-appointment', { appointmentId, reason: `changed my mind ${NUL}` }, bearer(patient.token)), 'reason');
    assertRefused(await post(t.app, '/api/doctor/update-profile', { about: `Cardiology ${LONE_HIGH}`, fees: 500, available: true }, bearer(doctor.token)), 'about');
    assertRefused(await post(t.app, '/api/doctor/schedule/time-off', { date: '2030-01-08', reason: `holiday ${NUL}` }, bearer(doctor.token)), 'reason');
    assertRefused(await post(t.app, `/api/admin/doctors/${doctor.id}/schedule/time-off`, { date: '2030-01-08', reason: LONE_LOW }, bearer(atoken)), 'reason');
    const res = await post(t.app, '/api/admin/add-doctor', form({ name: 'Dr. X', email: uniqueEmail('d'), password: 'doctor-pass-123', speciality: 'Dermatologist', degree: 'MBBS', experience: '1 Year', about: `about ${NUL}`, fees: 100, address: { line1: 'a', line2: 'b' } }), bearer(atoken));
    assertRefused(res, 'about');
    const [a] = await t.testDb.database.query<{ status: string }>('SELECT status FROM appointments WHERE id = $1', [appointmentId]);
    assert.notEqual(a.status, 'cancelled');
  });

  it('querystrings and path parameters', async () => {
    assertRefused(await t.app.inject({ method: 'GET', url: '/api/admin/audit-log?action=%00', headers: bearer(atoken) }), 'action', ' in querystring');
    assertRefused(await t.app.inject({ method: 'GET', url: '/api/admin/audit-log?targetId=x%00y', headers: bearer(atoken) }), 'targetId', ' in querystring');
    assertRefused(await t.app.inject({ method: 'GET', url: '/api/admin/reports/revenue?tz=Asia%2FKolkata%00', headers: bearer(atoken) }), 'tz', ' in querystring');
    assertRefused(await t.app.inject({ method: 'GET', url: `/api/doctor/${doctor.id}%00/slots` }), 'docId', ' in params');
    assertRefused(await t.app.inject({ method: 'DELETE', url: '/api/doctor/schedule/time-off/%00', headers: bearer(doctor.token) }), 'id', ' in params');
  });

  it('hidden in a key, an array or a nested object: the path names where', async () => {
    const keyed = await t.app.inject({ method: 'POST', url: '/api/user/login', headers: { 'content-type': 'application/json' }, payload: '{"email":"a@b.co","password":"x","k\\u0000":1}' });
    assertRefused(keyed, 'body');
    const nested = await post(t.app, '/api/doctor/schedule/time-off', { date: '2030-01-08', extra: { deep: [1, 'ok', `x${NUL}`] } }, bearer(doctor.token));
    assertRefused(nested, 'extra.deep.2');
  });

  it('an escaped lone surrogate in raw JSON, exactly as an attacker would type it', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/user/register',
      headers: { 'content-type': 'application/json' },
      payload: `{"name":"\\ud800","email":"${uniqueEmail('raw')}","password":"patient-pass-123"}`,
    });
    assertRefused(res, 'name');
    // a proper pair (an emoji) is text like any other
    const ok = await post(t.app, '/api/user/register', { name: 'Ann 🙂', email: uniqueEmail('emoji'), password: 'patient-pass-123' });
    assert.equal(ok.statusCode, 201, ok.body);
  });
});
