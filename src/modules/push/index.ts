// Builds the push module for createContext: pushes ride on the notification outbox. It is built
// before the notifications, which are handed `targets` (in-app notices fan out to the recipient's
// devices), and the delivery worker is handed `channel` (it sends push rows through this module).
import type { Config } from '../../config.js';
import type { Db } from '../../db/client.js';
import type { Clock } from '../../lib/clock.js';
import type { ServiceLog } from '../../lib/logger.js';
import type { PushTargets } from '../notifications/service.js';
import type { PushChannel } from '../notifications/worker.js';
import { createSender, type WebhookSender } from '../webhooks/sender.js';
import { PushRepo } from './repo.js';
import { PushService } from './service.js';

/** The service, and without VAPID keys neither port: no push rows are written, none sent. */
export interface PushModule {
  service: PushService;
  targets?: PushTargets;
  channel?: PushChannel;
}

export function createPush(
  config: Config,
  db: Db,
  clock: Clock,
  deps: { log: ServiceLog; sender?: WebhookSender },
): PushModule {
  const s = config.push;
  const sender = deps.sender ?? createSender({ allowPrivate: s.allowPrivate, timeoutMs: s.timeoutMs, userAgent: 'Prescripto-Push/1' });
  const service = new PushService(new PushRepo(db), clock, s, sender, deps.log);
  if (!service.enabled) {
    deps.log.warn('push notifications are off: set VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY to turn them on');
    return { service };
  }
  return { service, targets: service.targets, channel: (msg) => service.deliver(msg) };
}
