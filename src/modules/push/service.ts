// Web Push (VAPID). A patient or doctor allows notifications in a browser, which hands the web app a
// subscription (the push service's endpoint URL and the browser's keys); the app registers it here,
// one row per device. Every in-app notice to them, and each new message, queues one push per device
// in the notification outbox (channel `push`, in the transaction of the change); the outbox worker
// delivers it through `deliver` with the outbox's retries and backoff. A push service answering
// 404 or 410 means the browser dropped the subscription: the row is deleted and the push dropped.
// The payload is the notice's title and body and a page of the web app, encrypted for the browser
// (RFC 8291, aes128gcm) and signed with the server's VAPID key (RFC 8292).
import type { Static } from 'typebox';
import webpush from 'web-push';
import type { PushSettings } from '../../config.js';
import type { Clock } from '../../lib/clock.js';
import { badRequest, conflict, notFound } from '../../lib/errors.js';
import { newId } from '../../lib/ids.js';
import type { ServiceLog } from '../../lib/logger.js';
import type { PushTargets } from '../notifications/service.js';
import type { OutboxRow } from '../notifications/tables.js';
import type { PushOutcome } from '../notifications/worker.js';
import { resolveSafely, UnsafeAddressError } from '../webhooks/address-check.js';
import type { WebhookSender } from '../webhooks/sender.js';
import type { PushRepo } from './repo.js';
import type { SubscriptionBody, SubscriptionView as SubscriptionViewOut } from './schemas.js';
import type { PushOwner, PushSubscriptionRow } from './tables.js';

/** Devices one account may register; a browser re-subscribing reuses its row. */
export const MAX_DEVICES = 20;
/** How long a push service keeps an undelivered push for an offline device. */
const TTL_SECONDS = 24 * 3600;

/** A subscription as the browser's PushSubscription.toJSON() gives it (`expirationTime` is not used). */
export type SubscriptionInput = Static<typeof SubscriptionBody>;
export type SubscriptionView = Static<typeof SubscriptionViewOut>;

export const subscriptionView = (r: PushSubscriptionRow): SubscriptionView => ({
  _id: r.id,
  endpoint: r.endpoint,
  createdAt: r.createdAt.toISOString(),
  updatedAt: r.updatedAt.toISOString(),
});

/** base64url (padding tolerated) decoding to exactly `bytes` bytes, or undefined. */
function key(raw: string, bytes: number): string | undefined {
  if (!/^[A-Za-z0-9_-]+={0,2}$/.test(raw)) return undefined;
  const buf = Buffer.from(raw.replace(/=+$/, ''), 'base64url');
  return buf.length === bytes ? buf.toString('base64url') : undefined;
}

export class PushService {
  constructor(
    private readonly repo: PushRepo,
    private readonly clock: Clock,
    private readonly settings: PushSettings,
    private readonly send: WebhookSender,
    private readonly log: ServiceLog,
  ) {}

  /** Off when the server has no VAPID keys (production without VAPID_PUBLIC_KEY / VAPID_PRIVATE_KEY). */
  get enabled(): boolean {
    return this.settings.vapid !== undefined;
  }

  get publicKey(): string | null {
    return this.settings.vapid?.publicKey ?? null;
  }

  private async checkEndpoint(raw: string): Promise<string> {
    let u: URL;
    try {
      u = new URL(raw);
    } catch {
      throw badRequest('endpoint must be an absolute https URL');
    }
    // real push services are all https; plain http only for a local stand-in (PUSH_ALLOW_PRIVATE)
    if (u.protocol !== 'https:' && !(u.protocol === 'http:' && this.settings.allowPrivate)) throw badRequest('endpoint must be an https URL');
    if (u.username || u.password || u.hash) throw badRequest('endpoint must not carry a user name, password or fragment');
    try {
      await resolveSafely(u.hostname, this.settings.allowPrivate);
    } catch (err) {
      if (err instanceof UnsafeAddressError) throw badRequest(`endpoint refused: ${err.message}`);
      throw err;
    }
    return u.toString();
  }

  /** Registers (or refreshes) this browser's subscription for the account; `created` is false for a refresh. */
  async subscribe(role: PushOwner, ownerId: string, input: SubscriptionInput): Promise<{ subscription: SubscriptionView; created: boolean }> {
    if (!this.enabled) throw conflict('Push notifications are off on this server');
    const p256dh = key(input.keys.p256dh, 65);
    if (!p256dh || Buffer.from(p256dh, 'base64url')[0] !== 4) throw badRequest('keys.p256dh must be an uncompressed P-256 public key (65 bytes, base64url)');
    const auth = key(input.keys.auth, 16);
    if (!auth) throw badRequest('keys.auth must be a 16-byte secret (base64url)');
    const endpoint = await this.checkEndpoint(input.endpoint);
    if ((await this.repo.countOwned(role, ownerId)) >= MAX_DEVICES) {
      // a known device only refreshes its row: let it through
      const mine = await this.repo.deleteOwned(role, ownerId, endpoint);
      if (!mine) throw conflict(`At most ${MAX_DEVICES} devices can receive notifications: turn them off on a device you no longer use`);
    }
    const now = this.clock.now();
    const { row, created } = await this.repo.upsert({ id: newId(now), ownerRole: role, ownerId, endpoint, p256dh, auth, createdAt: now });
    return { subscription: subscriptionView(row), created };
  }

  async unsubscribe(role: PushOwner, ownerId: string, subscriptionId: string): Promise<void> {
    if (!(await this.repo.deleteOwnedById(role, ownerId, subscriptionId))) throw notFound('This account has no such push subscription');
  }

  /** The subscriptions of these accounts (NotificationService fans notices out with it). */
  targets: PushTargets = {
    of: (tx, owners) => (this.enabled ? this.repo.ofOwners(tx, owners) : Promise.resolve([])),
    devices: () => this.repo.devices(this.enabled),
  };

  /** Sends one `push` outbox row (the outbox worker's push channel). */
  async deliver(msg: OutboxRow): Promise<PushOutcome> {
    const vapid = this.settings.vapid;
    if (!vapid) return { kind: 'gone', reason: 'push notifications are off (no VAPID keys)' };
    const sub = await this.repo.find(msg.recipient);
    if (!sub) return { kind: 'gone', reason: 'the device turned notifications off' };
    const payload = JSON.stringify({ title: msg.subject, body: msg.textBody, url: msg.link ?? '/' });
    const details = webpush.generateRequestDetails({ endpoint: sub.endpoint, keys: { p256dh: sub.p256dh, auth: sub.auth } }, payload, {
      vapidDetails: vapid,
      TTL: TTL_SECONDS,
      contentEncoding: 'aes128gcm',
      urgency: 'normal',
    });
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(details.headers)) headers[name.toLowerCase()] = String(value);
    const outcome = await this.send(details.endpoint, headers, details.body ?? Buffer.alloc(0));
    const code = outcome.statusCode;
    if (outcome.error === undefined && code !== undefined && code >= 200 && code < 300) return { kind: 'sent' };
    if (code === 404 || code === 410) {
      await this.repo.deleteById(sub.id);
      this.log.info(`push subscription ${sub.id} removed: the push service answered ${code}`);
      return { kind: 'gone', reason: `the push service answered ${code}: subscription removed` };
    }
    return { kind: 'failed', error: outcome.error ?? `the push service answered ${code}` };
  }
}
