// What other modules read of patients without going through the patient service: a patient's name
// and email (what a notice about an appointment shows of its patient, and a doctor's report of
// their patients lists), and for the registrations report the patients' sign-up times. Reads only; the patients repo writes
// the table.
//
// Each is a subquery the reader joins into its own statement rather than rows: the notice is read
// inside the booking transaction, where every round trip holds it open, and each report is one
// statement. A subquery of one table with no grouping, ordering or limit is flattened by the
// planner, so the reader's statement plans as if it named the table.
import { and, gte, lt, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { patients } from '../../db/schema.js';

export interface PatientForNotice {
  id: string;
  name: string;
  email: string;
}

/**
 * Every patient's id, name and email, as a subquery to join on `fields.id` and the fields to
 * select from it (erased accounts too: their rows keep what erasure left).
 */
export function patientContacts(db: Db) {
  const source = db.select({ id: patients.id, name: patients.name, email: patients.email }).from(patients).as('notice_patients');
  return { source, fields: { id: source.id, name: source.name, email: source.email } };
}

/**
 * Sign-up times of the patients created in [from, to), as a subquery; the bounds are SQL
 * expressions of the caller's statement (the registrations report: local midnights in its zone).
 */
export function patientsRegisteredBetween(db: Db, from: SQL, to: SQL) {
  return db
    .select({ createdAt: patients.createdAt })
    .from(patients)
    .where(and(gte(patients.createdAt, from), lt(patients.createdAt, to)))
    .as('registered_patients');
}
