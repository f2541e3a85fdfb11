// Builds the notifications module for createContext: outbox, service, and the event subscribers
// that turn changes into emails and in-app notifications (inside the change's transaction) and into
// live updates (after commit). The delivery worker is built last (createDeliveryWorker), once every
// module whose jobs and relevance checks it runs exists.
import type { Config } from '../../config.js';
import type { Db } from '../../db/client.js';
import { systemClock, type Clock } from '../../lib/clock.js';
import type { DomainEvents } from '../../lib/events.js';
import { serviceLog, type AppLogger } from '../../lib/logger.js';
import type { RedisClient } from '../../lib/redis.js';
import { AppointmentNotifier } from './appointment-notifier.js';
import { LiveHub } from './live.js';
import { createSmtpMailer } from './mailer.js';
import { OutboxRepo } from './outbox.js';
import { NotificationRepo } from './repo.js';
import { NotificationService } from './service.js';
import { DeliveryWorker, type PushChannel, type RelevanceCheck } from './worker.js';
import type { PushTargets } from './service.js';

export interface NotificationsModule {
  service: NotificationService;
  live: LiveHub;
  outbox: OutboxRepo;
  /** SQL on the module's other tables; the welcome mailer, built later, reads through it too */
  repo: NotificationRepo;
}

/** The domain of MAIL_FROM, used for Message-IDs and calendar UIDs. */
export function mailDomain(from: string): string {
  return /@([^>\s]+)>?\s*$/.exec(from)?.[1] ?? 'prescripto.local';
}

export function createNotifications(
  config: Config,
  db: Db,
  clock: Clock,
  events: DomainEvents,
  redis: RedisClient | undefined,
  logger: AppLogger,
  pushTargets?: PushTargets,
): NotificationsModule {
  const log = serviceLog(logger);
  const domain = mailDomain(config.mailFrom);
  // leases on the database's clock, shared by every instance; a test's injected clock drives them instead
  const outbox = new OutboxRepo(db, domain, clock === systemClock ? undefined : clock);
  const repo = new NotificationRepo(db);
  const service = new NotificationService(repo, outbox, clock, config, domain, log, pushTargets);

  const notifier = new AppointmentNotifier(repo, service, config, domain);
  events.onRecord((tx, event) => notifier.onRecord(tx, event), (event) => notifier.writesOf(event));

  const live = new LiveHub(config, redis, log.warn);
  events.onPublish((event) => live.onEvent(event));
  return { service, live, outbox, repo };
}

/**
 * The outbox's delivery worker. Its own reminders job runs first and its own check drops reminders
 * of visits no longer live; `jobs` and `relevance` are the other modules' (welcome sweep, webhooks,
 * waitlist; unread-message emails), `push` the push module's channel.
 */
export function createDeliveryWorker(
  config: Config,
  clock: Clock,
  logger: AppLogger,
  notify: NotificationsModule,
  more: { jobs: Array<(now: Date) => Promise<unknown>>; relevance: RelevanceCheck[]; push?: PushChannel },
): DeliveryWorker {
  const { service } = notify;
  const mailer = config.smtpUrl ? createSmtpMailer(config.smtpUrl, config.mailFrom) : undefined;
  const reminderStillLive: RelevanceCheck = async (msg, now) =>
    msg.appointmentId && msg.appointmentStartsAt && !(await service.reminders.stillLive(msg.appointmentId, msg.appointmentStartsAt, now))
      ? 'appointment no longer live at the announced time'
      : undefined;
  const n = config.notifications;
  return new DeliveryWorker(notify.outbox, mailer, clock, { backoffMs: n.backoffMs, intervalMs: n.intervalMs, leaseMs: n.leaseMs }, serviceLog(logger), {
    jobs: [(now) => service.reminders.runOnce(now), ...more.jobs],
    relevance: [reminderStillLive, ...more.relevance],
    push: more.push,
  });
}
