import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { get, json, makeTestApp, post, registerPatient, testEnv, type TestApp } from '../helpers/app.js';

describe('system', () => {
  let t: TestApp;
  before(async () => {
    t = await makeTestApp();
  });
  after(async () => t.close());

  it('GET / answers that the API is working', async () => {
    const res = await get(t.app, '/');
    assert.equal(res.statusCode, 200);
    assert.deepEqual(json(res), { success: true, message: 'API Working' });
  });

  it('serves an OpenAPI 3.1 document naming every endpoint of the spec', async () => {
    const res = await get(t.app, '/openapi.json');
    assert.equal(res.statusCode, 200);
    const doc = json(res);
    assert.equal(doc.openapi, '3.1.0');
    const expected: [string, string][] = [
      ['post', '/api/user/register'], ['post', '/api/user/login'], ['get', '/api/user/get-profile'],
      ['post', '/api/user/update-profile'], ['post', '/api/user/book-appointment'], ['get', '/api/user/appointments'],
      ['post', '/api/user/cancel-appointment'], ['post', '/api/doctor/login'], ['get', '/api/doctor/appointments'],
      ['get', '/api/doctor/profile'], ['post', '/api/doctor/update-profile'], ['post', '/api/doctor/appointment-complete'],
      ['post', '/api/doctor/appointment-cancel'], ['post', '/api/doctor/change-availability'], ['get', '/api/doctor/dashboard'],
      ['get', '/api/doctor/list'], ['post', '/api/admin/login'], ['post', '/api/admin/add-doctor'], ['get', '/api/admin/all-doctors'],
      ['post', '/api/admin/change-availability'], ['get', '/api/admin/appointments'], ['post', '/api/admin/appointment-cancel'],
      ['get', '/api/admin/dashboard'], ['post', '/api/doctor/complete-appointment'], ['post', '/api/doctor/cancel-appointment'],
      ['post', '/api/admin/cancel-appointment'],
    ];
    for (const [method, p] of expected) assert.ok(doc.paths[p]?.[method], `${method.toUpperCase()} ${p} missing from OpenAPI`);
  });

  it('serves the interactive reference at /docs', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/docs/' });
    assert.equal(res.statusCode, 200);
    assert.match(res.headers['content-type'] as string, /html/);
    assert.match(res.body, /swagger/i);
  });

  it('unknown routes answer 404 in the envelope', async () => {
    const res = await get(t.app, '/api/nothing-here');
    assert.equal(res.statusCode, 404);
    assert.equal(json(res).success, false);
  });

  it('unsupported content types answer 415', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/user/login', payload: 'email=a', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    assert.equal(res.statusCode, 415);
    assert.equal(json(res).success, false);
  });

  it('LEGACY_ERROR_STATUS=200 answers errors with 200 and the same body', async () => {
    const legacy = await makeTestApp({ LEGACY_ERROR_STATUS: '200' }, { testDb: t.testDb });
    try {
      const res = await post(legacy.app, '/api/user/register', { email: 'x@y.co' });
      assert.equal(res.statusCode, 200);
      assert.deepEqual(json(res), { success: false, message: 'Missing Details' });
    } finally {
      await legacy.app.close();
    }
  });

  it('an internal error answers 500 without a stack or SQL outside development', async () => {
    const p = await registerPatient(t.app);
    const original = t.app.ctx.patients.profile;
    t.app.ctx.patients.profile = async () => {
      throw new Error('relation "secret_table" does not exist at SELECT * FROM secret_table');
    };
    after(() => {
      t.app.ctx.patients.profile = original;
    });
    const res = await get(t.app, '/api/user/get-profile', { authorization: `Bearer ${p.token}` });
    assert.equal(res.statusCode, 500);
    assert.deepEqual(json(res), { success: false, message: 'Something went wrong, please try again' });
  });
});

describe('persistence', () => {
  it('keeps every record across a restart on the same data directory', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'prescripto-persist-'));
    try {
      const env = testEnv(dataDir, process.env.DATABASE_URL ? {} : { DATABASE_URL: undefined });
      const config = loadConfig(env);
      let app = await buildApp(config);
      const reg = await post(app, '/api/user/register', { name: 'Kept', email: 'kept@example.com', password: 'kept-password-1' });
      assert.equal(reg.statusCode, 201, reg.body);
      await app.close();
      app = await buildApp(config);
      try {
        const login = await post(app, '/api/user/login', { email: 'kept@example.com', password: 'kept-password-1' });
        assert.equal(login.statusCode, 200);
      } finally {
        if (process.env.DATABASE_URL) await app.ctx.database.query("DELETE FROM patients WHERE email = 'kept@example.com'");
        await app.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
