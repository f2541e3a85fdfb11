// An appointment's domain events: recorded inside the transaction of the change (the outbox
// listeners write with it), published after commit (caches, live streams, the waitlist).
import type { Db } from '../../db/client.js';
import type { Actor, AppointmentRow } from '../../db/schema.js';
import type { Clock } from '../../lib/clock.js';
import type { AppointmentEventType, AppointmentFacts, DomainEvent, DomainEvents, RecordedWrites } from '../../lib/events.js';

export class AppointmentEvents {
  constructor(
    private readonly events: DomainEvents,
    private readonly clock: Clock,
  ) {}

  of(row: AppointmentRow, type: AppointmentEventType, actor: Actor): Extract<DomainEvent, { kind: 'appointment' }> {
    return {
      kind: 'appointment',
      type,
      appointmentId: row.id,
      doctorId: row.doctorId,
      patientId: row.patientId,
      status: row.status,
      actor,
      at: this.clock.now(),
    };
  }

  /** `parties`: the patient and doctor the change already read, handed to the listeners with the row (AppointmentFacts). */
  record(tx: Db, row: AppointmentRow, type: AppointmentEventType, actor: Actor, parties?: Omit<AppointmentFacts, 'row'>): Promise<void> {
    return this.events.record(tx, { ...this.of(row, type, actor), ...(parties ? { facts: { row, ...parties } } : {}) });
  }

  /** The listeners' writes for this event as `record` would make them (DomainEvents.writesOf), or null. */
  writesOf(row: AppointmentRow, type: AppointmentEventType, actor: Actor, parties: Omit<AppointmentFacts, 'row'>): RecordedWrites | null {
    return this.events.writesOf({ ...this.of(row, type, actor), facts: { row, ...parties } });
  }

  publish(row: AppointmentRow, type: AppointmentEventType, actor: Actor): Promise<void> {
    return this.events.publish(this.of(row, type, actor));
  }

  /** Events answered from inside a transaction (released holds), published once it committed. */
  async publishAll(events: DomainEvent[]): Promise<void> {
    for (const event of events) await this.events.publish(event);
  }
}
