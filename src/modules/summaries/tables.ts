// Drizzle definitions of the summary tables kept by triggers (migrations/0500_summaries.sql).
// Kept here, beside their only reader, rather than in the shared db/schema.ts.
import { bigint, integer, pgTable, primaryKey, smallint, text } from 'drizzle-orm/pg-core';

export const doctorStats = pgTable('doctor_stats', {
  doctorId: text('doctor_id').primaryKey(),
  appointments: integer('appointments').notNull(),
  pending: integer('pending').notNull(),
  confirmed: integer('confirmed').notNull(),
  completed: integer('completed').notNull(),
  cancelled: integer('cancelled').notNull(),
  earningsMinor: bigint('earnings_minor', { mode: 'number' }).notNull(),
  revenueMinor: bigint('revenue_minor', { mode: 'number' }).notNull(),
  patients: integer('patients').notNull(),
});

export const appointmentTotals = pgTable('appointment_totals', {
  shard: smallint('shard').primaryKey(),
  appointments: bigint('appointments', { mode: 'number' }).notNull(),
  pending: bigint('pending', { mode: 'number' }).notNull(),
  confirmed: bigint('confirmed', { mode: 'number' }).notNull(),
  completed: bigint('completed', { mode: 'number' }).notNull(),
  cancelled: bigint('cancelled', { mode: 'number' }).notNull(),
  revenueMinor: bigint('revenue_minor', { mode: 'number' }).notNull(),
});

/** Live appointments per (doctor, patient), so doctor_stats.patients counts distinct patients exactly. */
export const doctorPatients = pgTable(
  'doctor_patients',
  {
    doctorId: text('doctor_id').notNull(),
    patientId: text('patient_id').notNull(),
    appointments: integer('appointments').notNull(),
  },
  (t) => [primaryKey({ columns: [t.doctorId, t.patientId] })],
);

export const rowCounts = pgTable('row_counts', {
  name: text('name').primaryKey(),
  n: bigint('n', { mode: 'number' }).notNull(),
});
