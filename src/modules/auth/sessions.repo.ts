// SQL for sessions, refresh tokens and account-wide revocations (tables: 0400_security.sql).
import type { Database } from '../../db/client.js';
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
  constructor(private readonly database: Database) {}

  async insertSession(s: { id: string; role: Role; accountId: string; ip?: string; expiresAt: Date }): Promise<void> {
    await this.database.query(
      'INSERT INTO auth_sessions (id, role, account_id, ip, expires_at) VALUES ($1, $2, $3, $4, $5)',
      [s.id, s.role, s.accountId, s.ip ?? null, s.expiresAt.toISOString()],
    );
  }

  async insertRefresh(tokenHash: string, sessionId: string, expiresAt: Date): Promise<void> {
    await this.database.query('INSERT INTO refresh_tokens (token_hash, session_id, expires_at) VALUES ($1, $2, $3)', [
      tokenHash,
      sessionId,
      expiresAt.toISOString(),
    ]);
  }

  async findRefresh(tokenHash: string): Promise<RefreshLookup | undefined> {
    const rows = await this.database.query<{
      session_id: string;
      role: Role;
      account_id: string;
      used_at: string | Date | null;
      expires_at: string | Date;
      revoked: boolean;
      session_expires_at: string | Date;
    }>(
      `SELECT r.session_id, s.role, s.account_id, r.used_at, r.expires_at, s.revoked_at IS NOT NULL AS revoked,
              s.expires_at AS session_expires_at
         FROM refresh_tokens r JOIN auth_sessions s ON s.id = r.session_id
        WHERE r.token_hash = $1`,
      [tokenHash],
    );
    const r = rows[0];
    if (!r) return undefined;
    return {
      sessionId: r.session_id,
      role: r.role,
      accountId: r.account_id,
      usedAt: r.used_at ? new Date(r.used_at) : null,
      expiresAt: new Date(r.expires_at),
      sessionRevoked: r.revoked,
      sessionExpiresAt: new Date(r.session_expires_at),
    };
  }

  /** Marks a refresh token used; false when someone else used it first (the row decides, not JS). */
  async consumeRefresh(tokenHash: string, now: Date): Promise<boolean> {
    const rows = await this.database.query(
      'UPDATE refresh_tokens SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL RETURNING session_id',
      [tokenHash, now.toISOString()],
    );
    return rows.length === 1;
  }

  /** Revokes one session; creates the row when the id is an unbound token's jti. */
  async revokeSession(id: string, role: Role, accountId: string, reason: string, now: Date): Promise<void> {
    await this.database.query(
      `INSERT INTO auth_sessions (id, role, account_id, expires_at, revoked_at, revoke_reason)
       VALUES ($1, $2, $3, $4, $4, $5)
       ON CONFLICT (id) DO UPDATE SET revoked_at = COALESCE(auth_sessions.revoked_at, EXCLUDED.revoked_at),
                                      revoke_reason = COALESCE(auth_sessions.revoke_reason, EXCLUDED.revoke_reason)`,
      [id, role, accountId, now.toISOString(), reason],
    );
  }

  /** Revokes every live session of an account (but `keep`, when given); returns their ids. */
  async revokeAccountSessions(role: Role, accountId: string, reason: string, now: Date, keep?: string): Promise<string[]> {
    const rows = await this.database.query<{ id: string }>(
      `UPDATE auth_sessions SET revoked_at = $3, revoke_reason = $4
        WHERE role = $1 AND account_id = $2 AND revoked_at IS NULL AND ($5::text IS NULL OR id <> $5) RETURNING id`,
      [role, accountId, now.toISOString(), reason, keep ?? null],
    );
    return rows.map((r) => r.id);
  }

  async setAccountCutoff(role: Role, accountId: string, cutoff: Date): Promise<void> {
    await this.database.query(
      `INSERT INTO account_revocations (role, account_id, revoked_before) VALUES ($1, $2, $3)
       ON CONFLICT (role, account_id) DO UPDATE SET revoked_before = GREATEST(account_revocations.revoked_before, EXCLUDED.revoked_before)`,
      [role, accountId, cutoff.toISOString()],
    );
  }

  async isSessionRevoked(id: string): Promise<boolean> {
    const rows = await this.database.query('SELECT 1 FROM auth_sessions WHERE id = $1 AND revoked_at IS NOT NULL', [id]);
    return rows.length > 0;
  }

  /** A session's token is good only while its row exists and is not revoked (a missing row is a forged or purged session). */
  async isSessionLive(id: string): Promise<boolean> {
    const rows = await this.database.query('SELECT 1 FROM auth_sessions WHERE id = $1 AND revoked_at IS NULL', [id]);
    return rows.length > 0;
  }

  async accountCutoff(role: Role, accountId: string): Promise<Date | undefined> {
    const rows = await this.database.query<{ revoked_before: string | Date }>(
      'SELECT revoked_before FROM account_revocations WHERE role = $1 AND account_id = $2',
      [role, accountId],
    );
    return rows[0] ? new Date(rows[0].revoked_before) : undefined;
  }
}
