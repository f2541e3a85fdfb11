// The original Prescripto patient app does not ask which slots are free: it offers 10:00–20:30 every
// 30 minutes on each of the next 7 days (weekends included) and hides only the times it finds in
// `slots_booked["d_m_yyyy"]`, spelled as the browser's toLocaleTimeString writes them. Under
// LEGACY_CLIENTS, slots_booked therefore lists every time of that grid the server would refuse
// (booked, inside a buffer, outside working hours, weekend, time off, too soon, past), so the app
// offers only times that book. Pure functions; SchedulingService reads the data.
import { formatSlotTime, legacyDateKey } from '../../lib/time.js';
import type { SlotsBooked } from '../doctors/service.js';
import { formatClock, type Slot } from './engine.js';

/** How many days, from today, the original app shows. */
export const LEGACY_GRID_DAYS = 7;

/** The times the original app offers on every day: 10:00 to 20:30, every 30 minutes (minutes after midnight). */
export const LEGACY_GRID: readonly number[] = Array.from({ length: 22 }, (_, i) => 10 * 60 + 30 * i);

/**
 * One time as browsers write it with `toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })`:
 * `10:00 AM` (en-US), `10:00 am` (en-IN) and `14:30` (24-hour locales such as en-GB).
 */
export function legacySpellings(minutes: number): string[] {
  const time = formatSlotTime(minutes);
  return [time, time.toLowerCase(), formatClock(minutes)];
}

/** Under each day's `d_m_yyyy` key, the grid times that are not among the `free` slots, in every spelling. */
export function refusedGridTimes(days: string[], free: Slot[]): SlotsBooked {
  const bookable = new Set(free.map((s) => `${s.slotDate} ${s.minutes}`));
  const out: SlotsBooked = {};
  for (const date of days) {
    const refused = LEGACY_GRID.filter((m) => !bookable.has(`${date} ${m}`));
    if (refused.length) out[legacyDateKey(date)] = refused.flatMap(legacySpellings);
  }
  return out;
}

/** `booked` with `refused` added (each key's times once, booked ones first). */
export function mergeSlotsBooked(booked: SlotsBooked | undefined, refused: SlotsBooked | undefined): SlotsBooked {
  const out: SlotsBooked = { ...booked };
  for (const [key, times] of Object.entries(refused ?? {})) out[key] = [...new Set([...(out[key] ?? []), ...times])];
  return out;
}
