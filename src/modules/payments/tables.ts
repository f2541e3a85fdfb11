// Drizzle definitions of the payment tables (DDL: db/migrations/0200_payments.sql).
// Kept in this module rather than db/schema.ts: only the payments module queries them.
import { integer, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { ts } from '../../db/columns.js';
import type { RefundState } from './gateway.js';

export type Gateway = 'razorpay' | 'stripe';
export type PaymentOrderStatus = 'created' | 'paid' | 'rejected';
export type RefundJobStatus = 'queued' | 'processing' | 'issued' | 'failed';

export const paymentOrders = pgTable('payment_orders', {
  id: text('id').primaryKey(),
  gateway: text('gateway').$type<Gateway>().notNull(),
  appointmentId: text('appointment_id').notNull(),
  patientId: text('patient_id').notNull(),
  amountMinor: integer('amount_minor').notNull(),
  currency: text('currency').notNull(),
  status: text('status').$type<PaymentOrderStatus>().notNull(),
  paymentId: text('payment_id'),
  createdAt: ts('created_at').notNull().defaultNow(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});

export const paymentEvents = pgTable(
  'payment_events',
  {
    gateway: text('gateway').$type<Gateway>().notNull(),
    eventId: text('event_id').notNull(),
    type: text('type').notNull(),
    appointmentId: text('appointment_id'),
    outcome: text('outcome').notNull().default('received'),
    receivedAt: ts('received_at').notNull().defaultNow(),
    /** while `received`: until when the delivery handling it holds it (0901_payment_event_lease.sql) */
    leaseUntil: ts('lease_until'),
  },
  (t) => [primaryKey({ columns: [t.gateway, t.eventId] })],
);

export type RefundKind = 'cancellation' | 'unapplied';

export const paymentRefunds = pgTable('payment_refunds', {
  id: text('id').primaryKey(),
  appointmentId: text('appointment_id').notNull(),
  kind: text('kind').$type<RefundKind>().notNull(),
  gateway: text('gateway').$type<Gateway>().notNull(),
  paymentId: text('payment_id').notNull(),
  amountMinor: integer('amount_minor').notNull(),
  currency: text('currency').notNull(),
  status: text('status').$type<RefundJobStatus>().notNull(),
  attempts: integer('attempts').notNull(),
  nextAttemptAt: ts('next_attempt_at').notNull(),
  leaseUntil: ts('lease_until'),
  refundId: text('refund_id'),
  /** the gateway's latest word on the refund (0900_payment_refund_state.sql); processed/failed are final */
  refundState: text('refund_state').$type<RefundState>(),
  lastError: text('last_error'),
  createdAt: ts('created_at').notNull().defaultNow(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});

export type PaymentOrderRow = typeof paymentOrders.$inferSelect;
export type RefundJobRow = typeof paymentRefunds.$inferSelect;
