// Outgoing webhooks. The admin registers endpoints and the events they want; every domain event
// queues one signed message per subscribed endpoint in the transaction of the change
// (events.onRecord), so a rolled-back change sends nothing and a committed one survives a restart.
// The notification worker's pass delivers due messages (runOnce is one of the worker's jobs): each
// attempt is logged, failures are retried with growing delays, and an endpoint failing for WEBHOOK_DISABLE_HOURS
// (three days) is disabled and the admin told by email. Payloads carry ids and states only.
import type { Static } from 'typebox';
import type { Db } from '../../db/client.js';
import type { Clock } from '../../lib/clock.js';
import { badRequest, notFound } from '../../lib/errors.js';
import { NO_WRITES, type DomainEvent, type RecordedWrites } from '../../lib/events.js';
import { newId } from '../../lib/ids.js';
import type { ServiceLog } from '../../lib/logger.js';
import type { OutgoingEmail } from '../notifications/outbox.js';
import { resolveSafely, UnsafeAddressError } from './address-check.js';
import type { WebhookConfig } from '../../config.js';
import type { EndpointPatch, WebhookRepo } from './repo.js';
import type { CreateEndpointBody } from './schemas.js';
import type { WebhookSender } from './sender.js';
import { newWebhookSecret, signedHeaders } from './sign.js';
import type { WebhookEndpointRow, WebhookEventType, WebhookMessageRow, WebhookAttemptRow } from './tables.js';

/** WEBHOOK_* settings (config.ts); `backoffMs` is the first retry delay, each later one four times longer, up to `maxBackoffMs`. */
export type WebhookSettings = WebhookConfig;

export type EnqueueEmail = (tx: Db | undefined, msg: OutgoingEmail) => Promise<unknown>;

export type EndpointInput = Static<typeof CreateEndpointBody>;

export interface PassResult {
  delivered: number;
  retrying: number;
  failed: number;
  disabled: number;
}

/** The delay before attempt `attempts + 1`: base, ×4 each time, capped. */
export function webhookBackoff(s: Pick<WebhookSettings, 'backoffMs' | 'maxBackoffMs'>, attempts: number): number {
  return Math.min(s.backoffMs * 4 ** Math.max(0, attempts - 1), s.maxBackoffMs);
}

/** The webhook event type a domain event maps to, with its data (ids and states, nothing about health or names). */
export function payloadOf(event: DomainEvent): { type: WebhookEventType; data: Record<string, string | number | null> } | undefined {
  switch (event.kind) {
    case 'appointment':
      if (event.type === 'expired') return undefined;
      return {
        type: `appointment.${event.type}`,
        data: { appointmentId: event.appointmentId, doctorId: event.doctorId, patientId: event.patientId, status: event.status, actor: event.actor },
      };
    case 'doctor':
      return event.type === 'created' ? { type: 'doctor.added', data: { doctorId: event.doctorId } } : undefined;
    case 'payment':
      if (event.type !== 'refunded') return undefined;
      return {
        type: 'payment.refunded',
        data: { appointmentId: event.appointmentId, gateway: event.gateway, amountMinor: event.amountMinor, currency: event.currency, refundState: 'processed' },
      };
    default:
      return undefined;
  }
}

/** A message's body: the event's type, time and ids, the same bytes on every attempt. */
function bodyOf(event: DomainEvent, p: NonNullable<ReturnType<typeof payloadOf>>): string {
  return JSON.stringify({ type: p.type, timestamp: event.at.toISOString(), data: p.data });
}

const LEASE_MARGIN_MS = 30_000;
const MAX_PER_PASS = 100;

export class OutgoingWebhooks {
  constructor(
    private readonly repo: WebhookRepo,
    private readonly clock: Clock,
    private readonly settings: WebhookSettings,
    private readonly send: WebhookSender,
    private readonly sendEmail: EnqueueEmail,
    private readonly adminEmail: string,
    private readonly log: ServiceLog,
  ) {}

  private async checkUrl(raw: string): Promise<string> {
    let u: URL;
    try {
      u = new URL(raw);
    } catch {
      throw badRequest('url must be an absolute http or https URL');
    }
    if (u.protocol !== 'https:' && u.protocol !== 'http:') throw badRequest('url must start with https:// or http://');
    if (u.username || u.password) throw badRequest('url must not carry a user name or password');
    try {
      await resolveSafely(u.hostname, this.settings.allowPrivate);
    } catch (err) {
      if (err instanceof UnsafeAddressError) throw badRequest(`url refused: ${err.message}`);
      throw err;
    }
    return u.toString();
  }

  /** Registers an endpoint; the answer's secret is the only time it is shown. */
  async create(input: EndpointInput): Promise<{ endpoint: WebhookEndpointRow; secret: string }> {
    const url = await this.checkUrl(input.url);
    const secret = newWebhookSecret();
    const endpoint = await this.repo.insertEndpoint(
      { id: newId(this.clock.now()), url, description: input.description ?? '', events: [...new Set(input.events)], secret },
      this.clock.now(),
    );
    return { endpoint, secret };
  }

  list(): Promise<WebhookEndpointRow[]> {
    return this.repo.listEndpoints();
  }

  async get(id: string): Promise<WebhookEndpointRow> {
    const row = await this.repo.findEndpoint(id);
    if (!row) throw notFound('Webhook endpoint not found');
    return row;
  }

  async update(id: string, patch: EndpointPatch): Promise<WebhookEndpointRow> {
    const next: EndpointPatch = { ...patch };
    if (patch.url !== undefined) next.url = await this.checkUrl(patch.url);
    if (patch.events !== undefined) next.events = [...new Set(patch.events)];
    const row = await this.repo.updateEndpoint(id, next, this.clock.now());
    if (!row) throw notFound('Webhook endpoint not found');
    return row;
  }

  async remove(id: string): Promise<void> {
    if (!(await this.repo.deleteEndpoint(id))) throw notFound('Webhook endpoint not found');
  }

  async deliveries(id: string, page: number, limit: number): Promise<{ rows: (WebhookMessageRow & { attemptLog: WebhookAttemptRow[] })[]; total: number }> {
    await this.get(id);
    const { rows, total } = await this.repo.listMessages(id, limit, (page - 1) * limit);
    const attempts = await this.repo.attemptsOf(rows.map((r) => r.id));
    return { rows: rows.map((r) => ({ ...r, attemptLog: attempts.filter((a) => a.messageId === r.id) })), total };
  }

  /** events.onRecord listener: queue the event for its subscribers inside the change's transaction. */
  async onRecord(tx: Db | undefined, event: DomainEvent): Promise<void> {
    const p = payloadOf(event);
    if (!p) return;
    await this.repo.enqueue(tx, p.type, bodyOf(event, p), this.settings.maxAttempts, this.clock.now());
  }

  /** onRecord as a write needing no answer (DomainEvents.writesOf). */
  writesOf(event: DomainEvent): RecordedWrites {
    const p = payloadOf(event);
    if (!p) return NO_WRITES;
    return { statements: [this.repo.enqueueStatement(p.type, bodyOf(event, p), this.settings.maxAttempts, this.clock.now())] };
  }

  /** Delivers every due message once (the notification worker's job; tests call it through the worker). */
  async runOnce(): Promise<PassResult> {
    const result: PassResult = { delivered: 0, retrying: 0, failed: 0, disabled: 0 };
    for (let i = 0; i < MAX_PER_PASS; i++) {
      const now = this.clock.now();
      const lease = new Date(now.getTime() + this.settings.timeoutMs + LEASE_MARGIN_MS);
      const claimed = await this.repo.claim(now, lease);
      if (!claimed) break;
      const { message, endpoint } = claimed;
      const timestamp = Math.floor(this.clock.now().getTime() / 1000);
      const started = performance.now();
      const outcome = await this.send(endpoint.url, signedHeaders(endpoint.secret, message.id, timestamp, message.body), message.body);
      const durationMs = performance.now() - started;
      const at = this.clock.now();
      const ok = outcome.error === undefined && outcome.statusCode !== undefined && outcome.statusCode >= 200 && outcome.statusCode < 300;
      const retryAt = ok || message.attempts >= message.maxAttempts ? undefined : new Date(at.getTime() + webhookBackoff(this.settings, message.attempts));
      const { disabled } = await this.repo.recordAttempt(message, lease, { ...outcome, durationMs }, at, retryAt, this.settings.disableAfterMs);
      if (ok) result.delivered++;
      else if (retryAt) result.retrying++;
      else {
        result.failed++;
        this.log.warn(`webhook message ${message.id} failed after ${message.attempts} attempts`);
      }
      if (disabled) {
        result.disabled++;
        this.log.warn(`webhook endpoint ${disabled.id} disabled after failing for ${Math.round(this.settings.disableAfterMs / 3600_000)} hours`);
        await this.sendEmail(undefined, {
          to: this.adminEmail,
          subject: 'A webhook endpoint was disabled',
          text:
            `The webhook endpoint ${disabled.url} (id ${disabled.id}) has failed every delivery for ` +
            `${Math.round(this.settings.disableAfterMs / 3600_000)} hours and was disabled. Its undelivered messages are kept: ` +
            'fix the receiver and enable the endpoint again in the admin area (Webhooks) to resume deliveries.',
          topic: 'webhook.endpoint-disabled',
          dedupeKey: `webhook-disabled:${disabled.id}:${disabled.updatedAt.toISOString()}`,
        });
      }
    }
    return result;
  }
}
