// What other modules read of doctors without going through the doctor service: the fields a
// notice about a doctor shows (emails, calendar invitations, the calendar feed) and the welcome
// email's facts. Reads only; the doctors repo writes the table.
import { eq, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { doctors, type Address } from '../../db/schema.js';

/** The columns of a doctor a notice shows; the appointments read model joins them into its notices. */
export const doctorNoticeFields = {
  id: doctors.id,
  name: doctors.name,
  email: doctors.email,
  speciality: doctors.speciality,
  timeZone: doctors.timeZone,
  address: doctors.address,
};

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
