// What the original Prescripto React apps send and read, for the LEGACY_CLIENTS contract tests
// (test/modules/legacy-clients*.test.ts): their slot grid, their date parsing, their error handling
// and the admin panel's add-doctor form. The clock of those tests is fixed on Tuesday 2026-12-01
// 10:45 in Asia/Kolkata (the doctors' zone).
import assert from 'node:assert/strict';
import { addDays, formatSlotTime, legacyDateKey, wallClock } from '../../src/lib/time.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, json, pngBytes, post, type Res, type TestApp } from './app.js';

export const NOW = '2026-12-01T05:15:00Z'; // Tuesday 10:45 IST
export const TZ = 'Asia/Kolkata';
export const TODAY = '2026-12-01';
export const WED = '2026-12-02';
export const THU = '2026-12-03';
export const FRI = '2026-12-04';
export const SAT = '2026-12-05';

export type Json = Record<string, any>;
export type Spelling = (minutes: number) => string;
/** toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }) in en-US, en-IN and en-GB */
export const SPELLINGS: Record<string, Spelling> = {
  'en-US': (m) => formatSlotTime(m),
  'en-IN': (m) => formatSlotTime(m).toLowerCase(),
  'en-GB': (m) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`,
};

/**
 * The patient app's getAvailableSolts (frontend/src/pages/Appointment.jsx), on the wall clock of a
 * browser in the doctor's zone: seven days from today; today starts at the next hour (10:00 before
 * 11:00) with the current minutes rounded down to :00 or :30; every day ends before 21:00.
 */
export function appGrid(now: Date): { date: string; key: string; minutes: number[] }[] {
  const wc = wallClock(now, TZ);
  const [hour, minute] = [Math.floor(wc.minutes / 60), wc.minutes % 60];
  return Array.from({ length: 7 }, (_, i) => {
    const date = addDays(wc.date, i);
    const start = i === 0 ? (hour > 10 ? hour + 1 : 10) * 60 + (minute > 30 ? 30 : 0) : 10 * 60;
    const minutes: number[] = [];
    for (let m = start; m < 21 * 60; m += 30) minutes.push(m);
    return { date, key: legacyDateKey(date), minutes };
  });
}
/** The whole grid of a day, 10:00–20:30. */
export const FULL_DAY = Array.from({ length: 22 }, (_, i) => 600 + 30 * i);

/** What the apps read from slotDate: dateArray = slotDate.split('_'); three numeric parts, d_m_yyyy. */
export function assertAppDate(slotDate: string, expected?: string): void {
  const parts = slotDate.split('_');
  assert.equal(parts.length, 3, `slotDate "${slotDate}" does not split into d_m_yyyy`);
  assert.ok(parts.every((p) => /^\d+$/.test(p)) && !parts[0].startsWith('0') && !parts[1].startsWith('0'), slotDate);
  if (expected) assert.equal(slotDate, expected);
}

/** The apps read errors from the body of a 200 answer only. */
export function assertAppError(res: Res, message: string | RegExp): void {
  assert.equal(res.statusCode, 200, `an error must arrive as 200: ${res.statusCode} ${res.body}`);
  const body = json(res);
  assert.equal(body.success, false, res.body);
  if (typeof message === 'string') assert.equal(body.message, message);
  else assert.match(body.message, message);
}

/** The admin panel's AddDoctor form: fees appended as Number(fees) (so text), address as JSON text. */
export async function addDoctorForm(fields: { name: string; email: string; password: string; fees: string }): Promise<FormData> {
  const fd = new FormData();
  fd.append('image', new Blob([new Uint8Array(await pngBytes())], { type: 'image/png' }), 'doctor.png');
  fd.append('name', fields.name);
  fd.append('email', fields.email);
  fd.append('password', fields.password);
  fd.append('experience', '4 Year');
  fd.append('fees', String(Number(fields.fees)));
  fd.append('about', 'Sees patients of every age.');
  fd.append('speciality', 'General physician');
  fd.append('degree', 'MBBS');
  fd.append('address', JSON.stringify({ line1: '17th Cross', line2: 'Richmond, London' }));
  return fd;
}

export async function adminLogin(t: TestApp): Promise<string> {
  const res = await post(t.app, '/api/admin/login', { email: ADMIN_EMAIL, password: ADMIN_PASSWORD });
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(json(res).success, true);
  return json(res).token as string;
}
