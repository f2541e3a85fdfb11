// Is an access token revoked? The database is the source of truth for revocations (sessions ended,
// account cut-offs). With REDIS_URL, revocations are also written to Redis (keys expire once no
// access token of the session can still be valid) so every instance sees them at once; but Redis only
// holds what was written while it was reachable, so a Redis miss (or error) is confirmed by the
// database, whose "not revoked" answer is kept in process for REVOCATION_CACHE_SECONDS. Without Redis
// every check reads the database. The token service asks this on every authenticated request; the
// session service tells it of every revocation it writes.
import type { Config } from '../../config.js';
import type { Clock } from '../../lib/clock.js';
import type { Warn } from '../../lib/logger.js';
import { RedisOutageWarning, redisKey, type RedisClient } from '../../lib/redis.js';
import { RevocationCache } from './revocation-cache.js';
import type { SessionRepo } from './sessions.repo.js';
import type { AccessClaims, Role } from './tokens.js';

/** The session a token belongs to: the part of `jti` before the dot; unbound tokens are their own session. */
export function sessionIdOf(claims: Pick<AccessClaims, 'jti'>): { id: string; bound: boolean } {
  const dot = claims.jti.indexOf('.');
  return dot > 0 ? { id: claims.jti.slice(0, dot), bound: true } : { id: claims.jti, bound: false };
}

export class Revocations {
  private readonly cache: RevocationCache;
  private readonly redisOutage: RedisOutageWarning;

  constructor(
    private readonly repo: SessionRepo,
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

  /** Sessions ended at `at` (their rows already written): refused here at once, and through Redis elsewhere. */
  async sessionsEnded(ids: string[], at: Date): Promise<void> {
    for (const id of ids) this.cache.markRevoked(id, at.getTime());
    await this.share(async (r) => {
      const multi = r.multi();
      for (const id of ids) multi.set(this.sessionKey(id), '1', 'EX', this.config.jwtExpiresIn);
      await multi.exec();
    });
  }

  /** An account's sessions ended and its cut-off moved to `at` (rows already written). */
  async accountCut(role: Role, accountId: string, sessionIds: string[], at: Date): Promise<void> {
    for (const id of sessionIds) this.cache.markRevoked(id, at.getTime());
    this.cache.forgetLive();
    await this.share(async (r) => {
      const ttl = this.config.jwtExpiresIn;
      const multi = r.multi();
      for (const id of sessionIds) multi.set(this.sessionKey(id), '1', 'EX', ttl);
      multi.set(this.accountKey(role, accountId), String(at.getTime()), 'EX', ttl);
      await multi.exec();
    });
  }

  /** The revocation check of the token service: asked for every authenticated request. */
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

  private sessionKey(id: string): string {
    return redisKey(this.config, 'revoked', 'session', id);
  }

  private accountKey(role: Role, id: string): string {
    return redisKey(this.config, 'revoked', 'account', role, id);
  }

  /** Writes a revocation to Redis; the database row is already written (and read on every Redis miss), so a Redis outage is logged, not fatal. */
  private async share(write: (r: RedisClient) => Promise<void>): Promise<void> {
    if (!this.redis) return;
    try {
      await write(this.redis);
      this.redisOutage.up();
    } catch (err) {
      this.redisOutage.failed('could not share a revocation through Redis (other instances read it from the database)', err);
    }
  }
}
