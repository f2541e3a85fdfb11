// Optional TOTP second factor for every account (patients, doctors, admins): enrol (secret + otpauth URL), confirm with a
// first code (which turns it on and hands out ten single-use recovery codes), then every login
// needs a current code or a recovery code. A code is accepted once (no replay within its window).
import { randomBytes } from 'node:crypto';
import type { Clock } from '../../lib/clock.js';
import { AppError, badRequest, conflict, unauthorized } from '../../lib/errors.js';
import type { AccountRepo } from './accounts.repo.js';
import type { TwoFactorRepo } from './two-factor.repo.js';
import { sha256 } from './secrets.js';
import { matchTotp, newTotpSecret, otpauthUrl } from './totp.js';

export type SecondFactorRole = 'patient' | 'doctor' | 'admin';

const normalizeRecovery = (code: string) => code.trim().toLowerCase().replace(/[^a-z0-9]/g, '');

/** Ends every session of an account but `keep` (sessions.revokeAccount). */
export type EndOtherSessions = (role: SecondFactorRole, accountId: string, keep: string | undefined) => Promise<void>;

export class TwoFactorService {
  constructor(
    private readonly repo: TwoFactorRepo,
    private readonly accounts: AccountRepo,
    private readonly clock: Clock,
    private readonly issuer: string,
    private readonly endOtherSessions: EndOtherSessions = async () => {},
  ) {}

  async isEnabled(role: SecondFactorRole, accountId: string): Promise<boolean> {
    return Boolean((await this.repo.find(role, accountId))?.confirmedAt);
  }

  /** Starts (or restarts) enrolment; refused while a confirmed factor is on. */
  async setup(role: SecondFactorRole, accountId: string): Promise<{ secret: string; otpauthUrl: string }> {
    const account = await this.accounts.findById(role, accountId);
    if (!account) throw unauthorized('Account not found, please login again');
    const secret = newTotpSecret();
    if (!(await this.repo.startEnrolment(role, accountId, secret))) throw conflict('Two-factor authentication is already on; disable it first');
    return { secret, otpauthUrl: otpauthUrl(this.issuer, account.email, secret) };
  }

  /**
   * Confirms enrolment with a first code; returns the recovery codes (shown once, stored hashed).
   * Every other session of the account ends: whoever logged in with the password alone (perhaps
   * the reason for turning the factor on) must now come back with a code. `currentSession` stays.
   */
  async confirm(role: SecondFactorRole, accountId: string, code: string, currentSession?: string): Promise<string[]> {
    const row = await this.repo.find(role, accountId);
    if (!row) throw badRequest('Start two-factor setup first');
    if (row.confirmedAt) throw conflict('Two-factor authentication is already on');
    const step = matchTotp(row.secret, code.trim(), this.clock.now());
    if (step === undefined) throw badRequest('Invalid authentication code');
    const codes = Array.from({ length: 10 }, () => randomBytes(5).toString('hex'));
    await this.repo.confirm(role, accountId, this.clock.now(), step, codes.map((c) => sha256(c)));
    await this.endOtherSessions(role, accountId, currentSession);
    return codes;
  }

  /** Turns the factor off; needs a current code (or a recovery code). */
  async disable(role: SecondFactorRole, accountId: string, code: string): Promise<void> {
    if (!(await this.isEnabled(role, accountId))) throw badRequest('Two-factor authentication is not on');
    await this.verify(role, accountId, code);
    await this.repo.remove(role, accountId);
  }

  /** Called by login after the password matched. No factor: passes. Factor on: needs a good code. */
  async checkLogin(role: SecondFactorRole, accountId: string, code: string | undefined): Promise<void> {
    if (!(await this.isEnabled(role, accountId))) return;
    if (!code || !code.trim()) throw new AppError(401, 'Two-factor authentication code required', { 'x-2fa-required': 'totp' });
    await this.verify(role, accountId, code);
  }

  /** Accepts a TOTP code newer than the last one used, or an unused recovery code (which is then spent). */
  private async verify(role: SecondFactorRole, accountId: string, input: string): Promise<void> {
    const row = await this.repo.find(role, accountId);
    if (!row?.confirmedAt) throw unauthorized('Invalid authentication code');
    const code = input.trim();
    const step = matchTotp(row.secret, code, this.clock.now());
    if (step !== undefined) {
      // The row decides: a code (step) at or below the last one used is a replay.
      if (await this.repo.useStep(role, accountId, step)) return;
      throw unauthorized('This authentication code was already used; wait for the next one');
    }
    const hash = sha256(normalizeRecovery(code));
    if (await this.repo.spendRecoveryCode(role, accountId, hash)) return;
    throw unauthorized('Invalid authentication code');
  }
}
