// Optional TOTP second factor for every account (patients, doctors, admins): enrol (secret + otpauth URL), confirm with a
// first code (which turns it on and hands out ten single-use recovery codes), then every login
// needs a current code or a recovery code. A code is accepted once (no replay within its window).
import { randomBytes } from 'node:crypto';
import type { Database } from '../../db/client.js';
import type { Clock } from '../../lib/clock.js';
import { AppError, badRequest, conflict, unauthorized } from '../../lib/errors.js';
import type { AccountRepo } from './accounts.repo.js';
import { sha256 } from './secrets.js';
import { matchTotp, newTotpSecret, otpauthUrl } from './totp.js';

export type SecondFactorRole = 'patient' | 'doctor' | 'admin';

interface TwoFactorRow {
  secret: string;
  confirmed_at: string | Date | null;
  last_used_step: string | number;
  recovery_hashes: string[];
}

const normalizeRecovery = (code: string) => code.trim().toLowerCase().replace(/[^a-z0-9]/g, '');

/** Ends every session of an account but `keep` (sessions.revokeAccount). */
export type EndOtherSessions = (role: SecondFactorRole, accountId: string, keep: string | undefined) => Promise<void>;

export class TwoFactorService {
  constructor(
    private readonly database: Database,
    private readonly accounts: AccountRepo,
    private readonly clock: Clock,
    private readonly issuer: string,
    private readonly endOtherSessions: EndOtherSessions = async () => {},
  ) {}

  private async row(role: SecondFactorRole, accountId: string): Promise<TwoFactorRow | undefined> {
    return (
      await this.database.query<TwoFactorRow>(
        'SELECT secret, confirmed_at, last_used_step, recovery_hashes FROM two_factor WHERE role = $1 AND account_id = $2',
        [role, accountId],
      )
    )[0];
  }

  async isEnabled(role: SecondFactorRole, accountId: string): Promise<boolean> {
    return Boolean((await this.row(role, accountId))?.confirmed_at);
  }

  /** Starts (or restarts) enrolment; refused while a confirmed factor is on. */
  async setup(role: SecondFactorRole, accountId: string): Promise<{ secret: string; otpauthUrl: string }> {
    const account = await this.accounts.findById(role, accountId);
    if (!account) throw unauthorized('Account not found, please login again');
    const secret = newTotpSecret();
    const rows = await this.database.query(
      `INSERT INTO two_factor (role, account_id, secret) VALUES ($1, $2, $3)
       ON CONFLICT (role, account_id) DO UPDATE SET secret = EXCLUDED.secret, last_used_step = 0, recovery_hashes = '{}'
         WHERE two_factor.confirmed_at IS NULL
       RETURNING account_id`,
      [role, accountId, secret],
    );
    if (rows.length === 0) throw conflict('Two-factor authentication is already on; disable it first');
    return { secret, otpauthUrl: otpauthUrl(this.issuer, account.email, secret) };
  }

  /**
   * Confirms enrolment with a first code; returns the recovery codes (shown once, stored hashed).
   * Every other session of the account ends: whoever logged in with the password alone (perhaps
   * the reason for turning the factor on) must now come back with a code. `currentSession` stays.
   */
  async confirm(role: SecondFactorRole, accountId: string, code: string, currentSession?: string): Promise<string[]> {
    const row = await this.row(role, accountId);
    if (!row) throw badRequest('Start two-factor setup first');
    if (row.confirmed_at) throw conflict('Two-factor authentication is already on');
    const step = matchTotp(row.secret, code.trim(), this.clock.now());
    if (step === undefined) throw badRequest('Invalid authentication code');
    const codes = Array.from({ length: 10 }, () => randomBytes(5).toString('hex'));
    await this.database.query(
      `UPDATE two_factor SET confirmed_at = $3, last_used_step = $4, recovery_hashes = $5
        WHERE role = $1 AND account_id = $2 AND confirmed_at IS NULL`,
      [role, accountId, this.clock.now().toISOString(), step, codes.map((c) => sha256(c))],
    );
    await this.endOtherSessions(role, accountId, currentSession);
    return codes;
  }

  /** Turns the factor off; needs a current code (or a recovery code). */
  async disable(role: SecondFactorRole, accountId: string, code: string): Promise<void> {
    if (!(await this.isEnabled(role, accountId))) throw badRequest('Two-factor authentication is not on');
    await this.verify(role, accountId, code);
    await this.database.query('DELETE FROM two_factor WHERE role = $1 AND account_id = $2', [role, accountId]);
  }

  /** Called by login after the password matched. No factor: passes. Factor on: needs a good code. */
  async checkLogin(role: SecondFactorRole, accountId: string, code: string | undefined): Promise<void> {
    if (!(await this.isEnabled(role, accountId))) return;
    if (!code || !code.trim()) throw new AppError(401, 'Two-factor authentication code required', { 'x-2fa-required': 'totp' });
    await this.verify(role, accountId, code);
  }

  /** Accepts a TOTP code newer than the last one used, or an unused recovery code (which is then spent). */
  private async verify(role: SecondFactorRole, accountId: string, input: string): Promise<void> {
    const row = await this.row(role, accountId);
    if (!row?.confirmed_at) throw unauthorized('Invalid authentication code');
    const code = input.trim();
    const step = matchTotp(row.secret, code, this.clock.now());
    if (step !== undefined) {
      // The row decides: a code (step) at or below the last one used is a replay.
      const used = await this.database.query(
        'UPDATE two_factor SET last_used_step = $3 WHERE role = $1 AND account_id = $2 AND last_used_step < $3 RETURNING account_id',
        [role, accountId, step],
      );
      if (used.length === 1) return;
      throw unauthorized('This authentication code was already used; wait for the next one');
    }
    const hash = sha256(normalizeRecovery(code));
    const spent = await this.database.query(
      `UPDATE two_factor SET recovery_hashes = array_remove(recovery_hashes, $3)
        WHERE role = $1 AND account_id = $2 AND $3 = ANY(recovery_hashes) RETURNING account_id`,
      [role, accountId, hash],
    );
    if (spent.length === 1) return;
    throw unauthorized('Invalid authentication code');
  }
}
