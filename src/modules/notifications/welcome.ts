// The welcome email of a newly created doctor, with a link to set their own password.
//
// Doctor creation publishes `doctor created` after its commit (there is no transaction to join),
// so the email is enqueued then, under the dedupe key `welcome:<doctorId>`. To stay durable if the
// process dies between that commit and the enqueue, every worker pass also sweeps doctors created
// in the last 24 hours that have no welcome message yet; the unique key makes both paths safe.
// The set-password link comes from the security module's password resets, which themselves send
// through the notifications: so this mailer is built after both and given the issuer then.
import { appBaseUrl, type Config } from '../../config.js';
import { notFound } from '../../lib/errors.js';
import type { DomainEvent } from '../../lib/events.js';
import { welcomeKey, type NotificationRepo } from './repo.js';
import type { NotificationSink } from './sink.js';
import { renderEmail, type RenderedEmail } from './templates.js';

/** Issues a one-time "set your password" link valid for `ttlMinutes` (the security module's password resets). */
export type SetPasswordLinkIssuer = (doctorId: string, ttlMinutes: number) => Promise<string | undefined>;

const SWEEP_WINDOW_MS = 24 * 3600_000;

/** "72 hours", "1 hour", "7 days": the link's lifetime as the email says it. */
export function linkLifetime(hours: number): string {
  if (hours >= 48 && hours % 24 === 0) return `${hours / 24} days`;
  return hours === 1 ? '1 hour' : `${hours} hours`;
}

export class WelcomeMailer {
  constructor(
    private readonly repo: NotificationRepo,
    private readonly notifications: NotificationSink,
    private readonly config: Config,
    private readonly issueLink: SetPasswordLinkIssuer,
  ) {}

  async onPublish(event: DomainEvent): Promise<void> {
    if (event.kind === 'doctor' && event.type === 'created') await this.send(event.doctorId);
  }

  /** Enqueues the welcome email unless it already was; returns whether it enqueued one. */
  async send(doctorId: string): Promise<boolean> {
    if (await this.repo.welcomeQueued(doctorId)) return false;
    const composed = await this.compose(doctorId);
    if (!composed) return false;
    const id = await this.notifications.enqueueEmail(undefined, { to: composed.to, ...composed.mail, topic: 'doctor.welcome', dedupeKey: welcomeKey(doctorId) });
    return id !== undefined;
  }

  /**
   * A fresh welcome email with a new link, on the admin's request (the first one expired or was
   * lost). Earlier links stay valid until they expire or a password is set. Returns the address.
   */
  async resend(doctorId: string): Promise<string> {
    const composed = await this.compose(doctorId);
    if (!composed) throw notFound('Doctor not found');
    await this.notifications.enqueueEmail(undefined, { to: composed.to, ...composed.mail, topic: 'doctor.welcome' });
    return composed.to;
  }

  private async compose(doctorId: string): Promise<{ to: string; mail: RenderedEmail } | undefined> {
    const doc = await this.repo.doctorForWelcome(doctorId);
    if (!doc) return undefined;
    const base = appBaseUrl(this.config);
    const hours = this.config.notifications.welcomeLinkTtlHours;
    // onboarding links get their own, longer lifetime than a reset link: a new doctor may not read
    // the email within the hour
    const setPasswordUrl = await this.issueLink(doc.id, hours * 60);
    const mail = renderEmail('welcome', {
      doctorName: doc.name,
      email: doc.email,
      setPasswordUrl,
      linkLifetime: linkLifetime(hours),
      // only a flag for the template's notice: the password itself never goes into an email
      temporaryPassword: doc.passwordTemporary ? 'yes' : '',
      loginUrl: `${base}/login`,
    });
    return { to: doc.email, mail };
  }

  /** Catches doctors whose welcome email was lost between their creation and the enqueue. */
  async sweep(): Promise<number> {
    const missing = await this.repo.doctorsWithoutWelcome(SWEEP_WINDOW_MS / 1000, 50);
    let n = 0;
    for (const id of missing) if (await this.send(id)) n++;
    return n;
  }
}
