// SQL of the push module.
import { and, eq, inArray, or, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { pushSubscriptions, type PushOwner, type PushSubscriptionRow } from './tables.js';

export class PushRepo {
  constructor(private readonly db: Db) {}

  /**
   * One row per endpoint (device): a new endpoint is inserted, a known one takes the new keys and
   * owner. When the owner changes (another account signed in on that browser) the row gets a new id,
   * so pushes still queued for the previous owner find no subscription and are dropped.
   */
  async upsert(row: Omit<PushSubscriptionRow, 'updatedAt'>): Promise<{ row: PushSubscriptionRow; created: boolean }> {
    const t = pushSubscriptions;
    const sameOwner = sql`${t.ownerRole} = excluded.owner_role AND ${t.ownerId} = excluded.owner_id`;
    const [r] = await this.db
      .insert(t)
      .values({ ...row, updatedAt: row.createdAt })
      .onConflictDoUpdate({
        target: t.endpoint,
        set: {
          id: sql`CASE WHEN ${sameOwner} THEN ${t.id} ELSE excluded.id END`,
          createdAt: sql`CASE WHEN ${sameOwner} THEN ${t.createdAt} ELSE excluded.created_at END`,
          ownerRole: sql`excluded.owner_role`,
          ownerId: sql`excluded.owner_id`,
          p256dh: sql`excluded.p256dh`,
          auth: sql`excluded.auth`,
          updatedAt: sql`excluded.updated_at`,
        },
      })
      .returning();
    return { row: r, created: r.id === row.id && r.createdAt.getTime() === row.createdAt.getTime() };
  }

  /** Removes an owner's subscription of this endpoint; false when they have none. */
  async deleteOwned(ownerRole: PushOwner, ownerId: string, endpoint: string): Promise<boolean> {
    const t = pushSubscriptions;
    const rows = await this.db
      .delete(t)
      .where(and(eq(t.endpoint, endpoint), eq(t.ownerRole, ownerRole), eq(t.ownerId, ownerId)))
      .returning({ id: t.id });
    return rows.length > 0;
  }

  async deleteOwnedById(ownerRole: PushOwner, ownerId: string, id: string): Promise<boolean> {
    const t = pushSubscriptions;
    const rows = await this.db
      .delete(t)
      .where(and(eq(t.id, id), eq(t.ownerRole, ownerRole), eq(t.ownerId, ownerId)))
      .returning({ id: t.id });
    return rows.length > 0;
  }

  async deleteById(id: string): Promise<void> {
    await this.db.delete(pushSubscriptions).where(eq(pushSubscriptions.id, id));
  }

  async find(id: string): Promise<PushSubscriptionRow | undefined> {
    return (await this.db.select().from(pushSubscriptions).where(eq(pushSubscriptions.id, id)).limit(1))[0];
  }

  /** The devices of these accounts, read in the caller's transaction when given. */
  async ofOwners(tx: Db | undefined, owners: { role: PushOwner; id: string }[]): Promise<{ role: PushOwner; ownerId: string; subscriptionId: string }[]> {
    if (owners.length === 0) return [];
    const t = pushSubscriptions;
    const byRole = (role: PushOwner) => owners.filter((o) => o.role === role).map((o) => o.id);
    const conds = (['patient', 'doctor'] as const)
      .filter((role) => byRole(role).length > 0)
      .map((role) => and(eq(t.ownerRole, role), inArray(t.ownerId, byRole(role))));
    return (tx ?? this.db)
      .select({ role: t.ownerRole, ownerId: t.ownerId, subscriptionId: t.id })
      .from(t)
      .where(or(...conds))
      .orderBy(t.id);
  }

  /** Every subscription as (owner_role, owner_id, id), a subquery to join (none when push is off). */
  devices(enabled: boolean): SQL {
    const t = pushSubscriptions;
    return sql`(${this.db.select({ owner_role: t.ownerRole, owner_id: t.ownerId, id: t.id }).from(t).where(enabled ? undefined : sql`false`)})`;
  }

  async countOwned(ownerRole: PushOwner, ownerId: string): Promise<number> {
    const [r] = await this.db
      .select({ n: sql<number>`count(*)::int` })
      .from(pushSubscriptions)
      .where(and(eq(pushSubscriptions.ownerRole, ownerRole), eq(pushSubscriptions.ownerId, ownerId)));
    return r.n;
  }
}
