// Notifications end to end against a real SMTP server started here: who gets which email for each
// appointment event, the text/HTML parts and the iCalendar invitation, in-app notifications,
// reminders on an injected clock, retries and failures, crash recovery, welcome emails and the
// doctor's calendar feed.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ParsedMail } from 'mailparser';
import { ManualClock } from '../../../src/lib/clock.js';
import { parseIcs, icsDate, type ParsedCalendar } from '../../../src/modules/notifications/ical.js';
import { mailDomain } from '../../../src/modules/notifications/index.js';
import { createSmtpMailer, type Mailer } from '../../../src/modules/notifications/mailer.js';
import { OutboxRepo } from '../../../src/modules/notifications/outbox.js';
import { DeliveryWorker } from '../../../src/modules/notifications/worker.js';
import {
  ADMIN_EMAIL, adminToken, bearer, book, createDoctor, futureSlot, get, json, makeTestApp, post, registerPatient, type TestApp,
} from '../../helpers/app.js';
import { startSmtp, type ReceivedMail, type TestSmtp } from '../../helpers/smtp.js';
import { safeErrorMessage } from '../../../src/lib/logger.js';

const HOUR = 3600_000;

/** The raw text/calendar part of a received email. */
function mail0Ics(m: ReceivedMail): string {
  const att = m.mail.attachments.find((a) => a.contentType.startsWith('text/calendar'));
  assert.ok(att, 'an iCalendar part is attached');
  return att.content.toString('utf8');
}

/** The text/calendar part of a received email, parsed. */
function calendarOf(mail: ParsedMail): ParsedCalendar | undefined {
  const att = mail.attachments.find((a) => a.contentType.startsWith('text/calendar'));
  return att ? parseIcs(att.content.toString('utf8')) : undefined;
}

describe('notifications: email, in-app, reminders, calendar', () => {
  let t: TestApp;
  let smtp: TestSmtp;
  let clock: ManualClock;
  let patient: Awaited<ReturnType<typeof registerPatient>>;
  let doctor: Awaited<ReturnType<typeof createDoctor>>;
  let atoken: string;
  let mark = 0;

  const deliver = () => t.app.ctx.notificationWorker.runOnce();
  /** messages received since the last call */
  const fresh = (): ReceivedMail[] => {
    const out = smtp.received.slice(mark);
    mark = smtp.received.length;
    return out;
  };
  const to = (mails: ReceivedMail[], address: string) => mails.filter((m) => m.rcpt.includes(address.toLowerCase()));
  const outboxCount = async () => Number((await t.testDb.database.query<{ n: number }>('SELECT count(*)::int AS n FROM notification_outbox'))[0].n);

  before(async () => {
    smtp = await startSmtp();
    clock = new ManualClock(Date.now());
    t = await makeTestApp(
      { SMTP_URL: smtp.url, MAIL_FROM: 'Prescripto <no-reply@clinic.test>', NOTIFY_MAX_ATTEMPTS: '3', NOTIFY_BACKOFF_SECONDS: '60' },
      { clock },
    );
    patient = await registerPatient(t.app, { name: 'Asha Patient' });
    doctor = await createDoctor(t.app, { name: 'Dr. Ravi Kumar' });
    atoken = await adminToken(t.app);
    await deliver();
    fresh();
  });
  after(async () => {
    await t.close();
    await smtp.close();
  });

  describe('welcome email for a new doctor', () => {
    it('was sent on creation with a single-use set-password link, text and HTML', async () => {
      const welcome = smtp.received.filter((m) => m.rcpt.includes(doctor.email));
      assert.equal(welcome.length, 1);
      const mail = welcome[0].mail;
      assert.equal(mail.subject, 'Welcome to Prescripto, Dr. Ravi Kumar');
      assert.match(mail.text ?? '', /reset-password\?token=[A-Za-z0-9_-]+&role=doctor/);
      assert.match(String(mail.html), /Set your password/);
      // the link really sets the password
      const token = /token=([A-Za-z0-9_-]+)/.exec(mail.text ?? '')![1];
      const rows = await t.testDb.database.query('SELECT 1 FROM password_reset_tokens WHERE account_id = $1', [doctor.id]);
      assert.equal(rows.length, 1);
      assert.ok(token.length > 20);
    });

    it('is re-created by the sweep when it was lost between the commit and the enqueue, and never twice', async () => {
      const other = await createDoctor(t.app, { name: 'Dr. Lost Mail' });
      await t.testDb.database.query("DELETE FROM notification_outbox WHERE dedupe_key = $1", [`welcome:${other.id}`]);
      await deliver();
      assert.equal(to(fresh(), other.email).length, 1);
      await deliver();
      assert.equal(to(fresh(), other.email).length, 0);
    });
  });

  describe('appointment lifecycle', () => {
    let appointmentId: string;
    let uid: string;
    const slot = futureSlot(0, 3);
    const moved = futureSlot(2, 3);
    /** every appointment email has a plain-text and an HTML part */
    const bothParts = (mails: ReceivedMail[]) => {
      for (const m of mails) {
        assert.ok((m.mail.text ?? '').trim().length > 0, `text part of "${m.mail.subject}"`);
        assert.match(String(m.mail.html), /<h2[^>]*>[^<]+<\/h2>/, `HTML part of "${m.mail.subject}"`);
      }
      return mails;
    };

    it('booking writes the emails to the outbox only; the worker sends patient and doctor an invitation', async () => {
      const before = await outboxCount();
      const res = await book(t.app, patient.token, doctor.id, slot);
      assert.equal(res.statusCode, 201, res.body);
      appointmentId = json(res).appointment._id;
      const startsAt = new Date(json(res).appointment.startsAt);
      assert.equal(await outboxCount(), before + 2);
      assert.equal(smtp.received.length, mark, 'nothing is sent before the worker runs');

      const r = await deliver();
      assert.equal(r.sent, 2);
      const mails = bothParts(fresh());
      const [p] = to(mails, patient.email);
      const [d] = to(mails, doctor.email);
      assert.ok(p && d, 'patient and doctor each get one');
      assert.equal(mails.length, 2);

      assert.match(p.mail.subject ?? '', /^Appointment requested with Dr\. Ravi Kumar on /);
      assert.match(p.mail.text ?? '', /Hello Asha Patient/);
      // the time in the doctor's zone, with the zone named
      assert.match(p.mail.text ?? '', /\(Asia\/Kolkata\)/);
      assert.match(p.mail.text ?? '', new RegExp(slot.slotTime.replace(/^0/, '').replace(' ', ' ')));
      assert.match(String(p.mail.html), /<h2[^>]*>Your appointment is booked<\/h2>/);
      assert.equal(p.mail.messageId?.endsWith('@clinic.test>'), true);
      assert.match(d.mail.subject ?? '', /^New booking: Asha Patient on /);

      for (const m of [p, d]) {
        const cal = calendarOf(m.mail)!;
        assert.ok(cal, 'an iCalendar part is attached');
        assert.equal(cal.props.METHOD, 'REQUEST');
        assert.equal(cal.props.VERSION, '2.0');
        assert.equal(cal.events.length, 1);
        const ev = cal.events[0];
        assert.equal(ev.UID, `appointment-${appointmentId}@clinic.test`);
        assert.equal(ev.SEQUENCE, '0');
        assert.equal(ev.DTSTART, icsDate(startsAt));
        assert.equal(ev.STATUS, 'TENTATIVE');
        assert.match(ev.ATTENDEE, new RegExp(`mailto:${patient.email}`));
        assert.match(ev.ORGANIZER, new RegExp(`mailto:${doctor.email}`));
        assert.match(m.raw, /text\/calendar; charset=utf-8; method=REQUEST/i);
        // and as an .ics file for clients that only show attachments
        const file = m.mail.attachments.find((x) => x.filename === 'invite.ics');
        assert.ok(file);
        assert.equal(parseIcs(file.content.toString('utf8')).events[0].UID, ev.UID);
      }
      uid = cal0(p).UID;
    });

    const cal0 = (m: ReceivedMail) => calendarOf(m.mail)!.events[0];

    it('rescheduling sends an updated invitation: same UID, higher SEQUENCE, new time', async () => {
      const res = await post(t.app, '/api/user/reschedule-appointment', { appointmentId, ...moved }, bearer(patient.token));
      assert.equal(res.statusCode, 200, res.body);
      await deliver();
      const mails = bothParts(fresh());
      assert.equal(mails.length, 2);
      for (const m of mails) {
        const ev = cal0(m);
        assert.equal(ev.UID, uid);
        assert.equal(ev.SEQUENCE, '1');
        assert.equal(ev.DTSTART, icsDate(new Date(json(res).appointment.startsAt)));
        assert.equal(calendarOf(m.mail)!.props.METHOD, 'REQUEST');
      }
      assert.match(to(mails, patient.email)[0].mail.subject ?? '', /^Appointment moved: Dr\. Ravi Kumar now on /);
    });

    it('payment confirmation notifies both with a CONFIRMED invitation', async () => {
      // the confirmation every verified gateway payment goes through (PaymentService.settle)
      const confirmed = await t.app.ctx.appointmentLifecycle.confirmPayment(appointmentId, { gateway: 'razorpay', ref: 'order_notify_1', paymentId: 'pay_notify_1' });
      assert.ok(confirmed);
      await deliver();
      const mails = bothParts(fresh());
      assert.equal(mails.length, 2);
      assert.match(to(mails, patient.email)[0].mail.subject ?? '', /^Appointment confirmed with Dr\. Ravi Kumar/);
      for (const m of mails) {
        assert.equal(cal0(m).STATUS, 'CONFIRMED');
        assert.equal(cal0(m).SEQUENCE, '2');
      }
    });

    it('cancellation by the doctor of a paid visit: METHOD CANCEL, who cancelled, the refund, and the admin is told', async () => {
      const res = await post(t.app, '/api/doctor/cancel-appointment', { appointmentId, reason: 'Emergency surgery' }, bearer(doctor.token));
      assert.equal(res.statusCode, 200, res.body);
      await deliver();
      const mails = bothParts(fresh());
      const [p] = to(mails, patient.email);
      const [d] = to(mails, doctor.email);
      const [a] = to(mails, ADMIN_EMAIL);
      assert.ok(p && d && a);
      assert.equal(mails.length, 3);
      const cal = calendarOf(p.mail)!;
      assert.equal(cal.props.METHOD, 'CANCEL');
      assert.equal(cal.events[0].UID, uid);
      assert.equal(cal.events[0].SEQUENCE, '3');
      assert.equal(cal.events[0].STATUS, 'CANCELLED');
      assert.match(p.mail.text ?? '', /cancelled by the doctor/);
      assert.match(p.mail.text ?? '', /Reason: +Emergency surgery/);
      assert.match(p.mail.text ?? '', /Refund: +500 INR \(pending\)/);
      assert.match(a.mail.subject ?? '', /^Refund to process: Asha Patient with Dr\. Ravi Kumar/);
      assert.equal(calendarOf(a.mail), undefined, 'the admin gets no invitation');
    });

    it('cancellation of an unpaid visit by the patient does not bother the admin', async () => {
      const res = await book(t.app, patient.token, doctor.id, futureSlot(4, 3));
      const id = json(res).appointment._id;
      await deliver();
      fresh();
      await post(t.app, '/api/user/cancel-appointment', { appointmentId: id }, bearer(patient.token));
      await deliver();
      const mails = bothParts(fresh());
      assert.deepEqual(mails.map((m) => m.rcpt[0]).sort(), [doctor.email, patient.email].sort());
      assert.match(to(mails, doctor.email)[0].mail.text ?? '', /cancelled by the patient/);
      for (const m of mails) {
        const cal = calendarOf(m.mail)!;
        assert.equal(cal.props.METHOD, 'CANCEL');
        assert.equal(cal.events[0].UID, `appointment-${id}@clinic.test`);
        assert.equal(cal.events[0].STATUS, 'CANCELLED');
        assert.equal(cal.events[0].SEQUENCE, '1');
      }
      assert.match(to(mails, patient.email)[0].mail.subject ?? '', /^Appointment cancelled: Dr\. Ravi Kumar/);
    });

    it('cancellation by the admin: both hear it was the clinic, with METHOD CANCEL', async () => {
      const res = await book(t.app, patient.token, doctor.id, futureSlot(5, 3));
      const id = json(res).appointment._id;
      await deliver();
      fresh();
      const cancelled = await post(t.app, '/api/admin/cancel-appointment', { appointmentId: id }, bearer(atoken));
      assert.equal(cancelled.statusCode, 200, cancelled.body);
      await deliver();
      const mails = bothParts(fresh());
      assert.deepEqual(mails.map((m) => m.rcpt[0]).sort(), [doctor.email, patient.email].sort(), 'unpaid: no refund email to the admin');
      for (const m of mails) {
        assert.match(m.mail.text ?? '', /cancelled by the clinic/);
        assert.equal(calendarOf(m.mail)!.props.METHOD, 'CANCEL');
        assert.equal(cal0(m).UID, `appointment-${id}@clinic.test`);
      }
      assert.match(to(mails, doctor.email)[0].mail.subject ?? '', /^Cancelled: Asha Patient on /);
    });

    it('completion thanks the patient, without an invitation', async () => {
      const res = await book(t.app, patient.token, doctor.id, futureSlot(6, 3));
      const id = json(res).appointment._id;
      await deliver();
      fresh();
      const done = await post(t.app, '/api/doctor/complete-appointment', { appointmentId: id }, bearer(doctor.token));
      assert.equal(done.statusCode, 200, done.body);
      await deliver();
      const mails = bothParts(fresh());
      assert.equal(mails.length, 1);
      assert.equal(mails[0].rcpt[0], patient.email);
      assert.equal(mails[0].mail.subject, 'Thank you for visiting Dr. Ravi Kumar');
      assert.equal(calendarOf(mails[0].mail), undefined);
    });

    it('an unpaid booking that expires tells both and cancels the invitation', async () => {
      const res = await book(t.app, patient.token, doctor.id, futureSlot(10, 3));
      const id = json(res).appointment._id;
      await deliver();
      fresh();
      const row = await t.app.ctx.appointmentQueries.get(id);
      await t.app.ctx.appointmentLifecycle.transition(row, { status: 'cancelled', cancelledBy: 'system', cancelledAt: clock.now() }, 'expired', 'system');
      await deliver();
      const mails = bothParts(fresh());
      assert.equal(mails.length, 2);
      assert.match(to(mails, patient.email)[0].mail.subject ?? '', /^Appointment released: Dr\. Ravi Kumar/);
      for (const m of mails) {
        assert.equal(calendarOf(m.mail)!.props.METHOD, 'CANCEL');
        assert.equal(cal0(m).SEQUENCE, '1');
      }
    });

    it('a change that rolls back leaves nothing in the outbox', async () => {
      const before = await outboxCount();
      const row = await t.app.ctx.appointmentQueries.get(appointmentId);
      await assert.rejects(
        t.app.ctx.db.transaction(async (tx) => {
          await t.app.ctx.events.record(tx, {
            kind: 'appointment', type: 'booked', appointmentId, doctorId: row.doctorId, patientId: row.patientId, status: row.status, actor: 'patient', at: clock.now(),
          });
          throw new Error('the change failed');
        }),
        /the change failed/,
      );
      assert.equal(await outboxCount(), before);
      // a refused booking (slot taken) writes nothing either
      const again = await book(t.app, patient.token, doctor.id, futureSlot(6, 3));
      assert.equal(again.statusCode, 409);
      assert.equal(await outboxCount(), before);
    });
  });

  describe('in-app notifications', () => {
    it('lists newest first with pagination and the unread count, and marks read', async () => {
      const page1 = await get(t.app, '/api/user/notifications?limit=2', bearer(patient.token));
      assert.equal(page1.statusCode, 200, page1.body);
      const b = json(page1);
      assert.equal(b.notifications.length, 2);
      assert.ok(b.total >= 6);
      assert.equal(b.unreadCount, b.total);
      assert.ok(b.notifications[0].createdAt >= b.notifications[1].createdAt);
      assert.match(b.notifications[0].type, /^appointment\./);
      const page2 = json(await get(t.app, '/api/user/notifications?limit=2&page=2', bearer(patient.token)));
      assert.notEqual(page2.notifications[0]._id, b.notifications[0]._id);

      const ids = b.notifications.map((n: { _id: string }) => n._id);
      const marked = await post(t.app, '/api/user/notifications/read', { ids }, bearer(patient.token));
      assert.equal(marked.statusCode, 200, marked.body);
      assert.equal(json(marked).updated, 2);
      assert.equal(json(marked).unreadCount, b.total - 2);
      const unread = json(await get(t.app, '/api/user/notifications?unread=true&limit=100', bearer(patient.token)));
      assert.equal(unread.notifications.some((n: { _id: string }) => ids.includes(n._id)), false);

      const all = await post(t.app, '/api/user/notifications/read', {}, bearer(patient.token));
      assert.equal(json(all).unreadCount, 0);
    });

    it('the doctor has their own list, and nobody can mark someone else’s notifications', async () => {
      const d = json(await get(t.app, '/api/doctor/notifications', bearer(doctor.token)));
      assert.ok(d.total >= 5);
      assert.ok(d.notifications.every((n: { title: string }) => !/Thank you/.test(n.title)));
      const other = await registerPatient(t.app);
      const res = await post(t.app, '/api/user/notifications/read', { ids: [d.notifications[0]._id] }, bearer(other.token));
      assert.equal(json(res).updated, 0);
      const still = json(await get(t.app, '/api/doctor/notifications', bearer(doctor.token)));
      assert.equal(still.unreadCount, d.unreadCount);
    });

    it('refuses wrong roles, missing tokens and bad input', async () => {
      const noToken = await get(t.app, '/api/user/notifications');
      assert.equal(noToken.statusCode, 401);
      assert.equal(json(noToken).success, false);
      const wrongRole = await get(t.app, '/api/doctor/notifications', bearer(patient.token));
      assert.equal(wrongRole.statusCode, 403);
      assert.equal(json(wrongRole).message, 'This action needs a doctor account');
      const badLimit = await get(t.app, '/api/user/notifications?limit=1000', bearer(patient.token));
      assert.equal(badLimit.statusCode, 400);
      const badIds = await post(t.app, '/api/user/notifications/read', { ids: ['nope'] }, bearer(patient.token));
      assert.equal(badIds.statusCode, 400);
    });
  });

  describe('reminders', () => {
    it('sends 24 h and 1 h reminders once each, none for a cancelled visit, new ones after a move, none repeated after a restart', async () => {
      const p = await registerPatient(t.app, { name: 'Reminder Patient' });
      const keep = json(await book(t.app, p.token, doctor.id, futureSlot(1, 5)));
      const gone = json(await book(t.app, p.token, doctor.id, futureSlot(3, 5)));
      const move = json(await book(t.app, p.token, doctor.id, futureSlot(5, 5)));
      await deliver();
      fresh();
      const start = new Date(keep.appointment.startsAt).getTime();
      await post(t.app, '/api/user/cancel-appointment', { appointmentId: gone.appointment._id }, bearer(p.token));
      const movedTo = futureSlot(7, 5);
      const mv = await post(t.app, '/api/user/reschedule-appointment', { appointmentId: move.appointment._id, ...movedTo }, bearer(p.token));
      assert.equal(mv.statusCode, 200, mv.body);
      const movedStart = new Date(json(mv).appointment.startsAt).getTime();
      await deliver();
      fresh();

      const saved = clock.now();
      try {
        clock.set(start - 25 * HOUR);
        await deliver();
        assert.equal(to(fresh(), p.email).length, 0, 'nothing is due 25 h ahead');

        clock.set(start - 23 * HOUR);
        await deliver();
        let mails = to(fresh(), p.email);
        assert.equal(mails.length, 1);
        // the wording is the time actually left (the 24 h reminder, sent 23 h ahead)
        assert.match(mails[0].mail.subject ?? '', /^Reminder: Dr\. Ravi Kumar in 23 hours/);
        assert.match(mails[0].mail.text ?? '', /\(Asia\/Kolkata\)/);

        // a second instance (a restart) on the same database neither repeats nor loses it
        const second = await makeTestApp({ SMTP_URL: smtp.url }, { clock, testDb: t.testDb });
        try {
          await second.app.ctx.notificationWorker.runOnce();
          await deliver();
          assert.equal(to(fresh(), p.email).length, 0);
        } finally {
          await second.close();
        }

        // 10 minutes before the 1 h mark of `keep`, the moved visit (6 h later) enters its 24 h window
        clock.set(start - 50 * 60_000);
        await deliver();
        mails = to(fresh(), p.email);
        assert.equal(mails.length, 2);
        const oneHour = mails.find((m) => /in 50 minutes/.test(m.mail.subject ?? ''));
        const movedDay = mails.find((m) => /in 7 hours/.test(m.mail.subject ?? '')); // 6 h 50 min ahead
        assert.ok(oneHour && movedDay);
        const slotRe = (slotTime: string) => new RegExp(`at ${slotTime.replace(/^0/, '')}`);
        assert.match(oneHour.mail.text ?? '', slotRe(futureSlot(1, 5).slotTime));
        // the moved visit is announced at its new time, never at the old one
        assert.match(movedDay.mail.text ?? '', slotRe(movedTo.slotTime));
        assert.doesNotMatch(movedDay.mail.text ?? '', slotRe(futureSlot(5, 5).slotTime));

        clock.set(movedStart - 30 * 60_000);
        await deliver();
        mails = to(fresh(), p.email);
        assert.equal(mails.length, 1, 'the 1 h reminder of the moved visit');
        assert.match(mails[0].mail.subject ?? '', /in 30 minutes/);

        clock.set(movedStart + HOUR);
        await deliver();
        assert.equal(to(fresh(), p.email).length, 0);
        const rows = await t.testDb.database.query<{ appointment_id: string }>('SELECT appointment_id FROM appointment_reminders');
        assert.equal(rows.some((r) => r.appointment_id === gone.appointment._id), false, 'no reminder for the cancelled visit');
        const inApp = json(await get(t.app, '/api/user/notifications?limit=100', bearer(p.token)));
        assert.equal(inApp.notifications.filter((n: { type: string }) => n.type === 'appointment.reminder').length, 4);
      } finally {
        clock.set(saved);
      }
    });
  });

  describe('reminders: one bad record does not stop delivery', () => {
    it('a stored patient address that is not an address: in-app reminder only, other reminders and queued mail still go', async () => {
      const bad = await registerPatient(t.app, { name: 'Bad Address' });
      const good = await registerPatient(t.app, { name: 'Good Address' });
      const first = json(await book(t.app, bad.token, doctor.id, futureSlot(0, 8)));
      const second = json(await book(t.app, good.token, doctor.id, futureSlot(1, 8)));
      assert.ok(first.appointment && second.appointment);
      await deliver();
      fresh();
      // old imported data: the address was never validated
      await t.testDb.database.query("UPDATE patients SET email = 'bad address (imported)' WHERE id = $1", [bad.id]);
      await t.app.ctx.notifications.enqueueEmail(undefined, { to: 'queued@example.com', subject: 'Queued', text: 'x' });
      const saved = clock.now();
      try {
        clock.set(new Date(first.appointment.startsAt).getTime() - 23 * HOUR);
        const r = await deliver();
        assert.ok(r.sent >= 2);
        const mails = fresh();
        assert.equal(to(mails, 'queued@example.com').length, 1, 'queued mail is delivered');
        assert.equal(to(mails, good.email).length, 1, 'the next reminder is written and sent');
        const inApp = json(await get(t.app, '/api/user/notifications?limit=100', bearer(bad.token)));
        assert.equal(inApp.notifications.filter((n: { type: string; appointmentId: string }) => n.type === 'appointment.reminder' && n.appointmentId === first.appointment._id).length, 1);
        // recorded, so the next pass does not try again
        await deliver();
        assert.equal(fresh().length, 0);
      } finally {
        clock.set(saved);
      }
    });

    it('a reminder still waiting for a retry when its visit is cancelled is dropped, not sent', async () => {
      const p = await registerPatient(t.app, { name: 'Retry Patient' });
      const booked = json(await book(t.app, p.token, doctor.id, futureSlot(3, 8)));
      await deliver();
      fresh();
      const saved = clock.now();
      smtp.reject = (addr) => addr === p.email;
      try {
        clock.set(new Date(booked.appointment.startsAt).getTime() - 23 * HOUR);
        const r = await deliver();
        assert.equal(r.retrying, 1, 'the reminder failed once and waits for its retry');
        const cancel = await post(t.app, '/api/user/cancel-appointment', { appointmentId: booked.appointment._id }, bearer(p.token));
        assert.equal(cancel.statusCode, 200, cancel.body);
        smtp.reject = () => false;
        clock.advance(60_000);
        const again = await deliver();
        assert.equal(again.skipped, 1);
        const mails = to(fresh(), p.email);
        assert.equal(mails.some((m) => /^Reminder:/.test(m.mail.subject ?? '')), false, 'no reminder of a cancelled visit');
        const [row] = await t.testDb.database.query<{ status: string; last_error: string }>(
          "SELECT status, last_error FROM notification_outbox WHERE topic = 'appointment.reminder' AND recipient = $1",
          [p.email],
        );
        assert.deepEqual(row, { status: 'skipped', last_error: 'appointment no longer live at the announced time' });
        const list = json(await get(t.app, '/api/admin/notifications/outbox?status=skipped', bearer(atoken)));
        assert.ok(list.counts.skipped >= 1);
      } finally {
        smtp.reject = () => false;
        clock.set(saved);
      }
    });

    it('a periodic job that throws does not keep the worker from delivering', async () => {
      await t.app.ctx.notifications.enqueueEmail(undefined, { to: 'after-job@example.com', subject: 'After a failing job', text: 'x' });
      const warnings: string[] = [];
      const repo = new OutboxRepo(t.app.ctx.db, mailDomain(t.config.mailFrom), clock);
      const worker = new DeliveryWorker(repo, createSmtpMailer(smtp.url, t.config.mailFrom), clock, { backoffMs: 60_000, intervalMs: 1000 }, { info: () => undefined, warn: (m, err) => warnings.push(`${m}: ${safeErrorMessage(err)}`) }, {
        jobs: [
          async () => {
            throw new Error('reminder job broke');
          },
        ],
      });
      const r = await worker.runOnce();
      await worker.stop();
      assert.equal(r.sent, 1);
      assert.equal(to(fresh(), 'after-job@example.com').length, 1);
      assert.ok(warnings.some((w) => /reminder job broke/.test(w)));
    });
  });

  describe('delivery: retries, failures, crashes', () => {
    it('retries with exponential backoff, then leaves the message failed for the admin, who can retry it', async () => {
      smtp.reject = (a) => a === 'bounce@example.com';
      try {
        const id = await t.app.ctx.notifications.enqueueEmail(undefined, { to: 'bounce@example.com', subject: 'Hello', text: 'Body', topic: 'test.bounce' });
        assert.ok(id);
        const state = async () =>
          (await t.testDb.database.query<{ status: string; attempts: number; next_attempt_at: Date; last_error: string | null }>(
            'SELECT status, attempts, next_attempt_at, last_error FROM notification_outbox WHERE id = $1', [id],
          ))[0];
        let r = await deliver();
        assert.equal(r.retrying, 1);
        let s = await state();
        assert.equal(s.status, 'pending');
        assert.equal(s.attempts, 1);
        assert.equal(new Date(s.next_attempt_at).getTime(), clock.now().getTime() + 60_000);
        assert.match(s.last_error ?? '', /550|mailbox unavailable/);

        r = await deliver();
        assert.equal(r.retrying + r.failed, 0, 'not before its time');
        clock.advance(60_000);
        await deliver();
        s = await state();
        assert.equal(s.attempts, 2);
        assert.equal(new Date(s.next_attempt_at).getTime(), clock.now().getTime() + 120_000, 'the delay doubles');
        clock.advance(120_000);
        r = await deliver();
        assert.equal(r.failed, 1);
        assert.equal((await state()).status, 'failed');

        const list = await get(t.app, '/api/admin/notifications/outbox?status=failed', bearer(atoken));
        assert.equal(list.statusCode, 200, list.body);
        const failed = json(list).messages.find((m: { _id: string }) => m._id === id);
        assert.equal(failed.attempts, 3);
        assert.equal(failed.to, 'bounce@example.com');
        assert.equal(json(list).counts.failed >= 1, true);

        const denied = await get(t.app, '/api/admin/notifications/outbox', bearer(patient.token));
        assert.equal(denied.statusCode, 403);

        smtp.reject = () => false;
        const retry = await post(t.app, `/api/admin/notifications/outbox/${id}/retry`, undefined, bearer(atoken));
        assert.equal(retry.statusCode, 200, retry.body);
        assert.equal(json(retry).message.status, 'pending');
        await deliver();
        assert.equal((await state()).status, 'sent');
        assert.equal(to(fresh(), 'bounce@example.com').length, 1);
        const again = await post(t.app, `/api/admin/notifications/outbox/${id}/retry`, undefined, bearer(atoken));
        assert.equal(again.statusCode, 400);
        assert.equal(json(again).message, 'Only failed or logged messages can be retried');
        const unknown = await post(t.app, '/api/admin/notifications/outbox/0123456789abcdef01234567/retry', undefined, bearer(atoken));
        assert.equal(unknown.statusCode, 404);
      } finally {
        smtp.reject = () => false;
      }
    });

    it('a worker killed mid-delivery: its messages wait for the lease, then the next worker delivers each exactly once', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        ids.push((await t.app.ctx.notifications.enqueueEmail(undefined, { to: `crash${i}@example.com`, subject: `Crash ${i}`, text: 'x' }))!);
      }
      // a worker whose SMTP conversation never finishes: the process dies while delivering
      let started = 0;
      const stuck: Mailer = { send: () => { started++; return new Promise<void>(() => undefined); }, close: () => undefined };
      const repo = new OutboxRepo(t.app.ctx.db, mailDomain(t.config.mailFrom), clock);
      const doomed = new DeliveryWorker(repo, stuck, clock, { backoffMs: 60_000, intervalMs: 1000, leaseMs: 120_000 }, { info: () => undefined, warn: () => undefined });
      void doomed.runOnce();
      for (let i = 0; i < 200 && started === 0; i++) await new Promise((r) => setTimeout(r, 10));
      assert.equal(started, 1, 'the doomed worker claimed a batch and began sending');
      const sending = await t.testDb.database.query<{ n: number }>("SELECT count(*)::int AS n FROM notification_outbox WHERE status = 'sending'");
      assert.ok(Number(sending[0].n) >= 5);

      // normal operation meanwhile: the live worker does not take messages another worker holds
      await deliver();
      assert.equal(fresh().filter((m) => /^crash\d@/.test(m.rcpt[0])).length, 0);

      // the lease runs out: the restarted worker delivers every one of them, once
      clock.advance(121_000);
      await Promise.all([deliver(), deliver()]);
      const got = fresh().filter((m) => /^crash\d@/.test(m.rcpt[0]));
      assert.deepEqual(got.map((m) => m.rcpt[0]).sort(), ids.map((_, i) => `crash${i}@example.com`));
      const rows = await t.testDb.database.query<{ status: string; attempts: number }>('SELECT status, attempts FROM notification_outbox WHERE id = ANY($1)', [ids]);
      assert.ok(rows.every((r) => r.status === 'sent' && r.attempts === 2));
      // the message ids are stable, so a copy re-sent after a crash can be recognised
      assert.equal(new Set(got.map((m) => m.mail.messageId)).size, 5);
    });

    it('a slow SMTP server: the batch outlives its lease, another worker takes the rest over, and each message is sent once', async () => {
      await deliver();
      fresh();
      const ids: string[] = [];
      for (let i = 0; i < 6; i++) ids.push((await t.app.ctx.notifications.enqueueEmail(undefined, { to: `slow${i}@example.com`, subject: `Slow ${i}`, text: 'x' }))!);
      const repo = new OutboxRepo(t.app.ctx.db, mailDomain(t.config.mailFrom), clock);
      const quiet = { info: () => undefined, warn: () => undefined };
      const real = createSmtpMailer(smtp.url, t.config.mailFrom);
      const other = new DeliveryWorker(repo, real, clock, { backoffMs: 60_000, intervalMs: 1000, leaseMs: 120_000 }, quiet);
      // every send takes 50 s (on the test clock), and meanwhile the other instance runs a pass
      const slow: Mailer = {
        async send(msg) {
          clock.advance(50_000);
          await other.runOnce();
          await real.send(msg);
        },
        close: () => undefined,
      };
      const first = new DeliveryWorker(repo, slow, clock, { backoffMs: 60_000, intervalMs: 1000, leaseMs: 120_000 }, quiet);
      const r = await first.runOnce();
      real.close();
      const got = fresh().filter((m) => /^slow\d@/.test(m.rcpt[0])).map((m) => m.rcpt[0]).sort();
      assert.deepEqual(got, ids.map((_, i) => `slow${i}@example.com`), 'every message exactly once');
      assert.ok(r.lost >= 1, 'the first worker let go of the messages the other one took over');
      const rows = await t.testDb.database.query<{ status: string }>('SELECT status FROM notification_outbox WHERE id = ANY($1)', [ids]);
      assert.ok(rows.every((x) => x.status === 'sent'));
    });

    it('renews a lease only once half of it has gone, so every send starts with at least half a lease', async () => {
      await deliver();
      fresh();
      const ids: string[] = [];
      for (let i = 0; i < 4; i++) ids.push((await t.app.ctx.notifications.enqueueEmail(undefined, { to: `half${i}@example.com`, subject: `Half ${i}`, text: 'x' }))!);
      const repo = new OutboxRepo(t.app.ctx.db, mailDomain(t.config.mailFrom), clock);
      const renewedAt: number[] = [];
      const renew = repo.renew.bind(repo);
      const claimedAt = clock.now().getTime();
      repo.renew = (id, lease, leaseMs) => {
        renewedAt.push(clock.now().getTime() - claimedAt);
        return renew(id, lease, leaseMs);
      };
      const real = createSmtpMailer(smtp.url, t.config.mailFrom);
      // each send takes 40 s of the 120 s lease (on the test clock)
      const slow: Mailer = {
        async send(msg) {
          await real.send(msg);
          clock.advance(40_000);
        },
        close: () => undefined,
      };
      const r = await new DeliveryWorker(repo, slow, clock, { backoffMs: 60_000, intervalMs: 1000, leaseMs: 120_000 }, { info: () => undefined, warn: () => undefined }).runOnce();
      real.close();
      assert.equal(r.sent, 4);
      assert.deepEqual(renewedAt, [80_000, 120_000], 'the sends at 0 s and 40 s kept the claim\'s lease; those at 80 s and 120 s renewed it');
      assert.deepEqual(fresh().map((m) => m.rcpt[0]).filter((a) => a.startsWith('half')).sort(), ids.map((_, i) => `half${i}@example.com`));
    });

    it('two workers running at once never send the same message twice', async () => {
      for (let i = 0; i < 12; i++) await t.app.ctx.notifications.enqueueEmail(undefined, { to: `race${i}@example.com`, subject: `Race ${i}`, text: 'x' });
      const second = await makeTestApp({ SMTP_URL: smtp.url }, { clock, testDb: t.testDb });
      try {
        await Promise.all([deliver(), second.app.ctx.notificationWorker.runOnce(), deliver()]);
      } finally {
        await second.close();
      }
      const got = fresh().filter((m) => /^race\d+@/.test(m.rcpt[0])).map((m) => m.rcpt[0]);
      assert.equal(got.length, 12);
      assert.equal(new Set(got).size, 12);
    });

    it('refuses to enqueue something that is not an email address', async () => {
      await assert.rejects(t.app.ctx.notifications.enqueueEmail(undefined, { to: 'not an address', subject: 's', text: 't' }), /not an email address/);
    });
  });

  describe('calendar injection', () => {
    it('a stored patient name with CRLF + END:VEVENT leaves the invitation and the doctor feed one event each', async () => {
      const evil = 'Eve\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:injected@x\r\nSUMMARY:Injected';
      const d = await createDoctor(t.app, { name: 'Dr. Feed Target' });
      const p = await registerPatient(t.app, { name: 'Eve Imported' });
      // registration refuses control characters; old imported rows may still hold them
      await t.testDb.database.query('UPDATE patients SET name = $1 WHERE id = $2', [evil, p.id]);
      await deliver();
      fresh();
      const res = await book(t.app, p.token, d.id, futureSlot(0, 6));
      assert.equal(res.statusCode, 201, res.body);
      const id = json(res).appointment._id;
      await deliver();
      const mails = fresh();
      assert.equal(mails.length, 2);
      for (const m of mails) {
        const raw = mail0Ics(m);
        assert.equal(/\r(?!\n)|(?<!\r)\n/.test(raw), false);
        const cal = parseIcs(raw);
        assert.equal(cal.events.length, 1);
        assert.equal(cal.events[0].UID, `appointment-${id}@clinic.test`);
        assert.equal(cal.events[0]._props.filter((x) => x.name === 'UID').length, 1);
        assert.equal(cal.events[0]._props.find((x) => x.name === 'ATTENDEE')!.value, `mailto:${p.email}`);
      }
      const url = json(await post(t.app, '/api/doctor/calendar-feed', undefined, bearer(d.token))).url;
      const feedText = (await get(t.app, new URL(url).pathname)).body;
      const cal = parseIcs(feedText);
      assert.deepEqual(cal.events.map((e) => e.UID), [`appointment-${id}@clinic.test`]);
      assert.equal(feedText.includes('injected@x'), true, 'the text is kept, as a value');
      assert.equal(cal.events.some((e) => e.UID === 'injected@x'), false);
    });
  });

  describe('doctor calendar feed', () => {
    it('a private, revocable text/calendar URL listing upcoming live appointments', async () => {
      const live = json(await book(t.app, patient.token, doctor.id, futureSlot(8, 4))).appointment;
      const cancelled = json(await book(t.app, patient.token, doctor.id, futureSlot(9, 4))).appointment;
      await post(t.app, '/api/user/cancel-appointment', { appointmentId: cancelled._id }, bearer(patient.token));

      assert.equal((await post(t.app, '/api/doctor/calendar-feed', undefined, bearer(patient.token))).statusCode, 403);
      assert.equal(json(await get(t.app, '/api/doctor/calendar-feed', bearer(doctor.token))).active, false);
      const created = await post(t.app, '/api/doctor/calendar-feed', undefined, bearer(doctor.token));
      assert.equal(created.statusCode, 200, created.body);
      const url = new URL(json(created).url);
      assert.match(url.pathname, /^\/api\/calendar\/[A-Za-z0-9_-]{43}\.ics$/);

      const feed = await get(t.app, url.pathname);
      assert.equal(feed.statusCode, 200);
      assert.match(String(feed.headers['content-type']), /^text\/calendar/);
      const cal = parseIcs(feed.body);
      assert.equal(cal.props.METHOD, undefined, 'a published calendar, not an invitation');
      assert.equal(cal.props['X-WR-CALNAME'], 'Prescripto: Dr. Ravi Kumar');
      const uids = cal.events.map((e) => e.UID);
      assert.ok(uids.includes(`appointment-${live._id}@clinic.test`));
      assert.equal(uids.includes(`appointment-${cancelled._id}@clinic.test`), false);
      const ev = cal.events.find((e) => e.UID === `appointment-${live._id}@clinic.test`)!;
      assert.equal(ev.DTSTART, icsDate(new Date(live.startsAt)));
      assert.equal(ev.SUMMARY, 'Appointment: Asha Patient with Dr. Ravi Kumar');

      // rotating replaces the URL; revoking removes it
      const rotated = json(await post(t.app, '/api/doctor/calendar-feed', undefined, bearer(doctor.token))).url;
      assert.equal((await get(t.app, url.pathname)).statusCode, 404);
      assert.equal((await get(t.app, new URL(rotated).pathname)).statusCode, 200);
      const revoked = await t.app.inject({ method: 'DELETE', url: '/api/doctor/calendar-feed', headers: bearer(doctor.token) });
      assert.equal(json(revoked).message, 'Calendar feed revoked');
      const gone = await get(t.app, new URL(rotated).pathname);
      assert.equal(gone.statusCode, 404);
      assert.equal(json(gone).message, 'Calendar feed not found');
      assert.equal((await get(t.app, '/api/calendar/short.ics')).statusCode, 400);
    });
  });
});

describe('reminders with PAYMENT_REQUIRED', () => {
  let t: TestApp;
  const clock = new ManualClock(Date.now());
  before(async () => {
    t = await makeTestApp({ PAYMENT_REQUIRED: 'true', PAYMENT_WINDOW_MINUTES: '15' }, { clock });
  });
  after(async () => t.close());

  it('none for an unpaid booking past its payment window; a paid one gets its reminder', async () => {
    const doctor = await createDoctor(t.app);
    const unpaid = await registerPatient(t.app);
    const paid = await registerPatient(t.app);
    const a = json(await book(t.app, unpaid.token, doctor.id, futureSlot(0, 2))).appointment;
    const b = json(await book(t.app, paid.token, doctor.id, futureSlot(2, 2))).appointment;
    assert.ok(a && b);
    await t.testDb.database.query("UPDATE appointments SET status = 'confirmed', paid = true WHERE id = $1", [b._id]);
    // both visits within their 24 h window, the unpaid booking long past its 15-minute payment window
    clock.set(new Date(b.startsAt).getTime() - 23 * HOUR);
    await t.app.ctx.notificationWorker.runOnce();
    const rows = await t.testDb.database.query<{ appointment_id: string }>('SELECT appointment_id FROM appointment_reminders');
    assert.deepEqual(rows.map((r) => r.appointment_id), [b._id]);
    const outbox = await t.testDb.database.query<{ recipient: string }>("SELECT recipient FROM notification_outbox WHERE topic = 'appointment.reminder'");
    assert.deepEqual(outbox.map((r) => r.recipient), [paid.email]);
  });
});

describe('notifications without SMTP_URL', () => {
  let t: TestApp;
  before(async () => {
    t = await makeTestApp();
  });
  after(async () => t.close());

  it('keeps messages in the outbox (status logged) for development', async () => {
    const id = await t.app.ctx.notifications.enqueueEmail(undefined, { to: 'dev@example.com', subject: 'Dev', text: 'Body', html: '<p>Body</p>' });
    const r = await t.app.ctx.notificationWorker.runOnce();
    assert.ok(r.logged >= 1);
    const list = json(await get(t.app, '/api/admin/notifications/outbox?status=logged', bearer(await adminToken(t.app))));
    assert.ok(list.messages.some((m: { _id: string; subject: string }) => m._id === id && m.subject === 'Dev'));
  });

  it('marks a whole batch logged in one statement, and leaves alone a message whose lease another worker took', async () => {
    await t.app.ctx.notificationWorker.runOnce();
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push((await t.app.ctx.notifications.enqueueEmail(undefined, { to: `batch${i}@example.com`, subject: `Batch ${i}`, text: 'x' }))!);
    const repo = new OutboxRepo(t.app.ctx.db, 'example.com');
    const marks: number[] = [];
    const markLogged = repo.markLogged.bind(repo);
    repo.markLogged = async (held) => {
      marks.push(held.length);
      // meanwhile another worker took the last message over (its lease had run out): it is not ours to mark
      await t.testDb.database.query("UPDATE notification_outbox SET locked_until = locked_until + interval '1 hour' WHERE id = $1", [ids[3]]);
      return markLogged(held);
    };
    const worker = new DeliveryWorker(repo, undefined, new ManualClock(Date.now()), { backoffMs: 60_000, intervalMs: 1000 }, { info: () => undefined, warn: () => undefined });
    const r = await worker.runOnce();
    assert.equal(r.logged, 4);
    assert.deepEqual(marks, [4], 'one statement for the batch');
    const rows = await t.testDb.database.query<{ id: string; status: string }>('SELECT id, status FROM notification_outbox WHERE id = ANY($1) ORDER BY id', [ids]);
    assert.deepEqual(
      rows.map((x) => [x.id, x.status]),
      ids.map((id, i) => [id, i === 3 ? 'sending' : 'logged']).sort(([a], [b]) => (a < b ? -1 : 1)),
    );
  });

  it('a dedupe key enqueues once', async () => {
    const a = await t.app.ctx.notifications.enqueueEmail(undefined, { to: 'dev@example.com', subject: 'Once', text: 'x', dedupeKey: 'once:1' });
    const b = await t.app.ctx.notifications.enqueueEmail(undefined, { to: 'dev@example.com', subject: 'Once', text: 'x', dedupeKey: 'once:1' });
    assert.ok(a);
    assert.equal(b, undefined);
  });
});
