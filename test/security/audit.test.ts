// Audit log: admin and doctor data changes and every login attempt are recorded with actor,
// action, target, time and IP; GET /api/admin/audit-log filters and paginates; only the admin reads it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { AuditRecord } from '../../src/modules/audit/repo.js';
import { adminToken, bearer, book, createDoctor, futureSlot, get, json, makeTestApp, post, registerPatient, type TestApp } from '../helpers/app.js';

type Entry = AuditRecord;

describe('security: audit log', () => {
  let t: TestApp;
  let atoken: string;
  let adminId: string;
  before(async () => {
    t = await makeTestApp();
    atoken = await adminToken(t.app);
    adminId = JSON.parse(Buffer.from(atoken.split('.')[1], 'base64url').toString()).id as string;
  });
  after(async () => t.close());

  async function logs(query = ''): Promise<{ logs: Entry[]; total: number; page: number; limit: number }> {
    const res = await get(t.app, `/api/admin/audit-log${query}`, bearer(atoken));
    assert.equal(res.statusCode, 200, res.body);
    return json(res);
  }

  it('records adding a doctor, availability changes, and appointment cancellation with actor, target and IP', async () => {
    const d = await createDoctor(t.app);
    const added = (await logs(`?action=admin.add-doctor&targetId=${d.id}`)).logs;
    assert.equal(added.length, 1);
    assert.equal(added[0].actorRole, 'admin');
    assert.equal(added[0].actorId, adminId);
    assert.equal(added[0].targetType, 'doctor');
    assert.equal(added[0].outcome, 'success');
    assert.equal(added[0].statusCode, 201);
    assert.equal(added[0].ip, '127.0.0.1');
    assert.ok(Math.abs(Date.parse(added[0].at) - Date.now()) < 60_000);

    assert.equal((await post(t.app, '/api/admin/change-availability', { docId: d.id }, bearer(atoken))).statusCode, 200);
    assert.equal((await post(t.app, '/api/doctor/change-availability', { available: true }, bearer(d.token))).statusCode, 200);
    const byAdmin = (await logs(`?action=admin.change-availability&targetId=${d.id}`)).logs;
    assert.equal(byAdmin.length, 1);
    const byDoctor = (await logs(`?actorRole=doctor&actorId=${d.id}&action=doctor.change-availability`)).logs;
    assert.equal(byDoctor.length, 1);

    const p = await registerPatient(t.app);
    const slot = futureSlot(0, 3);
    const booked = await book(t.app, p.token, d.id, slot);
    assert.equal(booked.statusCode, 201, booked.body);
    const appointmentId = (json(booked).appointmentId ?? json(booked).appointment?._id) as string;
    assert.ok(appointmentId, booked.body);
    const cancel = await post(t.app, '/api/doctor/cancel-appointment', { appointmentId }, bearer(d.token));
    assert.equal(cancel.statusCode, 200, cancel.body);
    const cancelled = (await logs(`?targetId=${appointmentId}`)).logs;
    assert.equal(cancelled.length, 1);
    assert.equal(cancelled[0].action, 'doctor.cancel-appointment');
    assert.equal(cancelled[0].targetType, 'appointment');
    assert.equal(cancelled[0].actorId, d.id);
    // patients' own actions are not the audit log's business
    assert.equal((await logs(`?actorId=${p.id}&action=user.book-appointment`)).total, 0);
  });

  it('records login successes and failures with the email tried', async () => {
    const d = await createDoctor(t.app);
    assert.equal((await post(t.app, '/api/doctor/login', { email: d.email, password: 'wrong-password' })).statusCode, 401);
    const failures = (await logs('?action=doctor.login&outcome=failure')).logs.filter((e) => e.detail.email === d.email);
    assert.equal(failures.length, 1);
    assert.equal(failures[0].statusCode, 401);
    assert.equal(failures[0].actorId, null);
    assert.equal(JSON.stringify(failures[0]).includes('wrong-password'), false, 'passwords are never logged');
    const successes = (await logs(`?action=doctor.login&outcome=success&actorId=${d.id}`)).logs;
    assert.equal(successes.length, 1);
    assert.equal(successes[0].targetId, d.id);
  });

  it('records refused changes by an authenticated doctor as failures', async () => {
    const d = await createDoctor(t.app);
    const res = await post(t.app, '/api/doctor/cancel-appointment', { appointmentId: 'a'.repeat(24) }, bearer(d.token));
    assert.equal(res.statusCode, 404);
    const entries = (await logs(`?actorId=${d.id}&outcome=failure`)).logs;
    assert.equal(entries.length, 1);
    assert.equal(entries[0].statusCode, 404);
  });

  it('paginates newest first and validates filters', async () => {
    const all = await logs('?limit=2&page=1');
    assert.equal(all.limit, 2);
    assert.equal(all.logs.length, 2);
    assert.ok(all.total >= 5);
    const page2 = await logs('?limit=2&page=2');
    assert.notEqual(page2.logs[0]._id, all.logs[0]._id);
    assert.ok(Date.parse(all.logs[0].at) >= Date.parse(all.logs[1].at));
    assert.ok(Date.parse(all.logs[1].at) >= Date.parse(page2.logs[0].at));

    const future = await logs(`?from=${new Date(Date.now() + 3600_000).toISOString()}`);
    assert.equal(future.total, 0);
    for (const [q, msg] of [
      ['?limit=1000', 'limit must be at most 200 in querystring'],
      ['?from=yesterday', 'from must be a real date like 2025-01-31 or an instant like 2025-01-31T10:00:00Z, years 1970–2100'],
      ['?actorRole=root', null],
    ] as const) {
      const res = await get(t.app, `/api/admin/audit-log${q}`, bearer(atoken));
      assert.equal(res.statusCode, 400, `${q}: ${res.body}`);
      if (msg) assert.equal(json(res).message, msg);
    }
  });

  it('is readable only by the admin', async () => {
    const p = await registerPatient(t.app);
    const d = await createDoctor(t.app);
    assert.equal((await get(t.app, '/api/admin/audit-log', bearer(p.token))).statusCode, 403);
    assert.equal((await get(t.app, '/api/admin/audit-log', bearer(d.token))).statusCode, 403);
    assert.equal((await get(t.app, '/api/admin/audit-log')).statusCode, 401);
  });

  it('records a refusal as a failure even when LEGACY_ERROR_STATUS=200 sends it as 200', async () => {
    const legacy = await makeTestApp({ LEGACY_ERROR_STATUS: '200' });
    try {
      const token = await adminToken(legacy.app);
      const refused = await post(legacy.app, '/api/admin/change-availability', { docId: 'a'.repeat(24) }, bearer(token));
      assert.equal(refused.statusCode, 200);
      assert.equal(json(refused).success, false);
      const res = await get(legacy.app, '/api/admin/audit-log?action=admin.change-availability', bearer(token));
      const entries = json<{ logs: Entry[] }>(res).logs;
      assert.equal(entries.length, 1);
      assert.equal(entries[0].outcome, 'failure');
    } finally {
      await legacy.close();
    }
  });
});
