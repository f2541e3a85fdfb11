// The second-factor rows (table: ./tables.ts). Every state change is decided by the row in one
// statement: a code at or below the last step used, or a recovery code already spent, updates nothing.
import { and, eq, isNull, lt, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { twoFactor } from './tables.js';
import type { Role } from './tokens.js';

export interface SecondFactor {
  secret: string;
  confirmedAt: Date | null;
}

export class TwoFactorRepo {
  constructor(private readonly db: Db) {}

  private key(role: Role, accountId: string) {
    return and(eq(twoFactor.role, role), eq(twoFactor.accountId, accountId));
  }

  async find(role: Role, accountId: string): Promise<SecondFactor | undefined> {
    const [row] = await this.db.select({ secret: twoFactor.secret, confirmedAt: twoFactor.confirmedAt }).from(twoFactor).where(this.key(role, accountId));
    return row;
  }

  /** Starts (or restarts) enrolment with a new secret; false while a confirmed factor is on. */
  async startEnrolment(role: Role, accountId: string, secret: string): Promise<boolean> {
    const rows = await this.db
      .insert(twoFactor)
      .values({ role, accountId, secret })
      .onConflictDoUpdate({
        target: [twoFactor.role, twoFactor.accountId],
        set: { secret, lastUsedStep: 0, recoveryHashes: [] },
        setWhere: isNull(twoFactor.confirmedAt),
      })
      .returning({ accountId: twoFactor.accountId });
    return rows.length === 1;
  }

  /** Turns an enrolment on with the step of its first code and the recovery codes' hashes. */
  async confirm(role: Role, accountId: string, now: Date, step: number, recoveryHashes: string[]): Promise<void> {
    await this.db
      .update(twoFactor)
      .set({ confirmedAt: now, lastUsedStep: step, recoveryHashes })
      .where(and(this.key(role, accountId), isNull(twoFactor.confirmedAt)));
  }

  async remove(role: Role, accountId: string): Promise<void> {
    await this.db.delete(twoFactor).where(this.key(role, accountId));
  }

  /** Records a code's step as used; false when that step (or a later one) was used already. */
  async useStep(role: Role, accountId: string, step: number): Promise<boolean> {
    const rows = await this.db
      .update(twoFactor)
      .set({ lastUsedStep: step })
      .where(and(this.key(role, accountId), lt(twoFactor.lastUsedStep, step)))
      .returning({ accountId: twoFactor.accountId });
    return rows.length === 1;
  }

  /** Spends a recovery code by its hash; false when it is not (or no longer) among the account's. */
  async spendRecoveryCode(role: Role, accountId: string, hash: string): Promise<boolean> {
    const rows = await this.db
      .update(twoFactor)
      .set({ recoveryHashes: sql`array_remove(${twoFactor.recoveryHashes}, ${hash})` })
      .where(and(this.key(role, accountId), sql`${hash} = ANY(${twoFactor.recoveryHashes})`))
      .returning({ accountId: twoFactor.accountId });
    return rows.length === 1;
  }
}

