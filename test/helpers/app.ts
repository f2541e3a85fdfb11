// Builds an app on its own fresh database, plus the fixtures most tests need (accounts, doctors,
// bookable slots, images). Each test file gets isolated data.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { buildApp, type App, type BuildOptions } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import type { Clock } from '../../src/lib/clock.js';
import { addDays, formatSlotTime, wallClock } from '../../src/lib/time.js';
import { freshDatabase, type TestDatabase } from './db.js';
import { redisUrlFromEnv } from './env.js';

export const ADMIN_EMAIL = 'admin@prescripto.test';
export const ADMIN_PASSWORD = 'admin-test-password';

export interface TestApp {
  app: App;
  config: Config;
  testDb: TestDatabase;
  dataDir: string;
  close(): Promise<void>;
}

/** Environment for a test app; `env` overrides (same names as the real environment). */
export function testEnv(dataDir: string, env: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    NODE_ENV: 'test',
    DATA_DIR: dataDir,
    JWT_SECRET: 'test-secret-that-is-long-enough-123',
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    PUBLIC_URL: 'http://localhost:4000',
    REDIS_URL: redisUrlFromEnv(),
    REDIS_PREFIX: `t${randomBytes(4).toString('hex')}:`,
    // fixtures log in many times per file; the security tests turn limits back on
    RATE_LIMIT: 'false',
    // bcrypt at the lowest cost for the many accounts fixtures create (80 ms of CPU a hash at 10, 2 ms
    // at 4); a test of the cost itself asks for BCRYPT_ROUNDS: '10'
    BCRYPT_ROUNDS: '4',
    // fixtures book many slots for one patient; the booking-cap tests set real caps
    MAX_LIVE_BOOKINGS_PER_PATIENT: '100000',
    MAX_LIVE_BOOKINGS_PER_PATIENT_PER_DOCTOR: '100000',
    ...env,
  };
}

export async function makeTestApp(env: Record<string, string | undefined> = {}, opts: { clock?: Clock; testDb?: TestDatabase; onRoute?: BuildOptions['onRoute'] } = {}): Promise<TestApp> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'prescripto-test-'));
  const config = loadConfig(testEnv(dataDir, env));
  const testDb = opts.testDb ?? (await freshDatabase());
  const app = await buildApp(config, { database: testDb.database, clock: opts.clock, ownsDatabase: false, onRoute: opts.onRoute });
  await app.ready();
  await app.ctx.admin.bootstrap();
  return {
    app,
    config,
    testDb,
    dataDir,
    close: async () => {
      await app.close();
      if (!opts.testDb) await testDb.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export type Res = LightMyRequestResponse & { body: string };

export function json<T = Record<string, any>>(res: LightMyRequestResponse): T {
  return JSON.parse(res.body) as T;
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

export function post(app: App, url: string, payload?: unknown, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
  return app.inject({ method: 'POST', url, payload: payload as InjectOptions['payload'], headers });
}

export function get(app: App, url: string, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
  return app.inject({ method: 'GET', url, headers });
}

let seq = 0;
export const uniqueEmail = (prefix = 'user') => `${prefix}.${Date.now().toString(36)}.${seq++}@example.com`;

export async function registerPatient(app: App, overrides: { name?: string; email?: string; password?: string } = {}) {
  const body = { name: 'Test Patient', email: uniqueEmail('patient'), password: 'patient-pass-123', ...overrides };
  const res = await post(app, '/api/user/register', body);
  if (res.statusCode !== 201) throw new Error(`register failed: ${res.statusCode} ${res.body}`);
  const token = json(res).token as string;
  const profile = json(await get(app, '/api/user/get-profile', bearer(token)));
  return { token, id: profile.userData._id as string, email: body.email, password: body.password };
}

export async function adminToken(app: App): Promise<string> {
  const res = await post(app, '/api/admin/login', { email: ADMIN_EMAIL, password: ADMIN_PASSWORD });
  if (res.statusCode !== 200) throw new Error(`admin login failed: ${res.body}`);
  return json(res).token;
}

/** A small real PNG, made in the test. */
export async function pngBytes(width = 64, height = 64, colour = '#5f6fff'): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: colour } }).png().toBuffer();
}

export function form(fields: Record<string, string | number | boolean | object>, file?: { field?: string; bytes: Buffer; name?: string; type?: string }): FormData {
  const fd = new FormData();
  for (const [k, v] of Object.entries(fields)) fd.append(k, typeof v === 'object' ? JSON.stringify(v) : String(v));
  if (file) fd.append(file.field ?? 'image', new Blob([new Uint8Array(file.bytes)], { type: file.type ?? 'image/png' }), file.name ?? 'photo.png');
  return fd;
}

export function doctorFields(overrides: Record<string, string | number | object> = {}) {
  return {
    name: 'Dr. Test Doctor',
    email: uniqueEmail('doctor'),
    password: 'doctor-pass-123',
    speciality: 'Cardiologist',
    degree: 'MBBS, MD',
    experience: '5 Years',
    about: 'Experienced cardiologist.',
    fees: 500,
    address: { line1: '123 Medical Center', line2: 'Healthcare District' },
    ...overrides,
  };
}

/** Creates a doctor through the admin API and logs in as them. */
export async function createDoctor(app: App, overrides: Record<string, string | number | object> = {}) {
  const atoken = await adminToken(app);
  const fields = doctorFields(overrides);
  const res = await post(app, '/api/admin/add-doctor', form(fields, { bytes: await pngBytes() }), bearer(atoken));
  if (res.statusCode !== 201) throw new Error(`add-doctor failed: ${res.statusCode} ${res.body}`);
  const id = json(res).doctor._id as string;
  // A password given at onboarding is temporary; the fixture is a doctor who already changed it.
  await app.ctx.database.query('UPDATE doctors SET password_temporary = false WHERE id = $1', [id]);
  const login = await post(app, '/api/doctor/login', { email: fields.email, password: fields.password });
  return { id, token: json(login).token as string, email: fields.email as string, password: fields.password as string };
}

/**
 * The k-th of a series of distinct, non-overlapping bookable slots (weekdays 10:00–20:00 in
 * Asia/Kolkata, one per hour so the 15-minute buffer never makes two of them collide), starting
 * `daysAhead` days from now.
 */
export function futureSlot(k = 0, daysAhead = 2, now = new Date(), tz = 'Asia/Kolkata'): { slotDate: string; slotTime: string } {
  const perDay = 11;
  let date = addDays(wallClock(now, tz).date, daysAhead);
  let dayIndex = Math.floor(k / perDay);
  for (;;) {
    const wd = new Date(`${date}T12:00:00Z`).getUTCDay();
    if (wd !== 0 && wd !== 6) {
      if (dayIndex === 0) break;
      dayIndex--;
    }
    date = addDays(date, 1);
  }
  return { slotDate: date, slotTime: formatSlotTime(10 * 60 + (k % perDay) * 60) };
}

export async function book(app: App, patientToken: string, docId: string, slot = futureSlot()) {
  return post(app, '/api/user/book-appointment', { docId, ...slot }, bearer(patientToken));
}
