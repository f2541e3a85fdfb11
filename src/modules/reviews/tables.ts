// Drizzle definitions of the review tables (DDL: db/migrations/1800_reviews.sql). Only the reviews
// module queries them.
import { bigint, integer, pgTable, smallint, text } from 'drizzle-orm/pg-core';
import { ts } from '../../db/columns.js';

export const reviews = pgTable('reviews', {
  id: text('id').primaryKey(),
  appointmentId: text('appointment_id').notNull(),
  doctorId: text('doctor_id').notNull(),
  patientId: text('patient_id').notNull(),
  rating: smallint('rating').notNull(),
  comment: text('comment'),
  authorName: text('author_name').notNull(),
  reply: text('reply'),
  repliedAt: ts('replied_at'),
  hiddenAt: ts('hidden_at'),
  hiddenReason: text('hidden_reason'),
  createdAt: ts('created_at').notNull(),
  updatedAt: ts('updated_at').notNull(),
});

export type ReporterRole = 'patient' | 'doctor';

export const reviewReports = pgTable('review_reports', {
  reviewId: text('review_id').notNull(),
  reporterRole: text('reporter_role').$type<ReporterRole>().notNull(),
  reporterId: text('reporter_id').notNull(),
  reason: text('reason').notNull(),
  createdAt: ts('created_at').notNull(),
});

export const doctorRatings = pgTable('doctor_ratings', {
  doctorId: text('doctor_id').primaryKey(),
  reviews: integer('reviews').notNull(),
  ratingSum: bigint('rating_sum', { mode: 'number' }).notNull(),
});

export type ReviewRow = typeof reviews.$inferSelect;
