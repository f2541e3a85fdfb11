// A doctor's private calendar feed: a secret URL any calendar application can subscribe to,
// listing the doctor's upcoming live appointments. Only a SHA-256 of the secret is stored;
// rotating issues a new URL and revoking removes it, so a leaked URL can be cut off.
import { createHash, randomBytes } from 'node:crypto';
import { and, asc, eq, gt, inArray } from 'drizzle-orm';
import { apiBaseUrl, type Config } from '../../config.js';
import type { Db } from '../../db/client.js';
import { appointments, doctors, patients } from '../../db/schema.js';
import type { Clock } from '../../lib/clock.js';
import { notFound } from '../../lib/errors.js';
import { icsEventOf } from './appointment-notifier.js';
import { feed } from './ical.js';
import { appointmentIcs, doctorCalendarFeeds } from './tables.js';

const hash = (token: string) => createHash('sha256').update(token).digest('hex');
export const FEED_TOKEN_PATTERN = '^[A-Za-z0-9_-]{43}$';

export class CalendarFeedService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly config: Config,
    private readonly mailDomain: string,
  ) {}

  private url(token: string): string {
    return `${apiBaseUrl(this.config)}/api/calendar/${token}.ics`;
  }

  /** Creates the feed, or replaces its URL (the old one stops working). */
  async rotate(doctorId: string): Promise<{ url: string }> {
    const token = randomBytes(32).toString('base64url');
    await this.db
      .insert(doctorCalendarFeeds)
      .values({ doctorId, tokenHash: hash(token), createdAt: this.clock.now() })
      .onConflictDoUpdate({ target: doctorCalendarFeeds.doctorId, set: { tokenHash: hash(token), createdAt: this.clock.now() } });
    return { url: this.url(token) };
  }

  async status(doctorId: string): Promise<{ active: boolean; createdAt: string | null }> {
    const [r] = await this.db.select().from(doctorCalendarFeeds).where(eq(doctorCalendarFeeds.doctorId, doctorId)).limit(1);
    return { active: !!r, createdAt: r?.createdAt.toISOString() ?? null };
  }

  async revoke(doctorId: string): Promise<boolean> {
    return (await this.db.delete(doctorCalendarFeeds).where(eq(doctorCalendarFeeds.doctorId, doctorId)).returning()).length > 0;
  }

  /** The iCalendar text of the feed behind `token`; 404 for unknown or revoked tokens. */
  async render(token: string): Promise<string> {
    const [f] = await this.db
      .select({ doctorId: doctorCalendarFeeds.doctorId, name: doctors.name, email: doctors.email, speciality: doctors.speciality, timeZone: doctors.timeZone, address: doctors.address })
      .from(doctorCalendarFeeds)
      .innerJoin(doctors, eq(doctors.id, doctorCalendarFeeds.doctorId))
      .where(eq(doctorCalendarFeeds.tokenHash, hash(token)))
      .limit(1);
    if (!f) throw notFound('Calendar feed not found');
    const rows = await this.db
      .select({ row: appointments, patient: { id: patients.id, name: patients.name, email: patients.email }, sequence: appointmentIcs.sequence })
      .from(appointments)
      .innerJoin(patients, eq(patients.id, appointments.patientId))
      .leftJoin(appointmentIcs, eq(appointmentIcs.appointmentId, appointments.id))
      .where(and(eq(appointments.doctorId, f.doctorId), inArray(appointments.status, ['pending', 'confirmed']), gt(appointments.endsAt, this.clock.now())))
      .orderBy(asc(appointments.startsAt))
      .limit(1000);
    const doctor = { id: f.doctorId, name: f.name, email: f.email, speciality: f.speciality, timeZone: f.timeZone, address: f.address };
    const now = this.clock.now();
    return feed(
      `Prescripto: ${f.name}`,
      rows.map((r) => icsEventOf({ row: r.row, patient: r.patient, doctor }, r.sequence ?? 0, now, this.mailDomain, this.config)),
    );
  }
}
