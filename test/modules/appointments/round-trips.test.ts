// The statements one booking sends to PostgreSQL, in order: each is a round trip (a write and a read
// on the socket, which the bench's profile shows as the server's largest cost). The booking's writes
// (the appointment, its invitation sequence, emails, in-app notices, a push per device, webhook
// messages) are one statement and its own transaction. docs/performance.md ("Booking") lists them.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { book, createDoctor, futureSlot, makeTestApp, registerPatient, type TestApp } from '../../helpers/app.js';

/** What each statement is, by its text. */
const KINDS: [string, RegExp][] = [
  ['session check', /^select "id" from "auth_sessions"/],
  ['schedule facts', /FROM doctor_hours h /],
  ['doctor', /^select .* from "doctors"/],
  ['patient', /^select .* from "patients"/],
  ['booking with its notices, pushes and webhooks', /^with "write_0" as \(insert into "appointment_ics" .*"write_1" as \(insert into "notifications" .*"write_2" as \(insert into "notification_outbox" .*"write_3" as \( INSERT INTO notification_outbox .*"write_4" as \( INSERT INTO webhook_messages .*\) insert into "appointments" .*lock_booking_at\(/],
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

  it('reads three things side by side, then writes everything in one statement', async () => {
    const doctor = await createDoctor(t.app);
    const patient = await registerPatient(t.app);
    await book(t.app, patient.token, doctor.id, futureSlot(0)); // the first one warms caches
    // a device of the patient, one of the doctor and a webhook subscriber: each gets its row from the same statement
    const db = t.testDb.database;
    const device = (id: string, role: string, owner: string) =>
      db.query(`INSERT INTO push_subscriptions (id, owner_role, owner_id, endpoint, p256dh, auth, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, now(), now())`, [
        id, role, owner, `https://push.example.com/${id}`, 'B'.repeat(87), 'a'.repeat(22),
      ]);
    await device('sub_patient', 'patient', patient.id);
    await device('sub_doctor', 'doctor', doctor.id);
    await db.query(`INSERT INTO webhook_endpoints (id, url, events, secret) VALUES ('wh_1', 'https://hooks.example.com/in', ARRAY['appointment.booked'], 'whsec_x')`);
    seen = [];
    const res = await book(t.app, patient.token, doctor.id, futureSlot(1));
    const statements = seen.map(kindOf);
    seen = undefined;
    assert.equal(res.statusCode, 201, res.body);
    // without Redis every instance asks the database whether the token's session was revoked
    const checks = process.env.REDIS_URL ? [] : ['session check'];
    assert.deepEqual(statements.slice(0, checks.length), checks);
    // the three reads run side by side: their order is the order their answers were asked for
    assert.deepEqual([...statements.slice(checks.length, checks.length + 3)].sort(), ['doctor', 'patient', 'schedule facts']);
    assert.deepEqual(statements.slice(checks.length + 3), ['booking with its notices, pushes and webhooks']);

    const id = (JSON.parse(res.body) as { appointment: { _id: string } }).appointment._id;
    const count = async (q: string) => Number((await db.query<{ n: string }>(q, [id]))[0].n);
    assert.equal(await count('SELECT count(*) AS n FROM appointment_ics WHERE appointment_id = $1 AND sequence = 0'), 1);
    assert.equal(await count('SELECT count(*) AS n FROM notifications WHERE appointment_id = $1'), 2);
    const outbox = (await db.query<{ channel: string; recipient: string; id: string; message_id: string }>(
      `SELECT channel, recipient, id, message_id FROM notification_outbox WHERE created_at >= (SELECT created_at FROM appointments WHERE id = $1) ORDER BY channel, recipient`, [id]));
    assert.deepEqual(outbox.map((r) => [r.channel, r.recipient]), [['email', doctor.email], ['email', patient.email], ['push', 'sub_doctor'], ['push', 'sub_patient']].sort());
    for (const r of outbox) {
      assert.match(r.id, /^[0-9a-f]{24}$/);
      assert.equal(r.message_id.startsWith(`<${r.id}@`), true);
    }
    assert.equal(await count(`SELECT count(*) AS n FROM webhook_messages WHERE endpoint_id = 'wh_1' AND body::jsonb->'data'->>'appointmentId' = $1`), 1);
  });

  it('delivers a batch of emails without SMTP in two statements on the outbox: the claim, then one mark for the batch', async () => {
    const doctor = await createDoctor(t.app);
    const patient = await registerPatient(t.app);
    await t.app.ctx.notificationWorker.runOnce();
    for (let k = 2; k < 5; k++) await book(t.app, patient.token, doctor.id, futureSlot(k)); // two emails each
    seen = [];
    const r = await t.app.ctx.notificationWorker.runOnce();
    const OUTBOX: [string, RegExp][] = [
      ['claim', /^update "notification_outbox" set .* where "notification_outbox"\."id" in \(select .* for update skip locked\) returning /],
      ['mark logged', /^update "notification_outbox" set "status" = \$1, "locked_until" = \$2 where .*jsonb_to_recordset/],
    ];
    const onOutbox = seen.filter((q) => /"notification_outbox"/.test(q)).map((q) => OUTBOX.find(([, re]) => re.test(q))?.[0] ?? q.slice(0, 120));
    seen = undefined;
    assert.equal(r.logged, 6);
    // the claim chooses and leases in one UPDATE; the last claim finds nothing; no lease is renewed one by one
    assert.deepEqual(onOutbox, ['claim', 'mark logged', 'claim']);
    const kept = await t.testDb.database.query<{ n: string }>("SELECT count(*) AS n FROM notification_outbox WHERE status = 'sending'");
    assert.equal(Number(kept[0].n), 0);
  });
});
