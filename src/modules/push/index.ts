// Builds the push module for createContext: pushes ride on the notification outbox (in-app notices
// fan out to the recipient's devices; the worker sends them through this module).
import type { Config } from '../../config.js';
import type { Db } from '../../db/client.js';
import type { Clock } from '../../lib/clock.js';
import type { ServiceLog } from '../../lib/logger.js';
import type { NotificationService } from '../notifications/service.js';
import type { DeliveryWorker } from '../notifications/worker.js';
import { createSender, type WebhookSender } from '../webhooks/sender.js';
import { PushRepo } from './repo.js';
import { PushService } from './service.js';

export function createPush(
  config: Config,
  db: Db,
  clock: Clock,
  deps: { notifications: NotificationService; worker: DeliveryWorker; log: ServiceLog; sender?: WebhookSender },
): PushService {
  const s = config.push;
  const sender = deps.sender ?? createSender({ allowPrivate: s.allowPrivate, timeoutMs: s.timeoutMs, userAgent: 'Prescripto-Push/1' });
  const service = new PushService(new PushRepo(db), clock, s, sender, deps.log);
  if (!service.enabled) {
    deps.log.warn('push notifications are off: set VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY to turn them on');
    return service;
  }
  deps.notifications.usePushTargets(service.targets);
  deps.worker.usePushChannel((msg) => service.deliver(msg));
  return service;
}
