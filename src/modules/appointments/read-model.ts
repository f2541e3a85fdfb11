// What other modules read of appointments without going through the appointment services: an
// appointment with its patient and doctor for a notice, whether one is still live for its reminder,
// the live ones coming up for reminders, a doctor's upcoming ones for the calendar feed, the times
// bookings hold in doctors' days for the schedule, a party's appointments for their message
// counts, the one a cancellation's refund is queued from, and for reports the appointments starting
// or paid in a window. Reads only; the appointments repo writes the table.
//
// The notice joins the patient's and the doctor's rows (subqueries their read models export) rather
// than asking their modules: it is read inside the booking (cancel, …) transaction, where every
// round trip holds the transaction open. The subqueries are flattened by the planner: the statement
// plans as a join of the three tables.
import { and, asc, eq, gt, gte, inArray, lt, lte, ne, not, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { appointments, type AppointmentRow } from '../../db/schema.js';
import type { AppointmentFacts } from '../../lib/events.js';
import { doctorNoticeJoin } from '../doctors/read-model.js';
import { patientContacts, type PatientForNotice } from '../patients/read-model.js';
import { expiredUnpaid } from './holds.js';

export type { PatientForNotice };

/**
 * An appointment with its parties for a notice: the shape a booking's event already carries
 * (`DomainEvent.facts`), so the notifier takes either, and the columns selected below must fit it.
 */
export type AppointmentForNotice = AppointmentFacts;

/**
 * Appointments that still take place: pending or confirmed, and not an unpaid booking created at or
 * before `expiredCutoff` (its payment window has ended; only with PAYMENT_REQUIRED, else undefined).
 */
function live(expiredCutoff: Date | undefined): SQL {
  const status = inArray(appointments.status, ['pending', 'confirmed']);
  return expiredCutoff ? and(status, not(expiredUnpaid(expiredCutoff)))! : status;
}

export async function appointmentForNotice(db: Db, appointmentId: string): Promise<AppointmentForNotice | undefined> {
  const patient = patientContacts(db);
  const doctor = doctorNoticeJoin(db);
  const [r] = await db
    .select({ row: appointments, patient: patient.fields, doctor: doctor.fields })
    .from(appointments)
    .innerJoin(patient.source, eq(patient.fields.id, appointments.patientId))
    .innerJoin(doctor.source, eq(doctor.fields.id, appointments.doctorId))
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
  const patient = patientContacts(db);
  return db
    .select({ row: appointments, patient: patient.fields })
    .from(appointments)
    .innerJoin(patient.source, eq(patient.fields.id, appointments.patientId))
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

/**
 * The refund a cancellation owes, as a subquery of at most one row: the appointment, when it is
 * paid by a gateway payment and its refund is still pending and above zero. The payments module
 * queues the refund job from it in one INSERT … SELECT inside the cancellation's transaction.
 */
export function refundOwed(db: Db, appointmentId: string) {
  return db
    .select({
      id: appointments.id,
      paymentGateway: appointments.paymentGateway,
      paymentId: appointments.paymentId,
      refundMinor: appointments.refundMinor,
      currency: appointments.currency,
    })
    .from(appointments)
    .where(
      and(
        eq(appointments.id, appointmentId),
        sql`${appointments.paid} AND ${appointments.refundStatus} = 'pending' AND ${appointments.refundMinor} > 0 AND ${appointments.paymentId} IS NOT NULL`,
      ),
    )
    .as('refund_owed');
}

/**
 * Appointments of any status starting in [from, to), with what reports count of them, as a
 * subquery the report groups in its own statement. The bounds are SQL expressions of the caller's
 * statement (the reports: local midnights in the requested zone).
 */
export function startingBetween(db: Db, from: SQL, to: SQL) {
  return db
    .select({
      id: appointments.id,
      doctorId: appointments.doctorId,
      patientId: appointments.patientId,
      slotDate: appointments.slotDate,
      slotTime: appointments.slotTime,
      startsAt: appointments.startsAt,
      endsAt: appointments.endsAt,
      status: appointments.status,
      amountMinor: appointments.amountMinor,
      paid: appointments.paid,
      cancelledBy: appointments.cancelledBy,
    })
    .from(appointments)
    .where(and(gte(appointments.startsAt, from), lt(appointments.startsAt, to)))
    .as('appointments_starting');
}

/**
 * Paid appointments whose payment arrived in [from, to) (bounds as for `startingBetween`), with
 * their amount and refund, as a subquery for the revenue reports.
 */
export function paidBetween(db: Db, from: SQL, to: SQL) {
  return (
    db
      .select({
        doctorId: appointments.doctorId,
        paidAt: appointments.paidAt,
        amountMinor: appointments.amountMinor,
        refundMinor: appointments.refundMinor,
        refundStatus: appointments.refundStatus,
      })
      .from(appointments)
      // `paid` as written, not compared to a parameter: the paid_at index is partial on it
      .where(and(sql`${appointments.paid}`, gte(appointments.paidAt, from), lt(appointments.paidAt, to)))
      .as('appointments_paid')
  );
}

/**
 * Appointments not cancelled on the local calendar days [from, to] (YYYY-MM-DD) of each doctor's
 * own zone, as a subquery of their doctors (the utilization report counts them against the slots
 * the doctors published). slot_date is local to each doctor's zone; the wider instant window (no
 * zone is more than a day off UTC) lets the starts_at index narrow the scan before slot_date decides.
 */
export function bookedOnLocalDays(db: Db, from: string, to: string) {
  return db
    .select({ doctorId: appointments.doctorId })
    .from(appointments)
    .where(
      sql`${appointments.status} <> 'cancelled'
        AND ${appointments.slotDate} >= to_char(${from}::date, 'YYYY-MM-DD') AND ${appointments.slotDate} <= to_char(${to}::date, 'YYYY-MM-DD')
        AND ${appointments.startsAt} >= (${from}::date - 1)::timestamp AT TIME ZONE 'UTC'
        AND ${appointments.startsAt} < (${to}::date + 2)::timestamp AT TIME ZONE 'UTC'`,
    )
    .as('appointments_booked');
}

/** Whether the doctor has ever had an appointment with the patient, any status. */
export async function hasAppointmentWith(db: Db, doctorId: string, patientId: string): Promise<boolean> {
  const [row] = await db
    .select({ one: sql<number>`1` })
    .from(appointments)
    .where(and(eq(appointments.doctorId, doctorId), eq(appointments.patientId, patientId)))
    .limit(1);
  return !!row;
}
