// Outgoing webhooks in a real browser: the admin registers an endpoint on a local receiver, copies
// the secret shown once, a new doctor is announced to the receiver with a valid signature, the
// delivery log shows it delivered, and the admin pauses and deletes the endpoint. axe checks the page.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { CHILD_ADMIN } from '../helpers/server-process.js';
import { E2E } from './harness.js';

describe('outgoing webhooks in the browser', () => {
  let e: E2E;
  let server: http.Server;
  let url = '';
  const received: { headers: http.IncomingHttpHeaders; body: string }[] = [];
  let arrived: () => void = () => {};

  before(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        res.writeHead(204).end();
        arrived();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/prescripto`;
    e = await E2E.start('interop', { env: { WEBHOOK_ALLOW_PRIVATE: 'true' } });
  });
  after(async () => {
    await e?.stop();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('the admin registers an endpoint, sees a signed delivery in its log, pauses and deletes it', async () => {
    const { page } = await e.person();
    await page.goto('/admin/login');
    await page.getByRole('heading', { name: 'Admin log in' }).waitFor();
    await page.getByLabel('Email').fill(CHILD_ADMIN.email);
    await page.getByLabel('Password').fill(CHILD_ADMIN.password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    await page.getByRole('navigation', { name: 'Admin pages' }).getByRole('link', { name: 'Webhooks' }).click();
    await page.getByRole('heading', { name: 'Webhooks', level: 1 }).waitFor();
    await page.getByText('No endpoints yet.').waitFor();
    await e.check(page, 'admin-webhooks-empty');

    await page.getByLabel('Endpoint URL').fill(url);
    await page.getByLabel('Description (optional)').fill('Clinic CRM');
    await page.getByRole('checkbox', { name: 'appointment.booked' }).uncheck();
    await page.getByRole('checkbox', { name: 'doctor.added' }).check();
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    await page.getByText('Copy its signing secret now').waitFor();
    const secret = (await page.getByTestId('webhook-secret').textContent()) ?? '';
    assert.match(secret, /^whsec_/);
    await page.getByRole('list', { name: 'Endpoints' }).getByText(url).waitFor();
    await e.check(page, 'admin-webhooks-added');

    const got = new Promise<void>((resolve) => (arrived = resolve));
    const doctor = await e.addDoctor({ name: 'Dr. Hook Test' });
    await got;
    const delivery = received[0];
    const body = JSON.parse(delivery.body) as { type: string; data: { doctorId: string } };
    assert.equal(body.type, 'doctor.added');
    assert.equal(body.data.doctorId, doctor.id);
    assert.ok(!delivery.body.includes('Hook Test'), 'no names in the payload');
    const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
    const signed = `${String(delivery.headers['webhook-id'])}.${String(delivery.headers['webhook-timestamp'])}.${delivery.body}`;
    assert.equal(delivery.headers['webhook-signature'], `v1,${createHmac('sha256', key).update(signed).digest('base64')}`);

    await page.getByRole('button', { name: 'Delivery log' }).click();
    const log = page.getByRole('table', { name: 'Deliveries' });
    await log.getByText('doctor.added').waitFor();
    await log.getByText('Delivered').waitFor();
    await log.getByText('HTTP 204').waitFor();
    await e.check(page, 'admin-webhooks-log');

    await page.getByRole('button', { name: 'Pause' }).click();
    await page.getByRole('button', { name: 'Resume' }).waitFor();
    await page.getByText('Paused', { exact: true }).waitFor();

    page.once('dialog', (d) => void d.accept());
    await page.getByRole('button', { name: 'Delete' }).click();
    await page.getByText('No endpoints yet.').waitFor();
  });
});
