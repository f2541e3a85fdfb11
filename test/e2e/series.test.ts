// Recurring series in a real browser: a patient books a weekly series of 3 from a doctor's page (the
// preview shows each date free), finds the three marked as a series in My appointments and cancels
// the rest of the series; the doctor then books a series for that patient from their dashboard.
// axe-core checks every page.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { E2E, expectCount } from './harness.js';

const PATIENT = { name: 'Meera Series', email: 'meera.series@patients.test', password: 'meera-password-1' };

interface Slot {
  slotDate: string;
  slotTime: string;
  startsAt: string;
}

describe('recurring series in the browser', () => {
  let e: E2E;
  let doc: { id: string; name: string; email: string; password: string };
  const own = 'doctor-series-password-1';
  let patient: { context: BrowserContext; page: Page };
  let patientToken: string;

  before(async () => {
    e = await E2E.start('series');
    doc = await e.addDoctor({ name: 'Dr. Asha Weekly', speciality: 'Dermatologist', fees: 500 });
    const first = await e.api<{ token: string }>('POST', '/api/doctor/login', { email: doc.email, password: doc.password });
    await e.api('POST', '/api/doctor/change-password', { oldPassword: doc.password, newPassword: own }, first.token);
    await e.api('POST', '/api/user/register', PATIENT);
    patientToken = (await e.api<{ token: string }>('POST', '/api/user/login', { email: PATIENT.email, password: PATIENT.password })).token;
  });
  after(async () => e?.stop());

  it('a patient books a weekly series of 3 after seeing every date free', async () => {
    patient = await e.person();
    const { page } = patient;
    await page.goto('/login');
    await page.getByLabel('Email').fill(PATIENT.email);
    await page.getByLabel('Password', { exact: true }).fill(PATIENT.password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'My appointments' }).waitFor();

    // a time two days or more ahead, so that the three weeks stay inside the 30-day booking window
    const { slots } = await e.api<{ slots: Slot[] }>('GET', `/api/doctor/${doc.id}/slots`);
    const slot = slots.find((s) => new Date(s.startsAt).getTime() - Date.now() > 2 * 86_400_000)!;
    assert.ok(slot, 'a free time days ahead');
    await page.goto(`/doctors/${doc.id}?day=${slot.slotDate}&at=${encodeURIComponent(slot.startsAt)}`);
    await page.getByRole('heading', { name: doc.name }).waitFor();
    await page.getByLabel('Repeat').selectOption('weekly');
    await page.getByLabel('Number of appointments').selectOption('3');
    await page.getByRole('button', { name: 'Check the dates' }).click();
    const dates = page.getByRole('group', { name: 'Dates of the series' });
    await expectCount(dates.getByRole('checkbox', { checked: true }), 3, 'every date is free and ticked');
    await e.check(page, 'doctor-page-series-preview');
    await page.getByRole('button', { name: 'Book 3 appointments' }).click();
    await e.see(page, /^Series booked: 3 appointments/);

    const mine = await e.api<{ appointments: { seriesId: string | null; slotTime: string }[] }>('GET', '/api/user/appointments', undefined, patientToken);
    const ids = new Set(mine.appointments.map((a) => a.seriesId));
    assert.equal(mine.appointments.length, 3);
    assert.equal(ids.size, 1);
    assert.ok(!ids.has(null));
    assert.ok(mine.appointments.every((a) => a.slotTime === slot.slotTime));
  });

  it('sees the three marked as a series and cancels the rest of the series', async () => {
    const { page } = patient;
    await page.goto('/appointments');
    await page.getByRole('heading', { name: 'My appointments' }).waitFor();
    const cards = page.locator('li.card.appt');
    await expectCount(cards, 3);
    await expectCount(cards.filter({ has: page.locator('.badge-series') }), 3);
    await e.check(page, 'patient-appointments-series');
    await cards.first().getByRole('button', { name: 'Cancel the rest of the series' }).click();
    await e.check(page, 'patient-cancel-series');
    await page.getByRole('button', { name: 'Cancel the rest', exact: true }).click();
    await e.see(page, 'Cancelled 3 appointments of the series.');
    await expectCount(cards, 0);
    await page.getByRole('tab', { name: /Past/ }).click();
    await expectCount(page.locator('li.card.appt').filter({ hasText: 'Cancelled' }), 3);
  });

  it('the doctor books a series for this patient from the dashboard', async () => {
    const doctor = await e.person();
    const { page } = doctor;
    await page.goto('/doctor/login');
    await page.getByLabel('Email').fill(doc.email);
    await page.getByLabel('Password').fill(own);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: `Welcome, ${doc.name}` }).waitFor();
    const section = page.locator('section[aria-labelledby="series-title"]');
    await section.getByRole('heading', { name: 'Book a series for a patient' }).waitFor();
    assert.equal(await section.getByLabel('Patient').inputValue(), (await e.api<{ appointments: { userId: string }[] }>('GET', '/api/user/appointments', undefined, patientToken)).appointments[0].userId);
    await section.locator('.slots button').first().click();
    await section.getByLabel('Number of appointments').selectOption('2');
    await section.getByRole('button', { name: 'Check the dates' }).click();
    await expectCount(section.getByRole('checkbox', { checked: true }), 2);
    await e.check(page, 'doctor-dashboard-series');
    await section.getByRole('button', { name: 'Book 2 appointments' }).click();
    await e.see(page, /^Series booked: 2 appointments/);
    const mine = await e.api<{ appointments: { seriesId: string | null; status: string }[] }>('GET', '/api/user/appointments', undefined, patientToken);
    const live = mine.appointments.filter((a) => a.status === 'pending');
    assert.equal(live.length, 2);
    assert.equal(new Set(live.map((a) => a.seriesId)).size, 1);
    await doctor.context.close();
  });
});
