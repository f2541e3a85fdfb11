// A patient's account in a real browser, at phone width: profile with a photo (an invalid picture
// shows the server's message and keeps what was typed), log out on every device, and a forgotten
// password reset from the emailed link, which opens the app; two-factor turned on from the Security
// page, then needed at login.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { totpCode } from '../../src/modules/auth/totp.js';
import { pngBytes } from '../helpers/app.js';
import { E2E, expectCount } from './harness.js';

const PASSWORD = 'patient-pass-123';

describe('patient account in the browser', () => {
  let e: E2E;
  const email = `ravi.patient.${Date.now()}@example.com`;
  before(async () => {
    e = await E2E.start('patient-account');
    await e.api('POST', '/api/user/register', { name: 'Ravi Patient', email, password: PASSWORD });
  });
  after(async () => e?.stop());

  it('edits the profile with a photo, resets a forgotten password from the email link, and logs out everywhere', async () => {
    const { page, context } = await e.person({ viewport: { width: 360, height: 740 } });
    await page.goto('/login');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'My appointments' }).waitFor();
    await page.goto('/profile');
    await page.getByLabel('Phone').fill('9876543210');
    await page.getByLabel('Photo').setInputFiles({ name: 'me.png', mimeType: 'image/png', buffer: Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex') });
    await page.getByRole('button', { name: 'Save' }).click();
    // an invalid picture: the server's message, and the typed phone kept
    await page.getByRole('alert').waitFor();
    assert.equal(await page.getByLabel('Phone').inputValue(), '9876543210');
    const png = await pngBytes(80, 80);
    await page.getByLabel('Photo').setInputFiles({ name: 'me.png', mimeType: 'image/png', buffer: png });
    await page.getByRole('button', { name: 'Save' }).click();
    await e.see(page, 'Profile updated.');
    await e.check(page, 'profile');
    const token = (await e.api<{ token: string }>('POST', '/api/user/login', { email, password: PASSWORD })).token;
    const me = (await e.api<{ userData: { phone: string; image: string } }>('GET', '/api/user/get-profile', undefined, token)).userData;
    assert.equal(me.phone, '9876543210');
    assert.match(me.image, /\/uploads\//);

    // log out everywhere: this browser and the API token both end
    await page.goto('/security');
    await e.check(page, 'security');
    await page.getByRole('button', { name: 'Log out on every device' }).click();
    await page.getByRole('heading', { name: 'Log in' }).waitFor();
    const res = await fetch(`${e.base}/api/user/get-profile`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(res.status, 401);
    await page.reload();
    await page.getByRole('link', { name: 'Log in' }).first().waitFor();

    // forgot password: the email's link opens the app's reset page
    await page.getByRole('link', { name: 'Forgot password?' }).click();
    // the page is a lazy route: fill its field once it is there, not the login form's on its way out
    await page.getByRole('heading', { name: 'Reset your password' }).waitFor();
    await page.getByLabel('Email').fill(email);
    const mails = e.smtp.received.length;
    await page.getByRole('button', { name: 'Email me a reset link' }).click();
    await e.see(page, /If an account exists/);
    await e.check(page, 'forgot');
    await e.smtp.waitFor(mails + 1);
    const mail = e.smtp.received.slice(mails).find((m) => m.rcpt.includes(email));
    assert.ok(mail, 'reset email sent');
    const link = /https?:\/\/[^\s"<>]+\/reset-password\?[^\s"<>]+/.exec(mail.mail.text ?? '')?.[0];
    assert.ok(link && link.startsWith(`${e.base}/reset-password?`), `reset link points to the app: ${link}`);
    await page.goto(link.replace(/&amp;/g, '&'));
    await page.getByRole('heading', { name: 'Choose a new password' }).waitFor();
    assert.equal(new URL(page.url()).search, '', 'the token left the address bar');
    await page.getByLabel('New password').fill('a-new-password-456');
    await page.getByRole('button', { name: 'Set password' }).click();
    await e.see(page, /Password updated/);
    await e.check(page, 'reset');
    await page.getByRole('link', { name: 'Log in' }).last().click();
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password', { exact: true }).fill('a-new-password-456');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'My appointments' }).waitFor();
    await context.close();
    e.assertNoProblems();
  });

  it('turns two-factor on in the Security page; the next login asks for a code', async () => {
    const email2 = `tfa.patient.${Date.now()}@example.com`;
    await e.api('POST', '/api/user/register', { name: 'Tara Patient', email: email2, password: PASSWORD });
    const { page, context } = await e.person();
    await page.goto('/login');
    await page.getByLabel('Email').fill(email2);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'My appointments' }).waitFor();

    await page.goto('/security');
    await page.getByRole('button', { name: 'Turn on two-factor authentication' }).click();
    const secret = (await page.getByTestId('totp-secret').textContent())?.trim() ?? '';
    assert.match(secret, /^[A-Z2-7]+$/);
    // the server allows one step of drift either way: confirm with the previous step's code so the
    // login below can use the next one (a code is accepted once, and only newer ones after it)
    await page.getByLabel('Authenticator code').fill(totpCode(secret, new Date(Date.now() - 30_000)));
    await page.getByRole('button', { name: 'Confirm with a code' }).click();
    await e.see(page, 'Two-factor authentication is on.');
    await expectCount(page.getByTestId('recovery-codes').locator('li'), 10);
    await e.check(page, 'security-2fa');

    await page.getByRole('button', { name: 'Log out on every device' }).click();
    await page.getByRole('heading', { name: 'Log in' }).waitFor();
    await page.getByLabel('Email').fill(email2);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByLabel('Authenticator code').fill(totpCode(secret, new Date(Date.now() + 30_000)));
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'My appointments' }).waitFor();
    await context.close();
    e.assertNoProblems();
  });
});
