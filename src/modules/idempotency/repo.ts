// SQL for idempotency keys. Claiming is one INSERT … ON CONFLICT statement: of two concurrent
// requests with the same key exactly one inserts (or takes over an expired or abandoned row); the
// other finds the row and is told to wait, replay or stop.
import { and, eq, lt, or } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { idempotencyKeys, type IdempotencyRow } from './tables.js';

export interface KeyScope {
  accountRole: string;
  accountId: string;
  key: string;
}

export interface NewClaim extends KeyScope {
  operation: string;
  fingerprint: string;
  claim: string;
  now: Date;
  leaseUntil: Date;
  /** rows created before this are expired: the key is free again */
  expiredBefore: Date;
}

const byScope = (s: KeyScope) =>
  and(eq(idempotencyKeys.accountRole, s.accountRole), eq(idempotencyKeys.accountId, s.accountId), eq(idempotencyKeys.key, s.key));

export class IdempotencyRepo {
  constructor(private readonly db: Db) {}

  /**
   * Takes the key for this request: a new row, or an existing one that has expired, or one still
   * `running` past its lease for the very same request (its process died before answering).
   * Returns whether the key is now this request's.
   */
  async claim(c: NewClaim): Promise<boolean> {
    const t = idempotencyKeys;
    const rows = await this.db
      .insert(t)
      .values({
        accountRole: c.accountRole, accountId: c.accountId, key: c.key, operation: c.operation, fingerprint: c.fingerprint,
        claim: c.claim, state: 'running', statusCode: null, response: null, createdAt: c.now, leaseUntil: c.leaseUntil,
      })
      .onConflictDoUpdate({
        target: [t.accountRole, t.accountId, t.key],
        set: {
          operation: c.operation, fingerprint: c.fingerprint, claim: c.claim, state: 'running', statusCode: null, response: null,
          createdAt: c.now, leaseUntil: c.leaseUntil,
        },
        setWhere: or(
          lt(t.createdAt, c.expiredBefore),
          and(eq(t.state, 'running'), lt(t.leaseUntil, c.now), eq(t.operation, c.operation), eq(t.fingerprint, c.fingerprint)),
        ),
      })
      .returning({ claim: t.claim });
    return rows[0]?.claim === c.claim;
  }

  async find(s: KeyScope): Promise<IdempotencyRow | undefined> {
    return (await this.db.select().from(idempotencyKeys).where(byScope(s)).limit(1))[0];
  }

  /** Stores the answer of the request holding `claim`; `tx` writes it with the work it answers for. */
  async complete(s: KeyScope, claim: string, statusCode: number, response: unknown, tx: Db = this.db): Promise<void> {
    await tx
      .update(idempotencyKeys)
      .set({ state: 'done', statusCode, response })
      .where(and(byScope(s), eq(idempotencyKeys.claim, claim), eq(idempotencyKeys.state, 'running')));
  }

  /** Frees a key whose request did nothing (it failed): the next request with it runs afresh. */
  async release(s: KeyScope, claim: string): Promise<void> {
    await this.db.delete(idempotencyKeys).where(and(byScope(s), eq(idempotencyKeys.claim, claim), eq(idempotencyKeys.state, 'running')));
  }

  async purge(expiredBefore: Date): Promise<number> {
    const rows = await this.db.delete(idempotencyKeys).where(lt(idempotencyKeys.createdAt, expiredBefore)).returning({ key: idempotencyKeys.key });
    return rows.length;
  }
}


