// Builds the outgoing-webhooks module for createContext: queued in the transaction of every domain
// event that has a webhook type, delivered by the notification worker's pass (createContext hands
// it `runOnce` as one of its jobs).
import type { Config } from '../../config.js';
import type { Db } from '../../db/client.js';
import type { Clock } from '../../lib/clock.js';
import type { DomainEvents } from '../../lib/events.js';
import type { ServiceLog } from '../../lib/logger.js';
import { WebhookRepo } from './repo.js';
import { createSender, type WebhookSender } from './sender.js';
import { OutgoingWebhooks, type EnqueueEmail } from './service.js';

export function createOutgoingWebhooks(
  config: Config,
  db: Db,
  clock: Clock,
  events: DomainEvents,
  deps: { sendEmail: EnqueueEmail; log: ServiceLog; sender?: WebhookSender },
): OutgoingWebhooks {
  const s = config.webhooks;
  const sender = deps.sender ?? createSender({ allowPrivate: s.allowPrivate, timeoutMs: s.timeoutMs });
  const service = new OutgoingWebhooks(new WebhookRepo(db), clock, s, sender, deps.sendEmail, config.adminEmail, deps.log);
  events.onRecord((tx, event) => service.onRecord(tx, event), (event) => service.writesOf(event));
  return service;
}
