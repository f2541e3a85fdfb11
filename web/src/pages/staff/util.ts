// Helpers the doctor and admin pages share: types taken from the generated API schema, local dates,
// and reading list filters from (and writing them to) the URL so a deep link shows the same page.
import type { paths } from '../../api/schema';

export type StaffAppointment = paths['/api/admin/appointments']['get']['responses']['200']['content']['application/json']['appointments'][number];
export type AppointmentStatus = StaffAppointment['status'];
export type Report = paths['/api/admin/reports/appointments']['get']['responses']['200']['content']['application/json'];
export type ReportRow = Report['rows'][number];
export type Interval = 'day' | 'week' | 'month';

export const STATUSES: AppointmentStatus[] = ['pending', 'confirmed', 'completed', 'cancelled'];
export const PAGE_SIZE = 10;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** YYYY-MM-DD of `at` in `timeZone` (the browser's zone when not given). */
export function localDay(at: Date = new Date(), timeZone?: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
}

/** `days` days before the day `day` (YYYY-MM-DD), calendar arithmetic in UTC. */
export function addDays(day: string, days: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

export function validDay(v: string | null): string | undefined {
  return v && DAY.test(v) ? v : undefined;
}

export function validPage(v: string | null): number {
  const n = Number(v);
  return Number.isInteger(n) && n >= 1 && n <= 100000 ? n : 1;
}

export function validStatus(v: string | null): AppointmentStatus | undefined {
  return STATUSES.find((s) => s === v);
}

/** A number cell of a report row (reports answer numbers, or numeric text for money). */
export function num(row: ReportRow, key: string): number {
  const v = row[key];
  return typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v)) ? Number(v) : 0;
}

export function text(row: ReportRow, key: string): string {
  const v = row[key];
  return v === null || v === undefined ? '' : String(v);
}

/** Offset of `timeZone` from UTC at `at`, in minutes. */
function zoneOffset(at: Date, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' }).formatToParts(at);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour') % 24, get('minute'), get('second'));
  return Math.round((asUtc - at.getTime()) / 60000);
}

/** The instant of the wall-clock `day` `hhmm` in `timeZone` (what the doctor means by "2 pm on the 3rd"). */
export function zonedInstant(day: string, hhmm: string, timeZone: string): Date {
  const [y, m, d] = day.split('-').map(Number);
  const [h, min] = hhmm.split(':').map(Number);
  const wall = Date.UTC(y, m - 1, d, h, min);
  let guess = wall - zoneOffset(new Date(wall), timeZone) * 60000;
  guess = wall - zoneOffset(new Date(guess), timeZone) * 60000;
  return new Date(guess);
}
