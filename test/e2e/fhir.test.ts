// The patient's data as FHIR in a real browser: on the Security page, beside the JSON download, a
// patient downloads their data as a FHIR R4 Bundle (validated against the R4 definitions) holding
// their Patient record and their appointment.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Bundle } from '@medplum/fhirtypes';
import { assertValidFhir } from '../helpers/fhir.js';
import { E2E } from './harness.js';

const PATIENT = { name: 'Farah Fhir', email: `farah.fhir.${Date.now()}@example.com`, password: 'farah-password-1' };

describe('download my data as FHIR in the browser', () => {
  let e: E2E;
  let appointmentId: string;
  before(async () => {
    e = await E2E.start('fhir');
    const doc = await e.addDoctor({ name: 'Dr. Hana Fhir' });
    const { token } = await e.api<{ token: string }>('POST', '/api/user/register', PATIENT);
    const { slots } = await e.api<{ slots: { slotDate: string; slotTime: string }[] }>('GET', `/api/doctor/${doc.id}/slots`);
    const booked = await e.api<{ appointment: { _id: string } }>('POST', '/api/user/book-appointment', { docId: doc.id, ...slots[0] }, token);
    appointmentId = booked.appointment._id;
  });
  after(async () => e?.stop());

  it('the Security page downloads a valid FHIR Bundle next to the JSON download', async () => {
    const { page } = await e.person();
    await page.goto('/login');
    await page.getByLabel('Email').fill(PATIENT.email);
    await page.getByLabel('Password', { exact: true }).fill(PATIENT.password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'My appointments' }).waitFor();
    await page.goto('/security');
    await page.getByRole('heading', { name: 'Your data' }).waitFor();
    await page.getByRole('button', { name: 'Download my data' }).waitFor();
    await e.check(page, 'data-rights-fhir');

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download as FHIR' }).click()]);
    assert.match(download.suggestedFilename(), /\.fhir\.json$/);
    const bundle = JSON.parse(readFileSync(await download.path(), 'utf8')) as Bundle;
    assert.equal(bundle.resourceType, 'Bundle');
    assert.equal(bundle.type, 'collection');
    assertValidFhir(bundle, 'downloaded bundle');
    const resources = (bundle.entry ?? []).map((x) => x.resource!);
    const patient = resources.find((r) => r.resourceType === 'Patient');
    assert.ok(patient?.resourceType === 'Patient' && patient.telecom?.some((c) => c.value === PATIENT.email), 'the Patient is the one logged in');
    assert.deepEqual(resources.filter((r) => r.resourceType === 'Appointment').map((r) => r.id), [appointmentId]);
  });
});
