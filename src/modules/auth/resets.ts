// Password reset and set-password links for patients and doctors.
//
// API for other modules (e.g. the doctor welcome email's "set your password" link):
//   ctx.passwordResets.issue(role: 'patient' | 'doctor', accountId, { ttlMinutes? }): Promise<{ token: string; url: string }>
// The token is single-use, expires after `ttlMinutes` (default PASSWORD_RESET_TTL_MINUTES; welcome
// links use WELCOME_LINK_TTL_HOURS) and is stored only as a SHA-256 hash. `url` is `<first FRONTEND_URL or PUBLIC_URL>/reset-password?token=…&role=…`.
import { appBaseUrl, type Config } from '../../config.js';
import type { Clock } from '../../lib/clock.js';
import { badRequest, notFound } from '../../lib/errors.js';
import { isEmail, normalizeEmail } from '../../lib/validate.js';
import { renderEmail } from '../notifications/templates.js';
import type { AccountRepo } from './accounts.repo.js';
import type { ResetLinkRepo, ResettableRole } from './resets.repo.js';
import { assertPasswordFits } from '../../lib/schemas.js';
import { hashPassword, isStrongPassword } from './passwords.js';
import { randomSecret, sha256 } from './secrets.js';
import type { SessionService } from './sessions.js';
import type { Role } from './tokens.js';

export type { ResettableRole };

export const FORGOT_PASSWORD_MESSAGE = 'If an account exists for this email, a password reset link has been sent';

/** Forgot-password requests whose look-up and mail still run after their answer; past this, new ones run before it. */
const MAX_PENDING_FORGOTS = 200;

export class PasswordResetService {
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly links: ResetLinkRepo,
    private readonly accounts: AccountRepo,
    private readonly sessions: SessionService,
    /** the notifications outbox (`ctx.notifications.enqueueEmail(undefined, msg)`) */
    private readonly sendMail: (msg: { to: string; subject: string; text: string; html?: string; topic: string }) => Promise<unknown>,
    private readonly config: Config,
    private readonly clock: Clock,
    private readonly warn: (msg: string) => void = () => {},
  ) {}

  /**
   * A fresh single-use link for an account. Earlier unused links stay valid until they expire or
   * until a reset or a password change succeeds, which uses up every link of the account.
   */
  async issue(role: ResettableRole, accountId: string, opts: { ttlMinutes?: number } = {}): Promise<{ token: string; url: string }> {
    if (!(await this.accounts.findById(role, accountId))) throw notFound('Account not found');
    const token = randomSecret(32);
    const now = this.clock.now();
    const ttlMinutes = opts.ttlMinutes ?? this.config.security.passwordResetTtlMinutes;
    await this.links.insert({ tokenHash: sha256(token), role, accountId, createdAt: now, expiresAt: new Date(now.getTime() + ttlMinutes * 60_000) });
    const base = appBaseUrl(this.config);
    return { token, url: `${base}/reset-password?token=${encodeURIComponent(token)}&role=${role}` };
  }

  /**
   * Emails a reset link when the address belongs to an account. Checks the address's shape and
   * returns the rest of the work (the look-up, the link, the mail) as `start`, for the caller to run
   * once its answer has left: the answer neither says nor takes longer when the email is registered
   * (a registered one cost a link and a mail first, about twice the time, which told who has an
   * account). The work runs in the background; its failures are logged without the address.
   */
  async forgot(role: ResettableRole, emailInput: string): Promise<{ start: () => void }> {
    const email = normalizeEmail(emailInput);
    if (!isEmail(email)) throw badRequest('Please enter a valid email');
    // a flood past the per-address limits is served in turn rather than queued without bound
    if (this.pending.size >= MAX_PENDING_FORGOTS) {
      await this.sendResetLink(role, email);
      return { start: () => {} };
    }
    let started = false;
    const start = () => {
      if (started) return;
      started = true;
      // on a later turn of the event loop: the answer's last bytes are written out first, before
      // the look-up's queries take the thread (PGlite runs them on it)
      const job: Promise<void> = new Promise((resolve) => setTimeout(resolve, 0))
        .then(() => this.sendResetLink(role, email))
        .catch((err: unknown) => this.warn(`password reset link not sent (${role}): ${err instanceof Error ? err.name : 'error'}`))
        .finally(() => this.pending.delete(job));
      this.pending.add(job);
    };
    return { start };
  }

  /** Resolves once every forgot-password request answered so far has done its work (tests, shutdown). */
  async settled(): Promise<void> {
    // an answer may be out while its route's onResponse hook (which starts the work) has yet to run
    await new Promise((resolve) => setImmediate(resolve));
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  private async sendResetLink(role: ResettableRole, email: string): Promise<void> {
    const account = await this.accounts.findByEmail(role, email);
    if (!account) return;
    const { url } = await this.issue(role, account.id);
    // wording in notifications/templates/password-reset.txt|html, like every other email
    const mail = renderEmail('password-reset', { role, minutes: this.config.security.passwordResetTtlMinutes, url });
    await this.sendMail({ to: account.email, ...mail, topic: 'auth.password-reset' });
  }

  /** Sets a new password with a reset token, uses the token up and ends every session of the account. */
  async reset(role: ResettableRole, token: string, password: string): Promise<void> {
    if (!isStrongPassword(password)) throw badRequest('Please enter a strong password');
    assertPasswordFits(password);
    const now = this.clock.now();
    const accountId = await this.links.consume(sha256(token), role, now);
    if (!accountId) throw badRequest('This reset link is invalid, expired or already used');
    // a mailbox read by someone else earlier must not hold a second way in after this reset
    await this.useUpLinks(role, accountId);
    if (!(await this.accounts.setPasswordHash(role, accountId, await hashPassword(password, this.config.security.bcryptRounds)))) {
      throw badRequest('This reset link is invalid, expired or already used');
    }
    await this.sessions.revokeAccount(role, accountId, 'password-reset');
  }

  /** Marks every unused link of the account used (after a reset or a password change). */
  async useUpLinks(role: Role, accountId: string): Promise<void> {
    if (role === 'admin') return; // admins recover through another admin, never by link
    await this.links.useUpAll(role, accountId, this.clock.now());
  }
}
