// Wall-clock ↔ instant conversions in IANA time zones, and the slot formats old clients use.
// Appointments are wall-clock times in the doctor's zone and are stored as UTC instants.

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      weekday: 'short',
    });
    formatters.set(tz, f);
  }
  return f;
}

const WEEKDAYS: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

export interface WallClock {
  /** YYYY-MM-DD */
  date: string;
  /** 0 = Sunday */
  weekday: number;
  /** minutes after local midnight */
  minutes: number;
}

/** The local date, weekday and minute-of-day of an instant in a zone. */
export function wallClock(instant: Date | number, tz: string): WallClock {
  const parts: Record<string, string> = {};
  for (const p of formatter(tz).formatToParts(new Date(instant))) parts[p.type] = p.value;
  return {
    date: `${parts.year}-${parts.month}-${parts.day}`,
    weekday: WEEKDAYS[parts.weekday] ?? 0,
    minutes: Number(parts.hour) * 60 + Number(parts.minute),
  };
}

// formatToParts costs microseconds, and a booking asks for the same few instants dozens of times
// (every slot of the day is checked, each through up to four offsets): it was the hottest function
// of the booking path in a CPU profile. The answer for a (zone, instant) never changes, so it is kept;
// the map is emptied when it grows past a bound, never unbounded.
const offsets = new Map<string, number>();
const MAX_CACHED_OFFSETS = 100_000;

/** Offset of the zone from UTC at an instant, in milliseconds (local − UTC). */
function offsetMs(instantMs: number, tz: string): number {
  const key = `${tz} ${instantMs}`;
  const known = offsets.get(key);
  if (known !== undefined) return known;
  const off = computeOffsetMs(instantMs, tz);
  if (offsets.size >= MAX_CACHED_OFFSETS) offsets.clear();
  offsets.set(key, off);
  return off;
}

function computeOffsetMs(instantMs: number, tz: string): number {
  const parts: Record<string, string> = {};
  for (const p of formatter(tz).formatToParts(new Date(instantMs))) parts[p.type] = p.value;
  const asUtc = Date.UTC(
    Number(parts.year),
    Number(parts.month) - 1,
    Number(parts.day),
    Number(parts.hour),
    Number(parts.minute),
    Number(parts.second),
  );
  return asUtc - Math.floor(instantMs / 1000) * 1000;
}

const DAY_MS = 24 * 3600 * 1000;

/**
 * The instant at which a zone's wall clock shows `date` `minutes`. Returns null for wall-clock times
 * skipped by a daylight-saving jump; for times that occur twice (clocks going back) returns the first.
 */
export function zonedInstant(date: string, minutes: number, tz: string): Date | null {
  const [y, m, d] = date.split('-').map(Number);
  const local = Date.UTC(y, m - 1, d, 0, minutes);
  const candidates = [...new Set([offsetMs(local - DAY_MS, tz), offsetMs(local, tz), offsetMs(local + DAY_MS, tz)])]
    .map((off) => local - off)
    .filter((c) => offsetMs(c, tz) === local - c)
    .sort((a, b) => a - b);
  return candidates.length ? new Date(candidates[0]) : null;
}

/** Adds whole days to a YYYY-MM-DD date. */
export function addDays(date: string, days: number): string {
  const [y, m, d] = date.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

/** Weekday (0 = Sunday) of a calendar date, independent of zone. */
export function weekdayOf(date: string): number {
  const [y, m, d] = date.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d)).getUTCDay();
}

/**
 * Calendar years the API accepts in dates and instants. Far enough for any booking or time off;
 * near enough that date arithmetic never leaves the 4-digit years Postgres parses (JavaScript
 * writes year 10000 as "+010000-…", which Postgres refuses: such dates used to answer 500).
 */
export const MIN_YEAR = 1970;
export const MAX_YEAR = 2100;

function isRealDate(y: number, m: number, d: number): boolean {
  if (y < MIN_YEAR || y > MAX_YEAR || m < 1 || m > 12 || d < 1) return false;
  return d <= new Date(Date.UTC(y, m, 0)).getUTCDate();
}

const ISO_INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-](\d{2}):(\d{2}))$/;

/**
 * A strict ISO 8601 instant with its zone (`2025-01-01T10:00:00Z`, `…+05:30`), or null. `new Date`
 * alone accepts far too much (`new Date('1')` is 2001-01-01, `+275760-09-13` is a date).
 */
export function parseInstant(input: string): Date | null {
  const m = ISO_INSTANT.exec(input.trim());
  if (!m) return null;
  const [y, mo, d, h, mi, sec] = [m[1], m[2], m[3], m[4], m[5], m[6] ?? '0'].map(Number);
  if (!isRealDate(y, mo, d) || h > 23 || mi > 59 || sec > 59) return null;
  if (m[8] !== 'Z' && (Number(m[9]) > 14 || Number(m[10]) > 59)) return null;
  const ms = Number((m[7] ?? '0').padEnd(3, '0').slice(0, 3));
  const offset = m[8] === 'Z' ? 0 : (m[8].startsWith('-') ? -1 : 1) * (Number(m[9]) * 60 + Number(m[10]));
  return new Date(Date.UTC(y, mo - 1, d, h, mi, sec, ms) - offset * 60_000);
}

const pad = (n: number) => String(n).padStart(2, '0');

/**
 * The API's one rule for a calendar date: `YYYY-MM-DD`, a day that exists (no February 30), in
 * years MIN_YEAR–MAX_YEAR. Returns the date, or null.
 */
export function parseCalendarDate(input: string): string | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(input);
  if (!match) return null;
  return isRealDate(Number(match[1]), Number(match[2]), Number(match[3])) ? input : null;
}

/** A calendar date (its midnight UTC) or an ISO 8601 instant, by the rules above; or null. */
export function parseDayOrInstant(input: string): Date | null {
  return parseCalendarDate(input) !== null ? new Date(`${input}T00:00:00Z`) : parseInstant(input);
}

/**
 * Accepts `YYYY-MM-DD` and the legacy `d_m_yyyy` key that old clients send (day and month not
 * zero-padded). Returns `YYYY-MM-DD`, or null when the input is not a real date.
 */
export function parseSlotDate(input: string): string | null {
  let y: number, m: number, d: number;
  let match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(input.trim());
  if (match) {
    [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
  } else {
    match = /^(\d{1,2})_(\d{1,2})_(\d{4})$/.exec(input.trim());
    if (!match) return null;
    [d, m, y] = [Number(match[1]), Number(match[2]), Number(match[3])];
  }
  return isRealDate(y, m, d) ? `${y}-${pad(m)}-${pad(d)}` : null;
}

/** `2024-12-05` → `5_12_2024`, the key old clients look up in `slots_booked`. */
export function legacyDateKey(date: string): string {
  const [y, m, d] = date.split('-').map(Number);
  return `${d}_${m}_${y}`;
}

/**
 * Accepts `10:30 AM`, `10:30 am`, `10:30:00 AM` (browser `toLocaleTimeString`) and 24-hour `14:30`.
 * Returns minutes after midnight, or null.
 */
export function parseSlotTime(input: string): number | null {
  const s = input.trim().replace(/\u202f|\u00a0/g, ' ');
  let match = /^(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp])\.?\s*[Mm]\.?$/.exec(s);
  if (match) {
    const h = Number(match[1]);
    const min = Number(match[2]);
    if (h < 1 || h > 12 || min > 59 || (match[3] !== undefined && Number(match[3]) !== 0)) return null;
    const pm = match[4].toLowerCase() === 'p';
    return ((h % 12) + (pm ? 12 : 0)) * 60 + min;
  }
  match = /^(\d{1,2}):(\d{2})(?::(\d{2}))?$/.exec(s);
  if (match) {
    const h = Number(match[1]);
    const min = Number(match[2]);
    if (h > 23 || min > 59 || (match[3] !== undefined && Number(match[3]) !== 0)) return null;
    return h * 60 + min;
  }
  return null;
}

/** Minutes after midnight → `hh:mm AM`, the stored and returned form. */
export function formatSlotTime(minutes: number): string {
  const h24 = Math.floor(minutes / 60) % 24;
  const min = minutes % 60;
  const h12 = h24 % 12 === 0 ? 12 : h24 % 12;
  return `${pad(h12)}:${pad(min)} ${h24 < 12 ? 'AM' : 'PM'}`;
}

// Not through the cached formatters: client input must not grow that cache (one entry per spelling).
const resolvedZone = (tz: string): string | null => {
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: tz }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
};

const titleCase = (tz: string): string => tz.toLowerCase().replace(/(^|[/_-])([a-z])/g, (_, sep: string, c: string) => sep + c.toUpperCase());

/**
 * The IANA zone as it is written (`asia/kolkata` → `Asia/Kolkata`, `utc` → `UTC`), or null when
 * unknown. Zones are matched case-insensitively, so without this the same zone could be stored in
 * several spellings. ICU (Intl) knows the proper spelling of a zone's own name; some ICU versions
 * answer an older name for a renamed zone (Asia/Calcutta for Asia/Kolkata): the name given is then
 * kept, title-cased if it was not, as long as it still names the same zone. Old short links
 * (EST5EDT, GB) become the zone's own name.
 */
export function canonicalTimeZone(tz: string): string | null {
  const resolved = resolvedZone(tz);
  if (!resolved) return null;
  if (resolved.toLowerCase() === tz.toLowerCase()) return resolved;
  if (!tz.includes('/')) return resolved; // old short links (EST5EDT, GB): the zone's own name
  if (/[a-z]/.test(tz) && tz.split('/').every((part) => /^[A-Z]/.test(part))) return tz;
  const titled = titleCase(tz);
  return resolvedZone(titled) === resolved ? titled : resolved;
}

export function isValidTimeZone(tz: string): boolean {
  return resolvedZone(tz) !== null;
}
