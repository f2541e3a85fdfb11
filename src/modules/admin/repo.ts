import { eq, ne, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { admins } from '../../db/schema.js';

export type AdminRow = typeof admins.$inferSelect;

export class AdminRepo {
  constructor(private readonly db: Db) {}

  async findByEmail(email: string): Promise<AdminRow | undefined> {
    return (await this.db.select().from(admins).where(eq(admins.email, email)).limit(1))[0];
  }

  async findById(id: string): Promise<AdminRow | undefined> {
    return (await this.db.select().from(admins).where(eq(admins.id, id)).limit(1))[0];
  }

  async insert(row: { id: string; email: string; passwordHash: string }): Promise<void> {
    await this.db.insert(admins).values(row).onConflictDoNothing();
  }

  /** Admin rows other than the one for `email` (left by an earlier ADMIN_EMAIL). */
  async othersThan(email: string): Promise<AdminRow[]> {
    return this.db.select().from(admins).where(ne(admins.email, email));
  }

  async delete(id: string): Promise<void> {
    await this.db.delete(admins).where(eq(admins.id, id));
  }

  async setPassword(id: string, passwordHash: string): Promise<void> {
    await this.db.update(admins).set({ passwordHash, updatedAt: sql`now()` }).where(eq(admins.id, id));
  }
}
