// A patient in a real browser: finds a doctor, registers, books a real free time, pays through the
// gateway stand-ins, reschedules and cancels; the app survives reloads. axe-core checks every page.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { E2E, expectCount } from './harness.js';

const PASSWORD = 'patient-pass-123';

async function pickSlot(page: Page, dayIndex: number): Promise<void> {
  await page.getByRole('group', { name: 'Day' }).getByRole('button').nth(dayIndex).click();
  await page.locator('.slots button').first().click();
}

describe('patient journey in the browser', () => {
  let e: E2E;
  let asha: { id: string; name: string };
  const email = `asha.patient.${Date.now()}@example.com`;
  before(async () => {
    e = await E2E.start('patient');
  });
  after(async () => e?.stop());

  it('serves the app, lists doctors with search and filter, and loads deep links', async () => {
    asha = await e.addDoctor({ name: 'Dr. Asha Rao', speciality: 'Dermatologist', fees: 700 });
    await e.addDoctor({ name: 'Dr. Vikram Shah', speciality: 'Cardiologist', fees: 900 });
    const { page, context } = await e.person();
    // the first page's JavaScript, as sent over the wire (compressed): at most 200 KB
    const scripts: Promise<number>[] = [];
    page.on('response', (r) => {
      if (r.request().resourceType() === 'script') scripts.push(r.headerValue('content-length').then((v) => Number(v ?? 'NaN')));
    });
    await page.goto('/');
    await page.getByRole('link', { name: /Dr\. Asha Rao/ }).waitFor();
    const bytes = (await Promise.all(scripts)).reduce((a, b) => a + b, 0);
    assert.ok(scripts.length > 0 && bytes > 10_000 && bytes <= 200 * 1024, `first page JavaScript: ${bytes} bytes in ${scripts.length} files`);
    await e.check(page, 'home');
    await expectCount(page.getByRole('listitem').filter({ hasText: 'Dr.' }), 2);
    await page.getByLabel('Search by name').fill('vikram');
    await page.getByRole('link', { name: /Dr\. Vikram Shah/ }).waitFor();
    await expectCount(page.getByRole('link', { name: /Dr\. Asha Rao/ }), 0);
    await page.getByLabel('Search by name').fill('');
    await page.getByLabel('Speciality').selectOption('Dermatologist');
    await expectCount(page.getByRole('link', { name: /Dr\. Vikram Shah/ }), 0);
    await expectCount(page.getByRole('link', { name: /Dr\. Asha Rao/ }), 1);

    // Hindi
    await page.getByLabel('Language').selectOption('hi');
    await page.getByRole('heading', { name: 'भरोसेमंद डॉक्टर से समय लें' }).waitFor();
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'hi');
    await e.check(page, 'home-hi');
    await page.getByLabel('भाषा').selectOption('en');

    // a deep link loads directly
    await page.goto('/login');
    await page.getByRole('heading', { name: 'Log in' }).waitFor();
    await e.check(page, 'login');
    await context.close();
    e.assertNoProblems();
  });

  it('registers on the way to booking, keeps the chosen time through a reload, books and pays with Razorpay and Stripe', async () => {
    // a patient abroad: the doctor's times come with the patient's own
    const { page, context } = await e.person({ timezoneId: 'Europe/London' });
    await page.goto('/');
    await page.getByRole('link', { name: /Dr\. Asha Rao/ }).click();
    await page.getByRole('heading', { name: 'Dr. Asha Rao' }).waitFor();
    await e.see(page, 'Times are in the doctor’s time zone (Asia/Kolkata)');
    await e.see(page, /Your time zone is Europe\/London/);
    await e.check(page, 'doctor');
    await pickSlot(page, 2);
    const chosenUrl = page.url();
    assert.match(chosenUrl, /[?&]at=/, 'the chosen time is in the URL');
    await page.getByRole('button', { name: 'Log in to book this time' }).click();
    await page.getByRole('heading', { name: 'Log in' }).waitFor();
    await page.getByRole('link', { name: 'New here? Create an account' }).click();
    await page.getByRole('heading', { name: 'Create your account' }).waitFor();
    // the server's rules, checked before sending; what was typed stays
    await page.getByLabel('Full name').fill('Asha Patient');
    await page.getByLabel('Email').fill('not-an-email');
    await page.getByLabel('Password', { exact: true }).fill('short');
    await page.getByRole('button', { name: 'Create account' }).click();
    await e.see(page, 'Enter a valid email address.');
    await e.see(page, 'The password needs at least 8 characters.');
    assert.equal(await page.getByLabel('Full name').inputValue(), 'Asha Patient');
    await e.check(page, 'register-errors');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Create account' }).click();
    // back on the doctor's page with the same time chosen, also after a reload
    await page.waitForURL((u) => u.href === chosenUrl);
    await page.reload();
    const confirm = page.getByRole('button', { name: 'Confirm booking' });
    await confirm.waitFor();
    await expectCount(page.getByRole('link', { name: 'My appointments' }), 1, 'still signed in after the reload');
    await confirm.click();
    await e.see(page, /^Booked\./);
    const booking = e.stub.requests.length;
    await e.check(page, 'booked');
    await page.getByRole('button', { name: 'Pay online (Razorpay)' }).click();
    await e.see(page, /Payment (verified|received|successful)/i);
    assert.ok(e.stub.find('POST', '/v1/orders').length >= 1, 'an order was created at the Razorpay stand-in');
    assert.ok(e.stub.requests.length > booking);

    // a second booking, paid by Stripe: out to the hosted page and back to /verify
    await page.goto(`/doctors/${asha.id}`);
    await pickSlot(page, 3);
    await page.getByRole('button', { name: 'Confirm booking' }).click();
    await page.getByRole('button', { name: 'Pay by card (Stripe)' }).click();
    await page.waitForURL(/\/verify$/);
    await e.see(page, /Payment (verified|received|successful)/i);
    await e.check(page, 'verify');
    assert.equal(e.stub.find('POST', '/v1/checkout/sessions').length, 1);
    const keys = e.stub.requests.filter((r) => r.idempotencyKey).length;
    assert.ok(keys >= 0);

    await page.getByRole('link', { name: 'My appointments' }).first().click();
    await page.getByRole('heading', { name: 'My appointments' }).waitFor();
    await page.locator('.appt').first().waitFor();
    await expectCount(page.locator('.badge', { hasText: 'Confirmed' }), 2);
    await e.check(page, 'appointments');
    await context.close();
    e.assertNoProblems();
  });

  it('reschedules, cancels with the refund shown first, downloads the receipt, and hears about changes live', async () => {
    const { page, context } = await e.person();
    await page.goto('/login');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'My appointments' }).waitFor();
    const cards = page.locator('.appt');
    await cards.first().waitFor();
    await expectCount(cards, 2);

    // reschedule the first to another free time
    const token = (await e.api<{ token: string }>('POST', '/api/user/login', { email, password: PASSWORD })).token;
    const before = (await e.api<{ appointments: { _id: string; startsAt: string }[] }>('GET', '/api/user/appointments', undefined, token)).appointments;
    await cards.first().getByRole('button', { name: 'Reschedule' }).click();
    await cards.first().getByRole('group', { name: 'Day' }).getByRole('button').nth(5).click();
    await cards.first().locator('.slots button').nth(1).click();
    await e.check(page, 'reschedule');
    await cards.first().getByRole('button', { name: /^Move to / }).click();
    await e.see(page, 'Appointment moved.');
    const after = (await e.api<{ appointments: { _id: string; startsAt: string }[] }>('GET', '/api/user/appointments', undefined, token)).appointments;
    assert.notDeepEqual(after.map((a) => a.startsAt).sort(), before.map((a) => a.startsAt).sort());

    // receipt
    const download = page.waitForEvent('download');
    await cards.first().getByRole('button', { name: 'Receipt (PDF)' }).click();
    const file = await (await download).path();
    assert.equal(readFileSync(file).subarray(0, 5).toString(), '%PDF-');
    const ics = page.waitForEvent('download');
    await cards.first().getByRole('button', { name: 'Add to calendar (.ics)' }).click();
    const cal = readFileSync((await (await ics).path())!, 'utf8');
    assert.match(cal, /BEGIN:VCALENDAR[\s\S]*DTSTART:\d{8}T\d{6}Z[\s\S]*END:VCALENDAR/);

    // cancel: the policy's refund (paid, days ahead: all of it) shown before confirming
    await cards.first().getByRole('button', { name: 'Cancel appointment' }).click();
    await e.see(page, 'You will get a full refund of ₹700.');
    await e.check(page, 'cancel');
    await page.getByLabel('Reason (optional)').fill('Feeling better');
    await page.getByRole('button', { name: 'Yes, cancel it' }).click();
    await e.see(page, 'Appointment cancelled.');
    await page.getByRole('tab', { name: /Past/ }).click();
    await page.locator('.appt').filter({ hasText: 'Cancelled' }).first().waitFor();
    await e.see(page, /Refund: ₹700/);

    // live: the admin cancels the other one; the header's unread count and the list follow
    await page.getByRole('link', { name: 'Notifications' }).click();
    await e.see(page, 'Live updates on');
    const count = await page.locator('.notif').count();
    const other = after.find((a) => a._id !== before[0]?._id) ?? after[0];
    const live = (await e.api<{ appointments: { _id: string; status: string }[] }>('GET', '/api/user/appointments', undefined, token)).appointments.find((a) => a.status === 'confirmed');
    assert.ok(live && other);
    await e.api('POST', '/api/admin/cancel-appointment', { appointmentId: live._id, reason: 'Doctor unavailable' }, await e.adminToken());
    await page.waitForFunction((n) => document.querySelectorAll('.notif').length > n, count);
    await e.check(page, 'notifications');
    await context.close();
    e.assertNoProblems();
  });
});
