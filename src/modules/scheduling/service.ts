// Doctors' working hours, settings and time off; the public free-slot listing; the payment-window
// sweep. Doctors manage their own schedule, the admin anyone's: the routes pass the doctor id.
// Over 300 lines because hours, settings and time off share one validation of a doctor's week and
// one invalidation of the slots it yields; split, each part would repeat both.
import type { Static } from 'typebox';
import type { Config, WorkingRange } from '../../config.js';
import type { Db } from '../../db/client.js';
import type { AppointmentRow } from '../../db/schema.js';
import type { Clock } from '../../lib/clock.js';
import { badRequest, conflict, notFound, PG_EXCLUSION_VIOLATION, sqlState } from '../../lib/errors.js';
import { NO_WRITES, type DomainEvent, type DomainEvents, type RecordedWrites } from '../../lib/events.js';
import { newId } from '../../lib/ids.js';
import { addDays, canonicalTimeZone, MAX_YEAR, MIN_YEAR, parseInstant, parseSlotDate, wallClock, zonedInstant } from '../../lib/time.js';
import { consultationModes, type DoctorPatch, type DoctorService, type SlotsBookedSource } from '../doctors/service.js';
import { daysBetween, formatClock, freeSlots, parseClock } from './engine.js';
import { LEGACY_GRID_DAYS, mergeSlotsBooked, refusedGridTimes } from './legacy-grid.js';
import type { ScheduleRepo, TimeOffRow } from './repo.js';
import { scheduleOf, type SchedulingRules } from './rules.js';
import type { FreeSlot, Schedule, SettingsBody, TimeOffBody, TimeOffOut, WorkingRangeIn } from './schemas.js';

const DAY = 24 * 3600_000;

/** A working range as validated: `HH:MM`, 24 h; an `end` of `24:00` is midnight at the end of the day. */
export type HoursInput = Static<typeof WorkingRangeIn>;
export type SettingsInput = Static<typeof SettingsBody>;
/** One of: a whole local `date`; local dates `fromDate`..`toDate` (inclusive); or instants `startsAt`..`endsAt`. */
export type TimeOffInput = Static<typeof TimeOffBody>;
export type TimeOffView = Static<typeof TimeOffOut>;
export type ScheduleView = Static<typeof Schedule>;
export type SlotView = Static<typeof FreeSlot>;

const timeOffView = (t: TimeOffRow): TimeOffView => ({ id: t.id, startsAt: t.startsAt.toISOString(), endsAt: t.endsAt.toISOString(), reason: t.reason });

export class SchedulingService {
  private sweepTimer?: NodeJS.Timeout;

  constructor(
    private readonly db: Db,
    private readonly repo: ScheduleRepo,
    private readonly rules: SchedulingRules,
    private readonly doctors: DoctorService,
    private readonly events: DomainEvents,
    private readonly clock: Clock,
    private readonly config: Config,
  ) {}

  async schedule(doctorId: string): Promise<ScheduleView> {
    const doctor = await this.doctors.get(doctorId);
    const [hours, timeOff] = await Promise.all([this.repo.hours(doctorId), this.repo.timeOff(doctorId, new Date(this.clock.now().getTime() - DAY))]);
    return {
      docId: doctor.id,
      timeZone: doctor.timeZone,
      slotMinutes: doctor.slotMinutes,
      slotIntervalMinutes: doctor.slotIntervalMinutes,
      bufferMinutes: doctor.bufferMinutes,
      available: doctor.available,
      consultationModes: consultationModes(doctor),
      workingHours: hours.map((h) => ({ weekday: h.weekday, start: formatClock(h.start), end: formatClock(h.end) })),
      timeOff: timeOff.map(timeOffView),
    };
  }

  /** Replaces the weekly hours; breaks are the gaps between a weekday's ranges. */
  async setHours(doctorId: string, input: HoursInput[]): Promise<ScheduleView> {
    await this.doctors.get(doctorId);
    const ranges: WorkingRange[] = input.map((h) => {
      const start = parseClock(h.start);
      const end = parseClock(h.end);
      if (start === null || start >= 24 * 60) throw badRequest(`start "${h.start}" must be a time like 09:00`);
      if (end === null) throw badRequest(`end "${h.end}" must be a time like 17:30 (or 24:00)`);
      if (end <= start) throw badRequest(`Working range ${h.start}-${h.end} must end after it starts`);
      return { weekday: h.weekday, start, end };
    });
    const sorted = [...ranges].sort((a, b) => a.weekday - b.weekday || a.start - b.start);
    for (let i = 1; i < sorted.length; i++) {
      const [a, b] = [sorted[i - 1], sorted[i]];
      if (a.weekday === b.weekday && b.start < a.end) {
        throw badRequest(`Working ranges ${formatClock(a.start)}-${formatClock(a.end)} and ${formatClock(b.start)}-${formatClock(b.end)} overlap on weekday ${a.weekday}`);
      }
    }
    await this.freeingChange(doctorId, (tx) => this.repo.replaceHours(doctorId, sorted, tx));
    return this.schedule(doctorId);
  }

  async updateSettings(doctorId: string, input: SettingsInput): Promise<ScheduleView> {
    const timeZone = input.timeZone === undefined ? undefined : canonicalTimeZone(input.timeZone);
    if (timeZone === null) throw badRequest(`"${input.timeZone}" is not a valid IANA time zone`);
    const { consultationModes: modes, ...rest } = input;
    const patch: DoctorPatch = Object.fromEntries(Object.entries({ ...rest, timeZone }).filter(([, v]) => v !== undefined));
    if (modes !== undefined) {
      if (modes.length === 0) throw badRequest('consultationModes must name at least one of in_person and video');
      patch.offersInPerson = modes.includes('in_person');
      patch.offersVideo = modes.includes('video');
    }
    if (Object.keys(patch).length === 0) throw badRequest('Nothing to change: give slotMinutes, slotIntervalMinutes, bufferMinutes, timeZone or consultationModes');
    await this.doctors.applyPatch(doctorId, patch);
    return this.schedule(doctorId);
  }

  async addTimeOff(doctorId: string, input: TimeOffInput): Promise<TimeOffView> {
    const doctor = await this.doctors.get(doctorId);
    const { startsAt, endsAt } = this.timeOffInterval(input, doctor.timeZone);
    try {
      const row = await this.repo.insertTimeOff({ id: newId(), doctorId, startsAt, endsAt, reason: input.reason?.trim() || null });
      await this.published(doctorId);
      return timeOffView(row);
    } catch (err) {
      if (sqlState(err) === PG_EXCLUSION_VIOLATION) throw conflict('This time off overlaps time off already recorded');
      throw err;
    }
  }

  async removeTimeOff(doctorId: string, id: string): Promise<void> {
    await this.freeingChange(doctorId, async (tx) => {
      if (!(await this.repo.deleteTimeOff(doctorId, id, tx))) throw notFound('Time off not found');
    });
  }

  /**
   * A change that may free the doctor's time (hours changed, time off removed): its `updated` event
   * is recorded in the change's transaction, so what listens there (the waitlist's note of freed
   * time) commits with it and survives a crash right after; published after the commit.
   */
  private async freeingChange(doctorId: string, work: (tx: Db) => Promise<void>): Promise<void> {
    const event = { kind: 'doctor', type: 'updated', doctorId, at: this.clock.now() } as const;
    await this.db.transaction(async (tx) => {
      await work(tx);
      await this.events.record(tx, event);
    });
    await this.events.publish(event);
  }

  /** The doctor's published schedule changed: cached doctor lists (their slots_booked under LEGACY_CLIENTS) are dropped. */
  private async published(doctorId: string): Promise<void> {
    await this.events.publish({ kind: 'doctor', type: 'updated', doctorId, at: this.clock.now() });
  }

  private timeOffInterval(input: TimeOffInput, tz: string): { startsAt: Date; endsAt: Date } {
    const forms = [input.date !== undefined, input.fromDate !== undefined || input.toDate !== undefined, input.startsAt !== undefined || input.endsAt !== undefined];
    if (forms.filter(Boolean).length !== 1) throw badRequest('Give exactly one of: date, fromDate+toDate, or startsAt+endsAt');
    if (input.startsAt !== undefined || input.endsAt !== undefined) {
      const startsAt = parseInstant(input.startsAt ?? '');
      const endsAt = parseInstant(input.endsAt ?? '');
      if (!startsAt || !endsAt) {
        throw badRequest(`startsAt and endsAt must both be ISO 8601 instants like 2025-01-01T10:00:00Z or 2025-01-01T15:30:00+05:30, years ${MIN_YEAR}–${MAX_YEAR}`);
      }
      if (endsAt <= startsAt) throw badRequest('Time off must end after it starts');
      return { startsAt, endsAt };
    }
    const fromRaw = input.date ?? input.fromDate;
    const toRaw = input.date ?? input.toDate;
    const from = fromRaw === undefined ? null : parseSlotDate(fromRaw);
    const to = toRaw === undefined ? null : parseSlotDate(toRaw);
    if (!from || !to) throw badRequest(`Dates must be real dates like 2025-01-31, years ${MIN_YEAR}–${MAX_YEAR} (fromDate and toDate both required)`);
    if (to < from) throw badRequest('Time off must end after it starts: toDate is before fromDate');
    // whole local days in the doctor's zone; midnight exists in every zone we know of except a few
    // historical jumps, where the first existing minute of the day is used instead
    const startsAt = startOfLocalDay(from, tz);
    const endsAt = startOfLocalDay(addDays(to, 1), tz);
    return { startsAt, endsAt };
  }

  /** The slots that can be booked now, between two local dates of the doctor (inclusive). */
  async slots(doctorId: string, fromRaw?: string, toRaw?: string): Promise<SlotView[]> {
    const doctor = await this.doctors.find(doctorId);
    if (!doctor) throw notFound('Doctor not found');
    const now = this.clock.now();
    const today = wallClock(now, doctor.timeZone).date;
    const from = fromRaw === undefined ? today : parseSlotDate(fromRaw);
    if (!from) throw badRequest(`from must be a real date like 2025-01-31, years ${MIN_YEAR}–${MAX_YEAR}`);
    const to = toRaw === undefined ? addDays(from, 6) : parseSlotDate(toRaw);
    if (!to) throw badRequest(`to must be a real date like 2025-01-31, years ${MIN_YEAR}–${MAX_YEAR}`);
    if (to < from) throw badRequest('to must not be before from');
    const maxDays = this.config.scheduling.maxSlotRangeDays;
    if (daysBetween(from, to) + 1 > maxDays) throw badRequest(`The date range can cover at most ${maxDays} days`);
    // Outside the booking window no slot can be booked: answer without reading the database.
    const lastBookable = wallClock(now.getTime() + this.rules.policy.maxAdvanceDays * DAY, doctor.timeZone).date;
    if (to < today || from > lastBookable) return [];
    const rangeStart = new Date(Date.parse(`${from}T00:00:00Z`) - 2 * DAY);
    const rangeEnd = new Date(Date.parse(`${to}T00:00:00Z`) + 3 * DAY);
    const [hours, timeOff, busy] = await Promise.all([
      this.repo.hours(doctor.id),
      this.repo.timeOff(doctor.id, rangeStart, rangeEnd),
      this.repo.busy(doctor.id, rangeStart, rangeEnd, this.rules.expiredCutoff(now)),
    ]);
    return freeSlots({
      from,
      to,
      schedule: scheduleOf(doctor, hours),
      policy: this.rules.policy,
      timeOff: timeOff.map((t) => ({ start: t.startsAt, end: t.endsAt })),
      busy,
      now,
    }).map((s) => ({ slotDate: s.slotDate, slotTime: s.slotTime, startsAt: s.startsAt.toISOString(), endsAt: s.endsAt.toISOString() }));
  }

  /**
   * `slots_booked` for the original Prescripto apps (LEGACY_CLIENTS): the booked times of `booked`,
   * plus, under each `d_m_yyyy` key of the next LEGACY_GRID_DAYS days (the doctor's today first),
   * every time of the apps' grid that a booking would be refused at now (legacy-grid.ts). The apps
   * compute their grid in the browser's zone: this assumes it is the doctor's.
   */
  legacySlotsBooked(booked: SlotsBookedSource): SlotsBookedSource {
    return async (ids) => {
      const now = this.clock.now();
      const [rows, bookedMap] = await Promise.all([this.doctors.rows(ids), booked(ids)]);
      // wide enough for every zone's "today … today + 6" and the slots' buffers around it
      const from = new Date(now.getTime() - 3 * DAY);
      const to = new Date(now.getTime() + (LEGACY_GRID_DAYS + 3) * DAY);
      const data = await this.repo.scheduleData(rows.map((r) => r.id), from, to, this.rules.expiredCutoff(now));
      const out = new Map(bookedMap);
      for (const doctor of rows) {
        const d = data.get(doctor.id) ?? { hours: [], timeOff: [], busy: [] };
        const today = wallClock(now, doctor.timeZone).date;
        const days = Array.from({ length: LEGACY_GRID_DAYS }, (_, i) => addDays(today, i));
        const free = freeSlots({
          from: days[0],
          to: days[days.length - 1],
          schedule: scheduleOf(doctor, d.hours),
          policy: this.rules.policy,
          timeOff: d.timeOff,
          busy: d.busy,
          now,
        });
        out.set(doctor.id, mergeSlotsBooked(bookedMap.get(doctor.id), refusedGridTimes(days, free)));
      }
      return out;
    };
  }

  /** events.onRecord listener: a new doctor gets the default week (WORKING_HOURS) in the transaction that adds them. */
  async onRecord(tx: Db, event: DomainEvent): Promise<void> {
    if (isNewDoctor(event)) await this.repo.addHours(tx, event.doctorId, this.config.scheduling.workingHours);
  }

  /** onRecord as writes (DomainEvents.writesOf): nothing but for a new doctor, which takes the transaction. */
  writesOf(event: DomainEvent): RecordedWrites | null {
    return isNewDoctor(event) ? null : NO_WRITES;
  }

  /** Cancels every unpaid booking whose payment window ended (PAYMENT_REQUIRED only). */
  async sweepExpired(): Promise<AppointmentRow[]> {
    const now = this.clock.now();
    if (!this.rules.expiredCutoff(now)) return [];
    const { rows, events } = await this.db.transaction((tx) => this.rules.release(tx, now));
    for (const event of events) await this.events.publish(event);
    return rows;
  }

  /** Runs the sweep every `seconds` until stopped; errors are reported, never thrown. */
  startSweep(seconds: number, onError: (err: unknown) => void): void {
    if (!this.config.paymentRequired || this.sweepTimer) return;
    this.sweepTimer = setInterval(() => void this.sweepExpired().catch(onError), seconds * 1000);
    this.sweepTimer.unref();
  }

  get sweeping(): boolean {
    return this.sweepTimer !== undefined;
  }

  stopSweep(): void {
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
  }
}

function startOfLocalDay(date: string, tz: string): Date {
  for (let m = 0; m < 24 * 60; m += 15) {
    const at = zonedInstant(date, m, tz);
    if (at) return at;
  }
  throw badRequest(`${date} has no start of day in ${tz}`);
}

function isNewDoctor(event: DomainEvent): event is Extract<DomainEvent, { kind: 'doctor' }> {
  return event.kind === 'doctor' && event.type === 'created';
}
