// Waitlists: a patient waits for a doctor's time in a window of dates (up to 14 days, optionally one
// part of the day). When time frees on that doctor (a cancellation, an expired unpaid hold, a
// reschedule away, time off removed, an offer declined or lapsed) the earliest waiting patient is
// offered a free time in their window, held for them WAITLIST_OFFER_MINUTES; accepting books it with
// every booking rule. What races could break is kept by the database (migration 1710): an open offer
// holds its time in schedule_blocks under the no-overlap exclusion constraint, one open offer per time
// and per entry (unique indexes), offers only to waiting entries (a trigger), one waiting entry per
// patient, doctor and date (an exclusion constraint).
//
// Freed time is noted in `waitlist_freed` inside the transaction that freed it (events.onRecord), then
// matched right after commit (events.onPublish) and again by the background job (runOnce) for notes
// a crash left behind. Matching is idempotent: it offers free times to waiting entries without one.
//
// Over 300 lines on purpose: the entry and offer states move only here, and reading every transition
// (join, match, accept, decline, lapse, leave) in one class is how their races are checked.
import type { Static } from 'typebox';
import type { Config } from '../../config.js';
import type { Db } from '../../db/client.js';
import type { DoctorRow } from '../../db/schema.js';
import type { Clock } from '../../lib/clock.js';
import { AppError, badRequest, conflict, notFound, PG_EXCLUSION_VIOLATION, PG_UNIQUE_VIOLATION, sqlState } from '../../lib/errors.js';
import { NO_WRITES, type DomainEvent, type DomainEvents, type WaitlistEventType } from '../../lib/events.js';
import { newId } from '../../lib/ids.js';
import { addDays, MAX_YEAR, MIN_YEAR, parseCalendarDate, wallClock } from '../../lib/time.js';
import type { AppointmentService } from '../appointments/service.js';
import { rangeLiteral } from '../appointments/slot.js';
import type { AppointmentView } from '../appointments/view.js';
import type { BookingRules } from '../appointments/rules.js';
import type { DoctorService } from '../doctors/service.js';
import type { NotificationSink } from '../notifications/sink.js';
import type { PatientService } from '../patients/service.js';
import type { SchedulingService, SlotView } from '../scheduling/service.js';
import { daysBetween } from '../scheduling/engine.js';
import type { DayCount, WaitlistRepo } from './repo.js';
import type { JoinBody, WaitlistEntry, WaitlistOffer } from './schemas.js';
import type { EntryRow, OfferRow, PartOfDay } from './tables.js';

export const MAX_WINDOW_DAYS = 14;
/** SQLSTATE of the trigger refusing an offer to an entry that is not waiting (migration 1710) */
const ENTRY_NOT_WAITING = 'WL001';
const DAY = 24 * 3600_000;
/** Local start minutes of each part of the day: morning before noon, afternoon to 17:00, evening after. */
const PARTS: Record<PartOfDay, [number, number]> = { any: [0, 24 * 60], morning: [0, 12 * 60], afternoon: [12 * 60, 17 * 60], evening: [17 * 60, 24 * 60] };

/** `toDate` defaults to `fromDate` (one day). */
export type JoinInput = Static<typeof JoinBody>;
export type OfferView = Static<typeof WaitlistOffer>;
/**
 * `waiting` with an open offer is shown with `offer`; a waiting entry whose window passed is `ended`;
 * `offer` is the open offer, or the last one made (declined, lapsed, accepted), or null.
 */
export type EntryView = Static<typeof WaitlistEntry>;

export const offerView = (o: OfferRow): OfferView => ({
  _id: o.id,
  slotDate: o.slotDate,
  slotTime: o.slotTime,
  startsAt: o.startsAt.toISOString(),
  endsAt: o.endsAt.toISOString(),
  status: o.status,
  expiresAt: o.expiresAt.toISOString(),
  appointmentId: o.appointmentId,
});

interface Assignment {
  entry: EntryRow;
  slot: SlotView;
  startsAt: Date;
  endsAt: Date;
  holdUntil: Date;
}

export class WaitlistService {
  private readonly names = new Map<string, { name: string; timeZone: string }>();

  constructor(
    private readonly db: Db,
    private readonly repo: WaitlistRepo,
    private readonly doctors: DoctorService,
    private readonly patients: PatientService,
    private readonly appointments: AppointmentService,
    private readonly scheduling: SchedulingService,
    private readonly rules: BookingRules,
    private readonly notifications: NotificationSink,
    private readonly events: DomainEvents,
    private readonly clock: Clock,
    private readonly config: Config,
  ) {}

  /** Subscribes to the events that free a doctor's time. */
  listen(onError: (err: unknown) => void): void {
    this.events.onRecord(
      async (tx, event) => {
        const doctorId = freedDoctor(event);
        if (doctorId) await this.repo.addFreed(doctorId, tx);
      },
      (event) => (freedDoctor(event) ? null : NO_WRITES),
    );
    this.events.onPublish(async (event) => {
      const doctorId = freedDoctor(event);
      if (!doctorId) return;
      try {
        await this.match(doctorId);
      } catch (err) {
        // the note stays in waitlist_freed (or the next change notes it): the job matches it again
        onError(err);
      }
    });
  }

  private today(doctor: DoctorRow): string {
    return wallClock(this.clock.now(), doctor.timeZone).date;
  }

  async join(patientId: string, input: JoinInput): Promise<EntryView> {
    const fromDate = parseCalendarDate(input.fromDate);
    if (!fromDate) throw badRequest(`fromDate must be a real date like 2025-01-31, years ${MIN_YEAR}–${MAX_YEAR}`);
    const toDate = input.toDate === undefined ? fromDate : parseCalendarDate(input.toDate);
    if (!toDate) throw badRequest(`toDate must be a real date like 2025-01-31, years ${MIN_YEAR}–${MAX_YEAR}`);
    if (toDate < fromDate) throw badRequest('toDate must not be before fromDate');
    if (daysBetween(fromDate, toDate) + 1 > MAX_WINDOW_DAYS) throw badRequest(`A waitlist entry covers at most ${MAX_WINDOW_DAYS} days`);
    const doctor = await this.doctors.find(input.docId);
    if (!doctor) throw notFound('Doctor not found');
    if (!doctor.available) throw conflict('Doctor not available');
    const now = this.clock.now();
    const today = this.today(doctor);
    if (fromDate < today) throw badRequest(`fromDate ${fromDate} is in the past (today is ${today} in the doctor’s time zone)`);
    const lastBookable = wallClock(now.getTime() + this.config.scheduling.maxAdvanceDays * DAY, doctor.timeZone).date;
    if (fromDate > lastBookable) throw badRequest(`This doctor can be booked at most ${this.config.scheduling.maxAdvanceDays} days ahead (until ${lastBookable})`);
    const max = this.config.waitlist.maxEntries;
    let entry: EntryRow;
    try {
      entry = await this.db.transaction(async (tx) => {
        await this.repo.lockPatient(patientId, tx);
        if ((await this.repo.countLive(patientId, today, tx)) >= max) {
          throw conflict(`You are already on ${max} ${max === 1 ? 'waitlist' : 'waitlists'}: leave one before joining another`);
        }
        const created = await this.repo.insertEntry(
          { id: newId(now), patientId, doctorId: doctor.id, fromDate, toDate, partOfDay: input.partOfDay ?? 'any', status: 'waiting', joinedAt: now },
          tx,
        );
        // a free time may already be in the window: matched like any freed time
        await this.repo.addFreed(doctor.id, tx);
        return created;
      });
    } catch (err) {
      if (sqlState(err) === PG_EXCLUSION_VIOLATION) throw conflict('You are already on this doctor’s waitlist for some of these dates: leave that entry first');
      throw err;
    }
    await this.match(doctor.id);
    return this.viewOf(entry.id, patientId);
  }

  async list(patientId: string): Promise<EntryView[]> {
    const { entries, offers } = await this.repo.listForPatient(patientId);
    const latest = new Map<string, OfferRow>();
    for (const o of offers) if (!latest.has(o.entryId)) latest.set(o.entryId, o);
    const now = this.clock.now();
    const views: EntryView[] = [];
    for (const e of entries) views.push(await this.view(e, latest.get(e.id), now));
    return views;
  }

  /** One of the patient's entries; another patient's is answered as unknown (no hint it exists). */
  private async own(patientId: string, entryId: string): Promise<EntryRow> {
    const entry = await this.repo.findEntry(entryId);
    if (!entry || entry.patientId !== patientId) throw notFound('Waitlist entry not found');
    return entry;
  }

  private async viewOf(entryId: string, patientId: string): Promise<EntryView> {
    const entry = await this.own(patientId, entryId);
    return this.view(entry, await this.repo.latestOffer(entryId), this.clock.now());
  }

  private async view(e: EntryRow, offer: OfferRow | undefined, now: Date): Promise<EntryView> {
    const lapsedUnseen = offer?.status === 'open' && offer.expiresAt.getTime() <= now.getTime();
    const doctor = await this.doctorOf(e.doctorId);
    const ended = e.status === 'waiting' && e.toDate < wallClock(now, doctor.timeZone).date;
    return {
      _id: e.id,
      docId: e.doctorId,
      doctorName: doctor.name,
      fromDate: e.fromDate,
      toDate: e.toDate,
      partOfDay: e.partOfDay,
      status: ended ? 'ended' : e.status,
      joinedAt: e.joinedAt.toISOString(),
      appointmentId: e.appointmentId,
      // an open offer past its time is lapsed whether or not the job has run yet
      offer: offer ? { ...offerView(offer), status: lapsedUnseen ? 'lapsed' : offer.status } : null,
    };
  }

  /** A doctor's name and zone for entry views (both rarely change; a stale name is harmless there). */
  private async doctorOf(id: string): Promise<{ name: string; timeZone: string }> {
    let d = this.names.get(id);
    if (!d) {
      const row = await this.doctors.find(id);
      d = { name: row?.name ?? '', timeZone: row?.timeZone ?? this.config.timezone };
      if (this.names.size > 1000) this.names.clear();
      this.names.set(id, d);
    }
    return d;
  }

  /** Leaves the waitlist: an open offer is withdrawn and its time passes to the next patient. */
  async leave(patientId: string, entryId: string): Promise<EntryView> {
    const entry = await this.own(patientId, entryId);
    if (entry.status !== 'waiting') throw conflict(`This waitlist entry is already ${entry.status}`);
    const now = this.clock.now();
    const withdrawn = await this.db.transaction(async (tx) => {
      const offer = await this.repo.decideOpenOffer(entryId, 'withdrawn', now, tx);
      const closed = await this.repo.closeEntry(entryId, 'left', now, null, tx);
      if (!closed) throw conflict('This waitlist entry changed meanwhile: it is no longer waiting');
      if (offer) {
        await this.repo.addFreed(entry.doctorId, tx);
        await this.record(tx, offer, 'withdrawn');
      }
      return offer;
    });
    if (withdrawn) await this.publish(withdrawn, 'withdrawn');
    if (withdrawn) await this.match(entry.doctorId);
    return this.viewOf(entryId, patientId);
  }

  /**
   * Accepts the entry's open offer: a normal booking with every booking rule, which releases the
   * held time in its own transaction. Of two racing accepts one books and the other answers 409; an
   * offer past its time answers 410.
   */
  async accept(patientId: string, entryId: string, mode?: AppointmentView['mode']): Promise<{ entry: EntryView; appointment: AppointmentView }> {
    const entry = await this.own(patientId, entryId);
    const offer = await this.repo.latestOffer(entryId);
    const now = this.clock.now();
    this.assertOpen(entry, offer, now);
    let accepted: OfferRow | undefined;
    const appointment = await this.appointments.book(
      patientId,
      { docId: entry.doctorId, slotDate: offer!.slotDate, slotTime: offer!.slotTime, mode },
      {
        beforeInsert: async (tx) => {
          accepted = await this.repo.decideOpenOffer(entryId, 'accepted', now, tx, now);
          if (!accepted) throw conflict('This offer was answered meanwhile or has lapsed');
        },
        inTransaction: async (tx, booked) => {
          await this.repo.setOfferAppointment(accepted!.id, booked._id, tx);
          if (!(await this.repo.closeEntry(entryId, 'booked', now, booked._id, tx))) throw conflict('This waitlist entry changed meanwhile: it is no longer waiting');
          await this.record(tx, accepted!, 'accepted');
        },
      },
    );
    await this.publish(accepted!, 'accepted');
    return { entry: await this.viewOf(entryId, patientId), appointment };
  }

  /** Declines the entry's open offer: the time passes to the next patient; the entry keeps waiting. */
  async decline(patientId: string, entryId: string): Promise<EntryView> {
    const entry = await this.own(patientId, entryId);
    const now = this.clock.now();
    this.assertOpen(entry, await this.repo.latestOffer(entryId), now);
    const declined = await this.db.transaction(async (tx) => {
      const offer = await this.repo.decideOpenOffer(entryId, 'declined', now, tx, now);
      if (!offer) throw conflict('This offer was answered meanwhile or has lapsed');
      await this.repo.addFreed(entry.doctorId, tx);
      await this.record(tx, offer, 'declined');
      return offer;
    });
    await this.publish(declined, 'declined');
    await this.match(entry.doctorId);
    return this.viewOf(entryId, patientId);
  }

  private assertOpen(entry: EntryRow, offer: OfferRow | undefined, now: Date): void {
    if (entry.status !== 'waiting') throw conflict(`This waitlist entry is ${entry.status}: there is no offer to answer`);
    if (!offer) throw conflict('No time has been offered on this waitlist entry yet');
    if (offer.status === 'lapsed' || (offer.status === 'open' && offer.expiresAt.getTime() <= now.getTime())) {
      throw new AppError(410, 'This offer has lapsed: the time was passed to the next patient');
    }
    if (offer.status !== 'open') throw conflict(`No time is offered on this waitlist entry now (the last offer was ${offer.status})`);
  }

  async doctorSummary(doctorId: string): Promise<DayCount[]> {
    const doctor = await this.doctors.get(doctorId);
    return this.repo.countsByDay(this.today(doctor), doctorId);
  }

  async adminSummary(docId?: string): Promise<DayCount[]> {
    if (docId) return this.doctorSummary(docId);
    return this.repo.countsByDay(wallClock(this.clock.now(), this.config.timezone).date);
  }

  /**
   * Offers free times of a doctor to their waiting entries without an open offer: entries in the order
   * they joined, each the earliest free time of its window and part of the day not offered to it
   * before. Answers the offers made.
   */
  async match(doctorId: string): Promise<OfferRow[]> {
    const doctor = await this.doctors.find(doctorId);
    if (!doctor) return [];
    const now = this.clock.now();
    const today = this.today(doctor);
    const upTo = await this.repo.freedUpTo(doctorId);
    const { entries, holding, offeredBefore } = await this.repo.waitingForDoctor(doctorId, today);
    // read before the transaction below: an embedded database answers one connection at a time
    const patients = new Map<string, { name: string; email: string }>();
    for (const e of entries) {
      if (holding.has(e.id) || patients.has(e.patientId)) continue;
      const p = await this.patients.get(e.patientId).catch(() => undefined);
      if (p) patients.set(p.id, { name: p.name, email: p.email });
      // an account deleted since joining: its entries end here rather than hold times for nobody
      else await this.repo.closeEntry(e.id, 'left', now, null, this.db);
    }
    const candidates = entries.filter((e) => !holding.has(e.id) && patients.has(e.patientId));
    const assignments: Assignment[] = [];
    if (candidates.length && doctor.available) {
      const slots = await this.freeSlots(doctor.id, candidates, today);
      const taken: { start: number; end: number }[] = [];
      for (const entry of candidates) {
        const [lo, hi] = PARTS[entry.partOfDay];
        const before = offeredBefore.get(entry.id);
        for (const slot of slots) {
          if (slot.slotDate < entry.fromDate || slot.slotDate > entry.toDate) continue;
          const startsAt = new Date(slot.startsAt);
          const minute = wallClock(startsAt, doctor.timeZone).minutes;
          if (minute < lo || minute >= hi) continue;
          if (before?.has(startsAt.getTime())) continue;
          const endsAt = new Date(slot.endsAt);
          const holdUntil = new Date(endsAt.getTime() + doctor.bufferMinutes * 60_000);
          if (taken.some((t) => startsAt.getTime() < t.end && holdUntil.getTime() > t.start)) continue;
          taken.push({ start: startsAt.getTime(), end: holdUntil.getTime() });
          assignments.push({ entry, slot, startsAt, endsAt, holdUntil });
          break;
        }
      }
    }
    // most doctor changes concern doctors nobody waits for: nothing to write
    if (!assignments.length && !upTo) return [];
    const made: OfferRow[] = [];
    const released: DomainEvent[] = [];
    const expiresAt = new Date(now.getTime() + this.config.waitlist.offerMinutes * 60_000);
    await this.db.transaction(async (tx) => {
      await this.appointments.lockSchedule(doctorId, tx);
      for (const a of assignments) {
        try {
          // a savepoint each: a time taken meanwhile (or an entry left) refuses this offer only
          const offer = await tx.transaction(async (sp) => {
            released.push(...(await this.rules.releaseExpired(sp, doctorId, a.startsAt, a.holdUntil, now)));
            const row = await this.repo.insertOffer(
              {
                id: newId(now), entryId: a.entry.id, patientId: a.entry.patientId, doctorId, slotDate: a.slot.slotDate, slotTime: a.slot.slotTime,
                startsAt: a.startsAt, endsAt: a.endsAt, blocks: rangeLiteral(a.startsAt, a.holdUntil), status: 'open', expiresAt, createdAt: now,
              },
              sp,
            );
            await this.tell(sp, row, doctor, patients.get(row.patientId)!);
            await this.record(sp, row, 'offered');
            return row;
          });
          made.push(offer);
        } catch (err) {
          const state = sqlState(err);
          if (state === PG_EXCLUSION_VIOLATION || state === PG_UNIQUE_VIOLATION || state === ENTRY_NOT_WAITING) continue;
          throw err;
        }
      }
      if (upTo) await this.repo.clearFreed(doctorId, upTo, tx);
    });
    for (const e of released) await this.events.publish(e);
    for (const o of made) await this.publish(o, 'offered');
    return made;
  }

  /** Free slots covering the candidates' windows, from today on, soonest first. */
  private async freeSlots(doctorId: string, entries: EntryRow[], today: string): Promise<SlotView[]> {
    let from = entries[0].fromDate;
    let to = entries[0].toDate;
    for (const e of entries) {
      if (e.fromDate < from) from = e.fromDate;
      if (e.toDate > to) to = e.toDate;
    }
    if (from < today) from = today;
    const chunk = Math.max(1, Math.min(this.config.scheduling.maxSlotRangeDays, 31));
    const out: SlotView[] = [];
    for (let start = from; start <= to; start = addDays(start, chunk)) {
      const end = addDays(start, chunk - 1) < to ? addDays(start, chunk - 1) : to;
      out.push(...(await this.scheduling.slots(doctorId, start, end)));
    }
    return out;
  }

  /** The email and the in-app notice of an offer, in the offer's transaction. */
  private async tell(tx: Db, offer: OfferRow, doctor: DoctorRow, patient: { name: string; email: string }): Promise<void> {
    const minutes = this.config.waitlist.offerMinutes;
    const when = `${offer.slotDate} at ${offer.slotTime} (${doctor.timeZone})`;
    const title = `A time with ${doctor.name} is free: ${when}`;
    const body = `It is held for you for ${minutes} minutes. Accept it in your waitlist to book it, or decline it to pass it on.`;
    await this.notifications.notify(tx, { role: 'patient', recipientId: offer.patientId, type: 'waitlist.offered', title, body });
    await this.notifications.enqueueEmail(tx, {
      to: patient.email,
      subject: `Waitlist: ${doctor.name} has a free time on ${offer.slotDate}`,
      text: `Hello ${patient.name},\n\n${title}.\n${body}\nThe offer lapses at ${offer.expiresAt.toISOString()} and then passes to the next patient on the waitlist.\n`,
      topic: 'waitlist.offered',
      dedupeKey: `waitlist-offer:${offer.id}`,
    });
  }

  private eventOf(offer: OfferRow, type: WaitlistEventType): DomainEvent {
    return { kind: 'waitlist', type, entryId: offer.entryId, offerId: offer.id, doctorId: offer.doctorId, patientId: offer.patientId, at: this.clock.now() };
  }

  private record(tx: Db, offer: OfferRow, type: WaitlistEventType): Promise<void> {
    return this.events.record(tx, this.eventOf(offer, type));
  }

  private publish(offer: OfferRow, type: WaitlistEventType): Promise<void> {
    return this.events.publish(this.eventOf(offer, type));
  }

  /**
   * The background job: lapses offers whose time to answer ended (their time passes on), closes
   * entries whose window passed, and matches every doctor with freed time noted.
   */
  async runOnce(): Promise<{ lapsed: number; offered: number }> {
    const now = this.clock.now();
    const lapsed = await this.db.transaction(async (tx) => {
      const rows = await this.repo.lapse(now, tx);
      for (const o of rows) {
        await this.repo.addFreed(o.doctorId, tx);
        await this.record(tx, o, 'lapsed');
      }
      return rows;
    });
    for (const o of lapsed) await this.publish(o, 'lapsed');
    // a day's margin for every time zone: the view shows an entry ended from its doctor's next day on
    await this.repo.endPast(addDays(wallClock(now, 'UTC').date, -1), now);
    let offered = 0;
    for (const { doctorId } of await this.repo.freedDoctors(100)) offered += (await this.match(doctorId)).length;
    return { lapsed: lapsed.length, offered };
  }
}

/**
 * The doctor whose time an event may have freed: an appointment cancelled, expired or moved away, or
 * a schedule change (hours, time off removed, a group session cancelled, a profile edit).
 */
function freedDoctor(event: DomainEvent): string | undefined {
  if (event.kind === 'appointment' && (event.type === 'cancelled' || event.type === 'expired' || event.type === 'rescheduled')) return event.doctorId;
  if (event.kind === 'doctor' && event.type === 'updated') return event.doctorId;
  return undefined;
}
