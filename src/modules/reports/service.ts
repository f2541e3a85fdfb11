// Admin analytics and doctor reports. Each report is a list of flat rows plus the columns that
// describe them, so one definition serves JSON and CSV alike. Ranges are local calendar days in the
// requested time zone; money leaves in major units.
import type { Static } from 'typebox';
import type { Config } from '../../config.js';
import type { Clock } from '../../lib/clock.js';
import { badRequest, notFound } from '../../lib/errors.js';
import { toMajor } from '../../lib/money.js';
import { CALENDAR_DATE, DATE_FORMAT_MESSAGES } from '../../lib/schemas.js';
import { addDays, isValidTimeZone, parseCalendarDate, wallClock } from '../../lib/time.js';
import type { Column } from './csv.js';
import type { Interval, Range, ReportRepo } from './repo.js';
import type { RangeQuery } from './schemas.js';

/** A report's range as its query gives it (`format` is the route's concern). */
export type RangeInput = Omit<Static<typeof RangeQuery>, 'format'>;

export type Cell = string | number | boolean | null;
export type ReportRow = Record<string, Cell>;

export interface Report {
  report: string;
  from: string;
  to: string;
  tz: string;
  interval: Interval;
  columns: string[];
  rows: ReportRow[];
}

/** Longest range a report covers: three years of days keeps every bucket list small. */
export const MAX_RANGE_DAYS = 1096;
const DEFAULT_DAYS = 30;

const dayNumber = (date: string) => Date.parse(`${date}T00:00:00Z`) / 86_400_000;
/** a share in percent with two decimals; 0 when there is nothing to divide by */
export const percent = (part: number, whole: number) => (whole === 0 ? 0 : Math.round((part / whole) * 10_000) / 100);

export type RevenueGroup = 'period' | 'doctor' | 'speciality';

export class ReportService {
  constructor(
    private readonly repo: ReportRepo,
    private readonly clock: Clock,
    private readonly config: Config,
  ) {}

  /** Validates and completes a range: default the last 30 days up to today in `tz`. */
  range(input: RangeInput): Range {
    const tz = input.tz ?? this.config.timezone;
    if (!isValidTimeZone(tz)) throw badRequest(`tz "${tz}" is not a valid IANA time zone`);
    const to = input.to ?? wallClock(this.clock.now(), tz).date;
    const from = input.from ?? addDays(to, -(DEFAULT_DAYS - 1));
    if (parseCalendarDate(from) === null) throw badRequest(`from ${DATE_FORMAT_MESSAGES[CALENDAR_DATE]}`);
    if (parseCalendarDate(to) === null) throw badRequest(`to ${DATE_FORMAT_MESSAGES[CALENDAR_DATE]}`);
    if (from > to) throw badRequest('from must not be after to');
    if (dayNumber(to) - dayNumber(from) + 1 > MAX_RANGE_DAYS) throw badRequest(`A report covers at most ${MAX_RANGE_DAYS} days`);
    const interval: Interval = input.interval ?? 'day';
    return { from, to, tz, interval };
  }

  private report(name: string, r: Range, columns: string[], rows: ReportRow[]): Report {
    return { report: name, from: r.from, to: r.to, tz: r.tz, interval: r.interval, columns, rows };
  }

  async appointments(input: RangeInput): Promise<Report> {
    const r = this.range(input);
    const rows = await this.repo.appointmentsByStatus(r);
    return this.report('appointments', r, ['period', 'total', 'pending', 'confirmed', 'completed', 'cancelled'], rows as unknown as ReportRow[]);
  }

  async revenue(input: RangeInput, groupBy: RevenueGroup = 'period'): Promise<Report> {
    const r = this.range(input);
    const money = (m: { payments: number; gross: number; refunds: number }) => ({
      payments: m.payments,
      gross: toMajor(m.gross),
      refunds: toMajor(m.refunds),
      net: toMajor(m.gross - m.refunds),
    });
    const tail = ['payments', 'gross', 'refunds', 'net'];
    if (groupBy === 'doctor') {
      const rows = (await this.repo.revenueByDoctor(r)).map((x) => ({ doctorId: x.doctorId, name: x.name, speciality: x.speciality, ...money(x) }));
      return this.report('revenue-by-doctor', r, ['doctorId', 'name', 'speciality', ...tail], rows);
    }
    if (groupBy === 'speciality') {
      const rows = (await this.repo.revenueBySpeciality(r)).map((x) => ({ speciality: x.speciality, ...money(x) }));
      return this.report('revenue-by-speciality', r, ['speciality', ...tail], rows);
    }
    const rows = (await this.repo.revenueByPeriod(r)).map((x) => ({ period: x.period, ...money(x) }));
    return this.report('revenue', r, ['period', ...tail], rows);
  }

  async utilization(input: RangeInput): Promise<Report> {
    const r = this.range(input);
    const rows = (await this.repo.utilization(r.from, r.to)).map((x) => ({
      doctorId: x.doctorId,
      name: x.name,
      speciality: x.speciality,
      publishedSlots: x.published,
      bookedSlots: x.booked,
      utilization: percent(x.booked, x.published),
    }));
    return this.report('utilization', r, ['doctorId', 'name', 'speciality', 'publishedSlots', 'bookedSlots', 'utilization'], rows);
  }

  async specialities(input: RangeInput): Promise<Report> {
    const r = this.range(input);
    const list = await this.repo.specialities(r);
    const total = list.reduce((s, x) => s + x.appointments, 0);
    const rows = list.map((x) => ({ speciality: x.speciality, doctors: x.doctors, appointments: x.appointments, share: percent(x.appointments, total) }));
    return this.report('specialities', r, ['speciality', 'doctors', 'appointments', 'share'], rows);
  }

  async registrations(input: RangeInput): Promise<Report> {
    const r = this.range(input);
    const rows = await this.repo.registrations(r);
    return this.report('registrations', r, ['period', 'patients', 'doctors'], rows as unknown as ReportRow[]);
  }

  async cancellations(input: RangeInput): Promise<Report> {
    const r = this.range(input);
    const rows = (await this.repo.cancellations(r, this.clock.now())).map((x) => ({
      period: x.period,
      total: x.total,
      cancelled: x.cancelled,
      noShows: x.noShows,
      cancellationRate: percent(x.cancelled, x.total),
      noShowRate: percent(x.noShows, x.total),
    }));
    return this.report('cancellations', r, ['period', 'total', 'cancelled', 'noShows', 'cancellationRate', 'noShowRate'], rows);
  }

  async doctorEarnings(doctorId: string, input: RangeInput): Promise<Report> {
    const r = this.range({ ...input, interval: input.interval ?? 'month' });
    const rows = (await this.repo.doctorEarnings(doctorId, r)).map((x) => ({ ...x, earnings: toMajor(x.earnings) }));
    return this.report('earnings', r, ['period', 'appointments', 'completed', 'earnings'], rows);
  }

  async doctorPatients(doctorId: string, input: RangeInput): Promise<Report> {
    const r = this.range(input);
    const rows = (await this.repo.doctorPatients(doctorId, r)).map((x) => ({
      patientId: x.patientId,
      name: x.name,
      email: x.email,
      appointments: x.appointments,
      completed: x.completed,
      cancelled: x.cancelled,
      firstVisit: new Date(x.firstVisit).toISOString(),
      lastVisit: new Date(x.lastVisit).toISOString(),
      billed: toMajor(x.billed),
    }));
    return this.report('patients', r, ['patientId', 'name', 'email', 'appointments', 'completed', 'cancelled', 'firstVisit', 'lastVisit', 'billed'], rows);
  }

  /** One patient's history with the calling doctor; other doctors' appointments are never included. */
  async patientHistory(doctorId: string, patientId: string, input: RangeInput): Promise<Report> {
    const r = this.range(input);
    if (!(await this.repo.hasSeen(doctorId, patientId))) throw notFound('No appointments with this patient');
    const rows = (await this.repo.patientHistory(doctorId, patientId, r)).map((x) => ({
      appointmentId: x.appointmentId,
      slotDate: x.slotDate,
      slotTime: x.slotTime,
      startsAt: new Date(x.startsAt).toISOString(),
      status: x.status,
      amount: toMajor(x.amount),
      paid: x.paid,
      cancelledBy: x.cancelledBy,
    }));
    return this.report('patient-history', r, ['appointmentId', 'slotDate', 'slotTime', 'startsAt', 'status', 'amount', 'paid', 'cancelledBy'], rows);
  }
}

/** CSV columns of a report: one per JSON field, in order. */
export const columnsOf = (report: Report): Column<ReportRow>[] => report.columns.map((header) => ({ header, value: (row) => row[header] }));
