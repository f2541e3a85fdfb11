// Renders the email templates in ./templates. Syntax: `{{name}}` inserts a value (HTML-escaped in
// .html files), `{{#name}}…{{/name}}` keeps a block only when the value is non-empty. Files are read
// once and cached. Dates are formatted in the doctor's zone with the zone named.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const templatesDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'templates');

export type Vars = Record<string, string | number | null | undefined>;

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

interface MessageWording {
  subject: string;
  headline: string;
  intro: string;
}

const cache = new Map<string, string>();

function file(name: string): string {
  let s = cache.get(name);
  if (s === undefined) {
    s = readFileSync(path.join(templatesDir, name), 'utf8');
    cache.set(name, s);
  }
  return s;
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

const present = (v: Vars[string]) => v !== undefined && v !== null && String(v) !== '';

/** Fills a template string. Unknown placeholders are an error: a typo must not reach a patient. */
export function fill(template: string, vars: Vars, html: boolean): string {
  const sections = template.replace(/\{\{#(\w+)\}\}([\s\S]*?)\{\{\/\1\}\}/g, (_, name: string, body: string) => (present(vars[name]) ? body : ''));
  return sections.replace(/\{\{(\w+)\}\}/g, (_, name: string) => {
    if (!(name in vars)) throw new Error(`template placeholder {{${name}}} has no value`);
    const v = present(vars[name]) ? String(vars[name]) : '';
    return html ? escapeHtml(v) : v;
  });
}

function wording(key: string): MessageWording {
  const all = JSON.parse(file('messages.json')) as Record<string, MessageWording>;
  const w = all[key];
  if (!w) throw new Error(`no wording for "${key}" in templates/messages.json`);
  return w;
}

/** An appointment email: wording from messages.json (`booked.patient`, …) in the appointment layout. */
export function renderAppointmentEmail(key: string, vars: Vars): RenderedEmail {
  const w = wording(key);
  const inner = { ...vars };
  const subject = fill(w.subject, inner, false);
  const headline = fill(w.headline, inner, false);
  const intro = fill(w.intro, inner, false);
  const all = { ...vars, subject, headline, intro };
  return { subject, text: fill(file('appointment.txt'), all, false), html: fill(file('appointment.html'), all, true) };
}

/** A standalone template pair `<name>.txt` (first line `Subject: …`) and `<name>.html`. */
export function renderEmail(name: string, vars: Vars): RenderedEmail {
  const raw = fill(file(`${name}.txt`), vars, false);
  const m = /^Subject: (.*)\r?\n\r?\n/.exec(raw);
  if (!m) throw new Error(`templates/${name}.txt must start with a "Subject: " line and a blank line`);
  return { subject: m[1], text: raw.slice(m[0].length), html: fill(file(`${name}.html`), vars, true) };
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** `Tuesday, December 3, 2024 at 10:30 AM GMT+5:30 (Asia/Kolkata)`: the wall-clock time in `tz`, zone named. */
export function formatWhen(instant: Date, tz: string, short = false): string {
  const key = `${tz}|${short}`;
  let f = formatters.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      weekday: short ? 'short' : 'long',
      day: 'numeric',
      month: short ? 'short' : 'long',
      ...(short ? {} : { year: 'numeric' }),
      hour: 'numeric',
      minute: '2-digit',
      hour12: true,
      timeZoneName: 'short',
    });
    formatters.set(key, f);
  }
  const s = f.format(instant);
  return short ? s : `${s} (${tz})`;
}
