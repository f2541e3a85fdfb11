// Drizzle table definitions for typed queries. The DDL itself lives in migrations/*.sql (the
// exclusion constraint and range types are beyond what drizzle-kit generates); keep both in step.
import { sql } from 'drizzle-orm';
import { boolean, check, integer, jsonb, pgTable, smallint, text } from 'drizzle-orm/pg-core';
import { slotPlacement, ts, tstzrange } from './columns.js';
import type { Address, DocSnapshot, UserSnapshot } from '../lib/schemas.js';

// the jsonb columns' shapes are the API's TypeBox schemas' (lib/schemas.ts): one definition for both
export type { Address, DocSnapshot, UserSnapshot };

export const patients = pgTable('patients', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  email: text('email').notNull(),
  passwordHash: text('password_hash').notNull(),
  phone: text('phone').notNull(),
  address: jsonb('address').$type<Address>().notNull(),
  gender: text('gender').notNull(),
  dob: text('dob').notNull(),
  image: text('image'),
  createdAt: ts('created_at').notNull().defaultNow(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
  /** set when the patient's account was deleted and its personal data erased (1950); such rows are absent to every lookup */
  deletedAt: ts('deleted_at'),
});

export const doctors = pgTable('doctors', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  email: text('email').notNull(),
  passwordHash: text('password_hash').notNull(),
  /** set by the admin at onboarding: must be changed before any other doctor route (0800) */
  passwordTemporary: boolean('password_temporary').notNull(),
  image: text('image').notNull(),
  speciality: text('speciality').notNull(),
  degree: text('degree').notNull(),
  experience: text('experience').notNull(),
  about: text('about').notNull(),
  feesMinor: integer('fees_minor').notNull(),
  address: jsonb('address').$type<Address>().notNull(),
  available: boolean('available').notNull(),
  slotMinutes: integer('slot_minutes').notNull(),
  slotIntervalMinutes: integer('slot_interval_minutes').notNull(),
  bufferMinutes: integer('buffer_minutes').notNull(),
  timeZone: text('time_zone').notNull(),
  /** consultation modes offered (migration 1700); at least one is true */
  offersInPerson: boolean('offers_in_person').notNull().default(true),
  offersVideo: boolean('offers_video').notNull().default(false),
  createdAt: ts('created_at').notNull().defaultNow(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});

export const doctorHours = pgTable('doctor_hours', {
  doctorId: text('doctor_id').notNull(),
  weekday: smallint('weekday').notNull(),
  startMinute: smallint('start_minute').notNull(),
  endMinute: smallint('end_minute').notNull(),
});

export const doctorTimeOff = pgTable('doctor_time_off', {
  id: text('id').primaryKey(),
  doctorId: text('doctor_id').notNull(),
  startsAt: ts('starts_at').notNull(),
  endsAt: ts('ends_at').notNull(),
  reason: text('reason'),
  createdAt: ts('created_at').notNull().defaultNow(),
});

export const admins = pgTable('admins', {
  id: text('id').primaryKey(),
  email: text('email').notNull(),
  passwordHash: text('password_hash').notNull(),
  createdAt: ts('created_at').notNull().defaultNow(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});

export type AppointmentStatus = 'pending' | 'confirmed' | 'completed' | 'cancelled';
export type Actor = 'patient' | 'doctor' | 'admin' | 'system';

export const appointments = pgTable('appointments', {
  id: text('id').primaryKey(),
  patientId: text('patient_id').notNull(),
  doctorId: text('doctor_id').notNull(),
  ...slotPlacement(),
  userData: jsonb('user_data').$type<UserSnapshot>().notNull(),
  docData: jsonb('doc_data').$type<DocSnapshot>().notNull(),
  amountMinor: integer('amount_minor').notNull(),
  currency: text('currency').notNull(),
  status: text('status').$type<AppointmentStatus>().notNull(),
  paid: boolean('paid').notNull(),
  paidAt: ts('paid_at'),
  paymentGateway: text('payment_gateway'),
  paymentRef: text('payment_ref'),
  paymentId: text('payment_id'),
  cancelledBy: text('cancelled_by').$type<Actor>(),
  cancelReason: text('cancel_reason'),
  cancelledAt: ts('cancelled_at'),
  /** account id of whoever cancelled (migration 0100); null for the system or older rows */
  cancelledById: text('cancelled_by_id'),
  refundMinor: integer('refund_minor'),
  refundStatus: text('refund_status'),
  refundRef: text('refund_ref'),
  completedAt: ts('completed_at'),
  /** in person or by video (migration 1700) */
  mode: text('mode').$type<ConsultationMode>().notNull().default('in_person'),
  /** the meeting room of a video appointment; null when in person or cancelled (a trigger clears it) */
  videoRoom: text('video_room'),
  /** the group session this appointment is a place in (migration 1701); null for single appointments */
  groupSessionId: text('group_session_id'),
  /** the recurring series this appointment is an occurrence of (migration 1720); null otherwise */
  seriesId: text('series_id'),
  createdAt: ts('created_at').notNull().defaultNow(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});

export type ConsultationMode = 'in_person' | 'video';

/** A doctor's group session (migration 1701); its places are appointments with `group_session_id`. */
export const groupSessions = pgTable('group_sessions', {
  id: text('id').primaryKey(),
  doctorId: text('doctor_id').notNull(),
  title: text('title').notNull(),
  ...slotPlacement(),
  capacity: integer('capacity').notNull(),
  /** live places, kept by a trigger */
  booked: integer('booked').notNull().default(0),
  feeMinor: integer('fee_minor').notNull(),
  currency: text('currency').notNull(),
  status: text('status').$type<'open' | 'cancelled'>().notNull().default('open'),
  cancelReason: text('cancel_reason'),
  cancelledAt: ts('cancelled_at'),
  createdAt: ts('created_at').notNull().defaultNow(),
});
export type GroupSessionRow = typeof groupSessions.$inferSelect;

/**
 * The time each live appointment, open group session and open waitlist offer holds in a doctor's
 * day (migration 1701, kinds widened in 1710). Only triggers write it; its exclusion constraint
 * `schedule_blocks_no_overlap` (gist: doctor_id =, blocks &&) is what makes a double booking a 409.
 */
export const scheduleBlocks = pgTable(
  'schedule_blocks',
  {
    ownerId: text('owner_id').primaryKey(),
    kind: text('kind').$type<'appointment' | 'group_session' | 'waitlist_offer'>().notNull(),
    doctorId: text('doctor_id').notNull(),
    blocks: tstzrange('blocks').notNull(),
  },
  (t) => [check('schedule_blocks_kind_check', sql`${t.kind} IN ('appointment', 'group_session', 'waitlist_offer')`)],
);

/** A recurring series (migration 1720); its occurrences are appointments with `series_id`. */
export const appointmentSeries = pgTable('appointment_series', {
  id: text('id').primaryKey(),
  patientId: text('patient_id').notNull(),
  doctorId: text('doctor_id').notNull(),
  cadenceDays: integer('cadence_days').$type<7 | 14>().notNull(),
  occurrences: integer('occurrences').notNull(),
  slotTime: text('slot_time').notNull(),
  mode: text('mode').$type<ConsultationMode>().notNull(),
  bookedBy: text('booked_by').$type<'patient' | 'doctor'>().notNull(),
  createdAt: ts('created_at').notNull().defaultNow(),
});
export type SeriesRow = typeof appointmentSeries.$inferSelect;

export type PatientRow = typeof patients.$inferSelect;
export type DoctorRow = typeof doctors.$inferSelect;
export type AppointmentRow = typeof appointments.$inferSelect;
