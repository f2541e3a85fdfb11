// The multi-node run (.ci/run calls it after the suites; docs/scaling.md has its figures):
//
//   npm run build && node --import tsx scripts/multi-node.ts      (MULTI_NODE_SECONDS, default 60)
//
// Builds a real topology on this machine from Debian's PostgreSQL and PgBouncer: a primary cluster
// made with initdb on a free port (a replica copies a whole cluster, so the server on 5432 is left
// alone) and a hot standby of it made with pg_basebackup, PgBouncer in transaction mode in front of
// the primary, Redis (REDIS_URL, default the local server, under a key prefix of its own), a local
// SMTP server, three API processes (PROCESS_ROLE=web; the third through PgBouncer; all reading from
// the replica) and one worker. Under autocannon load (bookings across many doctors and patients,
// the public list, dashboards and the patients' own lists) it SIGKILLs and restarts one API
// process, stops the replica for 10 seconds, and SIGKILLs and restarts the worker, while a prober
// books on one process and reads the patient's appointments on another. Then it asserts:
//   - every booking answered 2xx is in the database exactly once, and no two live bookings overlap;
//   - every email of the outbox reached the SMTP server, and at most once more than once: the one
//     the killed worker may have had accepted and not yet marked sent (delivery is at-least-once;
//     the copy carries the same Message-ID);
//   - the replica answered reads (db_reads_total{target="replica"} summed over the API processes);
//   - no read missed its reader's own booking (read-your-writes across processes and the replica);
//   - no 5xx outside the killed process (its count is printed).
// Exits 1 when an assertion fails. Everything it starts or creates is stopped and removed at exit.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';
import { openDatabase } from '../src/db/client.js';
import { formatSlotTime } from '../src/lib/time.js';
import { bulkSeed, seededDoctorAvailable } from '../src/seed/bulk.js';
import { createPgCluster, type PgCluster } from '../test/helpers/pg-cluster.js';
import { freePort } from '../test/helpers/server-process.js';
import { startSmtp, type TestSmtp } from '../test/helpers/smtp.js';
import { startPgBouncer } from '../test/helpers/pgbouncer.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const SECONDS = Number(process.env.MULTI_NODE_SECONDS ?? 60);
const DOCTORS = 60;
const PATIENTS = 120;
const PASSWORD = 'multi-node-password-1';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const TIME_ZONE = 'Asia/Kolkata';
/** The worker is SIGKILLed once mid-run: at most one email it had sent may arrive twice (delivery is at-least-once). */
const WORKER_KILLS = 1;

const log = (...a: unknown[]) => console.log(`[multi-node ${new Date().toISOString().slice(11, 19)}]`, ...a);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ------------------------------------------------------------------ everything to clean up
const cleanups: Array<() => Promise<void> | void> = [];
let cleaning: Promise<void> | undefined;
function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    for (const c of cleanups.reverse()) {
      try {
        await c();
      } catch (err) {
        console.error('cleanup step failed:', (err as Error).message);
      }
    }
  })();
  return cleaning;
}
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => void cleanup().then(() => process.exit(130)));
}

// ------------------------------------------------------------------ processes
interface Proc {
  name: string;
  port: number;
  url: string;
  child?: ChildProcess;
  start(): Promise<void>;
  kill(signal: NodeJS.Signals): Promise<void>;
}

function apiProcess(name: string, port: number, env: Record<string, string>): Proc {
  const p: Proc = {
    name,
    port,
    url: `http://127.0.0.1:${port}`,
    async start() {
      const child = spawn(process.execPath, [path.join('dist', 'server.mjs')], {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '', HOME: os.homedir(), ...env, PORT: String(port), HOST: '127.0.0.1' },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr!.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
      p.child = child;
      const deadline = Date.now() + 60_000;
      for (;;) {
        if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}: ${stderr}`);
        try {
          if ((await fetch(`${p.url}/health`)).ok) return;
        } catch {
          /* not listening yet */
        }
        if (Date.now() > deadline) throw new Error(`${name} did not answer within 60 s: ${stderr}`);
        await sleep(50);
      }
    },
    async kill(signal) {
      const child = p.child;
      if (!child || child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill(signal);
      await exited;
    },
  };
  cleanups.push(() => p.kill('SIGKILL'));
  return p;
}


// ------------------------------------------------------------------ HTTP helpers
interface Tally {
  byStatus: Record<string, number>;
  errors: number;
}
const tallies = new Map<string, Tally>();
const tally = (name: string): Tally => {
  let t = tallies.get(name);
  if (!t) tallies.set(name, (t = { byStatus: {}, errors: 0 }));
  return t;
};

async function call(p: Proc, method: string, url: string, body?: unknown, token?: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${p.url}${url}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

// ------------------------------------------------------------------ the run
interface Slot {
  docId: string;
  slotDate: string;
  slotTime: string;
}

// Bounded: each booking writes two or three emails the worker must deliver before the checks, so the
// outbox stays a few thousand messages; once every time is taken the load goes on asking for taken
// times, which the database must refuse (409). The read-your-writes probes book from times of their
// own, so they go on for the whole run, faults included.
const LOAD_SLOTS = 1200;
const PROBE_SLOTS = 600;

function slotsFor(doctorIds: string[]): Slot[] {
  const out: Slot[] = [];
  const today = Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate());
  for (let day = 2; day <= 28; day++) {
    const d = new Date(today + day * 86_400_000);
    if (d.getUTCDay() === 0 || d.getUTCDay() === 6) continue;
    const slotDate = d.toISOString().slice(0, 10);
    for (let minutes = 600; minutes <= 1200; minutes += 60) for (const docId of doctorIds) out.push({ docId, slotDate, slotTime: formatSlotTime(minutes) });
  }
  // shuffled, so concurrent connections spread over doctors and days
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

async function main(): Promise<number> {
  const failures: string[] = [];
  const check = (ok: boolean, what: string) => {
    log(`${ok ? 'PASS' : 'FAIL'} ${what}`);
    if (!ok) failures.push(what);
  };

  if (!existsSync(path.join(ROOT, 'dist', 'server.mjs'))) throw new Error('dist/server.mjs is missing: run `npm run build` first');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'prescripto-multinode-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));

  log('primary and replica clusters (initdb, pg_basebackup -R)');
  const cluster: PgCluster = await createPgCluster(1);
  cleanups.push(() => cluster.destroy());
  const admin = new pg.Client({ connectionString: cluster.primary.url('postgres') });
  await admin.connect();
  await admin.query('CREATE DATABASE prescripto');
  await admin.end();
  const primaryUrl = cluster.primary.url('prescripto');
  const replicaUrl = cluster.replicas[0].url('prescripto');
  const database = await openDatabase({ databaseUrl: primaryUrl });
  log(`seeding ${DOCTORS} doctors and ${PATIENTS} patients`);
  const seeded = await bulkSeed(database, { doctors: DOCTORS, patients: PATIENTS, appointments: 0, password: PASSWORD, timeZone: TIME_ZONE, currency: 'INR', now: new Date() });
  const doctorIds = (await database.query<{ id: string; n: number }>(`SELECT id FROM doctors ORDER BY id`)).map((r) => r.id);
  await database.close();
  const bouncer = await startPgBouncer({ dir, host: '127.0.0.1', port: cluster.primary.port, database: 'prescripto', poolSize: 8 });
  cleanups.push(() => bouncer.stop());
  const smtp: TestSmtp = await startSmtp();
  cleanups.push(() => smtp.close());

  const prefix = `multinode${Date.now().toString(36)}:`;
  const common: Record<string, string> = {
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    JWT_SECRET: 'multi-node-secret-that-is-long-enough-0123',
    ADMIN_EMAIL: 'admin@multi-node.local',
    ADMIN_PASSWORD: 'multi-node-admin-password',
    OPS_TOKEN: 'multi-node-ops-token',
    SEED_DEMO: 'false',
    RATE_LIMIT: 'false',
    MAX_LIVE_BOOKINGS_PER_PATIENT: '1000000',
    MAX_LIVE_BOOKINGS_PER_PATIENT_PER_DOCTOR: '1000000',
    TIMEZONE: TIME_ZONE,
    REDIS_URL,
    REDIS_PREFIX: prefix,
    SMTP_URL: smtp.url,
    DATABASE_READ_URLS: replicaUrl,
    REPLICA_MAX_LAG_MS: '2000',
    REPLICA_CHECK_MS: '250',
  };
  cleanups.push(async () => {
    // the run's Redis keys (read-your-writes positions, list generation, caches)
    const { Redis } = await import('ioredis');
    const r = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
    try {
      await r.connect();
      let cursor = '0';
      do {
        const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
        if (keys.length) await r.del(...keys);
        cursor = next;
      } while (cursor !== '0');
    } finally {
      r.disconnect();
    }
  });
  const web = [
    apiProcess('web-1', await freePort(), { ...common, DATABASE_URL: primaryUrl, PROCESS_ROLE: 'web', DATA_DIR: path.join(dir, 'web-1') }),
    apiProcess('web-2', await freePort(), { ...common, DATABASE_URL: primaryUrl, PROCESS_ROLE: 'web', DATA_DIR: path.join(dir, 'web-2') }),
    apiProcess('web-3 (PgBouncer)', await freePort(), { ...common, DATABASE_URL: bouncer.url, DB_PREPARED_STATEMENTS: 'false', PROCESS_ROLE: 'web', DATA_DIR: path.join(dir, 'web-3') }),
  ];
  const worker = apiProcess('worker', await freePort(), {
    ...common, DATABASE_URL: primaryUrl, PROCESS_ROLE: 'worker', NOTIFY_WORKER: 'true', NOTIFY_INTERVAL_SECONDS: '1', NOTIFY_LEASE_SECONDS: '10', DATA_DIR: path.join(dir, 'worker'),
  });
  log('starting 3 API processes and the worker');
  // the first one migrates (already done) and bootstraps the admin; then the rest together
  await web[0].start();
  await Promise.all([...web.slice(1), worker].map((p) => p.start()));

  log(`logging in ${PATIENTS} patients and ${DOCTORS} doctors`);
  const patientTokens: string[] = [];
  for (let i = 0; i < PATIENTS; i += 10) {
    patientTokens.push(
      ...(await Promise.all(
        Array.from({ length: Math.min(10, PATIENTS - i) }, async (_, k) => {
          const r = await call(web[(i + k) % 3], 'POST', '/api/user/login', { email: `patient${i + k}.${seeded.run}@seed.prescripto.local`, password: PASSWORD });
          if (r.status !== 200) throw new Error(`patient login: ${r.status} ${JSON.stringify(r.body)}`);
          return r.body.token as string;
        }),
      )),
    );
  }
  const doctorTokens = await Promise.all(
    Array.from({ length: 10 }, async (_, k) => {
      const r = await call(web[k % 3], 'POST', '/api/doctor/login', { email: `doctor${k + 1}.${seeded.run}@seed.prescripto.local`, password: PASSWORD });
      if (r.status !== 200) throw new Error(`doctor login: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body.token as string;
    }),
  );
  const available = doctorIds.filter((_, i) => seededDoctorAvailable(i));
  const times = slotsFor(available);
  const slots = times.slice(0, LOAD_SLOTS);
  const probeSlots = times.slice(LOAD_SLOTS, LOAD_SLOTS + PROBE_SLOTS);
  let nextProbeSlot = 0;
  let nextSlot = 0;
  const booked = new Set<string>();
  const bookedTwice: string[] = [];
  const recordBooking = (body: string | Record<string, unknown>) => {
    const parsed = typeof body === 'string' ? (JSON.parse(body) as Record<string, unknown>) : body;
    const id = (parsed.appointment as { _id?: string } | undefined)?._id;
    if (!id) return;
    if (booked.has(id)) bookedTwice.push(id);
    booked.add(id);
  };

  // ---------------------------------------------------------------- load: one autocannon per API process
  const cannons = web.map((p, w) => {
    const t = tally(p.name);
    let turn = 0;
    return new Promise<autocannon.Result>((resolve, reject) => {
      const instance = autocannon({
        url: p.url,
        connections: 8,
        duration: SECONDS,
        timeout: 20,
        requests: [
          {
            method: 'POST',
            path: '/api/user/book-appointment',
            setupRequest: (req) => {
              const slot = slots[nextSlot++ % slots.length];
              const token = patientTokens[(nextSlot * 7 + w) % patientTokens.length];
              return { ...req, headers: { ...req.headers, 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(slot) };
            },
            onResponse: (status, body) => {
              if (status >= 200 && status < 300) recordBooking(body);
            },
          },
          {
            method: 'GET',
            path: '/api/doctor/list',
          },
          {
            method: 'GET',
            path: '/api/doctor/dashboard',
            setupRequest: (req) => ({ ...req, headers: { ...req.headers, authorization: `Bearer ${doctorTokens[turn++ % doctorTokens.length]}` } }),
          },
          {
            method: 'GET',
            path: '/api/user/appointments',
            setupRequest: (req) => ({ ...req, headers: { ...req.headers, authorization: `Bearer ${patientTokens[turn++ % patientTokens.length]}` } }),
          },
        ],
      }, (err, result) => (err ? reject(err) : resolve(result)));
      instance.on('response', (_client: unknown, statusCode: number) => {
        t.byStatus[String(statusCode)] = (t.byStatus[String(statusCode)] ?? 0) + 1;
      });
      instance.on('reqError', () => t.errors++);
    });
  });

  // ---------------------------------------------------------------- read-your-writes prober
  let probing = true;
  let probes = 0;
  const missed: string[] = [];
  const prober = async (k: number) => {
    let i = k;
    while (probing) {
      i++;
      const token = patientTokens[(i * 13 + k) % patientTokens.length];
      const writer = web[i % 3];
      const reader = web[(i + 1) % 3];
      const slot = probeSlots[nextProbeSlot++ % probeSlots.length];
      try {
        const b = await call(writer, 'POST', '/api/user/book-appointment', slot, token);
        tally(`${writer.name}`).byStatus[String(b.status)] = (tally(writer.name).byStatus[String(b.status)] ?? 0) + 1;
        if (b.status !== 201) continue;
        recordBooking(b.body);
        const id = (b.body.appointment as { _id: string })._id;
        const r = await call(reader, 'GET', '/api/user/appointments', undefined, token);
        tally(reader.name).byStatus[String(r.status)] = (tally(reader.name).byStatus[String(r.status)] ?? 0) + 1;
        if (r.status !== 200) continue;
        probes++;
        if (!(r.body.appointments as Array<{ _id: string }>).some((a) => a._id === id)) missed.push(`${id} booked on ${writer.name}, missing on ${reader.name}`);
      } catch {
        // the killed process: its connections fail until it is back
        tally(writer.name).errors++;
        await sleep(100);
      }
    }
  };
  const probers = Promise.all([0, 1, 2, 3].map(prober));

  // ---------------------------------------------------------------- faults
  const at = (fraction: number) => sleep(fraction * SECONDS * 1000);
  const victim = web[1];
  const faults = (async () => {
    await at(0.2);
    log(`SIGKILL ${victim.name}`);
    await victim.kill('SIGKILL');
    await sleep(2000);
    await victim.start();
    log(`${victim.name} restarted`);
    await at(0.15);
    log('replica stopped for 10 s');
    cluster.replicas[0].stop('fast');
    await sleep(10_000);
    cluster.replicas[0].start();
    log('replica started');
    await at(0.1);
    log('SIGKILL worker');
    await worker.kill('SIGKILL');
    await sleep(2000);
    await worker.start();
    log('worker restarted');
  })();

  const results = await Promise.all(cannons);
  probing = false;
  await Promise.all([probers, faults]);
  log('load finished');

  // ---------------------------------------------------------------- assertions
  const check5xx = (name: string) => Object.entries(tally(name).byStatus).filter(([s]) => Number(s) >= 500).reduce((n, [, c]) => n + c, 0);
  const metrics = await Promise.all(
    web.map(async (p) => {
      const res = await fetch(`${p.url}/metrics`, { headers: { authorization: `Bearer ${common.OPS_TOKEN}` } });
      const text = await res.text();
      const count = (target: string) => Number(new RegExp(`^db_reads_total\\{target="${target}"\\} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
      return { replica: count('replica'), primary: count('primary') };
    }),
  );
  const ready = await Promise.all(web.map(async (p) => (await fetch(`${p.url}/ready`, { headers: { authorization: `Bearer ${common.OPS_TOKEN}` } })).json()));

  const db = new pg.Client({ connectionString: primaryUrl });
  await db.connect();
  try {
    const ids = [...booked];
    const found = (await db.query<{ id: string; n: number }>('SELECT id, count(*)::int AS n FROM appointments WHERE id = ANY($1) GROUP BY id', [ids])).rows;
    check(bookedTwice.length === 0 && found.length === ids.length && found.every((r) => r.n === 1), `every booking answered 2xx is in the database exactly once (${ids.length} bookings, ${found.length} found)`);
    const overlaps = (
      await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM appointments a JOIN appointments b
           ON a.doctor_id = b.doctor_id AND a.id < b.id AND a.blocks && b.blocks
         WHERE a.status IN ('pending', 'confirmed') AND b.status IN ('pending', 'confirmed') AND a.group_session_id IS NULL AND b.group_session_id IS NULL`,
      )
    ).rows[0].n;
    check(overlaps === 0, `no two live bookings of a doctor overlap (${overlaps} pairs)`);

    // every email of the outbox delivered, a second copy only for the one the SIGKILLed worker may
    // have had accepted by the SMTP server and not yet marked sent: wait for the worker to drain it, for as
    // long as it makes progress (a loaded machine sends slowly; a stuck outbox stops moving)
    log('waiting for the worker to drain the outbox');
    let pending = Number.POSITIVE_INFINITY;
    let progressAt = Date.now();
    for (;;) {
      const now = (await db.query<{ n: number }>("SELECT count(*)::int AS n FROM notification_outbox WHERE status IN ('pending', 'sending')")).rows[0].n;
      if (now < pending) progressAt = Date.now();
      pending = now;
      if (pending === 0 || Date.now() - progressAt > 60_000) break;
      await sleep(1000);
    }
    await sleep(1500); // a message the SMTP server accepted is marked sent right after
    const outbox = (await db.query<{ message_id: string; recipient: string; status: string }>('SELECT message_id, recipient, status FROM notification_outbox')).rows;
    const sent = outbox.filter((r) => r.status === 'sent');
    const delivered = new Map<string, number>();
    for (const m of smtp.received) {
      const key = `${m.mail.messageId}|${m.rcpt.join(',')}`;
      delivered.set(key, (delivered.get(key) ?? 0) + 1);
    }
    const duplicates = [...delivered.values()].filter((n) => n > 1).length;
    const extraCopies = smtp.received.length - delivered.size;
    const missing = sent.filter((r) => !delivered.has(`${r.message_id}|${r.recipient}`)).length;
    check(
      pending === 0 && missing === 0 && delivered.size === sent.length && extraCopies <= WORKER_KILLS,
      `every email delivered, a second copy at most for each worker killed mid-delivery (${outbox.length} in the outbox, ${sent.length} sent, ${smtp.received.length} received, ${duplicates} duplicated with the same Message-ID, ${missing} missing, ${pending} still pending; ${WORKER_KILLS} worker SIGKILL)`,
    );
  } finally {
    await db.end();
  }
  const replicaReads = metrics.reduce((n, m) => n + m.replica, 0);
  const primaryReads = metrics.reduce((n, m) => n + m.primary, 0);
  check(replicaReads > 0, `the replica served reads (${replicaReads} replica, ${primaryReads} primary, summed over the API processes at the end; ${victim.name} counts since its restart)`);
  check(probes > 0 && missed.length === 0, `no request saw its own write missing (${probes} book-then-read probes across processes, ${missed.length} missed)${missed.length ? `: ${missed.slice(0, 5).join('; ')}` : ''}`);
  const fiveHundreds = web.map((p) => ({ name: p.name, n: check5xx(p.name) }));
  log(`5xx per API process: ${fiveHundreds.map((f) => `${f.name} ${f.n}`).join(', ')}; connection errors: ${web.map((p) => `${p.name} ${tally(p.name).errors}`).join(', ')}`);
  check(fiveHundreds.filter((f) => f.name !== victim.name).every((f) => f.n === 0), 'no 5xx outside the killed process');
  log(`/ready at the end: ${JSON.stringify(ready.map((r) => (r as { replicas?: unknown }).replicas))}`);

  const total = results.reduce((n, r) => n + r.requests.total, 0);
  log(
    `summary: ${SECONDS} s, ${total} requests by autocannon (${Math.round(total / SECONDS)} req/s over 3 API processes), ` +
      `${booked.size} bookings (${Math.round(booked.size / SECONDS)}/s), statuses ${JSON.stringify(Object.fromEntries([...tallies].map(([k, v]) => [k, v.byStatus])))}`,
  );
  for (const [i, r] of results.entries()) log(`${web[i].name}: ${Math.round(r.requests.average)} req/s, p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms, ${r.errors} errors, ${r.timeouts} timeouts`);
  if (failures.length) log(`${failures.length} assertion(s) failed`);
  return failures.length ? 1 : 0;
}

main()
  .then(async (code) => {
    await cleanup();
    process.exit(code);
  })
  .catch(async (err: unknown) => {
    console.error(err);
    await cleanup();
    process.exit(1);
  });
