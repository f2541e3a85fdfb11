// Drizzle definition of the push subscriptions (DDL: db/migrations/1820_push_subscriptions.sql).
// Only the push module queries it.
import { pgTable, text } from 'drizzle-orm/pg-core';
import { ts } from '../../db/columns.js';

export type PushOwner = 'patient' | 'doctor';

export const pushSubscriptions = pgTable('push_subscriptions', {
  id: text('id').primaryKey(),
  ownerRole: text('owner_role').$type<PushOwner>().notNull(),
  ownerId: text('owner_id').notNull(),
  endpoint: text('endpoint').notNull(),
  p256dh: text('p256dh').notNull(),
  auth: text('auth').notNull(),
  createdAt: ts('created_at').notNull(),
  updatedAt: ts('updated_at').notNull(),
});

export type PushSubscriptionRow = typeof pushSubscriptions.$inferSelect;
