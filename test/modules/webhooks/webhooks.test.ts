// Outgoing webhooks end to end: a local receiver checks every delivery's Standard Webhooks
// signature; retries after a 500 on an injected clock; an endpoint failing for three days is
// disabled and the admin emailed; private addresses are refused at registration and at send time;
// messages queued before a restart are delivered after it.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../../src/lib/clock.js';
import { isPrivateAddress } from '../../../src/modules/webhooks/address-check.js';
import { createSender } from '../../../src/modules/webhooks/sender.js';
import { payloadOf } from '../../../src/modules/webhooks/service.js';
import {
  ADMIN_EMAIL, adminToken, bearer, book, createDoctor, futureSlot, get, json, makeTestApp, post, registerPatient, type TestApp,
} from '../../helpers/app.js';

const HOUR = 3600_000;

interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A webhook receiver on 127.0.0.1: answers each path with the next status queued for it (200 when none). */
async function startReceiver() {
  const received: Received[] = [];
  const statuses = new Map<string, number[]>();
  const always = new Map<string, number>();
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      const path = req.url ?? '/';
      received.push({ path, headers: req.headers, body });
      const status = statuses.get(path)?.shift() ?? always.get(path) ?? 200;
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : 'nope');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: (path: string) => `http://127.0.0.1:${port}${path}`,
    received,
    at: (path: string) => received.filter((r) => r.path === path),
    failNext: (path: string, ...codes: number[]) => statuses.set(path, codes),
    failAlways: (path: string, code: number) => always.set(path, code),
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

/** The receiver's side of the Standard Webhooks check, written out here rather than borrowed from the server. */
function signatureValid(secret: string, r: Received): boolean {
  const id = String(r.headers['webhook-id']);
  const ts = String(r.headers['webhook-timestamp']);
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const expected = `v1,${createHmac('sha256', key).update(`${id}.${ts}.${r.body}`).digest('base64')}`;
  return String(r.headers['webhook-signature']).split(' ').includes(expected);
}

describe('outgoing webhooks', () => {
  let t: TestApp;
  let clock: ManualClock;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let atoken: string;
  const pass = () => t.app.ctx.notificationWorker.runOnce();
  const createEndpoint = (body: unknown) => post(t.app, '/api/admin/webhooks', body, bearer(atoken));

  before(async () => {
    receiver = await startReceiver();
    clock = new ManualClock(Date.now());
    t = await makeTestApp({ WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_BACKOFF_SECONDS: '10' }, { clock });
    atoken = await adminToken(t.app);
  });
  after(async () => {
    await t.close();
    await receiver.close();
  });

  it('registers, lists, updates and deletes endpoints; only the admin may', async () => {
    const res = await createEndpoint({ url: receiver.url('/crud'), events: ['appointment.booked'], description: 'CRM' });
    assert.equal(res.statusCode, 201, res.body);
    const { endpoint, secret } = json(res);
    assert.match(secret, /^whsec_[A-Za-z0-9+/]+=*$/);
    assert.equal(Buffer.from(secret.slice(6), 'base64').length, 24);
    const list = json(await get(t.app, '/api/admin/webhooks', bearer(atoken)));
    const listed = list.endpoints.find((e: { _id: string }) => e._id === endpoint._id);
    assert.deepEqual(listed.events, ['appointment.booked']);
    assert.ok(!JSON.stringify(list).includes(secret), 'the secret is shown once only');

    const upd = await t.app.inject({ method: 'PATCH', url: `/api/admin/webhooks/${endpoint._id}`, payload: { events: ['doctor.added', 'payment.refunded'], enabled: false }, headers: bearer(atoken) });
    assert.equal(upd.statusCode, 200, upd.body);
    assert.deepEqual(json(upd).endpoint.events, ['doctor.added', 'payment.refunded']);
    assert.equal(json(upd).endpoint.enabled, false);

    assert.equal((await createEndpoint({ url: receiver.url('/x'), events: ['appointment.exploded'] })).statusCode, 400);
    assert.equal((await createEndpoint({ url: receiver.url('/x'), events: [] })).statusCode, 400);
    assert.equal((await createEndpoint({ url: 'ftp://example.com/hook', events: ['doctor.added'] })).statusCode, 400);
    assert.equal((await createEndpoint({ url: 'http://user:pw@127.0.0.1/hook', events: ['doctor.added'] })).statusCode, 400);
    const patient = await registerPatient(t.app);
    assert.equal((await post(t.app, '/api/admin/webhooks', { url: receiver.url('/x'), events: ['doctor.added'] }, bearer(patient.token))).statusCode, 403);
    assert.equal((await post(t.app, '/api/admin/webhooks', { url: receiver.url('/x'), events: ['doctor.added'] })).statusCode, 401);

    const del = await t.app.inject({ method: 'DELETE', url: `/api/admin/webhooks/${endpoint._id}`, headers: bearer(atoken) });
    assert.equal(del.statusCode, 200);
    const again = await t.app.inject({ method: 'DELETE', url: `/api/admin/webhooks/${endpoint._id}`, headers: bearer(atoken) });
    assert.equal(again.statusCode, 404);
    const audit = json(await get(t.app, '/api/admin/audit-log?action=admin.webhooks', bearer(atoken)));
    assert.ok(audit.total >= 3, 'endpoint changes are in the audit log');
  });

  it('delivers signed events carrying ids and states, and retries after a 500 with the same id', async () => {
    const res = await createEndpoint({ url: receiver.url('/main'), events: ['doctor.added', 'appointment.booked', 'appointment.cancelled'] });
    const { endpoint, secret } = json(res);
    const doctor = await createDoctor(t.app, { name: 'Dr. Webhook Watcher' });
    const patient = await registerPatient(t.app, { name: 'Priya Confidential' });
    const booked = await book(t.app, patient.token, doctor.id, futureSlot(0, 3));
    assert.equal(booked.statusCode, 201, booked.body);
    const appointmentId = json(booked).appointment?._id ?? json(booked).appointmentId;

    receiver.failNext('/main', 500);
    const first = await pass();
    assert.ok(first);
    const main = receiver.at('/main');
    assert.equal(main.length, 2, 'doctor.added and appointment.booked, one attempt each');
    for (const r of main) assert.ok(signatureValid(secret, r), 'every delivery carries a valid signature');
    const failed = main[0];
    const bodies = main.map((r) => JSON.parse(r.body) as { type: string; data: Record<string, unknown> });
    assert.deepEqual(bodies.map((b) => b.type).sort(), ['appointment.booked', 'doctor.added']);
    const bookedBody = bodies.find((b) => b.type === 'appointment.booked')!;
    assert.equal(bookedBody.data.doctorId, doctor.id);
    assert.equal(bookedBody.data.patientId, patient.id);
    if (appointmentId) assert.equal(bookedBody.data.appointmentId, appointmentId);
    assert.ok(['pending', 'confirmed'].includes(String(bookedBody.data.status)));
    for (const r of main) {
      assert.ok(!r.body.includes('Priya') && !r.body.includes(patient.email) && !r.body.includes('Webhook Watcher') && !r.body.includes('Cardiologist'), 'no names or health details');
    }
    // a wrong secret does not verify
    assert.ok(!signatureValid('whsec_' + Buffer.alloc(24).toString('base64'), failed));

    // not due yet: another pass sends nothing
    await pass();
    assert.equal(receiver.at('/main').length, 2);
    clock.advance(10_000);
    await pass();
    const retried = receiver.at('/main').slice(2);
    assert.equal(retried.length, 1, 'the failed one is retried once its delay has passed');
    assert.equal(retried[0].headers['webhook-id'], failed.headers['webhook-id']);
    assert.equal(retried[0].body, failed.body);
    assert.ok(signatureValid(secret, retried[0]));

    const log = json(await get(t.app, `/api/admin/webhooks/${endpoint._id}/deliveries`, bearer(atoken)));
    assert.equal(log.total, 2);
    const retriedLog = log.deliveries.find((d: { _id: string }) => d._id === failed.headers['webhook-id']);
    assert.equal(retriedLog.status, 'delivered');
    assert.deepEqual(retriedLog.attemptLog.map((a: { statusCode: number }) => a.statusCode), [500, 200]);
    assert.ok(log.deliveries.every((d: { status: string }) => d.status === 'delivered'));

    // a cancellation is announced too
    const cancel = await post(t.app, '/api/user/cancel-appointment', { appointmentId: bookedBody.data.appointmentId }, bearer(patient.token));
    assert.equal(cancel.statusCode, 200, cancel.body);
    await pass();
    const last = receiver.at('/main').at(-1)!;
    assert.equal(JSON.parse(last.body).type, 'appointment.cancelled');
    assert.equal(JSON.parse(last.body).data.status, 'cancelled');
    assert.ok(signatureValid(secret, last));
  });

  it('disables an endpoint failing for three days and emails the admin', async () => {
    const { endpoint } = json(await createEndpoint({ url: receiver.url('/down'), events: ['appointment.booked'] }));
    receiver.failAlways('/down', 503);
    const doctor = await createDoctor(t.app);
    const patient = await registerPatient(t.app);
    assert.equal((await book(t.app, patient.token, doctor.id, futureSlot(3, 3))).statusCode, 201);
    const start = clock.now().getTime();
    const state = async () => json(await get(t.app, '/api/admin/webhooks', bearer(atoken))).endpoints.find((e: { _id: string }) => e._id === endpoint._id);
    let attempts = 0;
    const delays: number[] = [];
    for (let i = 0; i < 40 && (await state()).enabled; i++) {
      await pass();
      const log = json(await get(t.app, `/api/admin/webhooks/${endpoint._id}/deliveries`, bearer(atoken))).deliveries[0];
      attempts = log.attempts;
      if (!(await state()).enabled) break;
      assert.ok(clock.now().getTime() - start < 72 * HOUR, 'still enabled only while failing for less than three days');
      assert.equal(log.status, 'pending');
      const wait = new Date(log.nextAttemptAt).getTime() - clock.now().getTime();
      delays.push(wait);
      clock.advance(wait);
    }
    const final = await state();
    assert.equal(final.enabled, false);
    assert.ok(clock.now().getTime() - start >= 72 * HOUR, 'disabled only after three days of failures');
    assert.ok(attempts > 5);
    for (let i = 1; i < delays.length; i++) assert.ok(delays[i] >= delays[i - 1], 'delays grow');
    assert.ok(delays.at(-1)! > delays[0] * 100);
    const mail = await t.testDb.database.query<{ recipient: string; text_body: string }>(
      `SELECT recipient, text_body FROM notification_outbox WHERE topic = 'webhook.endpoint-disabled'`,
    );
    assert.equal(mail.length, 1);
    assert.equal(mail[0].recipient, ADMIN_EMAIL);
    assert.ok(mail[0].text_body.includes(receiver.url('/down')));

    // disabled: nothing more is attempted, however long we wait
    const before = receiver.at('/down').length;
    clock.advance(24 * HOUR);
    await pass();
    assert.equal(receiver.at('/down').length, before);
    // enabled again once the receiver is fixed: the kept message goes out
    receiver.failAlways('/down', 200);
    const upd = await t.app.inject({ method: 'PATCH', url: `/api/admin/webhooks/${endpoint._id}`, payload: { enabled: true }, headers: bearer(atoken) });
    assert.equal(json(upd).endpoint.failingSince, null);
    await pass();
    assert.equal(receiver.at('/down').length, before + 1);
    const log = json(await get(t.app, `/api/admin/webhooks/${endpoint._id}/deliveries`, bearer(atoken))).deliveries[0];
    assert.equal(log.status, 'delivered');
  });
});

describe('outgoing webhooks: private addresses', () => {
  let t: TestApp;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let atoken: string;

  before(async () => {
    receiver = await startReceiver();
    t = await makeTestApp({ WEBHOOK_ALLOW_PRIVATE: 'false' });
    atoken = await adminToken(t.app);
  });
  after(async () => {
    await t.close();
    await receiver.close();
  });

  it('refuses loopback, private, link-local and mapped addresses at registration', async () => {
    for (const url of [
      receiver.url('/ssrf'), 'http://localhost:9/hook', 'http://169.254.169.254/latest/meta-data', 'http://10.1.2.3/hook', 'http://192.168.1.1/hook',
      'http://172.16.0.1/hook', 'http://[::1]/hook', 'http://[::ffff:127.0.0.1]/hook', 'http://[fe80::1]/hook', 'http://[fd00::1]/hook', 'http://0.0.0.0/hook', 'http://100.64.0.1/hook',
    ]) {
      const res = await post(t.app, '/api/admin/webhooks', { url, events: ['doctor.added'] }, bearer(atoken));
      assert.equal(res.statusCode, 400, `${url}: ${res.body}`);
      assert.match(json(res).message, /private|resolve/);
    }
    for (const a of ['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111']) assert.equal(isPrivateAddress(a), false, a);
  });

  it('checks the address again at send time and never connects to a private one', async () => {
    // an endpoint whose name resolved to a public address at registration and to a private one now
    // (DNS rebinding) looks, at send time, exactly like this row
    await t.testDb.database.query(
      `INSERT INTO webhook_endpoints (id, url, events, secret) VALUES ('aaaaaaaaaaaaaaaaaaaaaaaa', $1, ARRAY['appointment.booked'], 'whsec_AAAA')`,
      [receiver.url('/rebound')],
    );
    const doctor = await createDoctor(t.app);
    const patient = await registerPatient(t.app);
    assert.equal((await book(t.app, patient.token, doctor.id, futureSlot(0, 4))).statusCode, 201);
    await t.app.ctx.notificationWorker.runOnce();
    assert.equal(receiver.at('/rebound').length, 0, 'nothing reached the private address');
    const log = json(await get(t.app, '/api/admin/webhooks/aaaaaaaaaaaaaaaaaaaaaaaa/deliveries', bearer(atoken))).deliveries[0];
    assert.equal(log.status, 'pending');
    assert.match(log.attemptLog[0].error, /refused: .*private/);

    const send = createSender({ allowPrivate: false, timeoutMs: 2000 });
    const r = await send(receiver.url('/direct'), {}, '{}');
    assert.match(r.error ?? '', /^refused/);
    assert.equal(receiver.at('/direct').length, 0);
  });

  it('maps domain events to payloads of ids and states only', () => {
    const at = new Date('2030-01-01T10:00:00Z');
    assert.deepEqual(payloadOf({ kind: 'payment', type: 'refunded', appointmentId: 'a1', gateway: 'stripe', amountMinor: 50000, currency: 'INR', at }), {
      type: 'payment.refunded', data: { appointmentId: 'a1', gateway: 'stripe', amountMinor: 50000, currency: 'INR', refundState: 'processed' },
    });
    assert.equal(payloadOf({ kind: 'payment', type: 'refund-queued', appointmentId: 'a1', gateway: 'stripe', amountMinor: 50000, currency: 'INR', at }), undefined, 'queued is not refunded');
    assert.equal(payloadOf({ kind: 'doctor', type: 'updated', doctorId: 'd', at }), undefined);
    assert.equal(payloadOf({ kind: 'appointment', type: 'expired', appointmentId: 'a', doctorId: 'd', patientId: 'p', status: 'cancelled', actor: 'system', at }), undefined);
    assert.equal(payloadOf({ kind: 'appointment', type: 'rescheduled', appointmentId: 'a', doctorId: 'd', patientId: 'p', status: 'confirmed', actor: 'patient', at })?.type, 'appointment.rescheduled');
  });
});

describe('outgoing webhooks: restart', () => {
  let first: TestApp;
  let t: TestApp;
  let clock: ManualClock;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  const pass = () => t.app.ctx.notificationWorker.runOnce();

  before(async () => {
    receiver = await startReceiver();
    clock = new ManualClock(Date.now());
    first = await makeTestApp({ WEBHOOK_ALLOW_PRIVATE: 'true' }, { clock });
  });
  after(async () => {
    // the second app was given the first one's database: it is dropped here, once
    await t.close();
    await first.testDb.drop();
    rmSync(first.dataDir, { recursive: true, force: true });
    await receiver.close();
  });

  it('delivers messages queued before a restart, and takes over a send that died mid-way', async () => {
    const { secret } = json(await post(first.app, '/api/admin/webhooks', { url: receiver.url('/restart'), events: ['appointment.booked'] }, bearer(await adminToken(first.app))));
    const doctor = await createDoctor(first.app);
    const patient = await registerPatient(first.app);
    assert.equal((await book(first.app, patient.token, doctor.id, futureSlot(1, 3))).statusCode, 201);
    assert.equal((await book(first.app, patient.token, doctor.id, futureSlot(2, 3))).statusCode, 201);
    // one of them was being sent when the process died: leased, never finished
    const leaseEnd = new Date(clock.now().getTime() + 60_000).toISOString();
    await first.testDb.database.query(
      `UPDATE webhook_messages SET status = 'sending', attempts = 1, locked_until = $1
        WHERE id = (SELECT m.id FROM webhook_messages m JOIN webhook_endpoints e ON e.id = m.endpoint_id WHERE e.url = $2 ORDER BY m.id LIMIT 1)`,
      [leaseEnd, receiver.url('/restart')],
    );
    await first.app.close();
    t = await makeTestApp({ WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_BACKOFF_SECONDS: '10' }, { clock, testDb: first.testDb });
    await pass();
    assert.equal(receiver.at('/restart').length, 1, 'the unleased message goes at once; the leased one waits for its lease');
    clock.advance(61_000);
    await pass();
    const got = receiver.at('/restart');
    assert.equal(got.length, 2);
    assert.notEqual(got[0].headers['webhook-id'], got[1].headers['webhook-id']);
    for (const r of got) assert.ok(signatureValid(secret, r));
  });

});
