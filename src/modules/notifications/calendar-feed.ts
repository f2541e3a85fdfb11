// A doctor's private calendar feed: a secret URL any calendar application can subscribe to,
// listing the doctor's upcoming live appointments. Only a SHA-256 of the secret is stored;
// rotating issues a new URL and revoking removes it, so a leaked URL can be cut off.
import { createHash, randomBytes } from 'node:crypto';
import { apiBaseUrl, type Config } from '../../config.js';
import type { Clock } from '../../lib/clock.js';
import { notFound } from '../../lib/errors.js';
import { icsEventOf } from './appointment-notifier.js';
import { feed } from './ical.js';
import type { NotificationRepo } from './repo.js';

const hash = (token: string) => createHash('sha256').update(token).digest('hex');
export const FEED_TOKEN_PATTERN = '^[A-Za-z0-9_-]{43}$';

export class CalendarFeedService {
  constructor(
    private readonly repo: NotificationRepo,
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
    await this.repo.saveFeed(doctorId, hash(token), this.clock.now());
    return { url: this.url(token) };
  }

  async status(doctorId: string): Promise<{ active: boolean; createdAt: string | null }> {
    const createdAt = await this.repo.feedCreatedAt(doctorId);
    return { active: !!createdAt, createdAt: createdAt?.toISOString() ?? null };
  }

  async revoke(doctorId: string): Promise<boolean> {
    return this.repo.deleteFeed(doctorId);
  }

  /**
   * The iCalendar text of the feed behind `token`; 404 for unknown or revoked tokens. The feed, the
   * doctor with the appointments, and the invitations' sequences are three round trips, each on its
   * own module's tables: calendar applications poll a feed every few hours, nobody waits on it.
   */
  async render(token: string): Promise<string> {
    const doctorId = await this.repo.feedOwner(hash(token));
    if (!doctorId) throw notFound('Calendar feed not found');
    const now = this.clock.now();
    const [doctor, rows] = await Promise.all([this.repo.doctorForNotice(doctorId), this.repo.doctorUpcoming(doctorId, now, 1000)]);
    if (!doctor) throw notFound('Calendar feed not found');
    const sequences = await this.repo.icsSequences(rows.map((r) => r.row.id));
    return feed(
      `Prescripto: ${doctor.name}`,
      rows.map((r) => icsEventOf({ row: r.row, patient: r.patient, doctor }, sequences.get(r.row.id) ?? 0, now, this.mailDomain, this.config)),
    );
  }
}
