// Which bookings no longer hold their time: the repo expires them and leaves them out of the booked
// slots; the read model leaves them out of the times bookings hold (the schedule's busy times).
import { and, eq, lte, type SQL } from 'drizzle-orm';
import { appointments } from '../../db/schema.js';

/**
 * Unpaid pending bookings created at or before `cutoff`: their payment window has ended, so they
 * no longer hold their slot.
 */
export const expiredUnpaid = (cutoff: Date): SQL =>
  and(eq(appointments.status, 'pending'), eq(appointments.paid, false), lte(appointments.createdAt, cutoff)) as SQL;
