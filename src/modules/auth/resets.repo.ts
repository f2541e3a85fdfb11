// Reset and set-password links (table: ./tables.ts), stored by the SHA-256 of their token.
import { and, eq, gt, isNull } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { passwordResetTokens } from './tables.js';

export type ResettableRole = 'patient' | 'doctor';

export class ResetLinkRepo {
  constructor(private readonly db: Db) {}

  async insert(link: { tokenHash: string; role: ResettableRole; accountId: string; createdAt: Date; expiresAt: Date }): Promise<void> {
    await this.db.insert(passwordResetTokens).values(link);
  }

  /**
   * Uses a link up in the same statement that checks it (unused, not expired, of this role), so a
   * token can never be used twice; answers its account, or undefined.
   */
  async consume(tokenHash: string, role: ResettableRole, now: Date): Promise<string | undefined> {
    const [row] = await this.db
      .update(passwordResetTokens)
      .set({ usedAt: now })
      .where(
        and(
          eq(passwordResetTokens.tokenHash, tokenHash),
          eq(passwordResetTokens.role, role),
          isNull(passwordResetTokens.usedAt),
          gt(passwordResetTokens.expiresAt, now),
        ),
      )
      .returning({ accountId: passwordResetTokens.accountId });
    return row?.accountId;
  }

  /** Marks every unused link of the account used. */
  async useUpAll(role: ResettableRole, accountId: string, now: Date): Promise<void> {
    await this.db
      .update(passwordResetTokens)
      .set({ usedAt: now })
      .where(and(eq(passwordResetTokens.role, role), eq(passwordResetTokens.accountId, accountId), isNull(passwordResetTokens.usedAt)));
  }
}
