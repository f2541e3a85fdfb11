// Sessions: a login is a session; its access tokens carry the session id in `jti` and its refresh
// tokens rotate on every use. Logout, refresh-token reuse and password changes revoke sessions.
// Revocation is shared between instances through Redis when REDIS_URL is set (keys expire once no
// access token of the session can still be valid), and through the database otherwise or while
// Redis is down. Refresh tokens themselves always live in the database (hashed).
import type { Config } from '../../config.js';
import type { Clock } from '../../lib/clock.js';
import { unauthorized } from '../../lib/errors.js';
import { newId } from '../../lib/ids.js';
import { redisKey, type RedisClient } from '../../lib/redis.js';
import { randomSecret, sha256 } from './secrets.js';
import type { SessionRepo } from './sessions.repo.js';
import type { AccessClaims, Role, TokenService } from './tokens.js';

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
  constructor(
    private readonly repo: SessionRepo,
    private readonly tokens: TokenService,
    private readonly config: Config,
    private readonly clock: Clock,
    private readonly redis?: RedisClient,
    private readonly warn: (msg: string) => void = () => {},
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

  /** Ends every session of an account (password changed or reset). */
  async revokeAccount(role: Role, accountId: string, reason: string): Promise<void> {
    const now = this.clock.now();
    const ids = await this.repo.revokeAccountSessions(role, accountId, reason, now);
    await this.repo.setAccountCutoff(role, accountId, now);
    await this.shareRevocation(async (r) => {
      const ttl = this.config.jwtExpiresIn;
      const multi = r.multi();
      for (const id of ids) multi.set(this.sessionKey(id), '1', 'EX', ttl);
      multi.set(this.accountKey(role, accountId), String(now.getTime()), 'EX', ttl);
      await multi.exec();
    });
  }

  async revokeSession(id: string, role: Role, accountId: string, reason: string): Promise<void> {
    await this.repo.revokeSession(id, role, accountId, reason, this.clock.now());
    await this.shareRevocation(async (r) => {
      await r.set(this.sessionKey(id), '1', 'EX', this.config.jwtExpiresIn);
    });
  }

  /** The revocation check plugged into the token service: asked for every authenticated request. */
  async isRevoked(claims: AccessClaims): Promise<boolean> {
    const { id, bound } = sessionIdOf(claims);
    if (this.redis) {
      try {
        if (bound) return (await this.redis.exists(this.sessionKey(id))) === 1;
        const [session, cutoff] = await Promise.all([this.redis.exists(this.sessionKey(id)), this.redis.get(this.accountKey(claims.role, claims.id))]);
        return session === 1 || (cutoff !== null && claims.iat * 1000 <= Number(cutoff));
      } catch (err) {
        this.warn(`revocation check via Redis failed, using the database: ${(err as Error).message}`);
      }
    }
    if (await this.repo.isSessionRevoked(id)) return true;
    if (bound) return false;
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

  /** Writes a revocation to Redis; the database row is already written, so a Redis outage is logged, not fatal. */
  private async shareRevocation(write: (r: RedisClient) => Promise<void>): Promise<void> {
    if (!this.redis) return;
    try {
      await write(this.redis);
    } catch (err) {
      this.warn(`could not share a revocation through Redis: ${(err as Error).message}`);
    }
  }
}
