// Sessions, refresh tokens and account-wide revocations (tables: ./tables.ts).
import { and, eq, isNotNull, isNull, ne, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { accountRevocations, authSessions, refreshTokens } from './tables.js';
import type { Role } from './tokens.js';

export interface RefreshLookup {
  sessionId: string;
  role: Role;
  accountId: string;
  usedAt: Date | null;
  expiresAt: Date;
  sessionRevoked: boolean;
  sessionExpiresAt: Date;
}

export class SessionRepo {
  constructor(private readonly db: Db) {}

  async insertSession(s: { id: string; role: Role; accountId: string; ip?: string; expiresAt: Date }): Promise<void> {
    await this.db.insert(authSessions).values({ id: s.id, role: s.role, accountId: s.accountId, ip: s.ip ?? null, expiresAt: s.expiresAt });
  }

  async insertRefresh(tokenHash: string, sessionId: string, expiresAt: Date): Promise<void> {
    await this.db.insert(refreshTokens).values({ tokenHash, sessionId, expiresAt });
  }

  async findRefresh(tokenHash: string): Promise<RefreshLookup | undefined> {
    const [r] = await this.db
      .select({
        sessionId: refreshTokens.sessionId,
        role: authSessions.role,
        accountId: authSessions.accountId,
        usedAt: refreshTokens.usedAt,
        expiresAt: refreshTokens.expiresAt,
        revokedAt: authSessions.revokedAt,
        sessionExpiresAt: authSessions.expiresAt,
      })
      .from(refreshTokens)
      .innerJoin(authSessions, eq(authSessions.id, refreshTokens.sessionId))
      .where(eq(refreshTokens.tokenHash, tokenHash));
    if (!r) return undefined;
    const { revokedAt, ...rest } = r;
    return { ...rest, sessionRevoked: revokedAt !== null };
  }

  /** Marks a refresh token used; false when someone else used it first (the row decides, not JS). */
  async consumeRefresh(tokenHash: string, now: Date): Promise<boolean> {
    const rows = await this.db
      .update(refreshTokens)
      .set({ usedAt: now })
      .where(and(eq(refreshTokens.tokenHash, tokenHash), isNull(refreshTokens.usedAt)))
      .returning({ sessionId: refreshTokens.sessionId });
    return rows.length === 1;
  }

  /** Revokes one session; creates the row when the id is an unbound token's jti. */
  async revokeSession(id: string, role: Role, accountId: string, reason: string, now: Date): Promise<void> {
    await this.db
      .insert(authSessions)
      .values({ id, role, accountId, expiresAt: now, revokedAt: now, revokeReason: reason })
      .onConflictDoUpdate({
        target: authSessions.id,
        set: {
          revokedAt: sql`COALESCE(${authSessions.revokedAt}, excluded.revoked_at)`,
          revokeReason: sql`COALESCE(${authSessions.revokeReason}, excluded.revoke_reason)`,
        },
      });
  }

  /** Revokes every live session of an account (but `keep`, when given); returns their ids. */
  async revokeAccountSessions(role: Role, accountId: string, reason: string, now: Date, keep?: string): Promise<string[]> {
    const rows = await this.db
      .update(authSessions)
      .set({ revokedAt: now, revokeReason: reason })
      .where(
        and(
          eq(authSessions.role, role),
          eq(authSessions.accountId, accountId),
          isNull(authSessions.revokedAt),
          keep === undefined ? undefined : ne(authSessions.id, keep),
        ),
      )
      .returning({ id: authSessions.id });
    return rows.map((r) => r.id);
  }

  async setAccountCutoff(role: Role, accountId: string, cutoff: Date): Promise<void> {
    await this.db
      .insert(accountRevocations)
      .values({ role, accountId, revokedBefore: cutoff })
      .onConflictDoUpdate({
        target: [accountRevocations.role, accountRevocations.accountId],
        set: { revokedBefore: sql`GREATEST(${accountRevocations.revokedBefore}, excluded.revoked_before)` },
      });
  }

  async isSessionRevoked(id: string): Promise<boolean> {
    const rows = await this.db
      .select({ id: authSessions.id })
      .from(authSessions)
      .where(and(eq(authSessions.id, id), isNotNull(authSessions.revokedAt)));
    return rows.length > 0;
  }

  /** A session's token is good only while its row exists and is not revoked (a missing row is a forged or purged session). */
  async isSessionLive(id: string): Promise<boolean> {
    const rows = await this.db
      .select({ id: authSessions.id })
      .from(authSessions)
      .where(and(eq(authSessions.id, id), isNull(authSessions.revokedAt)));
    return rows.length > 0;
  }

  async accountCutoff(role: Role, accountId: string): Promise<Date | undefined> {
    const [row] = await this.db
      .select({ revokedBefore: accountRevocations.revokedBefore })
      .from(accountRevocations)
      .where(and(eq(accountRevocations.role, role), eq(accountRevocations.accountId, accountId)));
    return row?.revokedBefore;
  }
}
