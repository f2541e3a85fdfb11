// What other modules read of doctors without going through the doctor service: the fields a
// notice about a doctor shows (emails, calendar invitations, the calendar feed), the welcome
// email's facts, and for reports a doctor's name and speciality, slot settings and sign-up time.
// Reads only; the doctors repo writes the table.
//
// Most are subqueries the reader joins into its own statement rather than rows: the notice is read
// inside the booking transaction, where every round trip holds it open, and each report is one
// statement. A subquery of one table with no grouping, ordering or limit is flattened by the
// planner, so the reader's statement plans as if it named the table.
import { and, eq, gte, lt, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { doctors, type Address } from '../../db/schema.js';

/** The columns of a doctor a notice shows. */
const doctorNoticeFields = {
  id: doctors.id,
  name: doctors.name,
  email: doctors.email,
  speciality: doctors.speciality,
  timeZone: doctors.timeZone,
  address: doctors.address,
};

/**
 * The doctors with the fields a notice shows, as a subquery to join on `fields.id` and the fields
 * to select from it (the appointments read model's notice and calendar reads).
 */
export function doctorNoticeJoin(db: Db) {
  const source = db.select(doctorNoticeFields).from(doctors).as('notice_doctors');
  return {
    source,
    fields: { id: source.id, name: source.name, email: source.email, speciality: source.speciality, timeZone: source.timeZone, address: source.address },
  };
}

export interface DoctorForNotice {
  id: string;
  name: string;
  email: string;
  speciality: string;
  timeZone: string;
  address: Address;
}

export interface DoctorForWelcome {
  id: string;
  name: string;
  email: string;
  /** the account still has the password the admin set: the welcome email says to change it */
  passwordTemporary: boolean;
}

export async function doctorForNotice(db: Db, doctorId: string): Promise<DoctorForNotice | undefined> {
  const [r] = await db.select(doctorNoticeFields).from(doctors).where(eq(doctors.id, doctorId)).limit(1);
  return r;
}

export async function doctorForWelcome(db: Db, doctorId: string): Promise<DoctorForWelcome | undefined> {
  const [r] = await db
    .select({ id: doctors.id, name: doctors.name, email: doctors.email, passwordTemporary: doctors.passwordTemporary })
    .from(doctors)
    .where(eq(doctors.id, doctorId))
    .limit(1);
  return r;
}

/**
 * The ids of doctors created in the last `seconds`, as a subquery: the caller adds its own
 * condition and limit around it in the same statement (the welcome sweep keeps only doctors with
 * no welcome email yet, and its limit then counts only those).
 */
export function doctorsCreatedWithin(db: Db, seconds: number) {
  return (
    db
      .select({ id: doctors.id })
      .from(doctors)
      // created_at is the database's clock, so the window is measured on it too
      .where(sql`${doctors.createdAt} >= now() - make_interval(secs => ${seconds})`)
      .as('recent_doctors')
  );
}

/** Every doctor's id, name and speciality, as a subquery: the reports join it to their counts. */
export function doctorListing(db: Db) {
  return db.select({ id: doctors.id, name: doctors.name, speciality: doctors.speciality }).from(doctors).as('listed_doctors');
}

/**
 * Every doctor's slot length, step between slot starts and time zone, as a subquery: scheduling
 * cuts working hours into the slots a doctor publishes with them.
 */
export function doctorSlotSettings(db: Db) {
  return db
    .select({ id: doctors.id, slotMinutes: doctors.slotMinutes, slotIntervalMinutes: doctors.slotIntervalMinutes, timeZone: doctors.timeZone })
    .from(doctors)
    .as('slot_doctors');
}

/**
 * Sign-up times of the doctors created in [from, to), as a subquery; the bounds are SQL
 * expressions of the caller's statement (the registrations report: local midnights in its zone).
 */
export function doctorsRegisteredBetween(db: Db, from: SQL, to: SQL) {
  return db
    .select({ createdAt: doctors.createdAt })
    .from(doctors)
    .where(and(gte(doctors.createdAt, from), lt(doctors.createdAt, to)))
    .as('registered_doctors');
}
