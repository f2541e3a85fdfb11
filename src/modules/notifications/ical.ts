// iCalendar (RFC 5545) documents: invitations for one appointment (METHOD REQUEST / CANCEL with a
// stable UID and increasing SEQUENCE, so calendar apps update or remove the same event) and a
// doctor's subscription feed (no METHOD: a published calendar). Times are written in UTC, which
// every client converts to its own zone.

export interface IcsEvent {
  uid: string;
  sequence: number;
  start: Date;
  end: Date;
  stamp: Date;
  summary: string;
  description?: string;
  location?: string;
  /** a web page of the event (a video appointment's meeting link) */
  url?: string;
  status: 'CONFIRMED' | 'TENTATIVE' | 'CANCELLED';
  organizer?: { name: string; email: string };
  attendees?: { name: string; email: string }[];
}

const PRODID = '-//Prescripto//Appointments//EN';

/** UTC date-time in the basic format, e.g. 20250102T103000Z. */
export function icsDate(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

// Control characters other than HTAB (CONTROL in RFC 5545 §3.1). CR and LF among them would end the
// content line and let a value (a patient's name from old imported data) start properties or events.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000A-\u001F\u007F]/g;

/** TEXT value escaping (RFC 5545 §3.3.11): every line break (CRLF, CR, LF) becomes `\n`, other controls go. */
export function escapeText(s: string): string {
  return s
    .replace(/\\/g, '\\\\')
    .replace(/;/g, '\\;')
    .replace(/,/g, '\\,')
    .replace(/\r\n|\r|\n/g, '\\n')
    .replace(CONTROL, '');
}

/**
 * A parameter value (CN=…): no control characters and no `"` (neither may appear even quoted, RFC 5545
 * §3.1 QSAFE-CHAR); quoted when it holds `:`, `;` or `,`, so it cannot end the parameter or the name.
 */
export function paramValue(s: string): string {
  const clean = s.replace(CONTROL, '').replace(/"/g, '');
  return /[:;,]/.test(clean) ? `"${clean}"` : clean;
}

/** A URI value (mailto:…) without control characters or spaces: it cannot break the line either. */
const uri = (s: string) => s.replace(CONTROL, '').replace(/\s/g, '');

/** Folds a content line at 75 octets (continuation lines start with a space), never inside a UTF-8 character. */
export function fold(line: string): string {
  const out: string[] = [];
  let cur = '';
  let bytes = 0;
  for (const ch of line) {
    const n = Buffer.byteLength(ch);
    if (bytes + n > (out.length === 0 ? 75 : 74)) {
      out.push(cur);
      cur = '';
      bytes = 0;
    }
    cur += ch;
    bytes += n;
  }
  out.push(cur);
  return out.join('\r\n ');
}

function eventLines(e: IcsEvent): string[] {
  const lines = [
    'BEGIN:VEVENT',
    `UID:${e.uid}`,
    `SEQUENCE:${e.sequence}`,
    `DTSTAMP:${icsDate(e.stamp)}`,
    `DTSTART:${icsDate(e.start)}`,
    `DTEND:${icsDate(e.end)}`,
    `SUMMARY:${escapeText(e.summary)}`,
    `STATUS:${e.status}`,
  ];
  if (e.description) lines.push(`DESCRIPTION:${escapeText(e.description)}`);
  if (e.location) lines.push(`LOCATION:${escapeText(e.location)}`);
  if (e.url) lines.push(`URL:${uri(e.url)}`);
  if (e.organizer) lines.push(`ORGANIZER;CN=${paramValue(e.organizer.name)}:mailto:${uri(e.organizer.email)}`);
  for (const a of e.attendees ?? []) {
    lines.push(`ATTENDEE;CN=${paramValue(a.name)};ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED;RSVP=FALSE:mailto:${uri(a.email)}`);
  }
  lines.push('END:VEVENT');
  return lines;
}

function calendar(head: string[], events: IcsEvent[]): string {
  const lines = ['BEGIN:VCALENDAR', 'VERSION:2.0', `PRODID:${PRODID}`, 'CALSCALE:GREGORIAN', ...head, ...events.flatMap(eventLines), 'END:VCALENDAR'];
  // last line of defence: whatever a value held, a content line never carries a control character
  // (the line breaks between lines and inside folds are added after this)
  return lines.map((l) => fold(l.replace(CONTROL, ''))).join('\r\n') + '\r\n';
}

/** An invitation (REQUEST) or its cancellation (CANCEL) for one event. */
export function invitation(method: 'REQUEST' | 'CANCEL', event: IcsEvent): string {
  return calendar([`METHOD:${method}`], [method === 'CANCEL' ? { ...event, status: 'CANCELLED' } : event]);
}

/** A subscribable calendar (no METHOD) with a display name. */
export function feed(name: string, events: IcsEvent[]): string {
  return calendar([`X-WR-CALNAME:${escapeText(name)}`, 'REFRESH-INTERVAL;VALUE=DURATION:PT15M', 'X-PUBLISHED-TTL:PT15M'], events);
}

export interface ParsedProperty {
  name: string;
  params: Record<string, string>;
  value: string;
}

export interface ParsedCalendar {
  props: Record<string, string>;
  events: Array<Record<string, string> & { _props: ParsedProperty[] }>;
}

const unescapeText = (s: string) => s.replace(/\\([\\;,nN])/g, (_, c: string) => (c === 'n' || c === 'N' ? '\n' : c));

/** Index of the colon ending a property's name and parameters (colons inside quoted parameters do not count). */
function nameEnd(line: string): number {
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    if (line[i] === '"') quoted = !quoted;
    else if (line[i] === ':' && !quoted) return i;
  }
  return line.length;
}

/** Splits at `sep` outside double quotes (parameters: `CN="a;b";ROLE=…`). */
function splitUnquoted(s: string, sep: string): string[] {
  const out: string[] = [];
  let quoted = false;
  let cur = '';
  for (const ch of s) {
    if (ch === '"') quoted = !quoted;
    if (ch === sep && !quoted) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

/** A small parser (unfolding, parameters, TEXT unescaping) for reading calendars back: tests, imports. */
export function parseIcs(text: string): ParsedCalendar {
  const lines = text.replace(/\r\n[ \t]/g, '').split(/\r\n/).filter((l) => l.length > 0);
  const cal: ParsedCalendar = { props: {}, events: [] };
  let current: (Record<string, string> & { _props: ParsedProperty[] }) | undefined;
  for (const line of lines) {
    const colon = nameEnd(line);
    const head = line.slice(0, colon);
    const value = line.slice(colon + 1);
    const [name, ...rawParams] = splitUnquoted(head, ';');
    const params = Object.fromEntries(
      rawParams.map((p) => {
        const eq = p.indexOf('=');
        return eq < 0 ? [p, ''] : [p.slice(0, eq), p.slice(eq + 1).replace(/^"|"$/g, '')];
      }),
    );
    if (name === 'BEGIN' && value === 'VEVENT') {
      current = { _props: [] } as unknown as Record<string, string> & { _props: ParsedProperty[] };
      continue;
    }
    if (name === 'END' && value === 'VEVENT') {
      if (current) cal.events.push(current);
      current = undefined;
      continue;
    }
    const v = ['SUMMARY', 'DESCRIPTION', 'LOCATION', 'X-WR-CALNAME'].includes(name) ? unescapeText(value) : value;
    if (current) {
      current._props.push({ name, params, value: v });
      current[name] = v;
    } else cal.props[name] = v;
  }
  return cal;
}
