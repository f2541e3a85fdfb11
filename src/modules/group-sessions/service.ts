// Group sessions: a doctor opens a session (own time, fee, up to 50 places), patients book places,
// the doctor cancels the whole session. The database keeps the rules that races could break: a
// session never overlaps the doctor's single appointments or other sessions (schedule_blocks'
// exclusion constraint), and never takes more places than its capacity (migration 1701).
import type { Static } from 'typebox';
import type { Config } from '../../config.js';
import type { Db } from '../../db/client.js';
import type { GroupSessionRow } from '../../db/schema.js';
import type { Clock } from '../../lib/clock.js';
import { badRequest, conflict, forbidden, notFound, PG_EXCLUSION_VIOLATION, sqlState } from '../../lib/errors.js';
import type { DomainEvent, DomainEvents } from '../../lib/events.js';
import { newId } from '../../lib/ids.js';
import { toMajor, toMinor } from '../../lib/money.js';
import { DATE_FORMAT_MESSAGES, SLOT_DATE } from '../../lib/schemas.js';
import { formatSlotTime, parseSlotDate, parseSlotTime, zonedInstant } from '../../lib/time.js';
import type { AppointmentLifecycle } from '../appointments/lifecycle.js';
import type { AppointmentQueries } from '../appointments/queries.js';
import type { AppointmentService } from '../appointments/service.js';
import { rangeLiteral } from '../appointments/slot.js';
import type { AppointmentView } from '../appointments/view.js';
import type { BookingRules } from '../appointments/rules.js';
import type { DoctorService } from '../doctors/service.js';
import type { GroupSessionRepo } from './repo.js';
import type { GroupSession, OpenSessionBody } from './schemas.js';

export const MAX_CAPACITY = 50;
const MAX_FEES = 10_000_000;
const DAY = 24 * 3600_000;

export type OpenSessionInput = Static<typeof OpenSessionBody>;
export type GroupSessionView = Static<typeof GroupSession>;

export const sessionView = (s: GroupSessionRow): GroupSessionView => ({
  _id: s.id,
  docId: s.doctorId,
  title: s.title,
  slotDate: s.slotDate,
  slotTime: s.slotTime,
  startsAt: s.startsAt.toISOString(),
  endsAt: s.endsAt.toISOString(),
  capacity: s.capacity,
  booked: s.booked,
  placesLeft: s.status === 'open' ? s.capacity - s.booked : 0,
  fee: toMajor(s.feeMinor),
  currency: s.currency,
  status: s.status,
  cancelReason: s.cancelReason,
  cancelledAt: s.cancelledAt?.toISOString() ?? null,
});

export class GroupSessionService {
  constructor(
    private readonly db: Db,
    private readonly repo: GroupSessionRepo,
    private readonly doctors: DoctorService,
    private readonly appointments: AppointmentService,
    private readonly appointmentQueries: AppointmentQueries,
    private readonly appointmentLifecycle: AppointmentLifecycle,
    private readonly rules: BookingRules,
    private readonly events: DomainEvents,
    private readonly clock: Clock,
    private readonly config: Config,
  ) {}

  async open(doctorId: string, input: OpenSessionInput): Promise<GroupSessionView> {
    const doctor = await this.doctors.get(doctorId);
    const title = input.title.trim();
    if (!title) throw badRequest('title cannot be empty');
    const slotDate = parseSlotDate(input.slotDate);
    if (!slotDate) throw badRequest(`slotDate ${DATE_FORMAT_MESSAGES[SLOT_DATE]}`);
    const minutes = parseSlotTime(input.slotTime);
    if (minutes === null) throw badRequest('slotTime must be a time like 10:30 AM');
    if (!Number.isInteger(input.capacity) || input.capacity < 1 || input.capacity > MAX_CAPACITY) throw badRequest(`capacity must be 1 to ${MAX_CAPACITY} places`);
    if (!Number.isFinite(input.fee) || input.fee < 0 || input.fee > MAX_FEES || Math.abs(Math.round(input.fee * 100) - input.fee * 100) > 1e-6) {
      throw badRequest(`fee must be a number between 0 and ${MAX_FEES} with at most two decimals`);
    }
    const startsAt = zonedInstant(slotDate, minutes, doctor.timeZone);
    if (!startsAt) throw badRequest(`${formatSlotTime(minutes)} does not exist on ${slotDate} in ${doctor.timeZone} (daylight-saving change)`);
    const now = this.clock.now();
    if (startsAt.getTime() <= now.getTime()) throw badRequest('A group session must start in the future');
    const maxDays = this.config.scheduling.maxAdvanceDays;
    if (startsAt.getTime() - now.getTime() > maxDays * DAY) throw badRequest(`A group session can start at most ${maxDays} days ahead`);
    const endsAt = new Date(startsAt.getTime() + input.durationMinutes * 60_000);
    const holdUntil = new Date(endsAt.getTime() + doctor.bufferMinutes * 60_000);
    let released: DomainEvent[] = [];
    let row: GroupSessionRow;
    try {
      row = await this.db.transaction(async (tx) => {
        await this.appointments.lockSchedule(doctor.id, tx);
        // unpaid holds whose payment window ended no longer hold their time
        released = await this.rules.releaseExpired(tx, doctor.id, startsAt, holdUntil, now);
        return this.repo.insert(
          {
            id: newId(now), doctorId: doctor.id, title, slotDate, slotTime: formatSlotTime(minutes), startsAt, endsAt,
            blocks: rangeLiteral(startsAt, holdUntil), capacity: input.capacity, feeMinor: toMinor(input.fee), currency: this.config.currency,
          },
          tx,
        );
      });
    } catch (err) {
      if (sqlState(err) === PG_EXCLUSION_VIOLATION) throw conflict('This time overlaps an appointment or another group session of the doctor');
      throw err;
    }
    for (const e of released) await this.events.publish(e);
    await this.events.publish({ kind: 'doctor', type: 'updated', doctorId: doctor.id, at: now });
    return sessionView(row);
  }

  async get(id: string): Promise<GroupSessionRow> {
    const row = await this.repo.findById(id);
    if (!row) throw notFound('Group session not found');
    return row;
  }

  /**
   * Cancels the session as a whole: first the session (no place can be taken any more, its time is
   * free again), then every live place as a cancellation by the doctor, so each paid place is
   * refunded in full by the cancellation policy through the payments module. Asking again finishes
   * a cancellation that stopped half-way (a crash between places).
   */
  async cancel(id: string, doctorId: string, reason?: string): Promise<{ session: GroupSessionView; cancelledPlaces: AppointmentView[] }> {
    const current = await this.get(id);
    if (current.doctorId !== doctorId) throw forbidden('This group session belongs to another doctor');
    // the session's time frees: its `updated` event is recorded with the cancel (the waitlist notes it there)
    const freed = { kind: 'doctor', type: 'updated', doctorId, at: this.clock.now() } as const;
    const closed = await this.db.transaction(async (tx) => {
      const row = await this.repo.cancel(id, reason?.trim() || null, freed.at, tx);
      if (row) await this.events.record(tx, freed);
      return row;
    });
    const places = await this.appointmentQueries.livePlaces(id);
    if (!closed && places.length === 0) throw conflict('This group session is already cancelled');
    const cancelledPlaces: AppointmentView[] = [];
    for (const placeId of places) {
      cancelledPlaces.push(await this.appointmentLifecycle.cancel(placeId, 'doctor', doctorId, reason?.trim() || 'The group session was cancelled'));
    }
    await this.events.publish(freed);
    return { session: sessionView(await this.get(id)), cancelledPlaces };
  }

  async listForDoctor(doctorId: string): Promise<GroupSessionView[]> {
    return (await this.repo.listForDoctor(doctorId, new Date(this.clock.now().getTime() - DAY))).map(sessionView);
  }

  /** Open sessions a patient can still book, for the doctor's free times. */
  async openFor(doctorId: string, from?: string, to?: string): Promise<GroupSessionView[]> {
    return (await this.repo.listOpen(doctorId, this.clock.now(), from, to)).map(sessionView);
  }

  async bookPlace(patientId: string, id: string): Promise<AppointmentView> {
    const session = await this.get(id);
    const blocks = await this.repo.blocks(id);
    if (!blocks) throw notFound('Group session not found');
    return this.appointments.bookPlace(patientId, session, blocks);
  }
}
