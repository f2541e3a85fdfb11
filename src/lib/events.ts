// Domain events in two phases. `record` runs inside the transaction that made the change, so a
// listener (the notification outbox) commits or rolls back with it; `publish` runs after commit
// for effects that must only see committed data (cache invalidation, live streams). A listener may
// also say what it would write as SQL that needs no answer (`writesOf`): a change with nothing to
// read back then sends those writes inside its own statement, one round trip for the whole change.
import type { SQL } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import type { Address, AppointmentRow, AppointmentStatus, Actor } from '../db/schema.js';

export type AppointmentEventType = 'booked' | 'confirmed' | 'rescheduled' | 'cancelled' | 'completed' | 'expired';

export type DomainEvent =
  | {
      kind: 'appointment';
      type: AppointmentEventType;
      appointmentId: string;
      doctorId: string;
      patientId: string;
      status: AppointmentStatus;
      actor: Actor;
      at: Date;
      /**
       * The appointment as the change wrote it and its parties as the change read them, when the
       * change holds them (a booking): listeners inside the transaction use them instead of reading
       * them back. Recorded events only; published events carry the ids alone.
       */
      facts?: AppointmentFacts;
    }
  | { kind: 'doctor'; type: 'created' | 'updated'; doctorId: string; at: Date }
  | { kind: 'patient'; type: 'created' | 'updated'; patientId: string; at: Date }
  /**
   * `refunded`: a refund the gateway reports processed (recorded in the transaction that makes it
   * final); `refund-queued`: a captured payment that could not be applied was queued for a refund
   * (published, for the refund processor to start on it)
   */
  | { kind: 'payment'; type: 'refunded' | 'refund-queued'; appointmentId: string; gateway: string; amountMinor: number; currency: string; at: Date }
  /** a review was written, edited, hidden or shown again: the doctor's rating may have moved */
  | { kind: 'review'; reviewId: string; doctorId: string; at: Date }
  /** a message was sent in an appointment's thread, or its recipient read the thread (no body here) */
  | { kind: 'message'; type: 'sent' | 'read'; appointmentId: string; doctorId: string; patientId: string; actor: 'patient' | 'doctor'; at: Date }
  /** a waitlist offer was made, accepted, declined, lapsed or withdrawn (its patient leaving the waitlist) */
  | { kind: 'waitlist'; type: WaitlistEventType; entryId: string; offerId: string; doctorId: string; patientId: string; at: Date };

/** An appointment as written in the change's transaction, with what its notices name of patient and doctor. */
export interface AppointmentFacts {
  row: AppointmentRow;
  patient: { id: string; name: string; email: string };
  doctor: { id: string; name: string; email: string; speciality: string; timeZone: string; address: Address };
}

export type WaitlistEventType = 'offered' | 'accepted' | 'declined' | 'lapsed' | 'withdrawn';

export type TxListener = (tx: Db, event: DomainEvent) => Promise<void>;

/**
 * What a listener writes for an event, as statements whose answers it does not need (INSERT,
 * UPDATE or DELETE without RETURNING), to run as data-modifying WITH clauses of the change's own
 * statement. `written` runs once that statement has committed (the listener's log lines).
 */
export interface RecordedWrites {
  statements: SQL[];
  written?: () => void;
}

/** No writes: the listener does nothing for this event. */
export const NO_WRITES: RecordedWrites = { statements: [] };

/** A listener's writes for an event; null when this event needs the transaction (it reads, or uses an answer). */
export type WritesListener = (event: DomainEvent) => RecordedWrites | null;
export type CommitListener = (event: DomainEvent) => void | Promise<void>;

export class DomainEvents {
  private readonly txListeners: { inTx: TxListener; writes?: WritesListener }[] = [];
  private readonly commitListeners: CommitListener[] = [];

  /** `writes`: the same listener's work as writes needing no answer, where it can say so (see writesOf). */
  onRecord(listener: TxListener, writes?: WritesListener): void {
    this.txListeners.push({ inTx: listener, writes });
  }

  onPublish(listener: CommitListener): void {
    this.commitListeners.push(listener);
  }

  async record(tx: Db, event: DomainEvent): Promise<void> {
    for (const l of this.txListeners) await l.inTx(tx, event);
  }

  /**
   * Every listener's writes for `event`, for a change that sends them in its own statement instead
   * of calling `record`; null when a listener has no such form or needs the transaction for it.
   */
  writesOf(event: DomainEvent): RecordedWrites | null {
    const statements: SQL[] = [];
    const written: (() => void)[] = [];
    for (const l of this.txListeners) {
      const w = l.writes?.(event);
      if (!w) return null;
      statements.push(...w.statements);
      if (w.written) written.push(w.written);
    }
    return { statements, written: () => written.forEach((f) => f()) };
  }

  /** After commit: listeners' failures are contained so an acknowledged change is never reported as failed. */
  async publish(event: DomainEvent, onError?: (err: unknown) => void): Promise<void> {
    for (const l of this.commitListeners) {
      try {
        await l(event);
      } catch (err) {
        onError?.(err);
      }
    }
  }
}
