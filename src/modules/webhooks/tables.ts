// Drizzle definitions of the outgoing-webhook tables (DDL: db/migrations/1900_outgoing_webhooks.sql).
// Kept in this module: only the webhooks module queries them.
import { boolean, integer, pgTable, text } from 'drizzle-orm/pg-core';
import { ts } from '../../db/columns.js';

/** The events an endpoint can subscribe to. */
export const WEBHOOK_EVENTS = [
  'appointment.booked',
  'appointment.confirmed',
  'appointment.cancelled',
  'appointment.completed',
  'appointment.rescheduled',
  'payment.refunded',
  'doctor.added',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENTS)[number];

export type WebhookMessageStatus = 'pending' | 'sending' | 'delivered' | 'failed';

export const webhookEndpoints = pgTable('webhook_endpoints', {
  id: text('id').primaryKey(),
  url: text('url').notNull(),
  description: text('description').notNull(),
  events: text('events').array().$type<WebhookEventType[]>().notNull(),
  secret: text('secret').notNull(),
  enabled: boolean('enabled').notNull(),
  disabledReason: text('disabled_reason'),
  failingSince: ts('failing_since'),
  createdAt: ts('created_at').notNull().defaultNow(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});

export const webhookMessages = pgTable('webhook_messages', {
  id: text('id').primaryKey(),
  endpointId: text('endpoint_id').notNull(),
  eventType: text('event_type').$type<WebhookEventType>().notNull(),
  body: text('body').notNull(),
  status: text('status').$type<WebhookMessageStatus>().notNull(),
  attempts: integer('attempts').notNull(),
  maxAttempts: integer('max_attempts').notNull(),
  nextAttemptAt: ts('next_attempt_at').notNull(),
  lockedUntil: ts('locked_until'),
  lastError: text('last_error'),
  createdAt: ts('created_at').notNull(),
  deliveredAt: ts('delivered_at'),
});

export const webhookAttempts = pgTable('webhook_attempts', {
  id: text('id').primaryKey(),
  messageId: text('message_id').notNull(),
  attempt: integer('attempt').notNull(),
  at: ts('at').notNull(),
  statusCode: integer('status_code'),
  error: text('error'),
  durationMs: integer('duration_ms').notNull(),
});

export type WebhookEndpointRow = typeof webhookEndpoints.$inferSelect;
export type WebhookMessageRow = typeof webhookMessages.$inferSelect;
export type WebhookAttemptRow = typeof webhookAttempts.$inferSelect;
