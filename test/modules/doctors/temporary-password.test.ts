// Doctor onboarding without a password (the welcome email's link sets it) and with a temporary one
// (must be changed before any other doctor route answers).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { adminToken, bearer, doctorFields, form, get, json, makeTestApp, pngBytes, post, type TestApp } from '../../helpers/app.js';

const TEMPORARY = { success: false, message: 'Please change your temporary password first' };

describe('doctor onboarding: optional and temporary passwords', () => {
  let t: TestApp;
  let atoken: string;

  before(async () => {
    t = await makeTestApp({ NOTIFY_WORKER: 'false', FRONTEND_URL: 'https://app.example.test' });
    atoken = await adminToken(t.app);
  });
  after(async () => {
    await t.close();
  });

  async function addDoctor(overrides: Record<string, string> = {}, omitPassword = false) {
    const fields: Record<string, unknown> = doctorFields(overrides);
    if (omitPassword) delete fields.password;
    const res = await post(t.app, '/api/admin/add-doctor', form(fields as Record<string, string>, { bytes: await pngBytes() }), bearer(atoken));
    return { res, email: fields.email as string };
  }

  async function welcomeMail(doctorId: string): Promise<{ text_body: string; html_body: string }> {
    const rows = await t.testDb.database.query<{ text_body: string; html_body: string }>(
      'SELECT text_body, html_body FROM notification_outbox WHERE dedupe_key = $1',
      [`welcome:${doctorId}`],
    );
    assert.equal(rows.length, 1, 'one welcome email');
    return rows[0];
  }

  it('onboards a doctor without a password; only the welcome link lets them in', async () => {
    const { res, email } = await addDoctor({}, true);
    assert.equal(res.statusCode, 201, res.body);
    const id = json(res).doctor._id as string;

    for (const password of ['doctor-pass-123', '', 'undefined', 'null-password']) {
      const login = await post(t.app, '/api/doctor/login', { email, password });
      assert.ok([400, 401].includes(login.statusCode), `login with "${password}" must fail: ${login.statusCode}`);
    }

    const mail = await welcomeMail(id);
    assert.doesNotMatch(mail.text_body, /temporary password/);
    const m = /https:\/\/app\.example\.test\/reset-password\?token=([A-Za-z0-9_-]+)&role=doctor/.exec(mail.text_body);
    assert.ok(m, `no set-password link in: ${mail.text_body}`);
    const set = await post(t.app, '/api/doctor/reset-password', { token: m[1], password: 'my-own-pass-123' });
    assert.equal(set.statusCode, 200, set.body);

    const login = await post(t.app, '/api/doctor/login', { email, password: 'my-own-pass-123' });
    assert.equal(login.statusCode, 200, login.body);
    assert.equal('mustChangePassword' in json(login), false);
    assert.equal((await get(t.app, '/api/doctor/profile', bearer(json(login).token))).statusCode, 200);
  });

  it('the welcome link lives WELCOME_LINK_TTL_HOURS (72 h, not the 1 h of a reset link) and the email says so', async () => {
    const { res } = await addDoctor({}, true);
    const id = json(res).doctor._id as string;
    const mail = await welcomeMail(id);
    assert.match(mail.text_body, /expires in 3 days/);
    assert.match(mail.html_body, /expires in 3 days/);
    const rows = await t.testDb.database.query<{ hours: number }>(
      "SELECT extract(epoch FROM expires_at - created_at)::int / 3600 AS hours FROM password_reset_tokens WHERE role = 'doctor' AND account_id = $1",
      [id],
    );
    assert.deepEqual(rows.map((r) => Number(r.hours)), [72]);
  });

  it('POST /api/admin/doctors/:docId/welcome sends a fresh welcome email with a new working link (admin only, audited)', async () => {
    const { res, email } = await addDoctor({}, true);
    const id = json(res).doctor._id as string;
    const first = /token=([A-Za-z0-9_-]+)/.exec((await welcomeMail(id)).text_body)![1];

    const again = await post(t.app, `/api/admin/doctors/${id}/welcome`, undefined, bearer(atoken));
    assert.equal(again.statusCode, 200, again.body);
    assert.deepEqual(json(again), { success: true, message: `Welcome email sent to ${email}` });
    const mails = await t.testDb.database.query<{ text_body: string }>(
      "SELECT text_body FROM notification_outbox WHERE topic = 'doctor.welcome' AND recipient = $1 ORDER BY created_at, id",
      [email],
    );
    assert.equal(mails.length, 2);
    const fresh = /token=([A-Za-z0-9_-]+)/.exec(mails[1].text_body)![1];
    assert.notEqual(fresh, first);
    assert.match(mails[1].text_body, /expires in 3 days/);
    assert.equal((await post(t.app, '/api/doctor/reset-password', { token: fresh, password: 'fresh-link-pass-1' })).statusCode, 200);
    assert.equal((await post(t.app, '/api/doctor/login', { email, password: 'fresh-link-pass-1' })).statusCode, 200);

    const audited = json(await get(t.app, `/api/admin/audit-log?targetId=${id}`, bearer(atoken)));
    assert.ok(audited.logs.some((l: { action: string; targetType: string }) => /welcome/.test(l.action) && l.targetType === 'doctor'), JSON.stringify(audited.logs));

    const doctorLogin = json(await post(t.app, '/api/doctor/login', { email, password: 'fresh-link-pass-1' }));
    const denied = await post(t.app, `/api/admin/doctors/${id}/welcome`, undefined, bearer(doctorLogin.token));
    assert.equal(denied.statusCode, 403);
    const unknown = await post(t.app, '/api/admin/doctors/0123456789abcdef01234567/welcome', undefined, bearer(atoken));
    assert.equal(unknown.statusCode, 404);
    assert.deepEqual(json(unknown), { success: false, message: 'Doctor not found' });
    assert.equal((await post(t.app, '/api/admin/doctors/nope/welcome', undefined, bearer(atoken))).statusCode, 400);
  });

  it('marks a given password temporary: every doctor route but change-password answers 403 until it is changed', async () => {
    const { res, email } = await addDoctor({ password: 'admin-chosen-pw1' });
    assert.equal(res.statusCode, 201, res.body);

    const login = await post(t.app, '/api/doctor/login', { email, password: 'admin-chosen-pw1' });
    assert.equal(login.statusCode, 200, login.body);
    const body = json(login);
    assert.equal(body.success, true);
    assert.equal(typeof body.token, 'string');
    assert.equal(typeof body.refreshToken, 'string');
    assert.equal(body.mustChangePassword, true);

    for (const [method, url] of [['get', '/api/doctor/profile'], ['get', '/api/doctor/appointments'], ['get', '/api/doctor/dashboard'], ['post', '/api/doctor/change-availability']] as const) {
      const r = method === 'get' ? await get(t.app, url, bearer(body.token)) : await post(t.app, url, {}, bearer(body.token));
      assert.equal(r.statusCode, 403, `${url}: ${r.body}`);
      assert.deepEqual(json(r), TEMPORARY);
    }
    // 2FA status and refresh stay open
    assert.equal((await get(t.app, '/api/doctor/2fa', bearer(body.token))).statusCode, 200);
    const refreshed = await post(t.app, '/api/doctor/refresh', { refreshToken: body.refreshToken });
    assert.equal(refreshed.statusCode, 200, refreshed.body);

    const weak = await post(t.app, '/api/doctor/change-password', { oldPassword: 'admin-chosen-pw1', newPassword: 'short' }, bearer(json(refreshed).token));
    assert.equal(weak.statusCode, 400);
    assert.equal(json(weak).message, 'Please enter a strong password');
    const changed = await post(t.app, '/api/doctor/change-password', { oldPassword: 'admin-chosen-pw1', newPassword: 'doctor-own-pass-1' }, bearer(json(refreshed).token));
    assert.equal(changed.statusCode, 200, changed.body);

    const again = await post(t.app, '/api/doctor/login', { email, password: 'doctor-own-pass-1' });
    assert.equal(again.statusCode, 200, again.body);
    assert.equal('mustChangePassword' in json(again), false);
    const profile = await get(t.app, '/api/doctor/profile', bearer(json(again).token));
    assert.equal(profile.statusCode, 200, profile.body);
    assert.equal(json(profile).profileData.email, email);
  });

  it('refuses to "change" a temporary password to itself', async () => {
    const { email } = await addDoctor({ password: 'admin-chosen-pw3' });
    const login = json(await post(t.app, '/api/doctor/login', { email, password: 'admin-chosen-pw3' }));
    const same = await post(t.app, '/api/doctor/change-password', { oldPassword: 'admin-chosen-pw3', newPassword: 'admin-chosen-pw3' }, bearer(login.token));
    assert.equal(same.statusCode, 400);
    assert.deepEqual(json(same), { success: false, message: 'The new password must be different from the current one' });
    // still temporary, and the session still works for the real change
    assert.deepEqual(json(await get(t.app, '/api/doctor/profile', bearer(login.token))), TEMPORARY);
    const changed = await post(t.app, '/api/doctor/change-password', { oldPassword: 'admin-chosen-pw3', newPassword: 'doctor-own-pass-3' }, bearer(login.token));
    assert.equal(changed.statusCode, 200, changed.body);
  });

  it('lets a doctor with a temporary password log out', async () => {
    const { email } = await addDoctor({ password: 'admin-chosen-pw2' });
    const login = json(await post(t.app, '/api/doctor/login', { email, password: 'admin-chosen-pw2' }));
    const out = await post(t.app, '/api/doctor/logout', {}, bearer(login.token));
    assert.equal(out.statusCode, 200, out.body);
  });

  it('refuses a weak given password', async () => {
    const { res, email } = await addDoctor({ password: 'short' });
    assert.equal(res.statusCode, 400);
    assert.deepEqual(json(res), { success: false, message: 'Please enter a strong password' });
    assert.equal((await post(t.app, '/api/doctor/login', { email, password: 'short' })).statusCode, 401);
  });

  it('the welcome email for a given password mentions a temporary password but never contains it', async () => {
    const secret = 'Zq7-unguessable-admin-pw';
    const { res } = await addDoctor({ password: secret });
    assert.equal(res.statusCode, 201, res.body);
    const mail = await welcomeMail(json(res).doctor._id);
    assert.match(mail.text_body, /temporary password/);
    assert.match(mail.html_body, /temporary password/);
    assert.equal(mail.text_body.includes(secret), false);
    assert.equal(mail.html_body.includes(secret), false);
    const rows = await t.testDb.database.query<{ n: number }>('SELECT count(*)::int AS n FROM notification_outbox WHERE text_body LIKE $1 OR html_body LIKE $1', [`%${secret}%`]);
    assert.equal(rows[0].n, 0);
  });

  it('keeps existing and seeded doctors non-temporary (column default false)', async () => {
    const rows = await t.testDb.database.query<{ column_default: string; is_nullable: string }>(
      "SELECT column_default, is_nullable FROM information_schema.columns WHERE table_name = 'doctors' AND column_name = 'password_temporary'",
    );
    assert.equal(rows.length, 1);
    assert.equal(rows[0].column_default, 'false');
    assert.equal(rows[0].is_nullable, 'NO');
  });
});
