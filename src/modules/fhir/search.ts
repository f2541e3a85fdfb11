// FHIR search parameters the server understands: paging (`_count`, `_page`), `date` and `start`
// with their comparison prefixes, and strictness about parameters it does not know (a client that
// filters on something ignored here would read a wrong answer, so it gets a 400 instead).
import { badRequest } from '../../lib/errors.js';
import { addDays, parseInstant, parseSlotDate } from '../../lib/time.js';
import { DEFAULT_COUNT, MAX_COUNT, type PageRequest } from './bundle.js';

export type Prefix = 'eq' | 'ge' | 'gt' | 'le' | 'lt';

/** A date (`YYYY-MM-DD`, compared with local dates) or an instant. */
export type DateBound = { prefix: Prefix; date: string } | { prefix: Prefix; instant: Date };

export type Query = Record<string, string | string[] | undefined>;

/** Refuses parameters other than `allowed` (and paging); returns the parameters as given, for paging links. */
export function checkParams(query: Query, allowed: readonly string[]): URLSearchParams {
  const out = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || k === '_format') continue; // only JSON is served: _format=json asks for what comes anyway
    if (!allowed.includes(k) && k !== '_count' && k !== '_page') {
      throw badRequest(`Unknown search parameter ${k}: this server supports ${[...allowed, '_count', '_page'].join(', ')}`);
    }
    for (const one of Array.isArray(v) ? v : [v]) out.append(k, one);
  }
  return out;
}

export function pageRequest(query: Query): PageRequest {
  const count = int(one(query, '_count'), '_count', 1, MAX_COUNT) ?? DEFAULT_COUNT;
  const page = int(one(query, '_page'), '_page', 1, 100_000) ?? 1;
  return { count, page };
}

/** The single value of a parameter; a repeated one is refused. */
export function one(query: Query, name: string): string | undefined {
  const v = query[name];
  if (Array.isArray(v)) {
    if (v.length > 1) throw badRequest(`${name} may be given once`);
    return v[0];
  }
  return v;
}

export function all(query: Query, name: string): string[] {
  const v = query[name];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

function int(v: string | undefined, name: string, min: number, max: number): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d{1,7}$/.test(v) || Number(v) < min || Number(v) > max) throw badRequest(`${name} must be a whole number from ${min} to ${max}`);
  return Number(v);
}

export function dateBound(name: string, raw: string): DateBound {
  const m = /^(eq|ge|gt|le|lt)?(.+)$/.exec(raw.trim());
  const prefix = (m?.[1] ?? 'eq') as Prefix;
  const value = m?.[2] ?? '';
  const date = /^\d{4}-\d{2}-\d{2}$/.test(value) ? parseSlotDate(value) : null;
  if (date) return { prefix, date };
  const instant = parseInstant(value);
  if (instant) return { prefix, instant };
  throw badRequest(`${name} must be a date (2026-01-31) or an instant (2026-01-31T10:00:00Z), optionally after eq, ge, gt, le or lt`);
}

/** Whether a slot (its local date and start instant) passes every bound. */
export function withinBounds(bounds: DateBound[], localDate: string, start: Date): boolean {
  return bounds.every((b) => {
    const c = 'date' in b ? cmp(localDate, b.date) : Math.sign(start.getTime() - b.instant.getTime());
    switch (b.prefix) {
      case 'eq': return c === 0;
      case 'ge': return c >= 0;
      case 'gt': return c > 0;
      case 'le': return c <= 0;
      case 'lt': return c < 0;
    }
  });
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Local-date range [from, to] implied by date-only bounds (appointment `date` search). */
export function dateRange(bounds: DateBound[]): { from?: string; to?: string } {
  let from: string | undefined;
  let to: string | undefined;
  for (const b of bounds) {
    if (!('date' in b)) throw badRequest('date takes dates (2026-01-31) here, with eq, ge, gt, le or lt');
    const lo = b.prefix === 'eq' || b.prefix === 'ge' ? b.date : b.prefix === 'gt' ? addDays(b.date, 1) : undefined;
    const hi = b.prefix === 'eq' || b.prefix === 'le' ? b.date : b.prefix === 'lt' ? addDays(b.date, -1) : undefined;
    if (lo && (!from || lo > from)) from = lo;
    if (hi && (!to || hi < to)) to = hi;
  }
  return { from, to };
}
