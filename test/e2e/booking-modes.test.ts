// Booking modes in a real browser. Video: the doctor offers video calls from their profile, a patient
// chooses a video call when booking and finds the meeting link on their appointments page (or when it
// will appear), the doctor sees the same link, the admin sees the mode but never the link, and a
// cancelled call loses its link. Group sessions: the doctor opens one, a patient books a place, the
// doctor cancels the session and the place goes with it. axe-core checks every page.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { CHILD_ADMIN } from '../helpers/server-process.js';
import { E2E, expectCount } from './harness.js';

const VIDEO_BASE = 'https://meet.clinic.test';
const ROOM_LINK = /^https:\/\/meet\.clinic\.test\/prescripto-[0-9a-f]{40}$/;
const PATIENT = { name: 'Nisha Video', email: 'nisha.video@patients.test', password: 'nisha-password-1' };

interface Slot {
  slotDate: string;
  slotTime: string;
  startsAt: string;
}

describe('video consultations and group sessions in the browser', () => {
  let e: E2E;
  let doc: { id: string; name: string; email: string; password: string };
  const own = 'doctor-own-password-1';
  let doctor: { context: BrowserContext; page: Page };
  let patient: { context: BrowserContext; page: Page };

  before(async () => {
    // two hours: the first free time of the day has its link out at once, a time days ahead does not
    e = await E2E.start('booking-modes', { env: { VIDEO_BASE_URL: VIDEO_BASE, VIDEO_OPENS_MINUTES: '120' } });
    doc = await e.addDoctor({ name: 'Dr. Kiran Video', speciality: 'Psychiatrist', fees: 600 });
    // the admin's temporary password is replaced first (the first-login screen has its own test)
    const first = await e.api<{ token: string }>('POST', '/api/doctor/login', { email: doc.email, password: doc.password });
    await e.api('POST', '/api/doctor/change-password', { oldPassword: doc.password, newPassword: own }, first.token);
    await e.api('POST', '/api/user/register', PATIENT);
  });
  after(async () => e?.stop());

  it('the doctor offers video calls as well as visits from their profile', async () => {
    doctor = await e.person();
    const { page } = doctor;
    await page.goto('/doctor/login');
    await page.getByLabel('Email').fill(doc.email);
    await page.getByLabel('Password').fill(own);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: `Welcome, ${doc.name}` }).waitFor();
    await page.getByRole('navigation', { name: 'Doctor pages' }).getByRole('link', { name: 'Profile' }).click();
    await page.getByRole('heading', { name: 'Your profile' }).waitFor();
    const modes = page.getByRole('group', { name: 'How patients can consult you' });
    assert.equal(await modes.getByLabel('In person').isChecked(), true);
    assert.equal(await modes.getByLabel('Video call').isChecked(), false);
    // no mode at all is refused in place
    await modes.getByLabel('In person').uncheck();
    await page.getByRole('button', { name: 'Save consultation modes' }).click();
    await page.getByText('Choose at least one way to consult.').waitFor();
    await modes.getByLabel('In person').check();
    await modes.getByLabel('Video call').check();
    await page.getByRole('button', { name: 'Save consultation modes' }).click();
    await page.getByText('Consultation modes saved.').waitFor();
    await e.check(page, 'doctor-profile-modes');
    const listed = await e.api<{ doctors: { _id: string; consultationModes: string[] }[] }>('GET', '/api/doctor/list');
    assert.deepEqual(listed.doctors.find((d) => d._id === doc.id)?.consultationModes, ['in_person', 'video']);
  });

  it('a patient books a video call and gets its link; a call days ahead says when its link appears', async () => {
    patient = await e.person();
    const { page } = patient;
    await page.goto('/login');
    await page.getByLabel('Email').fill(PATIENT.email);
    await page.getByLabel('Password', { exact: true }).fill(PATIENT.password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'My appointments' }).waitFor();

    const { slots } = await e.api<{ slots: Slot[] }>('GET', `/api/doctor/${doc.id}/slots`);
    const soon = slots[0];
    const later = slots.find((s) => new Date(s.startsAt).getTime() - Date.now() > 3 * 86_400_000)!;
    assert.ok(soon && later, 'free times today and days ahead');

    for (const slot of [soon, later]) {
      await page.goto(`/doctors/${doc.id}?day=${slot.slotDate}&at=${encodeURIComponent(slot.startsAt)}`);
      await page.getByRole('heading', { name: doc.name }).waitFor();
      await e.see(page, 'Consultation: In person · Video call');
      const choice = page.getByRole('group', { name: 'How would you like to consult?' });
      assert.equal(await choice.getByLabel('In person').isChecked(), true, 'in person is the default');
      await choice.getByLabel('Video call').check();
      if (slot === soon) await e.check(page, 'doctor-page-mode');
      await page.getByRole('button', { name: 'Confirm booking' }).click();
      await e.see(page, /^Booked\./);
      await e.see(page, 'Consultation: Video call');
    }

    await page.goto('/appointments');
    await page.getByRole('heading', { name: 'My appointments' }).waitFor();
    const cards = page.locator('li.card.appt');
    await expectCount(cards, 2);
    const join = page.getByRole('link', { name: 'Join the video call' });
    await expectCount(join, 1, 'only the call starting soon has its link');
    assert.match((await join.getAttribute('href')) ?? '', ROOM_LINK);
    await expectCount(page.getByText(/The video call link appears on /), 1);
    await e.check(page, 'patient-appointments-video');
  });

  it('the doctor sees the same link; the admin sees the mode and never the link', async () => {
    const mine = await e.api<{ token: string }>('POST', '/api/user/login', { email: PATIENT.email, password: PATIENT.password });
    const list = await e.api<{ appointments: { videoLink: string | null }[] }>('GET', '/api/user/appointments', undefined, mine.token);
    const link = list.appointments.map((a) => a.videoLink).find(Boolean)!;

    const { page } = doctor;
    await page.getByRole('navigation', { name: 'Doctor pages' }).getByRole('link', { name: 'Appointments' }).click();
    await page.getByRole('heading', { name: 'Appointments' }).waitFor();
    const join = page.getByRole('link', { name: 'Join the video call' });
    await expectCount(join, 1);
    assert.equal(await join.getAttribute('href'), link);
    await e.check(page, 'doctor-appointments-video');

    const admin = await e.person();
    await admin.page.goto('/admin/login');
    await admin.page.getByLabel('Email').fill(CHILD_ADMIN.email);
    await admin.page.getByLabel('Password').fill(CHILD_ADMIN.password);
    await admin.page.getByRole('button', { name: 'Log in' }).click();
    await admin.page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    await admin.page.goto('/admin/appointments');
    await expectCount(admin.page.locator('tr[data-appointment]').filter({ hasText: 'Video call' }), 2);
    await expectCount(admin.page.getByRole('link', { name: 'Join the video call' }), 0);
    assert.equal((await admin.page.content()).includes(link), false, 'the link is nowhere in the admin’s page');
    await admin.context.close();
  });

  it('a cancelled video call loses its link', async () => {
    const { page } = patient;
    await page.reload();
    await page.getByRole('heading', { name: 'My appointments' }).waitFor();
    const card = page.locator('li.card.appt').filter({ has: page.getByRole('link', { name: 'Join the video call' }) });
    await card.getByRole('button', { name: 'Cancel appointment' }).click();
    await card.getByRole('button', { name: 'Yes, cancel it' }).click();
    await page.getByText('Appointment cancelled.').waitFor();
    await expectCount(page.getByRole('link', { name: 'Join the video call' }), 0);
    await page.getByRole('tab', { name: /Past/ }).click();
    await expectCount(page.locator('li.card.appt').filter({ hasText: 'Video call' }), 1);
    await expectCount(page.getByRole('link', { name: 'Join the video call' }), 0);
    e.assertNoProblems();
  });

  it('the doctor opens a group session; a patient books a place; the doctor cancels the session and the place with it', async () => {
    const tomorrow = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Kolkata' }).format(new Date(Date.now() + 86_400_000));
    const { page } = doctor;
    await page.getByRole('navigation', { name: 'Doctor pages' }).getByRole('link', { name: 'Group sessions' }).click();
    await page.getByRole('heading', { name: 'Group sessions' }).waitFor();
    await page.getByText('No group sessions yet.').waitFor();
    // a capacity over 50 is refused in place
    await page.getByLabel('Title').fill('Back care class');
    await page.getByLabel('Date').fill(tomorrow);
    await page.getByLabel('Start time').fill('15:00');
    await page.getByLabel('Places (1–50)').fill('51');
    await page.getByRole('button', { name: 'Open session' }).click();
    await page.getByText(/Fill in every field/).waitFor();
    await page.getByLabel('Places (1–50)').fill('2');
    await page.getByLabel(/Fee per place/).fill('200');
    await page.getByRole('button', { name: 'Open session' }).click();
    await page.getByText('Group session opened.').waitFor();
    await page.getByText('0 of 2 places booked').waitFor();
    await e.check(page, 'doctor-group-sessions');

    const p = patient.page;
    await p.goto(`/doctors/${doc.id}`);
    await p.getByRole('heading', { name: 'Group sessions' }).waitFor();
    await p.getByText('2 of 2 places left').waitFor();
    await e.check(p, 'doctor-page-group-session');
    await p.getByRole('button', { name: 'Book a place in Back care class' }).click();
    await p.getByText('Place booked in Back care class.').waitFor();
    await p.getByText('1 of 2 places left').waitFor();
    await p.goto('/appointments');
    const card = p.locator('li.card.appt').filter({ hasText: 'Group session' });
    await expectCount(card, 1);
    await expectCount(card.getByRole('button', { name: 'Reschedule' }), 0, 'a place cannot be moved');

    await page.reload();
    await page.getByText('1 of 2 places booked').waitFor();
    await page.getByRole('button', { name: 'Cancel session' }).click();
    await page.getByRole('button', { name: 'Yes, cancel the session' }).click();
    await page.getByText('Group session cancelled: 1 places cancelled.').waitFor();
    const mine = await e.api<{ token: string }>('POST', '/api/user/login', { email: PATIENT.email, password: PATIENT.password });
    const list = await e.api<{ appointments: { groupSessionId: string | null; status: string; cancelledBy: string | null }[] }>('GET', '/api/user/appointments', undefined, mine.token);
    const place = list.appointments.find((a) => a.groupSessionId)!;
    assert.deepEqual([place.status, place.cancelledBy], ['cancelled', 'doctor']);
    await p.goto(`/doctors/${doc.id}`);
    await p.getByRole('heading', { name: doc.name }).waitFor();
    await expectCount(p.getByRole('heading', { name: 'Group sessions' }), 0);
    e.assertNoProblems();
  });
});
