// The administrator: credentials come from ADMIN_EMAIL / ADMIN_PASSWORD (spec), stored hashed.
import type { Config } from '../../config.js';
import { newId } from '../../lib/ids.js';
import { normalizeEmail } from '../../lib/validate.js';
import { checkCredentials, hashPassword, verifyPassword } from '../auth/passwords.js';
import type { AdminRepo } from './repo.js';

export class AdminService {
  /**
   * @param passwordChanged told when an admin's credentials stop being valid: ADMIN_PASSWORD replaced
   *   the stored password, or the account belonged to an earlier ADMIN_EMAIL (its sessions end)
   */
  constructor(
    private readonly repo: AdminRepo,
    private readonly config: Config,
    private readonly passwordChanged: (adminId: string) => Promise<void>,
  ) {}

  /**
   * Makes the environment's admin the only one (spec: a single admin account from ADMIN_EMAIL /
   * ADMIN_PASSWORD): creates it or updates its password, and removes any admin left by an earlier
   * ADMIN_EMAIL, ending its sessions first (if that fails, the row stays and the next start retries).
   */
  async bootstrap(): Promise<void> {
    const email = normalizeEmail(this.config.adminEmail);
    for (const stale of await this.repo.othersThan(email)) {
      await this.passwordChanged(stale.id);
      await this.repo.delete(stale.id);
    }
    const existing = await this.repo.findByEmail(email);
    if (!existing) {
      await this.repo.insert({ id: newId(), email, passwordHash: await hashPassword(this.config.adminPassword, this.config.security.bcryptRounds) });
    } else if (!(await verifyPassword(this.config.adminPassword, existing.passwordHash))) {
      await this.repo.setPassword(existing.id, await hashPassword(this.config.adminPassword, this.config.security.bcryptRounds));
      await this.passwordChanged(existing.id);
    }
  }

  /** Checks the credentials; the route opens the session (auth/login.ts). */
  async login(input: { email?: string; password?: string }): Promise<{ id: string }> {
    const row = await checkCredentials(input, (email) => this.repo.findByEmail(email), this.config.security.bcryptRounds);
    return { id: row.id };
  }
}
