// SQL of the outgoing webhooks. Messages are claimed one at a time with `FOR UPDATE SKIP LOCKED`
// and a lease, so several instances never send the same message at once and a worker that dies
// mid-send leaves the message to be taken over when its lease runs out.
import { and, desc, eq, inArray, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { newId } from '../../lib/ids.js';
import {
  webhookAttempts, webhookEndpoints, webhookMessages,
  type WebhookAttemptRow, type WebhookEndpointRow, type WebhookEventType, type WebhookMessageRow,
} from './tables.js';

export type EndpointPatch = Partial<Pick<WebhookEndpointRow, 'url' | 'description' | 'events' | 'enabled'>>;

export interface AttemptOutcome {
  statusCode?: number;
  error?: string;
  durationMs: number;
}

export class WebhookRepo {
  constructor(private readonly db: Db) {}

  async insertEndpoint(row: Pick<WebhookEndpointRow, 'id' | 'url' | 'description' | 'events' | 'secret'>, now: Date): Promise<WebhookEndpointRow> {
    return (await this.db.insert(webhookEndpoints).values({ ...row, enabled: true, createdAt: now, updatedAt: now }).returning())[0];
  }

  async listEndpoints(): Promise<WebhookEndpointRow[]> {
    return this.db.select().from(webhookEndpoints).orderBy(desc(webhookEndpoints.createdAt), desc(webhookEndpoints.id));
  }

  async findEndpoint(id: string): Promise<WebhookEndpointRow | undefined> {
    return (await this.db.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, id)).limit(1))[0];
  }

  /** Re-enabling clears the failure streak: the endpoint gets a fresh three days. */
  async updateEndpoint(id: string, patch: EndpointPatch, now: Date): Promise<WebhookEndpointRow | undefined> {
    const reenable = patch.enabled === true ? { disabledReason: null, failingSince: null } : {};
    const disable = patch.enabled === false ? { disabledReason: 'disabled by the admin' } : {};
    return (await this.db.update(webhookEndpoints).set({ ...patch, ...reenable, ...disable, updatedAt: now }).where(eq(webhookEndpoints.id, id)).returning())[0];
  }

  async deleteEndpoint(id: string): Promise<boolean> {
    return (await this.db.delete(webhookEndpoints).where(eq(webhookEndpoints.id, id)).returning({ id: webhookEndpoints.id })).length > 0;
  }

  /**
   * Queues one message per enabled endpoint subscribed to `type`, in the caller's transaction (one
   * statement: a booking with no endpoints pays one cheap query). Returns how many were queued.
   */
  async enqueue(tx: Db | undefined, type: WebhookEventType, body: string, maxAttempts: number, now: Date): Promise<number> {
    const rows = await (tx ?? this.db).execute(sql`${this.enqueueStatement(type, body, maxAttempts, now)} RETURNING id`);
    return rowsOf(rows).length;
  }

  /** enqueue's INSERT, for a change that sends it inside its own statement. */
  enqueueStatement(type: WebhookEventType, body: string, maxAttempts: number, now: Date): SQL {
    return sql`
      INSERT INTO webhook_messages (id, endpoint_id, event_type, body, status, attempts, max_attempts, next_attempt_at, created_at)
      SELECT 'msg_' || replace(gen_random_uuid()::text, '-', ''), e.id, ${type}, ${body}, 'pending', 0, ${maxAttempts}, ${now.toISOString()}::timestamptz, ${now.toISOString()}::timestamptz
        FROM webhook_endpoints e
       WHERE e.enabled AND ${type} = ANY (e.events)`;
  }

  /**
   * Takes the next due message of an enabled endpoint (pending and due, or sending with an expired
   * lease), counts the attempt and leases it until `leaseUntil`. Undefined when nothing is due.
   */
  async claim(now: Date, leaseUntil: Date): Promise<{ message: WebhookMessageRow; endpoint: WebhookEndpointRow } | undefined> {
    return this.db.transaction(async (tx) => {
      const due = rowsOf<{ id: string }>(
        await tx.execute(sql`
          SELECT m.id FROM webhook_messages m JOIN webhook_endpoints e ON e.id = m.endpoint_id
           WHERE e.enabled
             AND ((m.status = 'pending' AND m.next_attempt_at <= ${now.toISOString()}::timestamptz)
               OR (m.status = 'sending' AND m.locked_until <= ${now.toISOString()}::timestamptz))
           ORDER BY m.next_attempt_at, m.id
           LIMIT 1
           FOR UPDATE OF m SKIP LOCKED`),
      );
      if (due.length === 0) return undefined;
      const [message] = await tx
        .update(webhookMessages)
        .set({ status: 'sending', lockedUntil: leaseUntil, attempts: sql`${webhookMessages.attempts} + 1` })
        .where(eq(webhookMessages.id, due[0].id))
        .returning();
      const [endpoint] = await tx.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, message.endpointId));
      return { message, endpoint };
    });
  }

  /**
   * Records one attempt and its consequences in one transaction: the attempt row; the message
   * delivered, rescheduled at `retryAt` or failed (only while this worker still holds its lease);
   * the endpoint's failure streak cleared on success, started on failure, and the endpoint disabled
   * once the streak is `disableAfterMs` old. Returns the endpoint when this attempt disabled it.
   */
  async recordAttempt(
    message: WebhookMessageRow,
    lease: Date,
    outcome: AttemptOutcome,
    now: Date,
    retryAt: Date | undefined,
    disableAfterMs: number,
  ): Promise<{ disabled?: WebhookEndpointRow }> {
    const ok = outcome.error === undefined && outcome.statusCode !== undefined && outcome.statusCode >= 200 && outcome.statusCode < 300;
    const error = ok ? null : (outcome.error ?? `HTTP ${outcome.statusCode}`).slice(0, 500);
    return this.db.transaction(async (tx) => {
      const held = await tx
        .update(webhookMessages)
        .set(
          ok
            ? { status: 'delivered', deliveredAt: now, lockedUntil: null, lastError: null }
            : retryAt
              ? { status: 'pending', nextAttemptAt: retryAt, lockedUntil: null, lastError: error }
              : { status: 'failed', lockedUntil: null, lastError: error },
        )
        .where(and(eq(webhookMessages.id, message.id), eq(webhookMessages.status, 'sending'), eq(webhookMessages.lockedUntil, lease)))
        .returning({ id: webhookMessages.id });
      if (held.length === 0) return {};
      await tx.insert(webhookAttempts).values({
        id: newId(now),
        messageId: message.id,
        attempt: message.attempts,
        at: now,
        statusCode: outcome.statusCode ?? null,
        error,
        durationMs: Math.max(0, Math.round(outcome.durationMs)),
      });
      if (ok) {
        await tx.update(webhookEndpoints).set({ failingSince: null }).where(eq(webhookEndpoints.id, message.endpointId));
        return {};
      }
      const [ep] = await tx
        .update(webhookEndpoints)
        .set({ failingSince: sql`COALESCE(${webhookEndpoints.failingSince}, ${now.toISOString()}::timestamptz)` })
        .where(eq(webhookEndpoints.id, message.endpointId))
        .returning();
      if (!ep?.enabled || !ep.failingSince || now.getTime() - ep.failingSince.getTime() < disableAfterMs) return {};
      const [disabled] = await tx
        .update(webhookEndpoints)
        .set({ enabled: false, disabledReason: 'failing for three days', updatedAt: now })
        .where(and(eq(webhookEndpoints.id, ep.id), eq(webhookEndpoints.enabled, true)))
        .returning();
      return { disabled };
    });
  }

  async listMessages(endpointId: string, limit: number, offset: number): Promise<{ rows: WebhookMessageRow[]; total: number }> {
    const where = eq(webhookMessages.endpointId, endpointId);
    const [rows, [{ total }]] = await Promise.all([
      this.db.select().from(webhookMessages).where(where).orderBy(desc(webhookMessages.createdAt), desc(webhookMessages.id)).limit(limit).offset(offset),
      this.db.select({ total: sql<number>`count(*)::int` }).from(webhookMessages).where(where),
    ]);
    return { rows, total };
  }

  async attemptsOf(messageIds: string[]): Promise<WebhookAttemptRow[]> {
    if (messageIds.length === 0) return [];
    return this.db.select().from(webhookAttempts).where(inArray(webhookAttempts.messageId, messageIds)).orderBy(webhookAttempts.messageId, webhookAttempts.attempt);
  }
}

/** Rows of a raw `execute` (node-postgres answers { rows }, PGlite the same shape). */
function rowsOf<T = Record<string, unknown>>(result: unknown): T[] {
  return ((result as { rows?: T[] }).rows ?? (result as T[])) as T[];
}
