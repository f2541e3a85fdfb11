// SQL for the payment tables. Claims and idempotency are single statements, so several app
// instances sharing one database never confirm or refund twice.
import { and, desc, eq, inArray, lte, or, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { refundOwed } from '../appointments/read-model.js';
import type { RefundState } from './gateway.js';
import { paymentEvents, paymentOrders, paymentRefunds, type Gateway, type PaymentOrderRow, type PaymentOrderStatus, type RefundJobRow } from './tables.js';

export type NewPaymentOrder = typeof paymentOrders.$inferInsert;
export type RefundJobPatch = Partial<Omit<RefundJobRow, 'id' | 'appointmentId' | 'createdAt'>>;

/** A refund job's key: one job per appointment and gateway payment. */
export const refundJobId = (appointmentId: string, paymentId: string): string => `${appointmentId}:${paymentId}`;

/** Rolls back a partial event record: one of its keys was seen before. */
class SeenBefore extends Error {}

export class PaymentRepo {
  constructor(private readonly db: Db) {}

  async insertOrder(row: NewPaymentOrder): Promise<PaymentOrderRow> {
    return (await this.db.insert(paymentOrders).values(row).returning())[0];
  }

  async findOrder(id: string, gateway: Gateway): Promise<PaymentOrderRow | undefined> {
    return (await this.db.select().from(paymentOrders).where(and(eq(paymentOrders.id, id), eq(paymentOrders.gateway, gateway))).limit(1))[0];
  }

  /** The appointment's orders/sessions at one gateway, newest first. */
  async ordersOf(appointmentId: string, gateway: Gateway, limit: number): Promise<PaymentOrderRow[]> {
    return this.db
      .select()
      .from(paymentOrders)
      .where(and(eq(paymentOrders.appointmentId, appointmentId), eq(paymentOrders.gateway, gateway)))
      .orderBy(desc(paymentOrders.createdAt), desc(paymentOrders.id))
      .limit(limit);
  }

  async markOrder(id: string, status: PaymentOrderStatus, paymentId: string | null): Promise<void> {
    await this.db.update(paymentOrders).set({ status, paymentId, updatedAt: sql`now()` }).where(eq(paymentOrders.id, id));
  }

  /**
   * Claims a webhook event under every key that identifies it (an event id, the hash of its signed
   * body…), all or none: false when any of them is taken (a replay, or a concurrent duplicate).
   * A claim holds a lease of `leaseSeconds` (database time, shared by every instance): an event
   * still `received` after its lease was left by a delivery that died mid-way, and the next
   * delivery claims it again. Keys are taken in sorted order so two deliveries sharing keys cannot
   * deadlock.
   */
  async recordEvent(gateway: Gateway, keys: string[], type: string, leaseSeconds: number): Promise<boolean> {
    const sorted = [...new Set(keys)].sort();
    const leaseUntil = sql`now() + make_interval(secs => ${leaseSeconds})`;
    try {
      await this.db.transaction(async (tx) => {
        for (const eventId of sorted) {
          const rows = await tx
            .insert(paymentEvents)
            .values({ gateway, eventId, type, outcome: 'received', leaseUntil })
            .onConflictDoUpdate({
              target: [paymentEvents.gateway, paymentEvents.eventId],
              set: { type, leaseUntil, receivedAt: sql`now()` },
              setWhere: sql`${paymentEvents.outcome} = 'received' AND (${paymentEvents.leaseUntil} IS NULL OR ${paymentEvents.leaseUntil} <= now())`,
            })
            .returning({ id: paymentEvents.eventId });
          if (rows.length !== 1) throw new SeenBefore();
        }
      });
      return true;
    } catch (err) {
      if (err instanceof SeenBefore) return false;
      throw err;
    }
  }

  async setEventOutcome(gateway: Gateway, keys: string[], outcome: string, appointmentId: string | null): Promise<void> {
    await this.db.update(paymentEvents).set({ outcome, appointmentId, leaseUntil: null }).where(and(eq(paymentEvents.gateway, gateway), inArray(paymentEvents.eventId, keys)));
  }

  /** Forgets an event whose handling failed, so the gateway's redelivery is processed again. */
  async forgetEvent(gateway: Gateway, keys: string[]): Promise<void> {
    await this.db.delete(paymentEvents).where(and(eq(paymentEvents.gateway, gateway), inArray(paymentEvents.eventId, keys)));
  }

  async findEvent(gateway: Gateway, eventId: string) {
    return (await this.db.select().from(paymentEvents).where(and(eq(paymentEvents.gateway, gateway), eq(paymentEvents.eventId, eventId))).limit(1))[0];
  }

  /**
   * Queues the refund a cancellation owes, inside the cancellation's own transaction (`tx`), so
   * the refund is committed together with the cancel or not at all. Reads the row the cancel just
   * wrote through the appointments read model (paid, refund due, the gateway payment to refund), in
   * the same statement as the insert.
   */
  async queueRefund(tx: Db, appointmentId: string, now: Date): Promise<void> {
    const owed = refundOwed(tx, appointmentId);
    await tx.execute(sql`
      INSERT INTO payment_refunds (id, appointment_id, kind, gateway, payment_id, amount_minor, currency, status, next_attempt_at)
      SELECT ${owed.id} || ':' || ${owed.paymentId}, ${owed.id}, 'cancellation', ${owed.paymentGateway}, ${owed.paymentId}, ${owed.refundMinor},
             ${owed.currency}, 'queued', ${now.toISOString()}::timestamptz
        FROM ${owed}
       WHERE ${owed.paymentGateway} IN ('razorpay', 'stripe')
      ON CONFLICT (id) DO NOTHING`);
  }

  /** Queues a full refund of a payment that could not be applied to its appointment. */
  async queueUnappliedRefund(job: { appointmentId: string; gateway: Gateway; paymentId: string; amountMinor: number; currency: string }): Promise<void> {
    await this.db
      .insert(paymentRefunds)
      .values({ ...job, id: refundJobId(job.appointmentId, job.paymentId), kind: 'unapplied', status: 'queued', attempts: 0, nextAttemptAt: new Date(0) })
      .onConflictDoNothing();
  }

  /**
   * Takes one due refund job (a given appointment's, or any): queued and due, or processing with
   * an expired lease (its worker died). SKIP LOCKED lets concurrent workers take different rows.
   */
  async claimRefund(now: Date, leaseUntil: Date, appointmentId?: string): Promise<RefundJobRow | undefined> {
    const due = or(
      and(eq(paymentRefunds.status, 'queued'), lte(paymentRefunds.nextAttemptAt, now)),
      and(eq(paymentRefunds.status, 'processing'), lte(paymentRefunds.leaseUntil, now)),
    );
    const pick = this.db
      .select({ id: paymentRefunds.id })
      .from(paymentRefunds)
      .where(appointmentId ? and(due, eq(paymentRefunds.appointmentId, appointmentId)) : due)
      .orderBy(paymentRefunds.nextAttemptAt)
      .limit(1)
      .for('update', { skipLocked: true });
    return (
      await this.db
        .update(paymentRefunds)
        .set({ status: 'processing', attempts: sql`${paymentRefunds.attempts} + 1`, leaseUntil, updatedAt: sql`now()` })
        .where(and(inArray(paymentRefunds.id, pick), due))
        .returning()
    )[0];
  }

  async updateRefund(id: string, patch: RefundJobPatch): Promise<void> {
    await this.db.update(paymentRefunds).set({ ...patch, updatedAt: sql`now()` }).where(eq(paymentRefunds.id, id));
  }

  /**
   * Records the gateway's word on a job's refund (its answer when issued, or a later webhook).
   * `processed` and `failed` are final: a late or out-of-order `pending` leaves them as they are.
   * The row is locked so two reports of one refund apply one after the other. Returns the state
   * before and after, or undefined when the job holds another refund (or is gone).
   */
  async recordRefundState(
    id: string,
    refundId: string,
    state: RefundState,
    /** runs in the same transaction once the new state is written (domain events of the change) */
    inTx?: (tx: Db, change: { before: RefundState | null; after: RefundState }) => Promise<void>,
  ): Promise<{ before: RefundState | null; after: RefundState } | undefined> {
    return this.db.transaction(async (tx) => {
      const [row] = await tx
        .select({ refundId: paymentRefunds.refundId, refundState: paymentRefunds.refundState })
        .from(paymentRefunds)
        .where(eq(paymentRefunds.id, id))
        .for('update');
      if (!row || (row.refundId !== null && row.refundId !== refundId)) return undefined;
      const before = row.refundState;
      const after = before === 'processed' || before === 'failed' ? before : state;
      // a refund the gateway failed needs a person, like a refund that could not be issued
      await tx
        .update(paymentRefunds)
        .set({
          refundId,
          refundState: after,
          status: after === 'failed' ? 'failed' : 'issued',
          leaseUntil: null,
          lastError: after === 'failed' ? 'the gateway reports the refund failed' : null,
          updatedAt: sql`now()`,
        })
        .where(eq(paymentRefunds.id, id));
      await inTx?.(tx, { before, after });
      return { before, after };
    });
  }

  async refundState(id: string): Promise<RefundState | null | undefined> {
    return (await this.db.select({ s: paymentRefunds.refundState }).from(paymentRefunds).where(eq(paymentRefunds.id, id)).limit(1))[0]?.s;
  }

  async findRefundByGatewayId(gateway: Gateway, refundId: string): Promise<RefundJobRow | undefined> {
    return (await this.db.select().from(paymentRefunds).where(and(eq(paymentRefunds.gateway, gateway), eq(paymentRefunds.refundId, refundId))).limit(1))[0];
  }

  async findRefundByPayment(gateway: Gateway, paymentId: string): Promise<RefundJobRow | undefined> {
    return (await this.db.select().from(paymentRefunds).where(and(eq(paymentRefunds.gateway, gateway), eq(paymentRefunds.paymentId, paymentId))).limit(1))[0];
  }
}
