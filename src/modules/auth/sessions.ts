// Sessions: a login is a session; its access tokens carry the session id in `jti` and its refresh
// tokens rotate on every use. Logout, refresh-token reuse and password changes revoke sessions.
// The database is the source of truth for revocations. With REDIS_URL, revocations are also written
// to Redis (keys expire once no access token of the session can still be valid) so every instance
// sees them at once; but Redis only holds what was written while it was reachable, so a Redis miss
// (or error) is confirmed by the database, whose "not revoked" answer is kept in process for
// REVOCATION_CACHE_SECONDS. Without Redis every check reads the database. Refresh tokens themselves
// always live in the database (hashed).
import type { Config } from '../../config.js';
import type { Clock } from '../../lib/clock.js';
import { unauthorized } from '../../lib/errors.js';
import { newId } from '../../lib/ids.js';
import { RedisOutageWarning, redisKey, type RedisClient } from '../../lib/redis.js';
import { RevocationCache } from './revocation-cache.js';
import { randomSecret, sha256 } from './secrets.js';
import type { SessionRepo } from './sessions.repo.js';
import type { AccessClaims, Role, TokenService } from './tokens.js';
import type { Warn } from '../../lib/logger.js';

export interface SessionTokens {
  token: string;
  refreshToken: string;
}

/** The session a token belongs to: the part of `jti` before the dot; unbound tokens are their own session. */
export function sessionIdOf(claims: Pick<AccessClaims, 'jti'>): { id: string; bound: boolean } {
  const dot = claims.jti.indexOf('.');
  return dot > 0 ? { id: claims.jti.slice(0, dot), bound: true } : { id: claims.jti, bound: false };
}

export class SessionService {
  private readonly cache: RevocationCache;
  private readonly redisOutage: RedisOutageWarning;

  constructor(
    private readonly repo: SessionRepo,
    private readonly tokens: TokenService,
    private readonly config: Config,
    private readonly clock: Clock,
    private readonly redis?: RedisClient,
    warn: Warn = () => {},
  ) {
    // "Live" answers are only worth keeping beside Redis: without it the database is the one channel
    // between instances, so every check reads it (a cached answer would hide other instances' logouts).
    const liveMs = redis ? config.security.revocationCacheSeconds * 1000 : 0;
    this.cache = new RevocationCache(liveMs, config.jwtExpiresIn * 1000);
    this.redisOutage = new RedisOutageWarning(warn);
  }

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
    for (const id of ids) this.cache.markRevoked(id, now.getTime());
    this.cache.forgetLive();
    await this.shareRevocation(async (r) => {
      const ttl = this.config.jwtExpiresIn;
      const multi = r.multi();
      for (const id of ids) multi.set(this.sessionKey(id), '1', 'EX', ttl);
      multi.set(this.accountKey(role, accountId), String(now.getTime()), 'EX', ttl);
      await multi.exec();
    });
  }

  async revokeSession(id: string, role: Role, accountId: string, reason: string): Promise<void> {
    const now = this.clock.now();
    await this.repo.revokeSession(id, role, accountId, reason, now);
    this.cache.markRevoked(id, now.getTime());
    await this.shareRevocation(async (r) => {
      await r.set(this.sessionKey(id), '1', 'EX', this.config.jwtExpiresIn);
    });
  }

  /** The revocation check plugged into the token service: asked for every authenticated request. */
  async isRevoked(claims: AccessClaims): Promise<boolean> {
    const { id, bound } = sessionIdOf(claims);
    // Unbound tokens also depend on the account's cut-off, so their answers are kept per token.
    const key = bound ? id : `jti:${claims.jti}`;
    const now = this.clock.now().getTime();
    if (this.cache.isKnownRevoked(id, now) || this.cache.isKnownRevoked(key, now)) return true;
    if (this.redis) {
      try {
        const hit = bound ? (await this.redis.exists(this.sessionKey(id))) === 1 : await this.redisRevokedUnbound(claims, id);
        this.redisOutage.up();
        if (hit) {
          this.cache.markRevoked(key, now);
          return true;
        }
      } catch (err) {
        this.redisOutage.failed('revocation check via Redis failed, using the database', err);
      }
      // A miss is not a "no": a revocation written while Redis was unreachable is only in the database.
      if (this.cache.isKnownLive(key, now)) return false;
    }
    const revoked = await this.databaseRevoked(claims, id, bound);
    if (revoked) this.cache.markRevoked(key, now);
    else this.cache.markLive(key, now);
    return revoked;
  }

  private async redisRevokedUnbound(claims: AccessClaims, id: string): Promise<boolean> {
    const r = this.redis!;
    const [session, cutoff] = await Promise.all([r.exists(this.sessionKey(id)), r.get(this.accountKey(claims.role, claims.id))]);
    return session === 1 || (cutoff !== null && claims.iat * 1000 <= Number(cutoff));
  }

  private async databaseRevoked(claims: AccessClaims, id: string, bound: boolean): Promise<boolean> {
    // A bound token names its session: no live row (revoked, or the account deleted, which revokes
    // its sessions in the database: migration 1200) is a refusal.
    if (bound) return !(await this.repo.isSessionLive(id));
    if (await this.repo.isSessionRevoked(id)) return true;
    // A token signed outside a session: refused when issued at or before the account's cut-off
    // (second resolution, so a token from the same second as a password change is refused too).
    const cutoff = await this.repo.accountCutoff(claims.role, claims.id);
    return cutoff !== undefined && claims.iat <= Math.floor(cutoff.getTime() / 1000);
  }

  private async issueRefresh(sessionId: string, now: Date): Promise<string> {
    const token = randomSecret(32);
    await this.repo.insertRefresh(sha256(token), sessionId, this.refreshExpiry(now));
    return token;
  }

  private refreshExpiry(now: Date): Date {
    return new Date(now.getTime() + this.config.refreshTokenTtlSeconds * 1000);
  }

  private sessionKey(id: string): string {
    return redisKey(this.config, 'revoked', 'session', id);
  }

  private accountKey(role: Role, id: string): string {
    return redisKey(this.config, 'revoked', 'account', role, id);
  }

  /** Writes a revocation to Redis; the database row is already written (and read on every Redis miss), so a Redis outage is logged, not fatal. */
  private async shareRevocation(write: (r: RedisClient) => Promise<void>): Promise<void> {
    if (!this.redis) return;
    try {
      await write(this.redis);
      this.redisOutage.up();
    } catch (err) {
      this.redisOutage.failed('could not share a revocation through Redis (other instances read it from the database)', err);
    }
  }
}
