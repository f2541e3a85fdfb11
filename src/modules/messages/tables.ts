// Drizzle definitions of the message tables (DDL: db/migrations/1801_messages.sql). Only the
// messages module queries them.
import { jsonb, pgTable, text } from 'drizzle-orm/pg-core';
import { ts } from '../../db/columns.js';

export type Party = 'patient' | 'doctor';

export const appointmentMessages = pgTable('appointment_messages', {
  id: text('id').primaryKey(),
  appointmentId: text('appointment_id').notNull(),
  senderRole: text('sender_role').$type<Party>().notNull(),
  senderId: text('sender_id').notNull(),
  body: text('body').notNull(),
  images: jsonb('images').$type<string[]>().notNull(),
  createdAt: ts('created_at').notNull(),
  readAt: ts('read_at'),
});

export const messageThreadReports = pgTable('message_thread_reports', {
  appointmentId: text('appointment_id').notNull(),
  reporterRole: text('reporter_role').$type<Party>().notNull(),
  reason: text('reason').notNull(),
  createdAt: ts('created_at').notNull(),
});

export type MessageRow = typeof appointmentMessages.$inferSelect;
