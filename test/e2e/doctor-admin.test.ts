// The admin and a doctor in a real browser: the admin adds a doctor with a photo and a temporary
// password, switches their availability and resends the welcome email; the doctor's first login asks
// for their own password; a patient's booking and payment appear live on the doctor's dashboard and
// the doctor completes the visit; the admin sees the revenue, downloads the revenue CSV, opens a deep
// link to page 3 of all appointments and cancels one with a reason; the doctor's schedule, profile and
// reports pages and the admin's audit log work. axe-core checks every page.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { pngBytes } from '../helpers/app.js';
import { CHILD_ADMIN } from '../helpers/server-process.js';
import { razorpayCheckoutSignature } from '../modules/payments/stub.js';
import { E2E, expectCount } from './harness.js';

const DOCTOR = { name: 'Dr. Meera Iyer', email: 'meera.iyer@clinic.test', temporary: 'temporary-pass-1', own: 'my-own-password-22', fee: 750 };

interface Slot {
  slotDate: string;
  slotTime: string;
  startsAt: string;
  endsAt: string;
}

describe('doctor and admin journeys in the browser', () => {
  let e: E2E;
  let admin: { context: BrowserContext; page: Page };
  let doctor: { context: BrowserContext; page: Page };
  let doctorId = '';
  let patientToken = '';
  let appointmentId = '';
  let slots: Slot[] = [];

  before(async () => {
    e = await E2E.start('doctor-admin', {
      // page 3 of the admin's list needs more bookings than one patient may hold by default
      env: { MAX_LIVE_BOOKINGS_PER_PATIENT: '1000', MAX_LIVE_BOOKINGS_PER_PATIENT_PER_DOCTOR: '1000' },
    });
  });
  after(async () => e?.stop());

  /** resolves once `n` emails to `address` have arrived */
  async function mailsTo(address: string, n: number): Promise<void> {
    while (e.smtp.received.filter((m) => m.rcpt.includes(address)).length < n) await e.smtp.waitFor(e.smtp.received.length + 1);
  }

  async function freeSlots(): Promise<Slot[]> {
    const res = await e.api<{ slots: Slot[] }>('GET', `/api/doctor/${doctorId}/slots`);
    return res.slots;
  }

  async function book(slot: Slot, token = patientToken): Promise<string> {
    const { slotDate, slotTime } = slot;
    const res = await e.api<{ appointment: { _id: string } }>('POST', '/api/user/book-appointment', { docId: doctorId, slotDate, slotTime }, token);
    return res.appointment._id;
  }

  it('the admin logs in and adds a doctor with a photo and a temporary password', async () => {
    admin = await e.person();
    const { page } = admin;
    await page.goto('/admin/login');
    await page.getByRole('heading', { name: 'Admin log in' }).waitFor();
    await e.check(page, 'admin-login');
    await page.getByLabel('Email').fill(CHILD_ADMIN.email);
    await page.getByLabel('Password').fill(CHILD_ADMIN.password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();

    await page.getByRole('navigation', { name: 'Admin pages' }).getByRole('link', { name: 'Add a doctor' }).click();
    await page.getByRole('heading', { name: 'Add a doctor' }).waitFor();
    // a form sent without a photo is refused in place and keeps what was typed
    await page.getByLabel('Full name').fill(DOCTOR.name);
    await page.getByLabel('Email').fill(DOCTOR.email);
    await page.getByRole('button', { name: 'Add doctor' }).click();
    await page.getByText('Choose a photo of the doctor.').waitFor();
    assert.equal(await page.getByLabel('Full name').inputValue(), DOCTOR.name);
    await e.check(page, 'admin-add-doctor-errors');

    await page.getByLabel('Temporary password (optional)').fill(DOCTOR.temporary);
    await page.getByLabel('Speciality').fill('Dermatologist');
    await page.getByLabel('Degree').fill('MBBS, MD');
    await page.getByLabel('Experience').fill('8 Years');
    await page.getByLabel(/^Fee/).fill(String(DOCTOR.fee));
    await page.getByLabel('Address line 1').fill('12 MG Road');
    await page.getByLabel('Address line 2').fill('Bengaluru');
    await page.getByLabel('About').fill('Skin specialist.');
    await page.getByLabel('Photo').setInputFiles({ name: 'meera.png', mimeType: 'image/png', buffer: await pngBytes(96, 96, '#0f766e') });
    await page.getByRole('button', { name: 'Add doctor' }).click();
    await page.getByText(`${DOCTOR.name} was added.`).waitFor();
    assert.equal(await page.getByLabel('Full name').inputValue(), '', 'the form is emptied for the next doctor');
    await e.check(page, 'admin-add-doctor');

    const all = await e.api<{ doctors: { _id: string; email: string; image: string }[] }>('GET', '/api/admin/all-doctors', undefined, await e.adminToken());
    const added = all.doctors.find((d) => d.email === DOCTOR.email);
    assert.ok(added, 'the doctor exists');
    assert.ok(added.image, 'with a photo');
    doctorId = added._id;
  });

  it('the admin switches the doctor’s availability and resends the welcome email', async () => {
    const { page } = admin;
    await page.getByRole('navigation', { name: 'Admin pages' }).getByRole('link', { name: 'Doctors' }).click();
    const card = page.locator(`li[data-doctor="${doctorId}"]`);
    const toggle = card.getByRole('switch');
    await toggle.waitFor();
    assert.equal(await toggle.getAttribute('aria-checked'), 'true');
    await e.check(page, 'admin-doctors');
    await toggle.click();
    await card.locator('[role="switch"][aria-checked="false"]').waitFor();
    const listed = await e.api<{ doctors: { _id: string; available: boolean }[] }>('GET', '/api/doctor/list');
    assert.equal(listed.doctors.find((d) => d._id === doctorId)?.available, false, 'the server has it unavailable');
    await toggle.click();
    await card.locator('[role="switch"][aria-checked="true"]').waitFor();

    // one welcome email when added, a second one on request
    await mailsTo(DOCTOR.email, 1);
    await card.getByRole('button', { name: `Resend welcome email to ${DOCTOR.name}` }).click();
    await card.locator('.alert-success').waitFor();
    await mailsTo(DOCTOR.email, 2);
  });

  it('the doctor’s first login asks for their own password, then the dashboard opens', async () => {
    doctor = await e.person();
    const { page } = doctor;
    await page.goto('/doctor/login');
    await page.getByLabel('Email').fill(DOCTOR.email);
    await page.getByLabel('Password').fill(DOCTOR.temporary);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'Choose your own password' }).waitFor();
    await e.check(page, 'doctor-first-login');
    // the area's other pages wait until the password is changed
    await page.goto('/doctor/appointments');
    await page.getByRole('heading', { name: 'Choose your own password' }).waitFor();

    await page.getByLabel('Temporary password').fill(DOCTOR.temporary);
    await page.getByLabel('New password', { exact: true }).fill(DOCTOR.own);
    await page.getByLabel('Repeat the new password').fill('something-else-1');
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByText('The two new passwords differ.').waitFor();
    await page.getByLabel('Repeat the new password').fill(DOCTOR.own);
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByText('Password changed. Log in with your new password.').waitFor();
    await page.getByLabel('Email').fill(DOCTOR.email);
    await page.getByLabel('Password').fill(DOCTOR.own);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: `Welcome, ${DOCTOR.name}` }).waitFor();
    await page.getByText('Live', { exact: true }).waitFor();
  });

  it('a patient’s booking and payment appear live on the doctor’s dashboard; the doctor completes the visit', async () => {
    const { page } = doctor;
    const reg = await e.api<{ token: string }>('POST', '/api/user/register', { name: 'Kavya Nair', email: 'kavya@patients.test', password: 'kavya-password-1' });
    patientToken = reg.token;
    slots = await freeSlots();
    assert.ok(slots.length > 30, 'enough free times for the test');
    appointmentId = await book(slots[0]);

    // no reload: the stream tells the dashboard
    const row = page.locator(`tr[data-appointment="${appointmentId}"]`).first();
    await row.waitFor();
    await page.getByRole('status').filter({ hasText: 'A new appointment was booked.' }).waitFor();
    assert.match(await row.innerText(), /Kavya Nair/);
    assert.match(await row.innerText(), /Awaiting payment/);

    // the patient pays (through the gateway stand-in): the badge turns to Confirmed, still live
    const order = await e.api<{ order: { id: string } }>('POST', '/api/user/payment-razorpay', { appointmentId }, patientToken);
    const paid = e.stub.payRazorpayOrder(order.order.id);
    await e.api('POST', '/api/user/verify-razorpay', { razorpay_order_id: order.order.id, razorpay_payment_id: paid.id, razorpay_signature: razorpayCheckoutSignature(order.order.id, paid.id) }, patientToken);
    await row.locator('.badge', { hasText: 'Confirmed' }).waitFor();
    await e.check(page, 'doctor-dashboard');

    await row.getByRole('button', { name: 'Complete' }).click();
    await row.getByLabel(/Note/).fill('Follow up in a month');
    await row.getByRole('button', { name: 'Yes, completed' }).click();
    await page.locator(`tr[data-appointment="${appointmentId}"]`).first().locator('.badge', { hasText: 'Completed' }).waitFor();
    const mine = await e.api<{ appointments: { _id: string; status: string }[] }>('GET', '/api/user/appointments', undefined, patientToken);
    assert.equal(mine.appointments.find((a) => a._id === appointmentId)?.status, 'completed');
  });

  it('the admin sees the revenue and downloads the revenue report as CSV', async () => {
    const { page } = admin;
    await page.goto('/admin');
    const fee = new Intl.NumberFormat('en-IN', { style: 'currency', currency: 'INR', maximumFractionDigits: 0 }).format(DOCTOR.fee);
    await page.locator('.stat', { hasText: 'Revenue' }).getByText(fee).waitFor();
    await page.getByRole('img', { name: /Revenue per day/ }).waitFor();
    await e.check(page, 'admin-dashboard');

    await page.getByRole('navigation', { name: 'Admin pages' }).getByRole('link', { name: 'Reports' }).click();
    await page.getByRole('heading', { name: 'Reports' }).waitFor();
    await page.getByRole('table').getByText(fee).first().waitFor();
    await e.check(page, 'admin-reports');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download “Revenue” as CSV' }).click()]);
    assert.match(download.suggestedFilename(), /^revenue-\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}\.csv$/);
    const csv = readFileSync((await download.path())!, 'utf8').replace(/^\uFEFF/, '');
    const [header, ...lines] = csv.trim().split(/\r\n/);
    assert.equal(header, 'period,payments,gross,refunds,net');
    assert.ok(lines.some((l) => l.endsWith(`,1,${DOCTOR.fee},0,${DOCTOR.fee}`)), `a day with the payment in:\n${csv}`);
  });

  it('the admin opens page 3 of all appointments from a link and cancels one with a reason', async () => {
    // 22 more bookings: with 10 a page, page 3 exists (free times read again: the first ones of today
    // may have started meanwhile)
    slots = await freeSlots();
    let booked = 0;
    let next = 0;
    for (const s of slots.slice(2)) {
      if (booked === 22) break;
      // a booking also holds the doctor's pause after it (15 minutes by default): take only free
      // times starting well after the last booked one ends
      if (Date.parse(s.startsAt) < next) continue;
      await book(s);
      next = Date.parse(s.endsAt) + 30 * 60_000;
      booked++;
    }
    assert.equal(booked, 22);
    const { page } = admin;
    await page.goto('/admin/appointments?page=3');
    await page.getByText('Page 3 of 3').waitFor();
    await expectCount(page.locator('tbody tr'), 3);
    await page.getByRole('link', { name: 'Previous' }).waitFor();
    await e.check(page, 'admin-appointments-page3');

    await page.getByRole('link', { name: 'Previous' }).click();
    await page.getByText('Page 2 of 3').waitFor();
    assert.match(page.url(), /page=2/);

    // filter by status: the completed one alone
    await page.getByLabel('Status').selectOption('completed');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.locator(`tr[data-appointment="${appointmentId}"]`).waitFor();
    await expectCount(page.locator('tbody tr'), 1);
    assert.match(page.url(), /status=completed/);
    assert.doesNotMatch(page.url(), /page=2/, 'a new filter starts at page 1');

    await page.getByLabel('Status').selectOption('pending');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.getByText('22 appointments').waitFor();
    const row = page.locator('tbody tr').first();
    await row.getByRole('button', { name: 'Cancel' }).click();
    await row.getByLabel(/Reason/).fill('Clinic closed for maintenance');
    await row.getByRole('button', { name: 'Yes, cancel it' }).click();
    await page.getByText('21 appointments').waitFor();
    const cancelled = await e.api<{ appointments: { cancelReason: string | null }[] }>('GET', '/api/admin/appointments?status=cancelled', undefined, await e.adminToken());
    assert.deepEqual(
      cancelled.appointments.map((a) => a.cancelReason),
      ['Clinic closed for maintenance'],
    );
  });

  it('the admin reads the audit log', async () => {
    const { page } = admin;
    await page.goto('/admin/audit-log');
    await page.getByRole('heading', { name: 'Audit log' }).waitFor();
    await page.getByRole('rowheader', { name: 'admin.add-doctor' }).first().waitFor();
    await page.getByLabel('Action').fill('doctor.change-password');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.getByRole('rowheader', { name: 'doctor.change-password' }).first().waitFor();
    await expectCount(page.getByRole('rowheader', { name: 'admin.add-doctor' }), 0);
    await e.check(page, 'admin-audit-log');
  });

  it('the doctor lists appointments with filters, sets working hours and time off, edits the profile and reads reports', async () => {
    const { page } = doctor;
    await page.getByRole('navigation', { name: 'Doctor pages' }).getByRole('link', { name: 'Appointments' }).click();
    await page.getByRole('heading', { name: 'Appointments' }).waitFor();
    await page.getByText('Page 1 of 3').waitFor();
    await e.check(page, 'doctor-appointments');
    await page.getByLabel('Status').selectOption('cancelled');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.getByText('Reason: Clinic closed for maintenance').waitFor();

    // the doctor cancels one with a reason
    await page.getByLabel('Status').selectOption('pending');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.getByText('21 appointments').waitFor();
    const row = page.locator('tbody tr').first();
    await row.getByRole('button', { name: 'Cancel' }).click();
    await row.getByLabel(/Reason/).fill('Called away to surgery');
    await row.getByRole('button', { name: 'Yes, cancel it' }).click();
    await page.getByText('20 appointments').waitFor();

    await page.getByRole('navigation', { name: 'Doctor pages' }).getByRole('link', { name: 'Working hours' }).click();
    await page.getByRole('heading', { name: 'Weekly hours' }).waitFor();
    await e.check(page, 'doctor-schedule');
    const offDay = slots[slots.length - 1].slotDate;
    await page.getByRole('group', { name: 'How long' }).getByLabel('Whole days').check();
    await page.locator('form', { hasText: 'Add time off' }).getByLabel('From').fill(offDay);
    await page.getByLabel('Reason (optional)').fill('Conference');
    await page.getByRole('button', { name: 'Add time off' }).click();
    await page.getByText('Time off added.').waitFor();
    await page.getByText('Conference').waitFor();
    const after = await freeSlots();
    assert.ok(!after.some((s) => s.slotDate === offDay), 'no free time left on the day off');

    await page.getByRole('navigation', { name: 'Doctor pages' }).getByRole('link', { name: 'Profile' }).click();
    await page.getByRole('heading', { name: 'Your profile' }).waitFor();
    await page.getByLabel(/^Fee/).fill('abc');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText('Enter the fee as a number, with at most 2 decimals.').waitFor();
    await page.getByLabel(/^Fee/).fill('800');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.locator('.alert-success').waitFor();
    const listed = await e.api<{ doctors: { _id: string; fees: number }[] }>('GET', '/api/doctor/list');
    assert.equal(listed.doctors.find((d) => d._id === doctorId)?.fees, 800);
    await e.check(page, 'doctor-profile');

    await page.getByRole('navigation', { name: 'Doctor pages' }).getByRole('link', { name: 'Reports' }).click();
    await page.getByRole('heading', { name: 'Your reports' }).waitFor();
    await page.getByRole('img', { name: /Earnings per period/ }).waitFor();
    await page.getByRole('rowheader', { name: 'Kavya Nair' }).waitFor();
    await e.check(page, 'doctor-reports');

    // Hindi, through the same catalogue
    await page.getByLabel('Language').selectOption('hi');
    await page.getByRole('heading', { name: 'आपकी रिपोर्ट' }).waitFor();
    await e.check(page, 'doctor-reports-hi');
    await page.getByLabel('भाषा').selectOption('en');

    await admin.context.close();
    await doctor.context.close();
    e.assertNoProblems();
  });
});
