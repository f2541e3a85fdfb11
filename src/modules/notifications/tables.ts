// Drizzle definitions of the notification tables (DDL: db/migrations/0600_notifications.sql).
// Kept in this module rather than db/schema.ts: only the notifications module queries them.
import { integer, pgTable, text } from 'drizzle-orm/pg-core';
import { ts } from '../../db/columns.js';

/** `skipped`: dropped unsent because what it announced no longer holds (a reminder of a cancelled visit) */
export type OutboxStatus = 'pending' | 'sending' | 'sent' | 'failed' | 'logged' | 'skipped';
export type IcsMethod = 'REQUEST' | 'CANCEL';
export type RecipientRole = 'patient' | 'doctor' | 'admin';
/** `push`: a Web Push message to one browser subscription (modules/push delivers it) */
export type OutboxChannel = 'email' | 'push';

export const notificationOutbox = pgTable('notification_outbox', {
  id: text('id').primaryKey(),
  recipient: text('recipient').notNull(),
  subject: text('subject').notNull(),
  textBody: text('text_body').notNull(),
  htmlBody: text('html_body'),
  ics: text('ics'),
  icsMethod: text('ics_method').$type<IcsMethod>(),
  topic: text('topic').notNull(),
  dedupeKey: text('dedupe_key'),
  status: text('status').$type<OutboxStatus>().notNull(),
  attempts: integer('attempts').notNull(),
  maxAttempts: integer('max_attempts').notNull(),
  nextAttemptAt: ts('next_attempt_at').notNull(),
  lockedUntil: ts('locked_until'),
  lastError: text('last_error'),
  messageId: text('message_id').notNull(),
  createdAt: ts('created_at').notNull().defaultNow(),
  sentAt: ts('sent_at'),
  /** a reminder: sent only while this appointment is live and starts at `appointmentStartsAt` (migration 1100) */
  appointmentId: text('appointment_id'),
  appointmentStartsAt: ts('appointment_starts_at'),
  /** email, or push: then `recipient` is the push subscription's id and `link` the page it opens (migration 1820) */
  channel: text('channel').$type<OutboxChannel>().notNull().default('email'),
  link: text('link'),
});

export const notifications = pgTable('notifications', {
  id: text('id').primaryKey(),
  recipientRole: text('recipient_role').$type<RecipientRole>().notNull(),
  recipientId: text('recipient_id').notNull(),
  type: text('type').notNull(),
  title: text('title').notNull(),
  body: text('body').notNull(),
  appointmentId: text('appointment_id'),
  readAt: ts('read_at'),
  createdAt: ts('created_at').notNull().defaultNow(),
});

export const appointmentReminders = pgTable('appointment_reminders', {
  appointmentId: text('appointment_id').notNull(),
  startsAt: ts('starts_at').notNull(),
  offsetMinutes: integer('offset_minutes').notNull(),
  enqueuedAt: ts('enqueued_at').notNull().defaultNow(),
});

export const appointmentIcs = pgTable('appointment_ics', {
  appointmentId: text('appointment_id').primaryKey(),
  sequence: integer('sequence').notNull(),
});

export const doctorCalendarFeeds = pgTable('doctor_calendar_feeds', {
  doctorId: text('doctor_id').primaryKey(),
  tokenHash: text('token_hash').notNull(),
  createdAt: ts('created_at').notNull().defaultNow(),
});

export type OutboxRow = typeof notificationOutbox.$inferSelect;
export type NotificationRow = typeof notifications.$inferSelect;
