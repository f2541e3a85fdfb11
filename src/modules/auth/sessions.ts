// Sessions: a login is a session; its access tokens carry the session id in `jti` and its refresh
// tokens rotate on every use. Logout, refresh-token reuse and password changes revoke sessions: the
// rows are written here, and the revocation check (revocations.ts) is told. Refresh tokens always
// live in the database (hashed).
import type { Config } from '../../config.js';
import type { Clock } from '../../lib/clock.js';
import { unauthorized } from '../../lib/errors.js';
import { newId } from '../../lib/ids.js';
import { sessionIdOf, type Revocations } from './revocations.js';
import { randomSecret, sha256 } from './secrets.js';
import type { SessionRepo } from './sessions.repo.js';
import type { AccessClaims, Role, TokenService } from './tokens.js';

export interface SessionTokens {
  token: string;
  refreshToken: string;
}

export class SessionService {
  constructor(
    private readonly repo: SessionRepo,
    private readonly tokens: TokenService,
    private readonly revocations: Revocations,
    private readonly config: Config,
    private readonly clock: Clock,
  ) {}

  /** Opens a session after a successful login (or registration). */
  async start(role: Role, accountId: string, ip?: string): Promise<SessionTokens> {
    const now = this.clock.now();
    const id = newId(now);
    await this.repo.insertSession({ id, role, accountId, ip, expiresAt: this.refreshExpiry(now) });
    return { token: this.tokens.sign(accountId, role, id), refreshToken: await this.issueRefresh(id, now) };
  }

  /** Swaps a refresh token for a new access token and a new refresh token (rotation). */
  async refresh(role: Role, refreshToken: string): Promise<SessionTokens> {
    const hash = sha256(refreshToken);
    const found = await this.repo.findRefresh(hash);
    const now = this.clock.now();
    if (!found || found.role !== role) throw unauthorized('Invalid refresh token, please login again');
    if (found.sessionRevoked) throw unauthorized('Session ended, please login again');
    if (found.usedAt) {
      // A used token came back: either the holder or a thief has a copy. End the whole family.
      await this.revokeSession(found.sessionId, role, found.accountId, 'refresh-token-reuse');
      throw unauthorized('Refresh token already used; the session was ended for safety, please login again');
    }
    if (found.expiresAt <= now || found.sessionExpiresAt <= now) throw unauthorized('Session expired, please login again');
    if (!(await this.repo.consumeRefresh(hash, now))) {
      await this.revokeSession(found.sessionId, role, found.accountId, 'refresh-token-reuse');
      throw unauthorized('Refresh token already used; the session was ended for safety, please login again');
    }
    return {
      token: this.tokens.sign(found.accountId, role, found.sessionId),
      refreshToken: await this.issueRefresh(found.sessionId, now),
    };
  }

  /** Ends the session of this access token (and that of `refreshToken`, when it is the caller's). */
  async logout(claims: AccessClaims, refreshToken?: string): Promise<void> {
    await this.revokeSession(sessionIdOf(claims).id, claims.role, claims.id, 'logout');
    if (refreshToken) {
      const found = await this.repo.findRefresh(sha256(refreshToken));
      if (found && found.role === claims.role && found.accountId === claims.id) {
        await this.revokeSession(found.sessionId, found.role, found.accountId, 'logout');
      }
    }
  }

  /**
   * Ends the session of a refresh token alone: a client whose access token already expired can
   * still log out. Any refresh token of the session will do, used or not (ending a session is never
   * harmful). Returns the account, for the audit log.
   */
  async logoutWithRefresh(role: Role, refreshToken: string): Promise<{ accountId: string }> {
    const found = await this.repo.findRefresh(sha256(refreshToken));
    if (!found || found.role !== role) throw unauthorized('Invalid refresh token, please login again');
    await this.revokeSession(found.sessionId, role, found.accountId, 'logout');
    return { accountId: found.accountId };
  }

  /**
   * Ends every session of an account (password changed or reset), or every session but `keep`
   * (the caller's own, e.g. after turning on two-factor authentication).
   */
  async revokeAccount(role: Role, accountId: string, reason: string, opts: { keep?: string } = {}): Promise<void> {
    const now = this.clock.now();
    const ids = await this.repo.revokeAccountSessions(role, accountId, reason, now, opts.keep);
    // Tokens signed outside a session are refused by the account's cut-off; a kept session's tokens
    // are bound to it, so the cut-off never touches them.
    await this.repo.setAccountCutoff(role, accountId, now);
    await this.revocations.accountCut(role, accountId, ids, now);
  }

  async revokeSession(id: string, role: Role, accountId: string, reason: string): Promise<void> {
    const now = this.clock.now();
    await this.repo.revokeSession(id, role, accountId, reason, now);
    await this.revocations.sessionsEnded([id], now);
  }

  private async issueRefresh(sessionId: string, now: Date): Promise<string> {
    const token = randomSecret(32);
    await this.repo.insertRefresh(sha256(token), sessionId, this.refreshExpiry(now));
    return token;
  }

  private refreshExpiry(now: Date): Date {
    return new Date(now.getTime() + this.config.refreshTokenTtlSeconds * 1000);
  }
}
