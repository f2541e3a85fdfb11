// Drizzle definition of idempotency_keys (DDL: db/migrations/1201_idempotency_keys.sql).
import { integer, jsonb, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { ts } from '../../db/columns.js';

export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    accountRole: text('account_role').notNull(),
    accountId: text('account_id').notNull(),
    key: text('key').notNull(),
    /** the route the key was first used on (book-appointment, payment-razorpay, payment-stripe) */
    operation: text('operation').notNull(),
    /** SHA-256 of the request body, canonical JSON */
    fingerprint: text('fingerprint').notNull(),
    /** random id of the request holding the key, so only it completes or releases the row */
    claim: text('claim').notNull(),
    state: text('state').$type<'running' | 'done'>().notNull(),
    statusCode: integer('status_code'),
    response: jsonb('response'),
    createdAt: ts('created_at').notNull(),
    leaseUntil: ts('lease_until').notNull(),
  },
  (t) => [primaryKey({ columns: [t.accountRole, t.accountId, t.key] })],
);

export type IdempotencyRow = typeof idempotencyKeys.$inferSelect;
