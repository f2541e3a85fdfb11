// Patients' data rights in a real browser: a patient downloads all their data and deletes their
// account from the Security page (confirmation, then the password again); the admin finds another
// patient, downloads their data and deletes their account on request.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { CHILD_ADMIN } from '../helpers/server-process.js';
import { E2E, expectCount } from './harness.js';

const PASSWORD = 'patient-pass-123';

describe('patients’ data rights in the browser', () => {
  let e: E2E;
  const stamp = Date.now();
  const mina = { name: 'Mina Leaving', email: `mina.leaving.${stamp}@example.com` };
  const omar = { name: 'Omar Asks Admin', email: `omar.asks.${stamp}@example.com` };
  before(async () => {
    e = await E2E.start('data-rights');
    for (const p of [mina, omar]) await e.api('POST', '/api/user/register', { ...p, password: PASSWORD });
  });
  after(async () => e?.stop());

  it('a patient downloads their data, then deletes the account with their password', async () => {
    const { page } = await e.person();
    await page.goto('/login');
    await page.getByLabel('Email').fill(mina.email);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'My appointments' }).waitFor();
    await page.goto('/security');
    await page.getByRole('heading', { name: 'Your data' }).waitFor();
    await e.check(page, 'data-rights');

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download my data' }).click()]);
    const file = JSON.parse(readFileSync(await download.path(), 'utf8')) as { profile: { email: string; name: string }; appointments: unknown[] };
    assert.equal(file.profile.email, mina.email);
    assert.equal(file.profile.name, mina.name);
    assert.ok(Array.isArray(file.appointments));

    await page.getByRole('button', { name: 'Delete my account' }).click();
    await e.see(page, 'This cannot be undone. Enter your password to confirm.');
    await e.check(page, 'data-rights-confirm');
    await page.getByLabel('Your password').fill('not-the-password');
    await page.getByRole('button', { name: 'Delete my account permanently' }).click();
    await e.see(page, 'The password is not correct');
    await page.getByLabel('Your password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Delete my account permanently' }).click();
    await page.getByRole('heading', { name: 'Log in' }).waitFor();
    await e.see(page, 'Your account was deleted.');

    await page.getByLabel('Email').fill(mina.email);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('alert').waitFor();
    const res = await fetch(`${e.base}/api/user/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: mina.email, password: PASSWORD }) });
    assert.equal(res.status, 401);
  });

  it('the admin finds a patient, downloads their data and deletes the account on request', async () => {
    const { page } = await e.person();
    await page.goto('/admin/login');
    await page.getByLabel('Email').fill(CHILD_ADMIN.email);
    await page.getByLabel('Password').fill(CHILD_ADMIN.password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    await page.getByRole('navigation', { name: 'Admin pages' }).getByRole('link', { name: 'Patients' }).click();
    await page.getByRole('heading', { name: 'Patients' }).waitFor();
    await page.getByLabel('Email or name').fill(`omar.asks.${stamp}`);
    await page.getByRole('button', { name: 'Find' }).click();
    const row = page.getByRole('row').filter({ hasText: omar.email });
    await expectCount(row, 1);
    await e.check(page, 'admin-patients');

    const [download] = await Promise.all([page.waitForEvent('download'), row.getByRole('button', { name: 'Download data' }).click()]);
    const file = JSON.parse(readFileSync(await download.path(), 'utf8')) as { profile: { email: string } };
    assert.equal(file.profile.email, omar.email);

    await row.getByRole('button', { name: 'Delete account' }).click();
    await row.getByRole('button', { name: `Delete ${omar.email} for good` }).click();
    await e.see(page, 'The account was deleted.');
    await e.see(page, 'No patient matches.');

    const token = await e.adminToken();
    const log = await e.api<{ logs: { action: string; targetId: string | null }[] }>('GET', '/api/admin/audit-log?action=admin.patients.:id', undefined, token);
    assert.equal(log.logs.filter((l) => l.targetId !== null).length, 1, 'the deletion is in the audit log');
    const exports = await e.api<{ logs: { action: string }[] }>('GET', '/api/admin/audit-log?action=admin.patients.:id.data-export', undefined, token);
    assert.equal(exports.logs.length, 1);
  });
});
