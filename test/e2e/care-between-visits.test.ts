// Reviews and messages in a real browser: a patient rates a completed visit from their appointments
// page; the doctor's page and the doctor list show the rating and the comment under the patient's
// first name and initial; the patient reports it; the doctor replies from their area; the admin
// hides it from the moderation page and the rating drops it. Then patient and doctor exchange
// messages about the visit (unread count, live delivery, read receipt). axe-core checks every page.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { CHILD_ADMIN } from '../helpers/server-process.js';
import { E2E, expectCount } from './harness.js';

const PATIENT = { name: 'Ann Lee', email: 'ann.lee@patients.test', password: 'ann-password-123' };
const COMMENT = 'Listened carefully and explained everything.';
const OWN_PASSWORD = 'doctor-own-password-9';

interface Slot {
  slotDate: string;
  slotTime: string;
}

describe('care between visits in the browser: reviews and messages', () => {
  let e: E2E;
  let doctor: { id: string; name: string; email: string };
  let reviewId = '';

  before(async () => {
    e = await E2E.start('care-between-visits', { gateways: false });
    const added = await e.addDoctor({ name: 'Dr. Kavya Rao' });
    // the admin's password is temporary: the doctor chooses their own first
    const temp = (await e.api<{ token: string }>('POST', '/api/doctor/login', { email: added.email, password: added.password })).token;
    await e.api('POST', '/api/doctor/change-password', { oldPassword: added.password, newPassword: OWN_PASSWORD }, temp);
    doctor = added;
    const doctorToken = (await e.api<{ token: string }>('POST', '/api/doctor/login', { email: added.email, password: OWN_PASSWORD })).token;
    const patientToken = (await e.api<{ token: string }>('POST', '/api/user/register', PATIENT)).token;
    const { slots } = await e.api<{ slots: Slot[] }>('GET', `/api/doctor/${doctor.id}/slots`);
    const booked = await e.api<{ appointment: { _id: string } }>('POST', '/api/user/book-appointment', { docId: doctor.id, ...slots[0] }, patientToken);
    await e.api('POST', '/api/doctor/complete-appointment', { appointmentId: booked.appointment._id }, doctorToken);
  });
  after(async () => e?.stop());

  async function logIn(page: Page, path: string, email: string, password: string, landing: string): Promise<void> {
    await page.goto(path);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password', { exact: true }).fill(password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: landing }).waitFor();
  }

  it('the patient rates the completed visit from their appointments, sees it on the doctor’s page and reports it', async () => {
    const { page, context } = await e.person();
    await logIn(page, '/login', PATIENT.email, PATIENT.password, 'My appointments');
    await page.getByRole('tab', { name: /Past/ }).click();
    const card = page.locator('.appt').first();
    await card.getByRole('button', { name: 'Rate this visit' }).click();
    await card.getByRole('group', { name: 'Your rating' }).waitFor();
    await card.getByLabel('4 out of 5').check();
    await card.getByLabel('Comment (optional)').fill(COMMENT);
    await e.check(page, 'rate-visit');
    await card.getByRole('button', { name: 'Send review' }).click();
    await e.see(page, 'Thank you, your review is saved.');
    await e.see(page, 'Your review: 4 out of 5');
    // within 30 days it can still be changed
    await card.getByRole('button', { name: 'Edit your review' }).waitFor();

    await page.goto(`/doctors/${doctor.id}`);
    await page.getByRole('heading', { name: doctor.name }).waitFor();
    await e.see(page, '4.0 out of 5 · 1 reviews');
    const reviews = page.getByRole('region', { name: 'Reviews' });
    await reviews.getByText(COMMENT).waitFor();
    await reviews.getByText(/^Ann L\., /).waitFor();
    assert.equal(await page.getByText('Ann Lee').count(), 0, 'the full name is never shown');
    await e.check(page, 'doctor-page-reviews');

    await reviews.getByRole('button', { name: 'Report' }).click();
    await reviews.getByLabel('Why should the administrator look at it?').fill('Mentions my diagnosis by name.');
    await reviews.getByRole('button', { name: 'Send report' }).click();
    await e.see(page, 'Thank you, the administrator will look at it.');

    // the home page's doctor card shows the rating as well
    await page.goto('/');
    await page.locator('.doctor-card', { hasText: doctor.name }).getByText('4.0 out of 5 · 1 reviews').waitFor();
    await context.close();
    e.assertNoProblems();
  });

  it('the doctor replies once from their area', async () => {
    const { page, context } = await e.person();
    await logIn(page, '/doctor/login', doctor.email, OWN_PASSWORD, `Welcome, ${doctor.name}`);
    await page.getByRole('navigation', { name: 'Doctor pages' }).getByRole('link', { name: 'Reviews' }).click();
    await page.getByRole('heading', { name: 'Reviews of you' }).waitFor();
    const item = page.locator('.review', { hasText: COMMENT });
    await item.getByRole('button', { name: 'Reply' }).click();
    await item.getByLabel('Your public reply').fill('Thank you, Ann. Take care!');
    await e.check(page, 'doctor-reviews');
    await item.getByRole('button', { name: 'Send reply' }).click();
    await item.getByText('Thank you, Ann. Take care!').waitFor();
    await expectCount(item.getByRole('button', { name: 'Reply' }), 0, 'one reply only');
    const own = await e.api<{ reviews: { _id: string; reply: string | null }[] }>(
      'GET', '/api/doctor/reviews', undefined,
      (await e.api<{ token: string }>('POST', '/api/doctor/login', { email: doctor.email, password: OWN_PASSWORD })).token,
    );
    reviewId = own.reviews[0]._id;
    assert.equal(own.reviews[0].reply, 'Thank you, Ann. Take care!');
    await context.close();
    e.assertNoProblems();
  });

  it('the admin sees the reported review, hides it with a reason, and the rating drops it', async () => {
    const { page, context } = await e.person();
    const admin = await e.adminToken();
    await logIn(page, '/admin/login', CHILD_ADMIN.email, CHILD_ADMIN.password, 'Dashboard');
    await page.getByRole('navigation', { name: 'Admin pages' }).getByRole('link', { name: 'Reviews' }).click();
    await page.getByRole('heading', { name: 'Review moderation' }).waitFor();
    const item = page.locator('.review', { hasText: COMMENT });
    await item.getByText('1 reports').waitFor();
    await item.getByText('Reasons: Mentions my diagnosis by name.').waitFor();
    await e.check(page, 'admin-reviews');
    await item.getByRole('button', { name: 'Hide' }).click();
    await item.getByLabel('Reason for hiding').fill('Personal health data');
    await item.getByRole('button', { name: 'Hide this review' }).click();
    await item.getByRole('button', { name: 'Show again' }).waitFor();
    await item.getByText('Hidden: Personal health data').waitFor();

    const list = await e.api<{ doctors: { _id: string; ratingAverage: number | null; ratingCount: number }[] }>('GET', '/api/doctor/list');
    const d = list.doctors.find((x) => x._id === doctor.id)!;
    assert.deepEqual([d.ratingAverage, d.ratingCount], [null, 0]);
    const audit = await e.api<{ logs: { action: string; targetId: string | null }[] }>('GET', `/api/admin/audit-log?targetId=${reviewId}`, undefined, admin);
    assert.ok(audit.logs.some((l) => l.action === 'admin.reviews.:reviewId.hide'), 'the hide is audit-logged');

    await page.goto(`/doctors/${doctor.id}`);
    await page.getByRole('heading', { name: doctor.name }).waitFor();
    await page.getByRole('region', { name: 'Reviews' }).getByText('No reviews yet.').waitFor();
    await context.close();
    e.assertNoProblems();
  });

  it('patient and doctor exchange messages about the visit, with unread counts and read receipts', async () => {
    const patient = await e.person();
    await logIn(patient.page, '/login', PATIENT.email, PATIENT.password, 'My appointments');
    await patient.page.getByRole('tab', { name: /Past/ }).click();
    const card = patient.page.locator('.appt').first();
    await card.getByRole('button', { name: 'Messages' }).click();
    const thread = card.getByRole('region', { name: 'Messages' });
    await thread.getByText('No messages yet.').waitFor();
    await thread.getByLabel('Your message').fill('Can I take the tablets with food?');
    await e.check(patient.page, 'patient-messages');
    await thread.getByRole('button', { name: 'Send message' }).click();
    await thread.getByText('Can I take the tablets with food?').waitFor();
    await thread.getByText('Sent', { exact: true }).waitFor();

    const doc = await e.person();
    await logIn(doc.page, '/doctor/login', doctor.email, OWN_PASSWORD, `Welcome, ${doctor.name}`);
    await doc.page.goto('/doctor/appointments');
    await doc.page.getByRole('button', { name: 'Messages (1 new)' }).click();
    const docThread = doc.page.getByRole('region', { name: 'Messages' });
    await docThread.getByText('Can I take the tablets with food?').waitFor();
    await docThread.getByLabel('Your message').fill('Yes, after breakfast.');
    await e.check(doc.page, 'doctor-messages');
    await docThread.getByRole('button', { name: 'Send message' }).click();
    await docThread.getByText('Yes, after breakfast.').waitFor();

    // the patient's open thread hears it live, and shows that the doctor read theirs
    await thread.getByText('Yes, after breakfast.').waitFor();
    await thread.getByText('Read', { exact: true }).waitFor();
    await patient.context.close();
    await doc.context.close();
    e.assertNoProblems();
  });
});
