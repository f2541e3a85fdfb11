// Push notifications in a real browser, and the admin's messages page. Headless Chromium cannot reach
// a real push service, so the test grants the notification permission and replaces
// PushManager.prototype.subscribe / getSubscription (before any page script runs) with ones that hand
// back a subscription pointing at the local push service stand-in, whose keys the test made. The
// toggle must register it with the server, the service worker must register, and a booking must then
// reach the stand-in, signed with the server's VAPID key and decryptable with those keys. The admin's
// messages page shows thread counts and a reported conversation. axe-core checks every page.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { generateVapidKeys } from '../../src/config.js';
import { CHILD_ADMIN } from '../helpers/server-process.js';
import { PushServiceStandIn, type Subscriber } from '../helpers/push-service.js';
import { E2E, expectCount } from './harness.js';
import { until } from '../helpers/wait.js';

const VAPID = generateVapidKeys();
const PATIENT = { name: 'Priya Push', email: 'priya.push@patients.test', password: 'priya-password-1' };

interface Slot {
  slotDate: string;
  slotTime: string;
}


/**
 * The browser's push subscription, as the stand-in made it: no real push service involved. Plain
 * script text (a function would be shipped as compiled by the test's TypeScript loader).
 */
async function fakePushManager(context: BrowserContext, sub: Subscriber): Promise<void> {
  await context.addInitScript(`(() => {
    if (typeof PushManager === 'undefined') return;
    const json = ${JSON.stringify(sub.subscription)};
    const KEY = 'test.pushSubscription';
    const make = () => ({
      endpoint: json.endpoint,
      expirationTime: null,
      options: { userVisibleOnly: true, applicationServerKey: null },
      toJSON: () => json,
      getKey: () => null,
      unsubscribe: async () => { localStorage.removeItem(KEY); return true; },
    });
    PushManager.prototype.subscribe = async function () { localStorage.setItem(KEY, '1'); return make(); };
    PushManager.prototype.getSubscription = async function () { return localStorage.getItem(KEY) ? make() : null; };
  })();`);
}

/** The toggle, found by its state: it changes once the server has answered. */
const toggleIn = (page: Page, checked: boolean) => page.getByRole('checkbox', { name: 'Allow notifications on this device', checked });

describe('push notifications and the admin messages page in the browser', () => {
  let e: E2E;
  let ps: PushServiceStandIn;
  let doc: { id: string; name: string; email: string; password: string };
  const own = 'doctor-own-password-1';
  let patientPhone: Subscriber;
  let doctorBrowser: Subscriber;
  let patient: { context: BrowserContext; page: Page };
  let doctor: { context: BrowserContext; page: Page };
  let patientToken = '';
  let appointmentId = '';

  before(async () => {
    ps = await new PushServiceStandIn().start();
    // the server runs as in production: push is on only with keys
    e = await E2E.start('push', { env: { PUSH_ALLOW_PRIVATE: 'true', VAPID_PUBLIC_KEY: VAPID.publicKey, VAPID_PRIVATE_KEY: VAPID.privateKey, VAPID_SUBJECT: 'https://clinic.example.com/contact' } });
    doc = await e.addDoctor({ name: 'Dr. Asha Push', speciality: 'Dermatologist' });
    const first = await e.api<{ token: string }>('POST', '/api/doctor/login', { email: doc.email, password: doc.password });
    await e.api('POST', '/api/doctor/change-password', { oldPassword: doc.password, newPassword: own }, first.token);
    patientToken = (await e.api<{ token: string }>('POST', '/api/user/register', PATIENT)).token;
    patientPhone = ps.subscriber();
    doctorBrowser = ps.subscriber();
  });
  after(async () => {
    await e?.stop();
    await ps?.stop();
  });

  it('a patient allows notifications on this device: the service worker registers and the subscription reaches the server', async () => {
    patient = await e.person();
    await patient.context.grantPermissions(['notifications'], { origin: e.base });
    await fakePushManager(patient.context, patientPhone);
    const { page } = patient;
    await page.goto('/login');
    await page.getByLabel('Email').fill(PATIENT.email);
    await page.getByLabel('Password', { exact: true }).fill(PATIENT.password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'My appointments' }).waitFor();
    await page.goto('/notifications');
    await page.getByRole('heading', { name: 'Notifications', exact: true }).waitFor();
    await expectCount(toggleIn(page, false), 1);
    await toggleIn(page, false).click();
    await e.see(page, 'This device shows a notification for bookings');
    await expectCount(toggleIn(page, true), 1);
    const worker = await page.evaluate(async () => (await navigator.serviceWorker.ready).active?.scriptURL ?? null);
    assert.equal(worker, `${e.base}/sw.js`);
    await e.check(page, 'patient-notifications-push-on');
    // a reload shows it on (the browser still has the subscription)
    await page.reload();
    await expectCount(toggleIn(page, true), 1);
  });

  it('the doctor allows notifications from their profile', async () => {
    doctor = await e.person();
    await doctor.context.grantPermissions(['notifications'], { origin: e.base });
    await fakePushManager(doctor.context, doctorBrowser);
    const { page } = doctor;
    await page.goto('/doctor/login');
    await page.getByLabel('Email').fill(doc.email);
    await page.getByLabel('Password').fill(own);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: `Welcome, ${doc.name}` }).waitFor();
    await page.getByRole('navigation', { name: 'Doctor pages' }).getByRole('link', { name: 'Profile' }).click();
    await page.getByRole('heading', { name: 'Notifications on this device' }).waitFor();
    await expectCount(toggleIn(page, false), 1);
    await toggleIn(page, false).click();
    await e.see(page, 'This device shows a notification for bookings');
    await expectCount(toggleIn(page, true), 1);
    await e.check(page, 'doctor-profile-push-on');
  });

  it('a booking then reaches both devices, signed with the server VAPID key and decrypted by the stand-in', async () => {
    const { slots } = await e.api<{ slots: Slot[] }>('GET', `/api/doctor/${doc.id}/slots`);
    const booked = await e.api<{ appointment: { _id: string } }>('POST', '/api/user/book-appointment', { docId: doc.id, ...slots[0] }, patientToken);
    appointmentId = booked.appointment._id;
    await until(() => ps.of(patientPhone.id).length >= 1 && ps.of(doctorBrowser.id).length >= 1, 'the booking pushes');
    assert.deepEqual(ps.rejected, []);
    const { publicKey } = await e.api<{ publicKey: string }>('GET', '/api/push/public-key');
    assert.equal(publicKey, VAPID.publicKey);
    const toPatient = ps.of(patientPhone.id)[0];
    assert.equal(toPatient.vapidKey, VAPID.publicKey);
    assert.equal(toPatient.claims.sub, 'https://clinic.example.com/contact');
    assert.match(String(toPatient.payload.title), /Dr\. Asha Push/);
    assert.equal(toPatient.payload.url, '/appointments');
    assert.equal(ps.of(doctorBrowser.id)[0].payload.url, '/doctor/appointments');
  });

  it('the patient turns notifications off again', async () => {
    const { page } = patient;
    await page.goto('/notifications');
    await expectCount(toggleIn(page, true), 1);
    await toggleIn(page, true).click();
    await expectCount(toggleIn(page, false), 1);
    await page.reload();
    await expectCount(toggleIn(page, false), 1);
    e.assertNoProblems();
  });

  it('the admin sees message counts and reads a reported conversation', async () => {
    await e.api('POST', `/api/user/appointments/${appointmentId}/messages`, { text: 'Is the clinic on the ground floor?' }, patientToken);
    await e.api('POST', `/api/user/appointments/${appointmentId}/messages/report`, { reason: 'Testing the report flow' }, patientToken);
    const admin = await e.person();
    const { page } = admin;
    await page.goto('/admin/login');
    await page.getByLabel('Email').fill(CHILD_ADMIN.email);
    await page.getByLabel('Password').fill(CHILD_ADMIN.password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    await page.getByRole('navigation', { name: 'Admin pages' }).getByRole('link', { name: 'Messages' }).click();
    await page.getByRole('heading', { name: 'Messages', exact: true }).waitFor();
    const row = page.getByRole('row').filter({ hasText: appointmentId });
    await expectCount(row, 1);
    await e.see(page, 'Reasons: Testing the report flow');
    await e.check(page, 'admin-messages');
    await row.getByRole('button', { name: 'Read the conversation' }).click();
    await e.see(page, 'Is the clinic on the ground floor?');
    await e.check(page, 'admin-messages-reported-thread');
    e.assertNoProblems();
  });
});
