// Changing a password while logged in: needs the current one, and ends every session of the
// account (including the caller's), so a stolen session does not survive the change, and uses up
// the account's unused reset links.
import { badRequest, unauthorized } from '../../lib/errors.js';
import type { AccountRepo } from './accounts.repo.js';
import { assertPasswordFits } from '../../lib/schemas.js';
import { hashPassword, isStrongPassword, verifyPassword } from './passwords.js';
import type { SessionService } from './sessions.js';
import type { Role } from './tokens.js';

export class PasswordChangeService {
  constructor(
    private readonly accounts: AccountRepo,
    private readonly sessions: SessionService,
    /** uses up the account's unused reset links (`PasswordResetService.useUpLinks`) */
    private readonly useUpResetLinks: (role: Role, accountId: string) => Promise<void>,
  ) {}

  async change(role: Role, accountId: string, oldPassword: string, newPassword: string): Promise<void> {
    const account = await this.accounts.findById(role, accountId);
    if (!account) throw unauthorized('Account not found, please login again');
    if (!(await verifyPassword(oldPassword, account.passwordHash))) throw badRequest('The current password is not correct');
    // "changing" a temporary password to itself would lift the flag and keep the admin's password
    if (newPassword === oldPassword) throw badRequest('The new password must be different from the current one');
    if (!isStrongPassword(newPassword)) throw badRequest('Please enter a strong password');
    assertPasswordFits(newPassword);
    await this.accounts.setPasswordHash(role, accountId, await hashPassword(newPassword));
    // a reset link mailed before the change must not undo it
    await this.useUpResetLinks(role, accountId);
    await this.sessions.revokeAccount(role, accountId, 'password-change');
  }
}
