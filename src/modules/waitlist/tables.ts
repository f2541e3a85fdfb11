// Drizzle definitions of the waitlist tables (DDL: db/migrations/1710_waitlist.sql). Only the
// waitlist module queries them.
import { bigserial, date, pgTable, text } from 'drizzle-orm/pg-core';
import { slotPlacement, ts } from '../../db/columns.js';

export type PartOfDay = 'any' | 'morning' | 'afternoon' | 'evening';
export type EntryStatus = 'waiting' | 'booked' | 'left' | 'ended';
export type OfferStatus = 'open' | 'accepted' | 'declined' | 'lapsed' | 'withdrawn';

export const waitlistEntries = pgTable('waitlist_entries', {
  id: text('id').primaryKey(),
  patientId: text('patient_id').notNull(),
  doctorId: text('doctor_id').notNull(),
  fromDate: date('from_date', { mode: 'string' }).notNull(),
  toDate: date('to_date', { mode: 'string' }).notNull(),
  partOfDay: text('part_of_day').$type<PartOfDay>().notNull(),
  status: text('status').$type<EntryStatus>().notNull(),
  joinedAt: ts('joined_at').notNull(),
  closedAt: ts('closed_at'),
  appointmentId: text('appointment_id'),
});

export const waitlistOffers = pgTable('waitlist_offers', {
  id: text('id').primaryKey(),
  entryId: text('entry_id').notNull(),
  patientId: text('patient_id').notNull(),
  doctorId: text('doctor_id').notNull(),
  ...slotPlacement(),
  status: text('status').$type<OfferStatus>().notNull(),
  expiresAt: ts('expires_at').notNull(),
  createdAt: ts('created_at').notNull(),
  decidedAt: ts('decided_at'),
  appointmentId: text('appointment_id'),
});

export const waitlistFreed = pgTable('waitlist_freed', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  doctorId: text('doctor_id').notNull(),
  createdAt: ts('created_at').notNull().defaultNow(),
});

export type EntryRow = typeof waitlistEntries.$inferSelect;
export type OfferRow = typeof waitlistOffers.$inferSelect;
