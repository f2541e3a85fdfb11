// The waitlist in a real browser: a patient finds no time that suits on a doctor's page and joins the
// waitlist for that day; the doctor's dashboard counts them; the doctor cancels another patient's
// appointment (through the API) and the freed time is offered to the waiting patient, who sees it
// with its countdown and accepts it into a booking. axe-core checks every page.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { E2E, expectCount } from './harness.js';

const WAITING = { name: 'Asha Waiting', email: 'asha.waiting@patients.test', password: 'asha-password-1' };
const OTHER = { name: 'Ravi Booked', email: 'ravi.booked@patients.test', password: 'ravi-password-1' };

interface Slot {
  slotDate: string;
  slotTime: string;
  startsAt: string;
}

describe('waitlist in the browser', () => {
  let e: E2E;
  let doc: { id: string; name: string; email: string; password: string };
  const own = 'doctor-own-password-1';
  let doctorToken: string;
  let slot: Slot;
  let heldAppointment: string;
  let patient: { context: BrowserContext; page: Page };
  let doctor: { context: BrowserContext; page: Page };

  before(async () => {
    e = await E2E.start('waitlist');
    doc = await e.addDoctor({ name: 'Dr. Meera Waitlist', speciality: 'Dermatologist', fees: 500 });
    const first = await e.api<{ token: string }>('POST', '/api/doctor/login', { email: doc.email, password: doc.password });
    await e.api('POST', '/api/doctor/change-password', { oldPassword: doc.password, newPassword: own }, first.token);
    doctorToken = (await e.api<{ token: string }>('POST', '/api/doctor/login', { email: doc.email, password: own })).token;
    // one time a day, so the day is full once it is booked
    await e.api('PUT', '/api/doctor/schedule/hours', { workingHours: [1, 2, 3, 4, 5].map((weekday) => ({ weekday, start: '10:00', end: '10:30' })) }, doctorToken);
    const { slots } = await e.api<{ slots: Slot[] }>('GET', `/api/doctor/${doc.id}/slots`);
    slot = slots[0];
    assert.ok(slot, 'a free time this week');
    await e.api('POST', '/api/user/register', WAITING);
    const other = await e.api<{ token: string }>('POST', '/api/user/register', OTHER);
    heldAppointment = (await e.api<{ appointment: { _id: string } }>('POST', '/api/user/book-appointment', { docId: doc.id, slotDate: slot.slotDate, slotTime: slot.slotTime }, other.token)).appointment._id;
  });
  after(async () => e?.stop());

  it('a patient finds the day full and joins the waitlist from the doctor’s page', async () => {
    patient = await e.person();
    const { page } = patient;
    await page.goto('/login');
    await page.getByLabel('Email').fill(WAITING.email);
    await page.getByLabel('Password', { exact: true }).fill(WAITING.password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'My appointments' }).waitFor();
    await page.goto(`/doctors/${doc.id}`);
    await page.getByRole('heading', { name: 'No time suits you? Join the waitlist' }).waitFor();
    await page.getByLabel('From').fill(slot.slotDate);
    await page.getByLabel('Part of the day').selectOption('morning');
    await e.check(page, 'doctor-page-waitlist');
    await page.getByRole('button', { name: 'Join the waitlist' }).click();
    await page.getByText('You are on the waitlist.').waitFor();
    await page.getByRole('link', { name: 'See my waitlist' }).click();
    await page.getByRole('heading', { name: 'My waitlist' }).waitFor();
    await expectCount(page.locator('li[data-entry]'), 1);
    await expectCount(page.getByText('Waiting', { exact: true }), 1);
    await expectCount(page.getByRole('button', { name: 'Accept and book' }), 0, 'nothing offered yet');
    await e.check(page, 'patient-waitlist');
  });

  it('the doctor’s dashboard counts the waiting patient on that day', async () => {
    doctor = await e.person();
    const { page } = doctor;
    await page.goto('/doctor/login');
    await page.getByLabel('Email').fill(doc.email);
    await page.getByLabel('Password').fill(own);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: `Welcome, ${doc.name}` }).waitFor();
    const table = page.getByRole('table', { name: 'Patients waiting per day' });
    await expectCount(table.locator(`tr[data-day="${slot.slotDate}"]`), 1);
    assert.equal((await table.locator(`tr[data-day="${slot.slotDate}"] td`).textContent())?.trim(), '1');
    await e.check(page, 'doctor-dashboard-waitlist');
  });

  it('the doctor cancels the other booking: the patient sees the time held for them and accepts it', async () => {
    await e.api('POST', '/api/doctor/cancel-appointment', { appointmentId: heldAppointment, reason: 'Called away' }, doctorToken);
    const { page } = patient;
    // the live stream refreshes the page: no reload
    const accept = page.getByRole('button', { name: 'Accept and book' });
    await expectCount(accept, 1, 'the offer appears live', 30_000);
    await page.getByText(/^A time is held for you: /).waitFor();
    await page.getByText(/^Held for \d+:\d\d more$/).waitFor();
    await e.check(page, 'patient-waitlist-offer');
    await accept.click();
    await page.getByText('Booked. You can find it in your appointments.').waitFor();
    await expectCount(page.getByRole('button', { name: 'Accept and book' }), 0);
    const mine = await e.api<{ token: string }>('POST', '/api/user/login', { email: WAITING.email, password: WAITING.password });
    const { appointments } = await e.api<{ appointments: { startsAt: string; status: string }[] }>('GET', '/api/user/appointments', undefined, mine.token);
    assert.deepEqual(appointments.map((a) => [a.startsAt, a.status]), [[slot.startsAt, 'pending']]);
    // the doctor's count goes with the entry (refreshed by the doctor's live stream)
    await expectCount(doctor.page.getByText('Nobody is on the waitlist.'), 1, 'the waitlist is empty again', 30_000);
  });
});
