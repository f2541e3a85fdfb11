// Builds the notifications module for createContext: outbox, mailer, worker, and the event
// subscribers that turn changes into emails and in-app notifications (inside the change's
// transaction) and into live updates (after commit).
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
import { NotificationService } from './service.js';
import { DeliveryWorker } from './worker.js';

export interface NotificationsModule {
  service: NotificationService;
  worker: DeliveryWorker;
  live: LiveHub;
}

/** The domain of MAIL_FROM, used for Message-IDs and calendar UIDs. */
export function mailDomain(from: string): string {
  return /@([^>\s]+)>?\s*$/.exec(from)?.[1] ?? 'prescripto.local';
}

export function createNotifications(config: Config, db: Db, clock: Clock, events: DomainEvents, redis: RedisClient | undefined, logger: AppLogger): NotificationsModule {
  const log = serviceLog(logger);
  const domain = mailDomain(config.mailFrom);
  // leases on the database's clock, shared by every instance; a test's injected clock drives them instead
  const outbox = new OutboxRepo(db, domain, clock === systemClock ? undefined : clock);
  const service = new NotificationService(db, outbox, clock, config, domain, log);
  const mailer = config.smtpUrl ? createSmtpMailer(config.smtpUrl, config.mailFrom) : undefined;
  const worker = new DeliveryWorker(outbox, mailer, clock, { backoffMs: config.notifications.backoffMs, intervalMs: config.notifications.intervalMs, leaseMs: config.notifications.leaseMs }, log);
  worker.addJob((now) => service.reminders.runOnce(now));
  worker.useRelevanceCheck(async (msg, now) =>
    msg.appointmentId && msg.appointmentStartsAt && !(await service.reminders.stillLive(msg.appointmentId, msg.appointmentStartsAt, now))
      ? 'appointment no longer live at the announced time'
      : undefined,
  );
  worker.addJob(() => service.welcome.sweep());

  const notifier = new AppointmentNotifier(service, config, domain);
  events.onRecord((tx, event) => notifier.onRecord(tx, event));

  const live = new LiveHub(config, redis, log.warn);
  events.onPublish((event) => live.onEvent(event));
  events.onPublish((event) => service.welcome.onPublish(event));
  return { service, worker, live };
}
