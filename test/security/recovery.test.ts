// Account recovery: forgot-password answers the same for every email, mails a single-use,
// expiring link through a real SMTP server; reset-password sets the password and ends sessions.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../src/lib/clock.js';
import { bearer, createDoctor, get, json, makeTestApp, post, registerPatient, type TestApp } from '../helpers/app.js';
import { startSmtp, type ReceivedMail } from '../helpers/smtp.js';

const FORGOT = { success: true, message: 'If an account exists for this email, a password reset link has been sent' };

describe('security: account recovery', () => {
  let t: TestApp;
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  const clock = new ManualClock(Date.now());

  before(async () => {
    smtp = await startSmtp();
    t = await makeTestApp({ SMTP_URL: smtp.url, NOTIFY_WORKER: 'false', FRONTEND_URL: 'https://app.example.test' }, { clock });
  });
  after(async () => {
    await t.close();
    await smtp.close();
  });

  /** Delivers the outbox and returns the reset token of the newest message to `to`. */
  async function tokenMailedTo(to: string): Promise<{ token: string; mail: ReceivedMail }> {
    // forgot-password answers first and writes the mail after (auth/resets.ts)
    await t.app.ctx.passwordResets.settled();
    await t.app.ctx.notificationWorker.runOnce();
    const mail = smtp.received.filter((m) => m.rcpt.includes(to.toLowerCase())).at(-1);
    assert.ok(mail, `no mail to ${to}`);
    const text = mail.mail.text ?? '';
    const m = /https:\/\/app\.example\.test\/reset-password\?token=([A-Za-z0-9_-]+)&role=(patient|doctor)/.exec(text);
    assert.ok(m, `no reset link in: ${text}`);
    return { token: m[1], mail };
  }

  it('answers the same for a registered and an unknown email, and mails only the registered one', async () => {
    const p = await registerPatient(t.app);
    const before = smtp.received.length;
    const known = await post(t.app, '/api/user/forgot-password', { email: p.email.toUpperCase() });
    const unknown = await post(t.app, '/api/user/forgot-password', { email: 'nobody-here@example.com' });
    assert.equal(known.statusCode, 200);
    assert.equal(unknown.statusCode, 200);
    assert.deepEqual(json(known), FORGOT);
    assert.deepEqual(json(unknown), FORGOT);
    const { mail } = await tokenMailedTo(p.email);
    assert.equal(smtp.received.length, before + 1);
    assert.equal(mail.mail.subject, 'Reset your Prescripto password');
    // both parts, from templates/password-reset.txt|html
    assert.match(mail.mail.text ?? '', /within 60 minutes/);
    const html = String(mail.mail.html);
    assert.match(html, /<h2[^>]*>Reset your password<\/h2>/);
    assert.match(html, /href="https:\/\/app\.example\.test\/reset-password\?token=[A-Za-z0-9_-]+&amp;role=patient"/);
    assert.match(html, /expires in 60 minutes/);
  });

  it('resets the password once with the mailed token and ends every session', async () => {
    const p = await registerPatient(t.app);
    await post(t.app, '/api/user/forgot-password', { email: p.email });
    const { token } = await tokenMailedTo(p.email);

    const weak = await post(t.app, '/api/user/reset-password', { token, password: 'short' });
    assert.equal(weak.statusCode, 400);
    assert.equal(json(weak).message, 'Please enter a strong password');
    // 41 characters but 82 bytes: bcrypt would silently ignore everything past byte 72
    const long = await post(t.app, '/api/user/reset-password', { token, password: `${'é'.repeat(40)}1` });
    assert.equal(long.statusCode, 400);
    assert.match(json(long).message, /^Password is too long/);

    const ok = await post(t.app, '/api/user/reset-password', { token, password: 'reset-new-pass-1' });
    assert.equal(ok.statusCode, 200);
    assert.deepEqual(json(ok), { success: true, message: 'Password updated, please login again' });
    // the session from registration is over
    const profile = await get(t.app, '/api/user/get-profile', bearer(p.token));
    assert.equal(profile.statusCode, 401);
    assert.equal((await post(t.app, '/api/user/login', { email: p.email, password: p.password })).statusCode, 401);
    assert.equal((await post(t.app, '/api/user/login', { email: p.email, password: 'reset-new-pass-1' })).statusCode, 200);

    const again = await post(t.app, '/api/user/reset-password', { token, password: 'another-pass-12' });
    assert.equal(again.statusCode, 400);
    assert.deepEqual(json(again), { success: false, message: 'This reset link is invalid, expired or already used' });
  });

  it('refuses an expired link, a link of the other role, and a made-up token', async () => {
    const p = await registerPatient(t.app);
    await post(t.app, '/api/user/forgot-password', { email: p.email });
    const { token } = await tokenMailedTo(p.email);
    const otherRole = await post(t.app, '/api/doctor/reset-password', { token, password: 'reset-new-pass-1' });
    assert.equal(otherRole.statusCode, 400);
    clock.advance(61 * 60_000);
    const expired = await post(t.app, '/api/user/reset-password', { token, password: 'reset-new-pass-1' });
    assert.equal(expired.statusCode, 400);
    assert.equal(json(expired).message, 'This reset link is invalid, expired or already used');
    const fake = await post(t.app, '/api/user/reset-password', { token: 'A'.repeat(43), password: 'reset-new-pass-1' });
    assert.equal(fake.statusCode, 400);
    assert.equal((await post(t.app, '/api/user/login', { email: p.email, password: p.password })).statusCode, 200);
  });

  it('works the same for doctors', async () => {
    const d = await createDoctor(t.app);
    const res = await post(t.app, '/api/doctor/forgot-password', { email: d.email });
    assert.deepEqual(json(res), FORGOT);
    const { token } = await tokenMailedTo(d.email);
    assert.equal((await post(t.app, '/api/doctor/reset-password', { token, password: 'doctor-new-pass-1' })).statusCode, 200);
    assert.equal((await get(t.app, '/api/doctor/profile', bearer(d.token))).statusCode, 401);
    assert.equal((await post(t.app, '/api/doctor/login', { email: d.email, password: 'doctor-new-pass-1' })).statusCode, 200);
  });

  it('a reset uses up every older link of the account', async () => {
    const p = await registerPatient(t.app);
    await post(t.app, '/api/user/forgot-password', { email: p.email });
    const older = (await tokenMailedTo(p.email)).token;
    await post(t.app, '/api/user/forgot-password', { email: p.email });
    const newest = (await tokenMailedTo(p.email)).token;
    assert.notEqual(older, newest);
    const ok = await post(t.app, '/api/user/reset-password', { token: newest, password: 'newest-link-pass-1' });
    assert.equal(ok.statusCode, 200, ok.body);
    const stale = await post(t.app, '/api/user/reset-password', { token: older, password: 'older-link-pass-1' });
    assert.equal(stale.statusCode, 400);
    assert.deepEqual(json(stale), { success: false, message: 'This reset link is invalid, expired or already used' });
    assert.equal((await post(t.app, '/api/user/login', { email: p.email, password: 'newest-link-pass-1' })).statusCode, 200);
  });

  it('changing the password uses up the links issued before', async () => {
    const d = await createDoctor(t.app);
    await post(t.app, '/api/doctor/forgot-password', { email: d.email });
    const { token } = await tokenMailedTo(d.email);
    const tooLong = await post(t.app, '/api/doctor/change-password', { oldPassword: d.password, newPassword: `${'é'.repeat(40)}1` }, bearer(d.token));
    assert.equal(tooLong.statusCode, 400);
    assert.match(json(tooLong).message, /^Password is too long/);
    const changed = await post(t.app, '/api/doctor/change-password', { oldPassword: d.password, newPassword: 'changed-doc-pass-1' }, bearer(d.token));
    assert.equal(changed.statusCode, 200, changed.body);
    const stale = await post(t.app, '/api/doctor/reset-password', { token, password: 'attacker-pass-123' });
    assert.equal(stale.statusCode, 400);
    assert.equal(json(stale).message, 'This reset link is invalid, expired or already used');
    assert.equal((await post(t.app, '/api/doctor/login', { email: d.email, password: 'changed-doc-pass-1' })).statusCode, 200);
  });

  it('refuses a malformed email, keeps tokens hashed, and offers ctx.passwordResets.issue to other modules', async () => {
    const bad = await post(t.app, '/api/user/forgot-password', { email: 'not-an-email' });
    assert.equal(bad.statusCode, 400);
    assert.equal(json(bad).message, 'Please enter a valid email');
    const p = await registerPatient(t.app);
    const { token, url } = await t.app.ctx.passwordResets.issue('patient', p.id);
    assert.equal(url, `https://app.example.test/reset-password?token=${token}&role=patient`);
    const rows = await t.testDb.database.query<{ token_hash: string }>('SELECT token_hash FROM password_reset_tokens');
    assert.ok(rows.every((r) => r.token_hash !== token));
    assert.equal((await post(t.app, '/api/user/reset-password', { token, password: 'issued-pass-123' })).statusCode, 200);
  });
});
