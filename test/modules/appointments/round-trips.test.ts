// The statements one booking sends to PostgreSQL, in order: each is a round trip (a write and a read
// on the socket, which the bench's profile shows as the server's largest cost), and those inside the
// transaction hold the doctor's schedule lock. docs/performance.md ("Booking") lists them.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { book, createDoctor, futureSlot, makeTestApp, registerPatient, type TestApp } from '../../helpers/app.js';

/** What each statement is, by its text. */
const KINDS: [string, RegExp][] = [
  ['schedule facts', /FROM doctor_hours h /],
  ['doctor', /^select .* from "doctors"/],
  ['patient', /^select .* from "patients"/],
  ['begin', /^begin$/],
  ['insert appointment with lock_booking_at', /^insert into "appointments" .*lock_booking_at\(/],
  ['invitation sequence', /^insert into "appointment_ics"/],
  ['emails and in-app notices', /^with "notices" as \(insert into "notifications" .*\) insert into "notification_outbox"/],
  ['push subscriptions', /^select .* from "push_subscriptions"/],
  ['webhook messages', /^INSERT INTO webhook_messages/],
  ['commit', /^commit$/],
];
const kindOf = (text: string) => KINDS.find(([, re]) => re.test(text))?.[0] ?? text.slice(0, 120);

let seen: string[] | undefined;
const query = pg.Client.prototype.query;
// installed before the app's pool opens a connection (the pool wraps each connection's query once)
pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
  const q = args[0];
  seen?.push((typeof q === 'string' ? q : String((q as { text?: string }).text)).replace(/\s+/g, ' ').trim());
  return (query as (...a: unknown[]) => unknown).apply(this, args);
} as typeof query;

describe('round trips of one booking', { skip: process.env.DATABASE_URL ? false : 'needs DATABASE_URL: the embedded database has no round trips' }, () => {
  let t: TestApp;
  before(async () => {
    t = await makeTestApp();
  });
  after(async () => {
    pg.Client.prototype.query = query;
    await t.close();
  });

  it('reads three things side by side, then writes in a transaction of seven statements', async () => {
    const doctor = await createDoctor(t.app);
    const patient = await registerPatient(t.app);
    await book(t.app, patient.token, doctor.id, futureSlot(0)); // the first one warms caches
    seen = [];
    const res = await book(t.app, patient.token, doctor.id, futureSlot(1));
    const statements = seen.map(kindOf);
    seen = undefined;
    assert.equal(res.statusCode, 201, res.body);
    // the three reads run side by side: their order is the order their answers were asked for
    assert.deepEqual([...statements.slice(0, 3)].sort(), ['doctor', 'patient', 'schedule facts']);
    assert.deepEqual(statements.slice(3), [
      'begin',
      'insert appointment with lock_booking_at',
      'invitation sequence',
      'emails and in-app notices',
      'push subscriptions', // the tests' app has VAPID keys; a deployment without push skips it
      'webhook messages',
      'commit',
    ]);
  });
});
