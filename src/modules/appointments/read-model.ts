// What other modules read of appointments without going through the appointment services: an
// appointment with its patient and doctor for a notice, whether one is still live for its reminder,
// the live ones coming up for reminders, a doctor's upcoming ones for the calendar feed, the times
// bookings hold in doctors' days for the schedule, and a party's appointments for their message
// counts. Reads only; the appointments repo writes the table.
//
// The notice joins the patient's and the doctor's rows rather than asking their modules: it is read
// inside the booking (cancel, …) transaction, where every round trip holds the transaction open.
import { and, asc, eq, gt, inArray, lte, ne, not, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { appointments, doctors, patients, type AppointmentRow } from '../../db/schema.js';
import { doctorNoticeFields, type DoctorForNotice } from '../doctors/read-model.js';
import { expiredUnpaid } from './holds.js';

export interface PatientForNotice {
  id: string;
  name: string;
  email: string;
}

export interface AppointmentForNotice {
  row: AppointmentRow;
  patient: PatientForNotice;
  doctor: DoctorForNotice;
}

const patientNoticeFields = { id: patients.id, name: patients.name, email: patients.email };

/**
 * Appointments that still take place: pending or confirmed, and not an unpaid booking created at or
 * before `expiredCutoff` (its payment window has ended; only with PAYMENT_REQUIRED, else undefined).
 */
function live(expiredCutoff: Date | undefined): SQL {
  const status = inArray(appointments.status, ['pending', 'confirmed']);
  return expiredCutoff ? and(status, not(expiredUnpaid(expiredCutoff)))! : status;
}

export async function appointmentForNotice(db: Db, appointmentId: string): Promise<AppointmentForNotice | undefined> {
  const [r] = await db
    .select({ row: appointments, patient: patientNoticeFields, doctor: doctorNoticeFields })
    .from(appointments)
    .innerJoin(patients, eq(patients.id, appointments.patientId))
    .innerJoin(doctors, eq(doctors.id, appointments.doctorId))
    .where(eq(appointments.id, appointmentId))
    .limit(1);
  return r;
}

/** Whether the appointment is live, still starts at `startsAt`, and that is after `now`. */
export async function isLiveAt(db: Db, appointmentId: string, startsAt: Date, now: Date, expiredCutoff: Date | undefined): Promise<boolean> {
  const [row] = await db
    .select({ id: appointments.id })
    .from(appointments)
    .where(and(eq(appointments.id, appointmentId), eq(appointments.startsAt, startsAt), gt(appointments.startsAt, now), live(expiredCutoff)))
    .limit(1);
  return !!row;
}

/**
 * Whether the appointment is live and still starts at `startsAt`, locking its row until `tx` ends
 * when it is: a concurrent cancel or move then commits before or after the caller's transaction,
 * never between its check and its writes.
 */
export async function lockIfLiveAt(tx: Db, appointmentId: string, startsAt: Date, expiredCutoff: Date | undefined): Promise<boolean> {
  const [row] = await tx
    .select({ id: appointments.id })
    .from(appointments)
    .where(and(eq(appointments.id, appointmentId), eq(appointments.startsAt, startsAt), live(expiredCutoff)))
    .for('update');
  return !!row;
}

/**
 * Live appointments starting after `now` and at or before `horizon`, as a subquery: the caller adds
 * its own condition, order and limit around it in the same statement (the reminders keep only those
 * not reminded yet, and their limit then counts only those).
 */
export function liveStartingWithin(db: Db, now: Date, horizon: Date, expiredCutoff: Date | undefined) {
  return db
    .select({ id: appointments.id, startsAt: appointments.startsAt })
    .from(appointments)
    .where(and(live(expiredCutoff), gt(appointments.startsAt, now), lte(appointments.startsAt, horizon)))
    .as('live_appointments');
}

/** A doctor's pending and confirmed appointments not over at `now`, soonest first, with their patients. */
export async function doctorUpcoming(db: Db, doctorId: string, now: Date, limit: number): Promise<{ row: AppointmentRow; patient: PatientForNotice }[]> {
  return db
    .select({ row: appointments, patient: patientNoticeFields })
    .from(appointments)
    .innerJoin(patients, eq(patients.id, appointments.patientId))
    .where(and(eq(appointments.doctorId, doctorId), inArray(appointments.status, ['pending', 'confirmed']), gt(appointments.endsAt, now)))
    .orderBy(asc(appointments.startsAt))
    .limit(limit);
}

/**
 * The times the given doctors' bookings hold overlapping [from, to): every appointment not
 * cancelled, less (with `expiredCutoff`) unpaid ones whose payment window has ended, which no longer
 * hold their slot. A query, not its rows: scheduling runs it beside its other reads of the doctors'
 * busy times.
 */
export function bookedBlocks(db: Db, doctorIds: string[], from: Date, to: Date, expiredCutoff: Date | undefined) {
  const conds = [
    inArray(appointments.doctorId, doctorIds),
    ne(appointments.status, 'cancelled'),
    sql`${appointments.blocks} && tstzrange(${from.toISOString()}::timestamptz, ${to.toISOString()}::timestamptz)`,
  ];
  if (expiredCutoff) conds.push(not(expiredUnpaid(expiredCutoff)));
  return db
    .select({ doctorId: appointments.doctorId, start: sql<unknown>`lower(${appointments.blocks})`, end: sql<unknown>`upper(${appointments.blocks})` })
    .from(appointments)
    .where(and(...conds));
}

/**
 * The ids of a patient's or a doctor's appointments, any status, as a subquery: the caller joins it
 * in its own statement (the messages module counts unread messages per appointment of theirs).
 */
export function appointmentIdsOf(db: Db, party: 'patient' | 'doctor', id: string) {
  return db
    .select({ id: appointments.id })
    .from(appointments)
    .where(party === 'patient' ? eq(appointments.patientId, id) : eq(appointments.doctorId, id))
    .as('party_appointments');
}
