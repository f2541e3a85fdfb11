// The administrator: credentials come from ADMIN_EMAIL / ADMIN_PASSWORD (spec), stored hashed.
import type { Config } from '../../config.js';
import { newId } from '../../lib/ids.js';
import { normalizeEmail } from '../../lib/validate.js';
import { checkCredentials, hashPassword, verifyPassword } from '../auth/passwords.js';
import type { AdminRepo } from './repo.js';

export class AdminService {
  constructor(
    private readonly repo: AdminRepo,
    private readonly config: Config,
  ) {}

  /** Told when ADMIN_PASSWORD replaced the stored password (the sessions service ends the old sessions). */
  private passwordChanged: (adminId: string) => Promise<void> = async () => {};

  onPasswordChanged(listener: (adminId: string) => Promise<void>): void {
    this.passwordChanged = listener;
  }

  /** Creates the configured admin, or updates its password when ADMIN_PASSWORD changed. */
  async bootstrap(): Promise<void> {
    const email = normalizeEmail(this.config.adminEmail);
    const existing = await this.repo.findByEmail(email);
    if (!existing) {
      await this.repo.insert({ id: newId(), email, passwordHash: await hashPassword(this.config.adminPassword) });
    } else if (!(await verifyPassword(this.config.adminPassword, existing.passwordHash))) {
      await this.repo.setPassword(existing.id, await hashPassword(this.config.adminPassword));
      await this.passwordChanged(existing.id);
    }
  }

  /** Checks the credentials; the route opens the session (auth/login.ts). */
  async login(input: { email?: string; password?: string }): Promise<{ id: string }> {
    const row = await checkCredentials(input, (email) => this.repo.findByEmail(email));
    return { id: row.id };
  }
}
