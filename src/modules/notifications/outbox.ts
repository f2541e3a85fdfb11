// The email outbox: rows written in the caller's transaction, claimed by workers with
// `FOR UPDATE SKIP LOCKED` (several instances never take the same row) and a lease (a worker that
// dies mid-delivery releases its rows when the lease runs out). Before sending a message a worker
// renews its lease once half of it has gone, and skips the message when the lease was lost, so a
// slow SMTP server cannot make two instances send it. Lease times come from the database's clock, the one clock all
// instances share; an injected clock (tests) drives them instead when given.
import { and, desc, eq, inArray, lte, or, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import type { Clock } from '../../lib/clock.js';
import { newId } from '../../lib/ids.js';
import { notificationOutbox, notifications, type IcsMethod, type OutboxRow, type OutboxStatus } from './tables.js';

/** An in-app notification row as written. */
export type NewNotification = typeof notifications.$inferInsert;

export interface OutgoingEmail {
  to: string;
  subject: string;
  text: string;
  html?: string;
  /** an iCalendar document to attach as the invitation */
  ics?: string;
  icsMethod?: IcsMethod;
  /** what this is about, e.g. `appointment.booked`, `auth.password-reset` (shown to the admin) */
  topic?: string;
  /** a message with a key already in the outbox is not enqueued again */
  dedupeKey?: string;
  /** not before this time (default: at once); the row waits in the outbox, so it survives restarts */
  notBefore?: Date;
  /** send only while this appointment is live and still starts at `startsAt` (reminders) */
  onlyWhileLive?: { appointmentId: string; startsAt: Date };
}

/** A Web Push message to one browser subscription; title, body and link only (what the in-app notice shows). */
export interface OutgoingPush {
  subscriptionId: string;
  title: string;
  body: string;
  /** the page a click on the notification opens */
  url: string;
  topic: string;
  dedupeKey?: string;
  onlyWhileLive?: { appointmentId: string; startsAt: Date };
}

/** A Web Push to every device of one patient or doctor. `url` is a path of the web app. */
export interface PushNotice {
  role: 'patient' | 'doctor';
  recipientId: string;
  type: string;
  title: string;
  body: string;
  url: string;
  dedupeKey?: string;
  onlyWhileLive?: { appointmentId: string; startsAt: Date };
}

export class OutboxRepo {
  constructor(
    private readonly db: Db,
    private readonly mailDomain: string,
    /** leases on this clock instead of the database's (an injected test clock) */
    private readonly leaseClock?: Clock,
  ) {}

  /**
   * "Now" for leases. The database's time is truncated to milliseconds: the lease a worker holds is
   * compared for equality after a round trip through a JavaScript Date.
   */
  private leaseNow(): SQL {
    return this.leaseClock ? sql`${this.leaseClock.now().toISOString()}::timestamptz` : sql`date_trunc('milliseconds', now())`;
  }

  private leaseEnd(leaseMs: number): SQL {
    return sql`(${this.leaseNow()} + ${Math.trunc(leaseMs)} * interval '1 millisecond')`;
  }

  /**
   * Inserts pending messages in one statement (an appointment event writes two or three in its
   * booking transaction: one round trip, not one each); returns the inserted ones, without those
   * whose dedupe key was already used.
   */
  async insertMany(tx: Db | undefined, msgs: OutgoingEmail[], maxAttempts: number, now: Date): Promise<{ id: string; to: string; subject: string }[]> {
    return this.insertWithNotices(tx, msgs, [], maxAttempts, now);
  }

  /**
   * Emails and in-app notices of one event in one statement (the notices' INSERT rides along as a
   * data-modifying WITH, which runs whether or not the main statement reads it): inside a booking's
   * transaction every round trip holds that transaction open. Answers the emails enqueued, as
   * insertMany.
   */
  async insertWithNotices(tx: Db | undefined, msgs: OutgoingEmail[], notices: NewNotification[], maxAttempts: number, now: Date): Promise<{ id: string; to: string; subject: string }[]> {
    const db = tx ?? this.db;
    if (msgs.length === 0) {
      if (notices.length) await db.insert(notifications).values(notices);
      return [];
    }
    const rows = this.emailRows(msgs, maxAttempts, now);
    const withNotices = notices.length ? db.with(db.$with('notices').as(db.insert(notifications).values(notices).returning({ id: notifications.id }))) : db;
    return withNotices
      .insert(notificationOutbox)
      .values(rows)
      .onConflictDoNothing()
      .returning({ id: notificationOutbox.id, to: notificationOutbox.recipient, subject: notificationOutbox.subject });
  }

  /**
   * insertWithNotices as statements needing no answer, for a change that sends them inside its own
   * statement; `emails` are the messages as written (their ids are made here).
   */
  withNoticesStatements(msgs: OutgoingEmail[], notices: NewNotification[], maxAttempts: number, now: Date): { statements: SQL[]; emails: { id: string; to: string; subject: string }[] } {
    const rows = this.emailRows(msgs, maxAttempts, now);
    const statements: SQL[] = [];
    if (notices.length) statements.push(this.db.insert(notifications).values(notices).getSQL());
    if (rows.length) statements.push(this.db.insert(notificationOutbox).values(rows).onConflictDoNothing().getSQL());
    return { statements, emails: rows.map((r) => ({ id: r.id, to: r.recipient, subject: r.subject })) };
  }

  /**
   * One push per device of each notice's recipient, `devices` being the subscriptions as
   * (owner_role, owner_id, id): insertPushes for a change's own statement, where the devices are
   * joined rather than read first. Ids are ObjectId-shaped as newId's: the second, then random.
   */
  pushesStatement(pushes: PushNotice[], devices: SQL, maxAttempts: number, now: Date): SQL {
    const list = JSON.stringify(pushes.map((p) => ({
      role: p.role, recipient: p.recipientId, title: p.title, body: p.body, link: p.url, topic: `push.${p.type}`,
      dedupe: p.dedupeKey ?? null, appointment: p.onlyWhileLive?.appointmentId ?? null, starts: p.onlyWhileLive?.startsAt.toISOString() ?? null,
    })));
    const at = sql`${now.toISOString()}::timestamptz`;
    return sql`
      INSERT INTO notification_outbox (id, channel, recipient, subject, text_body, link, topic, dedupe_key, status, attempts, max_attempts, next_attempt_at, message_id, created_at, appointment_id, appointment_starts_at)
      SELECT p.id, 'push', p.device, p.title, p.body, p.link, p.topic, p.dedupe, 'pending', 0, ${maxAttempts}, ${at}, '<' || p.id || '@' || ${this.mailDomain} || '>', ${at}, p.appointment, p.starts
        FROM (SELECT lpad(to_hex(floor(extract(epoch FROM ${at}))::bigint), 8, '0') || left(replace(gen_random_uuid()::text, '-', ''), 16) AS id,
                     d.id AS device, n.title, n.body, n.link, n.topic, n.dedupe || ':' || d.id AS dedupe, n.appointment, n.starts
                FROM jsonb_to_recordset(${list}::jsonb) AS n(role text, recipient text, title text, body text, link text, topic text, dedupe text, appointment text, starts timestamptz)
                JOIN ${devices} AS d ON d.owner_role = n.role AND d.owner_id = n.recipient) AS p
      ON CONFLICT DO NOTHING`;
  }

  private emailRows(msgs: OutgoingEmail[], maxAttempts: number, now: Date) {
    return msgs.map((msg) => {
      const id = newId(now);
      return {
        id,
        recipient: msg.to,
        subject: msg.subject,
        textBody: msg.text,
        htmlBody: msg.html ?? null,
        ics: msg.ics ?? null,
        icsMethod: msg.ics ? (msg.icsMethod ?? 'REQUEST') : null,
        topic: msg.topic ?? 'email',
        dedupeKey: msg.dedupeKey ?? null,
        status: 'pending' as const,
        attempts: 0,
        maxAttempts,
        nextAttemptAt: msg.notBefore && msg.notBefore > now ? msg.notBefore : now,
        // stable across retries, so a receiver can drop a copy re-sent after a crash
        messageId: `<${id}@${this.mailDomain}>`,
        createdAt: now,
        appointmentId: msg.onlyWhileLive?.appointmentId ?? null,
        appointmentStartsAt: msg.onlyWhileLive?.startsAt ?? null,
      };
    });
  }

  /** Inserts pending pushes in one statement (same outbox, channel `push`); returns their ids. */
  async insertPushes(tx: Db | undefined, pushes: OutgoingPush[], maxAttempts: number, now: Date): Promise<string[]> {
    if (pushes.length === 0) return [];
    const rows = pushes.map((p) => {
      const id = newId(now);
      return {
        id,
        channel: 'push' as const,
        recipient: p.subscriptionId,
        subject: p.title,
        textBody: p.body,
        link: p.url,
        topic: p.topic,
        dedupeKey: p.dedupeKey ?? null,
        status: 'pending' as const,
        attempts: 0,
        maxAttempts,
        nextAttemptAt: now,
        messageId: `<${id}@${this.mailDomain}>`,
        createdAt: now,
        appointmentId: p.onlyWhileLive?.appointmentId ?? null,
        appointmentStartsAt: p.onlyWhileLive?.startsAt ?? null,
      };
    });
    const inserted = await (tx ?? this.db).insert(notificationOutbox).values(rows).onConflictDoNothing().returning({ id: notificationOutbox.id });
    return inserted.map((r) => r.id);
  }

  /**
   * Takes up to `limit` due messages (pending and due at `now`, or sending with an expired lease),
   * counts the attempt and leases them for `leaseMs`; each row's `lockedUntil` is this worker's
   * lease. Rows locked by another worker are skipped, not waited for. One statement: the rows are
   * chosen and locked by the subquery and leased by the UPDATE around it, in its own transaction.
   */
  async claim(now: Date, leaseMs: number, limit: number): Promise<OutboxRow[]> {
    const due = this.db
      .select({ id: notificationOutbox.id })
      .from(notificationOutbox)
      .where(
        or(
          and(eq(notificationOutbox.status, 'pending'), lte(notificationOutbox.nextAttemptAt, now)),
          and(eq(notificationOutbox.status, 'sending'), sql`${notificationOutbox.lockedUntil} <= ${this.leaseNow()}`),
        ),
      )
      .orderBy(notificationOutbox.nextAttemptAt, notificationOutbox.id)
      .limit(limit)
      .for('update', { skipLocked: true });
    const rows = await this.db
      .update(notificationOutbox)
      .set({ status: 'sending', lockedUntil: this.leaseEnd(leaseMs), attempts: sql`${notificationOutbox.attempts} + 1` })
      .where(inArray(notificationOutbox.id, due))
      .returning();
    // RETURNING keeps no order: deliver oldest first, as chosen
    return rows.sort((a, b) => a.nextAttemptAt.getTime() - b.nextAttemptAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /**
   * Extends the lease `lease` on a message for another `leaseMs`, only while this worker still holds
   * it (nobody re-claimed it). Returns the new lease, or undefined when it was lost.
   */
  async renew(id: string, lease: Date, leaseMs: number): Promise<Date | undefined> {
    const rows = await this.db
      .update(notificationOutbox)
      .set({ lockedUntil: this.leaseEnd(leaseMs) })
      .where(and(eq(notificationOutbox.id, id), eq(notificationOutbox.status, 'sending'), eq(notificationOutbox.lockedUntil, lease)))
      .returning({ lockedUntil: notificationOutbox.lockedUntil });
    return rows[0]?.lockedUntil ?? undefined;
  }

  /** Final states only apply while this worker still holds the lease it was given. */
  async markSent(id: string, leaseUntil: Date, now: Date): Promise<boolean> {
    const rows = await this.db
      .update(notificationOutbox)
      .set({ status: 'sent', sentAt: now, lockedUntil: null, lastError: null })
      .where(and(eq(notificationOutbox.id, id), eq(notificationOutbox.status, 'sending'), eq(notificationOutbox.lockedUntil, leaseUntil)))
      .returning({ id: notificationOutbox.id });
    return rows.length > 0;
  }

  /**
   * Marks messages kept in the outbox (no transport) in one statement, each only while this worker
   * still holds the lease it was given for it.
   */
  async markLogged(held: ReadonlyArray<{ id: string; leaseUntil: Date }>): Promise<void> {
    if (held.length === 0) return;
    const list = JSON.stringify(held.map((h) => ({ id: h.id, lease: h.leaseUntil.toISOString() })));
    await this.db
      .update(notificationOutbox)
      .set({ status: 'logged', lockedUntil: null })
      .where(
        and(
          eq(notificationOutbox.status, 'sending'),
          sql`(${notificationOutbox.id}, ${notificationOutbox.lockedUntil}) IN (SELECT id, lease FROM jsonb_to_recordset(${list}::jsonb) AS h(id text, lease timestamptz))`,
        ),
      );
  }

  /** Drops a message unsent: what it announced no longer holds. */
  async markSkipped(id: string, leaseUntil: Date, reason: string): Promise<void> {
    await this.db
      .update(notificationOutbox)
      .set({ status: 'skipped', lockedUntil: null, lastError: reason })
      .where(and(eq(notificationOutbox.id, id), eq(notificationOutbox.status, 'sending'), eq(notificationOutbox.lockedUntil, leaseUntil)));
  }

  /** Schedules another attempt at `retryAt`, or gives up (`failed`) when `retryAt` is undefined. */
  async markFailedAttempt(id: string, leaseUntil: Date, error: string, retryAt: Date | undefined): Promise<void> {
    await this.db
      .update(notificationOutbox)
      .set(
        retryAt
          ? { status: 'pending', nextAttemptAt: retryAt, lockedUntil: null, lastError: error }
          : { status: 'failed', lockedUntil: null, lastError: error },
      )
      .where(and(eq(notificationOutbox.id, id), eq(notificationOutbox.status, 'sending'), eq(notificationOutbox.lockedUntil, leaseUntil)));
  }

  /** An admin's retry of a failed message: a fresh set of attempts from now. */
  async requeue(id: string, now: Date): Promise<OutboxRow | undefined> {
    return (
      await this.db
        .update(notificationOutbox)
        .set({ status: 'pending', attempts: 0, nextAttemptAt: now, lockedUntil: null })
        .where(and(eq(notificationOutbox.id, id), inArray(notificationOutbox.status, ['failed', 'logged'])))
        .returning()
    )[0];
  }

  async find(id: string): Promise<OutboxRow | undefined> {
    return (await this.db.select().from(notificationOutbox).where(eq(notificationOutbox.id, id)).limit(1))[0];
  }

  async list(status: OutboxStatus | undefined, limit: number, offset: number): Promise<{ rows: OutboxRow[]; total: number }> {
    const where = status ? eq(notificationOutbox.status, status) : undefined;
    const [rows, [{ total }]] = await Promise.all([
      this.db.select().from(notificationOutbox).where(where).orderBy(desc(notificationOutbox.createdAt), desc(notificationOutbox.id)).limit(limit).offset(offset),
      this.db.select({ total: sql<number>`count(*)::int` }).from(notificationOutbox).where(where),
    ]);
    return { rows, total };
  }

  async countsByStatus(): Promise<Record<string, number>> {
    const rows = await this.db
      .select({ status: notificationOutbox.status, n: sql<number>`count(*)::int` })
      .from(notificationOutbox)
      .groupBy(notificationOutbox.status);
    return Object.fromEntries(rows.map((r) => [r.status, r.n]));
  }
}
