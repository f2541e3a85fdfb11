// `npm run bench [-- --quick] [-- --only list,login,uploads,book,scale,start,cluster] [-- --scale 1000,1000000] [-- --duration S] [-- --connections N] [-- --profile]`
// Starts the real server as a user would and drives it with autocannon from another process; each
// scenario is measured beside its baseline in the same run and reported as a ratio.
// Embedded PGlite by default; the PostgreSQL server of DATABASE_URL when it is set.
import 'dotenv/config';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import bcrypt from 'bcrypt';
import { openDatabase } from '../src/db/client.js';
import { formatSlotTime } from '../src/lib/time.js';
import { seededDoctorAvailable } from '../src/seed/bulk.js';
import { prepare, TIME_ZONE, type DataSet } from './lib/data.js';
import { hostileImages } from './lib/images.js';
import { buildServer, load, cpuMs, postgresCpuMs, rssSampler, runJson, startBaseline, startServer, type RunningServer } from './lib/procs.js';
import type { LoadOptions } from './load.js';
import type { LoadResult } from './lib/stats.js';

const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    scale: { type: 'string' },
    duration: { type: 'string' },
    profile: { type: 'boolean', default: false },
    connections: { type: 'string' },
  },
});
const quick = flags.quick;
const only = new Set((flags.only ?? 'list,login,uploads,book,scale,start,cluster').split(','));
const databaseUrl = process.env.DATABASE_URL || undefined;
const dbKind = databaseUrl ? 'pg' : 'pglite';
const DURATION = Number(flags.duration ?? (quick ? 2 : 10));
const CONNECTIONS = Number(flags.connections ?? (quick ? 4 : 16));
const POOL_SIZE = 10; // the server's default pool (src/db/client.ts), also used by the pg baseline
const tmp = mkdtempSync(path.join(os.tmpdir(), 'prescripto-bench-'));
const ADMIN = { email: 'bench-admin@prescripto.local', password: 'bench-admin-password' };
const PROFILE_DIR = path.resolve(import.meta.dirname, 'results', 'profiles');
/** the server of one scenario, its log lines (stdout) appended to a file as `npm start >> file` would, and a CPU profile per scenario under --profile */
const startApi = (env: Record<string, string>, scenario: string) =>
  startServer(env, { logFile: path.join(tmp, `${scenario}.log`), ...(flags.profile ? { profileDir: path.join(PROFILE_DIR, scenario) } : {}) });

/**
 * The server's environment: what a deployment sets (production mode, no demo data, its admin and
 * secret, the bench's database and Redis), nothing else: request logs at the default level (`info`),
 * every rate limit on and counting in the usual store, logs to a file (startServer). The one
 * production setting the bench must change is the per-IP budget: all its load comes from 127.0.0.1,
 * and 600 requests a minute (RATE_LIMIT_MAX) would refuse nearly all of it. It raises the budget
 * (BENCH_BUDGET), so every request is still counted as in production and none is refused; a
 * scenario adds only what its own load needs (`extra`).
 */
function serverEnv(data: DataSet, extra: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: 'production',
    JWT_SECRET: 'bench-secret-that-is-long-enough-0123456789',
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
    SEED_DEMO: 'false',
    RATE_LIMIT_MAX: BENCH_BUDGET,
    TIMEZONE: TIME_ZONE,
    ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL, REDIS_PREFIX: `bench${Date.now().toString(36)}:` } : {}),
    // an A/B of named prepared statements (on by default) is run by setting it for the bench
    ...(process.env.DB_PREPARED_STATEMENTS ? { DB_PREPARED_STATEMENTS: process.env.DB_PREPARED_STATEMENTS } : {}),
    ...data.env,
    ...extra,
  };
}
/** The bench client's per-IP budget per window: high enough that its own load is never refused. */
const BENCH_BUDGET = '1000000000';
/** Logins from one address, hundreds a second (login and uploads scenarios): the per-IP login budget, raised the same way. */
const LOGIN_BUDGET = { AUTH_RATE_LIMIT_IP_MAX: BENCH_BUDGET };
/**
 * The book scenario's 200 patients make thousands of bookings: the anti-hoarding caps are abuse
 * limits, not part of the work measured.
 */
const BOOKING_CAPS_LIFTED = { MAX_LIVE_BOOKINGS_PER_PATIENT: '1000000', MAX_LIVE_BOOKINGS_PER_PATIENT_PER_DOCTOR: '1000000' };

interface Row {
  scenario: string;
  measure: string;
  api?: LoadResult;
  baseline?: LoadResult;
  ratio?: number;
  target: string;
  met?: boolean;
  peakRssMb?: number;
  note?: string;
  value?: number;
  unit?: string;
}
const rows: Row[] = [];
const round2 = (n: number) => Math.round(n * 100) / 100;

async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const json = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new Error(`POST ${url}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

async function login(server: RunningServer, role: 'user' | 'doctor' | 'admin', email: string, password: string): Promise<string> {
  return (await post(`${server.url}/api/${role}/login`, { email, password })).token as string;
}

async function mustGet(url: string, token?: string): Promise<Record<string, unknown>> {
  const res = await fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  const body = (await res.json()) as Record<string, unknown>;
  if (res.status !== 200) throw new Error(`GET ${url}: ${res.status} ${JSON.stringify(body)}`);
  return body;
}

/**
 * Loads a server until its throughput is steady: two runs of 2 s within 10 % of each other, for at
 * most a minute. A fresh process first compiles its hot paths, and a server started on freshly
 * seeded data first sends the reminders of every appointment seeded around now (a backlog a
 * deployed server never has at once); the measure is the steady state. Returns the seconds spent.
 */
async function warmUp(opts: LoadOptions): Promise<number> {
  const t0 = Date.now();
  let last = 0;
  while (Date.now() - t0 < 60_000) {
    const { rps } = await load({ ...opts, durationS: 2 }, tmp);
    if (last > 0 && Math.abs(rps - last) <= 0.1 * Math.max(rps, last)) break;
    last = rps;
  }
  return Math.round((Date.now() - t0) / 1000);
}

/** Request log lines written so far to a server's log file. */
const requestLines = (file: string) => readFileSync(file, 'utf8').split('\n').filter((l) => l.includes('"reqId"')).length;

/** Measures with RSS sampling of the server. */
async function measured<T>(server: RunningServer, fn: () => Promise<T>): Promise<{ result: T; peakRssMb: number }> {
  const sampler = rssSampler(server.pid);
  const result = await fn();
  return { result, peakRssMb: sampler.stop() };
}

// ---------------------------------------------------------------- list
async function scenarioList(): Promise<void> {
  const data = await prepare(databaseUrl, { doctors: 100, patients: quick ? 200 : 2000, appointments: quick ? 500 : 2000 }, { keep: false, tag: 'list' });
  const server = await startApi(serverEnv(data), 'list');
  try {
    const res = await fetch(`${server.url}/api/doctor/list`);
    const bytes = Buffer.from(await res.arrayBuffer());
    const bodyFile = path.join(tmp, 'list.json');
    writeFileSync(bodyFile, bytes);
    const base = await startBaseline('static-server.ts', [bodyFile]);
    try {
      const opts = { path: '/api/doctor/list', connections: CONNECTIONS, durationS: DURATION };
      const baseWarm = await warmUp({ url: base.url, ...opts });
      const b = await load({ url: base.url, ...opts }, tmp);
      const apiWarm = await warmUp({ url: server.url, ...opts });
      const logBefore = requestLines(path.join(tmp, 'list.log'));
      const { result: api, peakRssMb } = await measured(server, () => load({ url: server.url, ...opts }, tmp));
      const ratio = round2(api.rps / b.rps);
      const logLines = requestLines(path.join(tmp, 'list.log')) - logBefore;
      const note = `${(logLines / Math.max(1, api.requests)).toFixed(2)} request log lines per request; measured after ${apiWarm} s of warm-up (baseline ${baseWarm} s)`;
      rows.push({ scenario: 'list', measure: `GET /api/doctor/list, 100 doctors (${Math.round(bytes.length / 1024)} KB) vs bare node:http, same bytes`, api, baseline: b, ratio, target: '≥ 0.8×', met: ratio >= 0.8, peakRssMb, note });
      const etag = res.headers.get('etag') ?? '';
      const notModified = await load({ url: server.url, ...opts, headers: { 'if-none-match': etag } }, tmp);
      rows.push({ scenario: 'list', measure: 'same with If-None-Match (304)', api: notModified, target: 'info' });
    } finally {
      await base.stop();
    }
  } finally {
    await server.stop();
  }
  // cold start on this existing database (embedded: reopening the PGlite data dir)
  if (only.has('start')) await scenarioStart(data);
  await data.drop();
}

// ---------------------------------------------------------------- start
async function scenarioStart(data: DataSet): Promise<void> {
  const times: number[] = [];
  let idle = 0;
  let peak = 0;
  for (let i = 0; i < (quick ? 1 : 3); i++) {
    const server = await startApi(serverEnv(data), 'start');
    times.push(server.startMs);
    idle = Math.max(idle, server.idleRssMb);
    const { peakRssMb } = await measured(server, () => load({ url: server.url, path: '/api/doctor/list', connections: CONNECTIONS, durationS: Math.min(DURATION, 3) }, tmp));
    peak = Math.max(peak, peakRssMb);
    await server.stop();
  }
  const best = Math.min(...times);
  const target = dbKind === 'pglite' ? '≤ 2000 ms' : 'info';
  rows.push({ scenario: 'start', measure: `cold start to first answer, existing ${dbKind === 'pglite' ? 'embedded database' : 'PostgreSQL database'} (best of ${times.length}: ${times.join(', ')} ms)`, value: best, unit: 'ms', target, met: dbKind === 'pglite' ? best <= 2000 : undefined });
  rows.push({ scenario: 'start', measure: `RSS idle / peak under list load (${dbKind})`, value: idle, unit: `MB idle, ${peak} MB peak`, target: 'info', peakRssMb: peak });
}

// ---------------------------------------------------------------- login
async function scenarioLogin(): Promise<void> {
  const patients = quick ? 50 : 500;
  const data = await prepare(databaseUrl, { doctors: 1, patients, appointments: 0 }, { keep: false, tag: 'login' });
  const server = await startApi(serverEnv(data, LOGIN_BUDGET), 'login');
  try {
    const variants = Array.from({ length: patients }, (_, i) => ({ body: JSON.stringify({ email: data.email('patient', i), password: data.password }) }));
    await login(server, 'user', data.email('patient', 0), data.password);
    const hash = await bcrypt.hash(data.password, 10);
    const base = await startBaseline('bcrypt-server.ts', [hash]);
    try {
      const opts = { method: 'POST' as const, path: '/', variants, connections: CONNECTIONS, durationS: DURATION };
      const b = await load({ url: base.url, ...opts }, tmp);
      // While logins saturate the CPU, a steady probe on GET / shows whether the event loop stays free.
      const { result, peakRssMb } = await measured(server, () =>
        Promise.all([
          load({ url: server.url, ...opts, path: '/api/user/login' }, tmp),
          load({ url: server.url, path: '/', connections: 1, rate: 50, durationS: DURATION }, tmp),
        ]),
      );
      const [api, probe] = result;
      const ratio = round2(api.rps / b.rps);
      rows.push({ scenario: 'login', measure: 'POST /api/user/login vs raw bcrypt.compare (cost 10, same thread pool) behind node:http', api, baseline: b, ratio, target: '≥ 0.9×', met: ratio >= 0.9, peakRssMb });
      rows.push({ scenario: 'login', measure: 'GET / p99 while logins saturate the CPU', api: probe, value: probe.p99, unit: 'ms p99', target: 'p99 < 20 ms', met: probe.p99 < 20 && probe.errors === 0 });
    } finally {
      await base.stop();
    }
  } finally {
    await server.stop();
    await data.drop();
  }
}

// ---------------------------------------------------------------- uploads
/**
 * Image work and bcrypt share libuv's thread pool. Login p99 at a steady rate alone, then the same
 * while 4 clients upload hostile pictures back to back (modules/media: header limits, one queue):
 * logins must stay within 2× of their p99 alone.
 */
async function scenarioUploads(): Promise<void> {
  const patients = quick ? 20 : 100;
  const data = await prepare(databaseUrl, { doctors: 1, patients, appointments: 0 }, { keep: false, tag: 'uploads' });
  const server = await startApi(serverEnv(data, LOGIN_BUDGET), 'uploads');
  try {
    const images = await hostileImages();
    const variants = Array.from({ length: patients }, (_, i) => ({ body: JSON.stringify({ email: data.email('patient', i), password: data.password }) }));
    const uploaders = await Promise.all([0, 1, 2, 3].map((i) => login(server, 'user', data.email('patient', i), data.password)));
    // a steady rate well under saturation: the measure is the wait a person logging in sees
    const opts = { url: server.url, method: 'POST' as const, path: '/api/user/login', variants, connections: 2, rate: 20, durationS: DURATION };
    await load({ ...opts, durationS: 1 }, tmp); // warm-up
    const alone = await load(opts, tmp);

    const outcomes: Record<string, number> = {};
    let stop = false;
    const uploadLoop = async (token: string, first: number) => {
      for (let k = first; !stop; k++) {
        const img = images[k % images.length]!;
        const fd = new FormData();
        fd.append('image', new Blob([new Uint8Array(img.bytes)], { type: 'image/png' }), img.name);
        const res = await fetch(`${server.url}/api/user/update-profile`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: fd });
        await res.arrayBuffer();
        const key = `${img.name} ${res.status}`;
        outcomes[key] = (outcomes[key] ?? 0) + 1;
      }
    };
    const { result, peakRssMb } = await measured(server, async () => {
      const loops = uploaders.map((token, i) => uploadLoop(token, i));
      await new Promise((r) => setTimeout(r, 500)); // the uploads are under way before logins are measured
      try {
        return await load(opts, tmp);
      } finally {
        stop = true;
        await Promise.all(loops);
      }
    });
    const ratio = round2(result.p99 / alone.p99);
    const summary = Object.entries(outcomes).sort().map(([k, n]) => `${k}: ${n}`).join(', ');
    rows.push({ scenario: 'uploads', measure: 'POST /api/user/login at 20/s: p99 alone (baseline) vs p99 while 4 clients upload hostile pictures back to back (API)', api: result, baseline: alone, ratio, target: 'p99 ≤ 2×', met: result.errors === 0 && ratio <= 2, peakRssMb });
    rows.push({ scenario: 'uploads', measure: `uploads answered during the run (picture status: count): ${summary}`, target: 'info' });
    console.log(`uploads: login p99 ${alone.p99} ms alone, ${result.p99} ms under 4 hostile uploaders (${ratio}×, target ≤ 2×); ${summary}`);
  } finally {
    await server.stop();
    await data.drop();
  }
}

// ---------------------------------------------------------------- book
interface Slot {
  doctor: number;
  slotDate: string;
  minutes: number;
}

/** Free weekday hourly slots 2…28 days ahead for the available doctors of [from, to): inside every booking rule. */
function freeSlots(from: number, to: number): Slot[] {
  const out: Slot[] = [];
  const today = Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate());
  for (let day = 2; day <= 28; day++) {
    const d = new Date(today + day * 86_400_000);
    if (d.getUTCDay() === 0 || d.getUTCDay() === 6) continue;
    const slotDate = d.toISOString().slice(0, 10);
    for (let minutes = 600; minutes <= 1200; minutes += 60) {
      for (let doctor = from; doctor < to; doctor++) if (seededDoctorAvailable(doctor)) out.push({ doctor, slotDate, minutes });
    }
  }
  return out;
}

async function scenarioBook(): Promise<void> {
  const doctors = quick ? 20 : 200;
  const patients = quick ? 20 : 200;
  const data = await prepare(databaseUrl, { doctors, patients, appointments: 0 }, { keep: false, tag: 'book' });
  const server = await startApi(serverEnv(data, { ...LOGIN_BUDGET, ...BOOKING_CAPS_LIFTED }), 'book');
  try {
    const tokens: string[] = [];
    for (let i = 0; i < patients; i += 8) {
      tokens.push(...(await Promise.all(Array.from({ length: Math.min(8, patients - i) }, (_, k) => login(server, 'user', data.email('patient', i + k), data.password)))));
    }
    // Half the doctors for the API, the other half for the baseline: every booking is a distinct free slot.
    const apiSlots = freeSlots(0, doctors / 2);
    const variants = apiSlots.map((s, i) => ({
      headers: { authorization: `Bearer ${tokens[i % tokens.length]}` },
      body: JSON.stringify({ docId: data.doctorId(s.doctor), slotDate: s.slotDate, slotTime: formatSlotTime(s.minutes) }),
    }));
    const cpuBefore = cpuMs(server.pid);
    const pgBefore = postgresCpuMs();
    const { result: api, peakRssMb } = await measured(server, () =>
      load({ url: server.url, method: 'POST', path: '/api/user/book-appointment', variants, connections: CONNECTIONS, durationS: DURATION }, tmp),
    );
    const cpuPerBooking = (cpuMs(server.pid) - cpuBefore) / Math.max(1, api.requests);
    const pgPerBooking = (postgresCpuMs() - pgBefore) / Math.max(1, api.requests);
    let baseline: LoadResult | undefined;
    let pgPerInsert = 0;
    if (data.url) {
      const slots = freeSlots(doctors / 2, doctors).map((s, i) => ({ doctorId: data.doctorId(s.doctor), patientId: data.patientId(i % patients), slotDate: s.slotDate, minutes: s.minutes }));
      // the server's notification worker is still sending the bookings' emails: its statements count here too
      const pgBaseBefore = postgresCpuMs();
      baseline = await runJson('baselines/pg-insert.ts', { databaseUrl: data.url, poolSize: POOL_SIZE, connections: CONNECTIONS, durationS: DURATION, timeZone: TIME_ZONE, slots }, tmp);
      pgPerInsert = (postgresCpuMs() - pgBaseBefore) / Math.max(1, baseline.requests);
    }
    const ratio = baseline ? round2(api.rps / baseline.rps) : undefined;
    rows.push({
      scenario: 'book',
      measure: baseline ? 'POST /api/user/book-appointment, distinct free slots vs the INSERT transaction straight through pg' : 'POST /api/user/book-appointment, distinct free slots (embedded: no pg baseline)',
      api,
      baseline,
      ratio,
      target: baseline ? '≥ 0.5×' : 'as is',
      met: ratio === undefined ? undefined : ratio >= 0.5 && api.errors === 0,
      peakRssMb,
      note: `server CPU ${cpuPerBooking.toFixed(2)} ms per booking${data.url ? `; PostgreSQL CPU ${pgPerBooking.toFixed(2)} ms per booking, ${pgPerInsert.toFixed(2)} ms per baseline transaction` : ''}${api.errors ? `; ${api.errors} refused: ${JSON.stringify(api.statusCodes)}` : ''}`,
    });
  } finally {
    await server.stop();
    await data.drop();
  }
}

// ---------------------------------------------------------------- scale
/** Ids in the middle of the admin list and of doctor 0's list (newest first): where a client paging with cursors would be. */
async function middleCursors(data: DataSet): Promise<{ admin: string; doctor: string }> {
  const database = await openDatabase({ databaseUrl: data.env.DATABASE_URL, dataDir: data.env.DATA_DIR });
  try {
    const q = async (where: string, params: unknown[]) => {
      const [{ n }] = await database.query<{ n: number }>(`SELECT count(*)::int AS n FROM appointments ${where}`, params);
      const [row] = await database.query<{ id: string }>(
        `SELECT id FROM appointments ${where} ORDER BY created_at DESC, id DESC OFFSET ${Math.floor(n / 2)} LIMIT 1`,
        params,
      );
      return row.id;
    };
    return { admin: await q('', []), doctor: await q('WHERE doctor_id = $1', [data.doctorId(0)]) };
  } finally {
    await database.close();
  }
}

async function scenarioScale(): Promise<void> {
  const sizes = (flags.scale ?? (quick ? '100,2000' : '1000,1000000')).split(',').map(Number);
  const base = quick ? { doctors: 20, patients: 200 } : { doctors: 10_000, patients: 200_000 };
  const p95: Record<string, number[]> = {};
  for (const appointments of sizes) {
    const data = await prepare(databaseUrl, { ...base, appointments }, { keep: !quick, tag: 'scale' });
    const cursors = await middleCursors(data);
    const server = await startApi(serverEnv(data), 'scale');
    try {
      const admin = await login(server, 'admin', ADMIN.email, ADMIN.password);
      const doctor = await login(server, 'doctor', data.email('doctor', 0), data.password);
      const limit = 20;
      const adminTotal = Number(((await mustGet(`${server.url}/api/admin/dashboard`, admin)).dashData as { totalAppointments: number }).totalAppointments);
      const doctorTotal = Number(((await mustGet(`${server.url}/api/doctor/dashboard`, doctor)).dashData as { appointments: number }).appointments);
      const deep = (total: number) => Math.max(1, Math.ceil(total / 2 / limit)); // the middle of the list
      const endpoints: [string, string, string][] = [
        ['admin dashboard', '/api/admin/dashboard', admin],
        ['doctor dashboard', '/api/doctor/dashboard', doctor],
        ['admin list, first page', `/api/admin/appointments?page=1&limit=${limit}`, admin],
        [`admin list, middle page`, `/api/admin/appointments?page=${deep(adminTotal)}&limit=${limit}`, admin],
        ['doctor list, first page', `/api/doctor/appointments?page=1&limit=${limit}`, doctor],
        ['doctor list, middle page', `/api/doctor/appointments?page=${deep(doctorTotal)}&limit=${limit}`, doctor],
        ['admin list, middle page by cursor', `/api/admin/appointments?cursor=${cursors.admin}&limit=${limit}`, admin],
        ['doctor list, middle page by cursor', `/api/doctor/appointments?cursor=${cursors.doctor}&limit=${limit}`, doctor],
      ];
      for (const [name, url, token] of endpoints) {
        await mustGet(`${server.url}${url}`, token);
        const { result, peakRssMb } = await measured(server, () =>
          load({ url: server.url, path: url, headers: { authorization: `Bearer ${token}` }, connections: Math.min(CONNECTIONS, 8), durationS: Math.max(2, DURATION / 2) }, tmp),
        );
        (p95[name] ??= []).push(result.p95);
        rows.push({ scenario: 'scale', measure: `${name} @ ${appointments.toLocaleString('en')} appointments (${url.replace(/\?.*/, '')}${url.includes('?') ? `?${url.split('?')[1]}` : ''})`, api: result, target: 'info', peakRssMb, value: result.p95, unit: 'ms p95' });
      }
      if (data.seedSeconds !== undefined) rows.push({ scenario: 'seed', measure: `seed ${appointments.toLocaleString('en')} appointments, ${base.doctors} doctors, ${base.patients} patients (${dbKind})`, value: data.seedSeconds, unit: 's', target: 'minutes' });
    } finally {
      await server.stop();
      await data.drop();
    }
  }
  if (sizes.length >= 2) {
    for (const [name, [small, ...rest]] of Object.entries(p95)) {
      const large = rest[rest.length - 1];
      // A side that answered nothing (server stalled, errors) is a failure, never a flattering ratio.
      const valid = small > 0 && large > 0;
      const ratio = valid ? round2(large / small) : undefined;
      rows.push({ scenario: 'scale', measure: `${name}: p95 at ${sizes[sizes.length - 1].toLocaleString('en')} / p95 at ${sizes[0].toLocaleString('en')}`, ratio, target: '≤ 2×', met: valid && ratio! <= 2, note: valid ? undefined : 'no answers measured on one side' });
    }
  }
  // The deep-page target: at the largest size, every page within 2× of the same list's first page.
  const largest = sizes.length - 1;
  for (const list of ['admin list', 'doctor list']) {
    const first = p95[`${list}, first page`]?.[largest];
    for (const deep of [`${list}, middle page`, `${list}, middle page by cursor`]) {
      const at = p95[deep]?.[largest];
      if (first === undefined || at === undefined) continue;
      const valid = first > 0 && at > 0;
      const ratio = valid ? round2(at / first) : undefined;
      rows.push({ scenario: 'scale', measure: `${deep} / first page, p95 at ${sizes[largest].toLocaleString('en')}`, ratio, target: '≤ 2×', met: valid && ratio! <= 2, note: valid ? undefined : 'no answers measured on one side' });
    }
  }
}

// ---------------------------------------------------------------- cluster (PostgreSQL only)
async function scenarioCluster(): Promise<void> {
  if (!databaseUrl) return;
  const data = await prepare(databaseUrl, { doctors: 100, patients: 200, appointments: 1000 }, { keep: false, tag: 'cluster' });
  try {
    const rps: number[] = [];
    for (const workers of [1, 2]) {
      const server = await startApi(serverEnv(data, { WEB_CONCURRENCY: String(workers) }), 'cluster');
      try {
        const admin = await login(server, 'admin', ADMIN.email, ADMIN.password);
        const { result, peakRssMb } = await measured(server, () =>
          load({ url: server.url, path: '/api/admin/appointments?page=1&limit=20', headers: { authorization: `Bearer ${admin}` }, connections: CONNECTIONS, durationS: DURATION }, tmp),
        );
        rps.push(result.rps);
        rows.push({ scenario: 'cluster', measure: `WEB_CONCURRENCY=${workers}: GET /api/admin/appointments?page=1&limit=20`, api: result, target: 'info', peakRssMb, note: `idle RSS ${server.idleRssMb} MB` });
      } finally {
        await server.stop();
      }
    }
    rows.push({ scenario: 'cluster', measure: 'scaling from 1 to 2 workers (req/s ratio)', ratio: round2(rps[1] / rps[0]), target: 'info' });
  } finally {
    await data.drop();
  }
}

function machine() {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memoryGb: Math.round(os.totalmem() / 1024 ** 3),
    node: process.version,
    os: `${os.type()} ${os.release()}`,
    database: databaseUrl ? `PostgreSQL server (${new URL(databaseUrl).host})` : 'embedded PGlite',
    redis: Boolean(process.env.REDIS_URL),
    uvThreadpoolSize: Number(process.env.UV_THREADPOOL_SIZE ?? 4),
  };
}

function printTable(): void {
  const fmt = (r?: LoadResult) => (r ? `${r.rps.toFixed(0)} req/s p50 ${r.p50} p95 ${r.p95} p99 ${r.p99}${r.errors ? ` (${r.errors} errors)` : ''}` : '');
  const lines = rows.map((r) => [
    r.scenario,
    r.note ? `${r.measure} (${r.note})` : r.measure,
    r.api ? fmt(r.api) : r.value !== undefined ? `${r.value} ${r.unit ?? ''}` : '',
    fmt(r.baseline),
    r.ratio !== undefined ? `${r.ratio}×` : '',
    r.target,
    r.met === undefined ? '' : r.met ? 'met' : 'MISSED',
    r.peakRssMb !== undefined ? `${r.peakRssMb} MB` : '',
  ]);
  const head = ['scenario', 'measure', 'API', 'baseline', 'ratio', 'target', '', 'peak RSS'];
  console.log(`\n| ${head.join(' | ')} |\n|${head.map(() => '---').join('|')}|`);
  for (const l of lines) console.log(`| ${l.join(' | ')} |`);
}

async function main(): Promise<void> {
  const started = new Date();
  console.log(`bench on ${machine().database}${process.env.REDIS_URL ? ' + Redis' : ''}${quick ? ' (--quick: small data, short runs; targets shown, never asserted)' : ''}`);
  console.log(`server as deployed: NODE_ENV=production, default LOG_LEVEL (info: request logs on) to a file, rate limits on (per-IP budget RATE_LIMIT_MAX=${BENCH_BUDGET} for the bench's one address)${process.env.DB_PREPARED_STATEMENTS ? `, DB_PREPARED_STATEMENTS=${process.env.DB_PREPARED_STATEMENTS} (default true)` : ''}`);
  buildServer();
  if (only.has('list')) await scenarioList();
  if (only.has('login')) await scenarioLogin();
  if (only.has('uploads')) await scenarioUploads();
  if (only.has('book')) await scenarioBook();
  if (only.has('scale')) await scenarioScale();
  if (only.has('cluster')) await scenarioCluster();
  printTable();
  const out = { startedAt: started.toISOString(), finishedAt: new Date().toISOString(), quick, machine: machine(), durationS: DURATION, connections: CONNECTIONS, rows };
  const dir = path.resolve(import.meta.dirname, 'results');
  mkdirSync(dir, { recursive: true });
  // a partial run (--only, --scale, --connections…) never overwrites the full figures the README quotes
  const partial = flags.only !== undefined || flags.scale !== undefined || flags.connections !== undefined;
  const name = quick ? 'quick.json' : partial ? 'partial.json' : 'latest.json';
  writeFileSync(path.join(dir, name), `${JSON.stringify(out, null, 2)}\n`);
  console.log(`\nwritten to bench/results/${name}`);
}

try {
  await main();
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
