// Fault tolerance: kill -9 during a stream of bookings (every acknowledged booking survives, nothing
// half-written), PostgreSQL cut off under load through a TCP proxy (503 + Retry-After, then
// recovery by itself), Redis cut off (degraded, not down).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'drizzle-orm';
import { openDatabase, type Database } from '../../src/db/client.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { bearer, book, createDoctor, doctorFields, form, futureSlot, get, json, makeTestApp, pngBytes, post, registerPatient, type TestApp } from '../helpers/app.js';
import { CHILD_ADMIN, serverDatabase, startServer, type ServerDatabase, type ServerProcess } from '../helpers/server-process.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { until } from '../helpers/wait.js';


// These tests stream many bookings from one patient to one doctor: lift the anti-hoarding caps
// (MAX_LIVE_BOOKINGS_PER_PATIENT…), which are not what is under test here.
const NO_BOOKING_CAPS = { MAX_LIVE_BOOKINGS_PER_PATIENT: '1000', MAX_LIVE_BOOKINGS_PER_PATIENT_PER_DOCTOR: '1000' };

/** Fails instead of hanging: a request must be answered within `ms`. */
async function answered<T>(p: Promise<T>, ms = 20_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

async function call(base: string, path: string, init: { method?: string; token?: string; body?: unknown } = {}) {
  const headers: Record<string, string> = {};
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  let body: string | FormData | undefined;
  if (init.body instanceof FormData) body = init.body;
  else if (init.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(init.body);
  }
  const res = await fetch(base + path, { method: init.method ?? (body ? 'POST' : 'GET'), headers, body });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

describe(`kill -9 during a stream of bookings (${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'})`, () => {
  let db: ServerDatabase;
  let server: ServerProcess;
  before(async () => {
    db = await serverDatabase();
  });
  after(async () => {
    if (server && server.proc.exitCode === null && server.proc.signalCode === null) server.proc.kill('SIGKILL');
    await db.cleanup();
  });

  it('keeps every acknowledged booking and nothing half-written', async () => {
    server = await startServer({ ...db.env, ...NO_BOOKING_CAPS });
    const admin = await call(server.base, '/api/admin/login', { body: CHILD_ADMIN });
    assert.equal(admin.status, 200, JSON.stringify(admin.body));
    const fields = doctorFields();
    const added = await call(server.base, '/api/admin/add-doctor', { token: admin.body.token, body: form(fields, { bytes: await pngBytes() }) });
    assert.equal(added.status, 201, JSON.stringify(added.body));
    const docId = added.body.doctor._id as string;
    const patient = { name: 'Crash Test', email: 'crash.test@example.com', password: 'crash-test-pass-1' };
    const reg = await call(server.base, '/api/user/register', { body: patient });
    assert.equal(reg.status, 201);

    const acked: string[] = [];
    const unexpected: string[] = [];
    let next = 0;
    let killed = false;
    const worker = async () => {
      while (!killed && next < 60) {
        const slot = futureSlot(next++);
        try {
          const res = await call(server.base, '/api/user/book-appointment', { token: reg.body.token, body: { docId, ...slot } });
          if (res.status === 201) acked.push(res.body.appointment._id);
          else if (!killed) unexpected.push(`${res.status} ${JSON.stringify(res.body)}`);
        } catch {
          /* the connection died with the process: not acknowledged */
        }
      }
    };
    const workers = [worker(), worker(), worker()];
    await until(() => acked.length >= 12 || unexpected.length > 0 || next >= 60, 'twelve acknowledged bookings', 60_000, 10);
    server.proc.kill('SIGKILL');
    killed = true;
    await Promise.all(workers);
    assert.deepEqual(unexpected, []);
    assert.equal((await server.exited).signal, 'SIGKILL');
    assert.ok(acked.length >= 12);

    // restart on the same data: every acknowledged booking is there, complete
    server = await startServer({ ...db.env, ...NO_BOOKING_CAPS });
    const login = await call(server.base, '/api/user/login', { body: { email: patient.email, password: patient.password } });
    assert.equal(login.status, 200);
    const list = await call(server.base, '/api/user/appointments', { token: login.body.token });
    assert.equal(list.status, 200);
    const byId = new Map((list.body.appointments as { _id: string; status: string; docId: string; slotTime: string }[]).map((a) => [a._id, a]));
    for (const id of acked) {
      const a = byId.get(id);
      assert.ok(a, `acknowledged booking ${id} survived`);
      assert.equal(a.status, 'pending');
      assert.equal(a.docId, docId);
    }
    // and the service still books after recovery
    const again = await call(server.base, '/api/user/book-appointment', { token: login.body.token, body: { docId, ...futureSlot(70) } });
    assert.equal(again.status, 201, JSON.stringify(again.body));
    server.proc.kill('SIGTERM');
    assert.equal((await server.exited).code, 0);

    // nothing half-written: rows and the summaries their triggers keep agree (same transaction)
    const direct = await db.open();
    try {
      const rows = await direct.query<{ n: number }>('SELECT count(*)::int AS n FROM appointments');
      assert.equal(rows[0].n, byId.size + 1);
      const stats = await direct.query<{ t: string | null }>(`SELECT to_regclass('doctor_stats')::text AS t`);
      if (stats[0].t) {
        const s = await direct.query<{ appointments: number }>('SELECT appointments FROM doctor_stats WHERE doctor_id = $1', [docId]);
        assert.equal(s[0].appointments, rows[0].n);
      }
      const broken = await direct.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM appointments WHERE doctor_id <> $1 OR blocks IS NULL OR user_data = '{}'::jsonb OR starts_at >= ends_at`,
        [docId],
      );
      assert.equal(broken[0].n, 0);
    } finally {
      await direct.close();
    }
  });
});

/** A test app on a fresh PostgreSQL database reached through a TCP proxy the test cuts or freezes. */
interface ProxiedApp {
  t: TestApp;
  proxy: TcpProxy;
  /** the database's address through the proxy */
  proxiedUrl: string;
  /** the same database, straight (not through the proxy) */
  direct: Database;
  close(): Promise<void>;
}

async function proxiedApp(opts: { poolSize: number; queryTimeoutMs?: number }): Promise<ProxiedApp> {
  const testDb: TestDatabase = await freshDatabase();
  const url = new URL(testDb.url!);
  const proxy = await startTcpProxy(url.hostname, Number(url.port || 5432));
  url.port = String(proxy.port);
  const database: Database = await openDatabase({ databaseUrl: url.toString(), migrate: false, ...opts });
  const t = await makeTestApp(NO_BOOKING_CAPS, { testDb: { database, url: url.toString(), drop: async () => undefined } });
  return {
    t,
    proxy,
    proxiedUrl: url.toString(),
    direct: testDb.database,
    async close() {
      proxy.restore();
      await t.close();
      await database.close().catch(() => undefined);
      await proxy.close();
      await testDb.drop();
    },
  };
}

describe('PostgreSQL cut off under load', { skip: process.env.DATABASE_URL ? false : 'needs DATABASE_URL: the embedded database lives inside the process, so it cannot go away without the process (the kill -9 test covers that)' }, () => {
  let t: TestApp;
  let proxy: TcpProxy;
  let close: () => Promise<void>;
  before(async () => ({ t, proxy, close } = await proxiedApp({ poolSize: 5 })));
  after(async () => close());

  it('answers 503 with Retry-After while it is gone, then recovers by itself', async () => {
    const doctor = await createDoctor(t.app);
    const patient = await registerPatient(t.app);
    let k = 0;
    const statuses: number[] = [];
    const unavailable: { retryAfter: unknown; message: string }[] = [];
    const odd: string[] = [];
    const load = async (stop: () => boolean) => {
      while (!stop()) {
        const results = await answered(Promise.all([
          get(t.app, '/api/user/appointments', bearer(patient.token)),
          book(t.app, patient.token, doctor.id, futureSlot(k++ % 50)),
          get(t.app, `/api/doctor/profile`, bearer(doctor.token)),
        ]));
        for (const res of results) {
          statuses.push(res.statusCode);
          if (![200, 201, 409, 503].includes(res.statusCode)) odd.push(`${res.statusCode} ${res.body}`);
          if (res.statusCode === 503) unavailable.push({ retryAfter: res.headers['retry-after'], message: json(res).message });
        }
      }
    };

    let phase: 'up' | 'cut' | 'done' = 'up';
    const loading = load(() => phase === 'done');
    loading.catch(() => (phase = 'done'));
    // the load is running when the database goes, and requests have met the outage before /ready is asked
    await until(() => statuses.length >= 3, 'answers before the cut', 30_000, 10);
    proxy.cut();
    phase = 'cut';
    await until(() => unavailable.length > 0 || phase === 'done', 'a request meeting the outage', 30_000, 10);
    const ready = await answered(get(t.app, '/ready'));
    assert.equal(ready.statusCode, 503);
    assert.equal(ready.headers['retry-after'], '5');
    assert.deepEqual(json(ready), { status: 'unavailable', database: 'down', redis: process.env.REDIS_URL ? 'up' : 'disabled' });
    proxy.restore();
    phase = 'done';
    await loading;

    // never a 500 or a hang; the outage showed as 503 + Retry-After
    assert.deepEqual(odd, [], 'only 200/201/409/503 while the database comes and goes');
    assert.ok(unavailable.length > 0, 'some requests met the outage');
    for (const u of unavailable) assert.deepEqual(u, { retryAfter: '5', message: 'Service temporarily unavailable, please retry shortly' });

    // recovery without a restart
    await until(async () => (await answered(get(t.app, '/ready'))).statusCode === 200, 'ready again once the database is back', 30_000, 250);
    const res = await book(t.app, patient.token, doctor.id, futureSlot(60));
    assert.equal(res.statusCode, 201, res.body);
    assert.equal((await get(t.app, '/api/user/appointments', bearer(patient.token))).statusCode, 200);
  });
});

describe('PostgreSQL frozen: connections stay open, nothing answers', { skip: process.env.DATABASE_URL ? false : 'needs DATABASE_URL: the embedded database lives inside the process' }, () => {
  let t: TestApp;
  let proxy: TcpProxy;
  let proxiedUrl: string;
  let direct: Database;
  let close: () => Promise<void>;
  // a short DB_QUERY_TIMEOUT_MS keeps the test quick; production's default is 5 s
  before(async () => ({ t, proxy, proxiedUrl, direct, close } = await proxiedApp({ poolSize: 3, queryTimeoutMs: 1000 })));
  after(async () => close());

  it('answers 503 with Retry-After within bounded time (no hang), then recovers after the network thaws', async () => {
    const doctor = await createDoctor(t.app);
    const patient = await registerPatient(t.app);
    proxy.freeze();
    // more transactions than the pool has connections: a client lost on a timed-out BEGIN would
    // leave the pool empty for good, and the service would never come back
    const odd: string[] = [];
    for (let round = 0; round < 3; round++) {
      const results = await answered(Promise.all([
        book(t.app, patient.token, doctor.id, futureSlot(round)),
        book(t.app, patient.token, doctor.id, futureSlot(10 + round)),
        get(t.app, '/api/user/appointments', bearer(patient.token)),
        get(t.app, '/api/doctor/profile', bearer(doctor.token)),
      ]), 20_000);
      for (const res of results) {
        if (res.statusCode !== 503) odd.push(`${res.statusCode} ${res.body}`);
        else {
          assert.equal(res.headers['retry-after'], '5');
          assert.deepEqual(json(res), { success: false, message: 'Service temporarily unavailable, please retry shortly' });
        }
      }
    }
    assert.deepEqual(odd, [], 'every request met the frozen database with a 503');
    const ready = await answered(get(t.app, '/ready'));
    assert.equal(ready.statusCode, 503);

    proxy.restore();
    await until(async () => (await answered(get(t.app, '/ready'))).statusCode === 200, 'ready again once the network thaws', 30_000, 250);
    for (let k = 0; k < 2; k++) {
      const res = await answered(book(t.app, patient.token, doctor.id, futureSlot(30 + k)));
      assert.equal(res.statusCode, 201, res.body);
    }
    const list = await answered(get(t.app, '/api/user/appointments', bearer(patient.token)));
    assert.equal(list.statusCode, 200);
    // nothing a 503 answered was written after all (the connections it used were closed, not reused)
    assert.equal(json(list).appointments.length, 2, list.body);
  });

  it('never lends out a connection a timed-out statement left behind, nor loses one to a timed-out BEGIN', async () => {
    // one connection, so any reuse is the same connection
    const one = await openDatabase({ databaseUrl: proxiedUrl, migrate: false, poolSize: 1, queryTimeoutMs: 500 });
    try {
      await one.exec('CREATE TABLE freeze_probe (v int)');
      // the network freezes inside a transaction: INSERT and ROLLBACK time out on the client, the
      // INSERT is still on the wire; reused, the connection would carry the next caller into that
      // open transaction (its writes never committed)
      const stuck = one.db.transaction(async (tx) => {
        await tx.execute(sql`select 1`);
        proxy.freeze();
        await tx.execute(sql`insert into freeze_probe values (1)`);
      });
      await assert.rejects(answered(stuck, 15_000));
      proxy.restore();
      await answered(one.query('INSERT INTO freeze_probe VALUES (2)'), 15_000);
      assert.deepEqual(await direct.query('SELECT v FROM freeze_probe ORDER BY v'), [{ v: 2 }], 'the insert committed, the frozen one rolled back');

      // BEGIN itself times out: the client must go back to the pool (Drizzle sends BEGIN outside its try/finally)
      proxy.freeze();
      for (let i = 0; i < 2; i++) await assert.rejects(answered(one.db.transaction(async (tx) => void (await tx.execute(sql`select 1`))), 15_000));
      proxy.restore();
      const ok = await answered(one.db.transaction(async (tx) => ((await tx.execute(sql`select 42 as n`)) as unknown as { rows: unknown[] }).rows), 15_000);
      assert.deepEqual(ok, [{ n: 42 }]);
    } finally {
      proxy.restore();
      await one.close().catch(() => undefined);
    }
  });
});

describe('PostgreSQL frozen: every request answers within its bound, whatever statements it makes', { skip: process.env.DATABASE_URL ? false : 'needs DATABASE_URL: the embedded database lives inside the process' }, () => {
  const queryTimeoutMs = 1000;
  // the documented bound: a connection wait and one statement, each limited by DB_QUERY_TIMEOUT_MS
  // (the client gives up on a statement a second after the server should have), then nothing more
  const bound = 2 * queryTimeoutMs + 1000;
  let t: TestApp;
  let proxy: TcpProxy;
  let close: () => Promise<void>;
  before(async () => ({ t, proxy, close } = await proxiedApp({ poolSize: 3, queryTimeoutMs })));
  after(async () => close());

  it('login, register, profile, lists and booking each answer 503 within the bound', async () => {
    const doctor = await createDoctor(t.app);
    const patient = await registerPatient(t.app);
    proxy.freeze();
    const requests: [string, () => Promise<{ statusCode: number; body: string }>][] = [
      ['patient login', () => post(t.app, '/api/user/login', { email: patient.email, password: patient.password })],
      ['register', () => post(t.app, '/api/user/register', { name: 'Frozen Fran', email: 'frozen.fran@example.com', password: 'frozen-fran-pass-1' })],
      ['admin login', () => post(t.app, '/api/admin/login', { email: 'admin@prescripto.test', password: 'admin-test-password' })],
      ['get-profile', () => get(t.app, '/api/user/get-profile', bearer(patient.token))],
      ['appointments', () => get(t.app, '/api/user/appointments', bearer(patient.token))],
      ['book', () => book(t.app, patient.token, doctor.id, futureSlot(7))],
      ['doctor login', () => post(t.app, '/api/doctor/login', { email: doctor.email, password: doctor.password })],
    ];
    const late: string[] = [];
    for (const [name, send] of requests) {
      try {
        const res = await answered(send(), bound + 1500);
        assert.equal(res.statusCode, 503, `${name}: ${res.body}`);
      } catch (err) {
        if (!/no answer within/.test((err as Error).message)) throw err;
        late.push(name);
      }
    }
    proxy.restore();
    assert.deepEqual(late, [], `answered later than ${bound} ms (+ slack) with the database frozen`);
  });
});

describe('Redis cut off', { skip: process.env.REDIS_URL ? false : 'needs REDIS_URL' }, () => {
  let proxy: TcpProxy;
  let t: TestApp;
  before(async () => {
    const url = new URL(process.env.REDIS_URL!);
    proxy = await startTcpProxy(url.hostname, Number(url.port || 6379));
    url.port = String(proxy.port);
    t = await makeTestApp({ REDIS_URL: url.toString() });
  });
  after(async () => {
    await t.close();
    await proxy.close();
  });

  it('degrades to in-process behaviour, then uses Redis again', async () => {
    const doctor = await createDoctor(t.app);
    const patient = await registerPatient(t.app);
    proxy.cut();
    // the readiness check notices the cut on its next ping
    await until(async () => json(await answered(get(t.app, '/ready'))).redis === 'down', 'Redis reported down');
    const ready = await answered(get(t.app, '/ready'));
    assert.equal(ready.statusCode, 200);
    assert.deepEqual(json(ready), { status: 'degraded', database: 'up', redis: 'down' });
    const login = await answered(post(t.app, '/api/user/login', { email: patient.email, password: patient.password }));
    assert.equal(login.statusCode, 200, login.body);
    const booked = await answered(book(t.app, json(login).token, doctor.id, futureSlot(5)));
    assert.equal(booked.statusCode, 201, booked.body);
    assert.equal((await answered(get(t.app, '/api/doctor/list'))).statusCode, 200);
    const metrics = await get(t.app, '/metrics');
    assert.match(metrics.body, /\nprescripto_redis_up 0\n/);

    proxy.restore();
    await until(async () => json(await get(t.app, '/ready')).redis === 'up', 'Redis used again once it is back', 10_000, 250);
  });
});
