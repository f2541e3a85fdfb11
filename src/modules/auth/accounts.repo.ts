// Credentials of the three account kinds. The auth module owns passwords (hashing, reset,
// revocation), so it reads and writes the `password_hash` column of patients, doctors and admins
// here instead of widening each module's service with password plumbing.
import type { Database } from '../../db/client.js';
import type { Role } from './tokens.js';

const TABLE: Record<Role, string> = { patient: 'patients', doctor: 'doctors', admin: 'admins' };

export interface AccountCredentials {
  id: string;
  email: string;
  passwordHash: string;
}

export class AccountRepo {
  constructor(private readonly database: Database) {}

  findByEmail(role: Role, email: string): Promise<AccountCredentials | undefined> {
    return this.findBy(role, 'email', email);
  }

  findById(role: Role, id: string): Promise<AccountCredentials | undefined> {
    return this.findBy(role, 'id', id);
  }

  private async findBy(role: Role, column: 'email' | 'id', value: string): Promise<AccountCredentials | undefined> {
    // a deleted patient account keeps its row for the records that reference it (data-rights): absent here
    const live = role === 'patient' ? ' AND deleted_at IS NULL' : '';
    const rows = await this.database.query<{ id: string; email: string; password_hash: string }>(
      `SELECT id, email::text AS email, password_hash FROM ${TABLE[role]} WHERE ${column} = $1${live} LIMIT 1`,
      [value],
    );
    const r = rows[0];
    return r ? { id: r.id, email: r.email, passwordHash: r.password_hash } : undefined;
  }

  /** Sets a password the account holder chose (change or reset), so a doctor's is no longer temporary. */
  async setPasswordHash(role: Role, id: string, passwordHash: string): Promise<boolean> {
    const settled = role === 'doctor' ? ', password_temporary = false' : '';
    const rows = await this.database.query(
      `UPDATE ${TABLE[role]} SET password_hash = $2${settled}, updated_at = now() WHERE id = $1 RETURNING id`,
      [id, passwordHash],
    );
    return rows.length === 1;
  }
}
