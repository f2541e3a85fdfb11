// Notifications API for the rest of the app (reach it as `ctx.notifications`).
//
//   ctx.notifications.enqueueEmail(tx, { to, subject, text, html?, ics?, icsMethod?, topic?, dedupeKey? })
//     Writes an email to the durable outbox. Pass the transaction of the change the email reports
//     (`tx`) so the email exists if and only if the change committed; pass `undefined` to write it
//     on its own. The delivery worker sends it over SMTP (SMTP_URL) with retries and backoff; without
//     SMTP_URL it is kept in the outbox (status `logged`). Returns the outbox id, or undefined when a
//     message with the same `dedupeKey` was already enqueued.
//
//   ctx.notifications.notify(tx, { role, recipientId, type, title, body, appointmentId? })
//     Writes an in-app notification (GET /api/{user|doctor}/notifications).
//
//   enqueueEmails(tx, [...]) and notifyAll(tx, [...]) write several in one statement each;
//   enqueueWithNotices(tx, emails, notices) both kinds of one event in one statement.
//
// Appointment events, reminders, welcome emails and calendar invitations are produced inside this
// module (appointment-notifier.ts, reminders.ts, welcome.ts, calendar-feed.ts); other modules only
// call the two above. The module's SQL is in repo.ts and outbox.ts; what it reads of appointments and
// doctors comes from their read models.
import type { SQL } from 'drizzle-orm';
import type { Static } from 'typebox';
import type { Db } from '../../db/client.js';
import type { Clock } from '../../lib/clock.js';
import type { RecordedWrites } from '../../lib/events.js';
import { badRequest, notFound } from '../../lib/errors.js';
import { newId } from '../../lib/ids.js';
import type { Config } from '../../config.js';
import { CalendarFeedService } from './calendar-feed.js';
import type { NewNotification, OutboxRepo, OutgoingEmail, OutgoingPush, PushNotice } from './outbox.js';
import { ReminderScheduler } from './reminders.js';
import type { NotificationRepo } from './repo.js';
import type { NotificationOut, OutboxOut } from './schemas.js';
import type { NotificationRow, OutboxRow, OutboxStatus, RecipientRole } from './tables.js';
import type { ServiceLog } from '../../lib/logger.js';
import { isMailAddress, type InAppNotice, type NotificationSink } from './sink.js';

export type { OutgoingEmail, PushNotice } from './outbox.js';

export type { InAppNotice };

/** The push subscriptions of accounts (modules/push provides them). */
export interface PushTargets {
  /** those of these accounts, read in the caller's transaction */
  of(tx: Db | undefined, owners: { role: 'patient' | 'doctor'; id: string }[]): Promise<{ role: 'patient' | 'doctor'; ownerId: string; subscriptionId: string }[]>;
  /** all of them as a subquery of (owner_role, owner_id, id), to join inside one statement */
  devices(): SQL;
}

/** The page of the web app an in-app notice's push opens. */
export const noticeUrl = (role: 'patient' | 'doctor'): string => (role === 'patient' ? '/appointments' : '/doctor/appointments');
export { isMailAddress };

export type NotificationView = Static<typeof NotificationOut>;
export type OutboxView = Static<typeof OutboxOut>;

export const notificationView = (r: NotificationRow): NotificationView => ({
  _id: r.id,
  type: r.type,
  title: r.title,
  body: r.body,
  appointmentId: r.appointmentId,
  read: r.readAt !== null,
  createdAt: r.createdAt.toISOString(),
});

export const outboxView = (r: OutboxRow): OutboxView => ({
  _id: r.id,
  to: r.recipient,
  subject: r.subject,
  topic: r.topic,
  status: r.status,
  attempts: r.attempts,
  maxAttempts: r.maxAttempts,
  nextAttemptAt: r.nextAttemptAt.toISOString(),
  lastError: r.lastError,
  createdAt: r.createdAt.toISOString(),
  sentAt: r.sentAt?.toISOString() ?? null,
});


export class NotificationService implements NotificationSink {
  /** doctors' private calendar feeds */
  readonly feeds: CalendarFeedService;
  /** appointment reminders (run by the worker on every pass) */
  readonly reminders: ReminderScheduler;
  private readonly maxAttempts: number;

  /**
   * `pushTargets`: every in-app notice to a patient or doctor, and every push() call, also goes to
   * their push subscriptions (the push module's; absent without VAPID keys).
   */
  constructor(
    private readonly repo: NotificationRepo,
    private readonly outbox: OutboxRepo,
    private readonly clock: Clock,
    config: Config,
    mailDomain: string,
    private readonly log: ServiceLog = { info: () => undefined, warn: () => undefined },
    private readonly pushTargets?: PushTargets,
  ) {
    this.maxAttempts = config.notifications.maxAttempts;
    this.feeds = new CalendarFeedService(repo, clock, config, mailDomain);
    this.reminders = new ReminderScheduler(repo, this, config, log.warn);
  }

  /**
   * Queues a Web Push to each device of each recipient, in the transaction `tx` of the change (so it
   * goes only if the change commits). Nothing without push (no VAPID keys) or without devices.
   */
  async push(tx: Db | undefined, notices: PushNotice[]): Promise<number> {
    if (!this.pushTargets || notices.length === 0) return 0;
    const owners = [...new Map(notices.map((n) => [`${n.role}:${n.recipientId}`, { role: n.role, id: n.recipientId }])).values()];
    const targets = await this.pushTargets.of(tx, owners);
    const pushes: OutgoingPush[] = [];
    for (const n of notices) {
      for (const t of targets) {
        if (t.role !== n.role || t.ownerId !== n.recipientId) continue;
        pushes.push({
          subscriptionId: t.subscriptionId,
          title: n.title,
          body: n.body,
          url: n.url,
          topic: `push.${n.type}`,
          dedupeKey: n.dedupeKey ? `${n.dedupeKey}:${t.subscriptionId}` : undefined,
          onlyWhileLive: n.onlyWhileLive,
        });
      }
    }
    const ids = await this.outbox.insertPushes(tx, pushes, this.maxAttempts, this.clock.now());
    for (const id of ids) this.log.info(`push ${id} queued`);
    return ids.length;
  }

  async enqueueEmail(tx: Db | undefined, msg: OutgoingEmail): Promise<string | undefined> {
    const [queued] = await this.enqueueEmails(tx, [msg]);
    return queued;
  }

  /** Several emails in one statement; the ids of those enqueued (a used dedupe key is skipped). */
  enqueueEmails(tx: Db | undefined, msgs: OutgoingEmail[]): Promise<string[]> {
    return this.enqueueWithNotices(tx, msgs, []);
  }

  async notify(tx: Db | undefined, n: InAppNotice): Promise<void> {
    await this.notifyAll(tx, [n]);
  }

  /** Several in-app notifications in one statement. */
  async notifyAll(tx: Db | undefined, notices: InAppNotice[]): Promise<void> {
    await this.enqueueWithNotices(tx, [], notices);
  }

  /**
   * The emails and in-app notices of one event, written with one statement (OutboxRepo.insertWithNotices),
   * then the notices' pushes. Answers the ids of the emails enqueued (a used dedupe key is skipped).
   */
  async enqueueWithNotices(tx: Db | undefined, msgs: OutgoingEmail[], notices: InAppNotice[]): Promise<string[]> {
    checkEmails(msgs);
    const now = this.clock.now();
    const queued = await this.outbox.insertWithNotices(tx, msgs, noticeRows(notices, now), this.maxAttempts, now);
    for (const q of queued) this.logQueued(q);
    await this.push(tx, pushesOf(notices));
    return queued.map((q) => q.id);
  }

  /**
   * enqueueWithNotices as writes needing no answer, for a change that sends them in its own
   * statement: the emails (none with a dedupe key: each is written), the notices and, with push on,
   * one push per device of each recipient, joined in SQL. Logged once that statement committed.
   */
  writesWithNotices(msgs: OutgoingEmail[], notices: InAppNotice[]): RecordedWrites | null {
    if (msgs.some((m) => m.dedupeKey)) return null; // which were written is an answer
    checkEmails(msgs);
    const now = this.clock.now();
    const { statements, emails } = this.outbox.withNoticesStatements(msgs, noticeRows(notices, now), this.maxAttempts, now);
    const pushes = pushesOf(notices);
    if (this.pushTargets && pushes.length) statements.push(this.outbox.pushesStatement(pushes, this.pushTargets.devices(), this.maxAttempts, now));
    return { statements, written: () => emails.forEach((q) => this.logQueued(q)) };
  }

  // ids only: the address and the subject (which names the doctor and the visit) are personal
  // data, written only at LOG_LEVEL=debug; bodies (one-time links) never
  private logQueued(q: { id: string; to: string; subject: string }): void {
    this.log.info(`email ${q.id} queued`);
    this.log.debug?.(`email ${q.id} queued`, { to: q.to, subject: q.subject });
  }

  async list(role: RecipientRole, recipientId: string, page: number, limit: number, unreadOnly: boolean) {
    const { rows, total, unread } = await this.repo.listNotices(role, recipientId, unreadOnly, limit, (page - 1) * limit);
    return { notifications: rows.map(notificationView), page, limit, total, unreadCount: unread };
  }

  /** Marks the given notifications (or all when `ids` is undefined) of this recipient read; returns how many changed. */
  markRead(role: RecipientRole, recipientId: string, ids: string[] | undefined): Promise<number> {
    return this.repo.markRead(role, recipientId, ids, this.clock.now());
  }

  unreadCount(role: RecipientRole, recipientId: string): Promise<number> {
    return this.repo.unreadCount(role, recipientId);
  }

  async listOutbox(status: OutboxStatus | undefined, page: number, limit: number) {
    const { rows, total } = await this.outbox.list(status, limit, (page - 1) * limit);
    return { messages: rows.map(outboxView), counts: await this.outbox.countsByStatus(), page, limit, total };
  }

  async retry(id: string): Promise<OutboxView> {
    const row = await this.outbox.requeue(id, this.clock.now());
    if (row) return outboxView(row);
    if (!(await this.outbox.find(id))) throw notFound('Message not found');
    throw badRequest('Only failed or logged messages can be retried');
  }
}

function checkEmails(msgs: OutgoingEmail[]): void {
  for (const msg of msgs) {
    if (!isMailAddress(msg.to)) throw badRequest(`cannot email "${msg.to}": not an email address`);
    if (!msg.subject.trim() || !msg.text.trim()) throw badRequest('an email needs a subject and a text part');
  }
}

function noticeRows(notices: InAppNotice[], now: Date): NewNotification[] {
  return notices.map((n) => ({
    id: newId(now),
    recipientRole: n.role,
    recipientId: n.recipientId,
    type: n.type,
    title: n.title,
    body: n.body,
    appointmentId: n.appointmentId ?? null,
    createdAt: now,
  }));
}

/** The same title and body on the recipients' devices: nothing beyond what the notice shows. */
function pushesOf(notices: InAppNotice[]): PushNotice[] {
  const pushes: PushNotice[] = [];
  for (const n of notices) {
    if (n.role === 'admin') continue;
    pushes.push({ role: n.role, recipientId: n.recipientId, type: n.type, title: n.title, body: n.body, url: noticeUrl(n.role), onlyWhileLive: n.onlyWhileLive });
  }
  return pushes;
}
