// The cached public doctor list: ETag / 304, never stale after an acknowledged change, across two
// app instances through Redis, and served from the database when Redis cannot be asked.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { buildApp, type App } from '../../../src/app.js';
import { loadConfig } from '../../../src/config.js';
import { ManualClock } from '../../../src/lib/clock.js';
import { DomainEvents } from '../../../src/lib/events.js';
import { chooseEncoding, DoctorListCache, matchesEtag, STALE_BOUND_MS } from '../../../src/modules/doctors/list-cache.js';
import { bearer, book, createDoctor, futureSlot, get, json, makeTestApp, post, registerPatient, testEnv, type TestApp } from '../../helpers/app.js';

const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';

function redisReachable(url: string): Promise<boolean> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const s = net.connect(Number(u.port || 6379), u.hostname);
    s.once('connect', () => {
      s.end();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

async function list(app: App, etag?: string) {
  return get(app, '/api/doctor/list', etag ? { 'if-none-match': etag } : {});
}

describe('performance: cached public doctor list', () => {
  let t: TestApp;
  let doctor: Awaited<ReturnType<typeof createDoctor>>;
  let patient: Awaited<ReturnType<typeof registerPatient>>;
  before(async () => {
    t = await makeTestApp();
    doctor = await createDoctor(t.app, { name: 'Dr. Cache' });
    patient = await registerPatient(t.app);
  });
  after(async () => t.close());

  it('answers with a strong ETag, no-cache, and only public fields', async () => {
    const res = await list(t.app);
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers.etag), /^"[A-Za-z0-9_-]+"$/);
    assert.equal(res.headers['cache-control'], 'no-cache');
    assert.match(String(res.headers['content-type']), /^application\/json/);
    const body = json(res);
    assert.equal(body.success, true);
    const d = body.doctors.find((x: { _id: string }) => x._id === doctor.id);
    assert.equal(d.name, 'Dr. Cache');
    assert.equal(d.email, undefined);
    assert.equal(d.password, undefined);
    assert.equal(d.passwordHash, undefined);
  });

  it('answers 304 with no body to a matching If-None-Match, and 200 to another', async () => {
    const first = await list(t.app);
    const etag = String(first.headers.etag);
    const again = await list(t.app, etag);
    assert.equal(again.statusCode, 304);
    assert.equal(again.body, '');
    assert.equal(again.headers.etag, etag);
    assert.equal((await list(t.app, `"other", ${etag}`)).statusCode, 304);
    assert.equal((await list(t.app, '"something-else"')).statusCode, 200);
  });

  it('sends brotli or gzip to clients that accept them, with their own ETag and Vary', async () => {
    const { gunzipSync, brotliDecompressSync } = await import('node:zlib');
    const plain = await list(t.app);
    const br = await t.app.inject({ method: 'GET', url: '/api/doctor/list', headers: { 'accept-encoding': 'gzip, deflate, br' } });
    assert.equal(br.headers['content-encoding'], 'br');
    assert.match(String(br.headers.vary), /accept-encoding/i);
    assert.equal(brotliDecompressSync(br.rawPayload).toString(), plain.body);
    assert.notEqual(br.headers.etag, plain.headers.etag);
    const gz = await t.app.inject({ method: 'GET', url: '/api/doctor/list', headers: { 'accept-encoding': 'gzip' } });
    assert.equal(gz.headers['content-encoding'], 'gzip');
    assert.equal(gunzipSync(gz.rawPayload).toString(), plain.body);
    const again = await t.app.inject({ method: 'GET', url: '/api/doctor/list', headers: { 'accept-encoding': 'gzip', 'if-none-match': String(gz.headers.etag) } });
    assert.equal(again.statusCode, 304);
  });

  it('serves the same bytes while nothing changes (from the cache, not the database)', async () => {
    const a = await list(t.app);
    // A write that bypasses the services publishes no event: the cache must still hold the old bytes.
    await t.testDb.database.query(`UPDATE doctors SET about = 'changed behind the cache' WHERE id = $1`, [doctor.id]);
    const b = await list(t.app);
    assert.equal(b.body, a.body);
    assert.equal(b.headers.etag, a.headers.etag);
    await t.testDb.database.query(`UPDATE doctors SET about = 'Experienced cardiologist.' WHERE id = $1`, [doctor.id]);
  });

  it('shows a booking as soon as it is acknowledged, and its release after cancelling', async () => {
    const before = await list(t.app);
    const slot = futureSlot(3);
    const booked = await book(t.app, patient.token, doctor.id, slot);
    assert.equal(booked.statusCode, 201, booked.body);
    const after = await list(t.app, String(before.headers.etag));
    assert.equal(after.statusCode, 200);
    assert.notEqual(after.headers.etag, before.headers.etag);
    const d = json(after).doctors.find((x: { _id: string }) => x._id === doctor.id);
    assert.deepEqual(d.slots_booked[slot.slotDate], [slot.slotTime]);

    const id = json(booked).appointment._id;
    const cancelled = await post(t.app, '/api/user/cancel-appointment', { appointmentId: id }, bearer(patient.token));
    assert.equal(cancelled.statusCode, 200, cancelled.body);
    const released = json(await list(t.app)).doctors.find((x: { _id: string }) => x._id === doctor.id);
    assert.equal(released.slots_booked[slot.slotDate], undefined);
  });

  it('shows a doctor change (availability, new doctor) as soon as it is acknowledged', async () => {
    const etag = String((await list(t.app)).headers.etag);
    const res = await post(t.app, '/api/doctor/change-availability', { available: false }, bearer(doctor.token));
    assert.equal(res.statusCode, 200);
    const after = await list(t.app, etag);
    assert.equal(after.statusCode, 200);
    assert.equal(json(after).doctors.find((x: { _id: string }) => x._id === doctor.id).available, false);

    const other = await createDoctor(t.app, { name: 'Dr. Newcomer' });
    assert.ok(json(await list(t.app)).doctors.some((x: { _id: string }) => x._id === other.id));
  });

  it('another instance serves a change made on this one within the bound, also with its subscription cut', async (ctx) => {
    if (!(await redisReachable(REDIS_URL))) return ctx.skip(`no Redis at ${REDIS_URL}`);
    const prefix = `perf${Date.now().toString(36)}:`;
    const a = await makeTestApp({ REDIS_URL, REDIS_PREFIX: prefix });
    // Instance B: a second app on the same database and Redis prefix, with its own process state
    // and a clock the test moves (the bound is measured on it).
    const clockB = new ManualClock(Date.now());
    const bConfig = loadConfig(testEnv(a.dataDir, { REDIS_URL, REDIS_PREFIX: prefix }));
    const b = await buildApp(bConfig, { database: a.testDb.database, ownsDatabase: false, clock: clockB });
    try {
      await b.ready();
      const doc = await createDoctor(a.app, { name: 'Dr. Shared' });
      const p = await registerPatient(a.app);
      assert.equal((await list(b)).statusCode, 200);
      // B trusts its cache once a heartbeat of its own has come back through Redis
      while (!b.ctx.doctorList.listening()) await new Promise((r) => setTimeout(r, 20));
      const etag = String((await list(b)).headers.etag);
      assert.equal((await list(b, etag)).statusCode, 304, 'B serves its cached copy while nothing changes');

      const slot = futureSlot(5);
      const booked = await book(a.app, p.token, doc.id, slot);
      assert.equal(booked.statusCode, 201, booked.body);
      // Acknowledged by A. Whether or not B has heard of it yet, once the bound has passed on B's
      // clock B must not answer 304 or the old bytes.
      clockB.advance(STALE_BOUND_MS);
      const fresh = await list(b, etag);
      assert.equal(fresh.statusCode, 200);
      assert.deepEqual(json(fresh).doctors.find((x: { _id: string }) => x._id === doc.id).slots_booked[slot.slotDate], [slot.slotTime]);

      // B's subscription stalls (nothing read from its connection: no invalidation, no heartbeat).
      const subscriber = (b.ctx.doctorList as unknown as { subscriber: { stream: { pause(): void; resume(): void } } }).subscriber;
      subscriber.stream.pause();
      try {
        const off = await post(a.app, '/api/doctor/change-availability', { available: false }, bearer(doc.token));
        assert.equal(off.statusCode, 200);
        clockB.advance(STALE_BOUND_MS);
        assert.equal(json(await list(b)).doctors.find((x: { _id: string }) => x._id === doc.id).available, false, 'B honours the bound without its subscription');
        // past the bound without a heartbeat, B asks Redis on every request: the next change shows at once
        const on = await post(a.app, '/api/doctor/change-availability', { available: true }, bearer(doc.token));
        assert.equal(on.statusCode, 200);
        assert.equal(json(await list(b)).doctors.find((x: { _id: string }) => x._id === doc.id).available, true);
      } finally {
        subscriber.stream.resume();
      }
    } finally {
      await b.close();
      await a.close();
    }
  });

  it('serves the list from the database while Redis is down, never a stale copy', async () => {
    const down = await makeTestApp({ REDIS_URL: 'redis://127.0.0.1:1' });
    try {
      const doc = await createDoctor(down.app, { name: 'Dr. NoRedis' });
      const first = await list(down.app);
      assert.equal(first.statusCode, 200);
      await down.testDb.database.query(`UPDATE doctors SET about = 'direct change' WHERE id = $1`, [doc.id]);
      // Without Redis the shared generation cannot be checked, so nothing cached is trusted.
      const second = json(await list(down.app)).doctors.find((x: { _id: string }) => x._id === doc.id);
      assert.equal(second.about, 'direct change');
    } finally {
      await down.close();
    }
  });
});

describe('performance: DoctorListCache', () => {
  it('never stores a list built while a change was being acknowledged', async () => {
    const events = new DomainEvents();
    const cache = new DoctorListCache(events, { redisKey: 'unused', maxAgeMs: 60_000 });
    let release!: (v: string) => void;
    let started = false;
    const slow = cache.get(() => {
      started = true;
      return new Promise<string>((r) => (release = r));
    });
    while (!started) await new Promise((r) => setImmediate(r)); // the build is now reading the database
    await events.publish({ kind: 'doctor', type: 'updated', doctorId: 'x', at: new Date() });
    release('old');
    assert.equal((await slow).body.toString(), 'old');
    let builds = 0;
    const next = await cache.get(async () => `new${++builds}`);
    assert.equal(next.body.toString(), 'new1');
    assert.equal((await cache.get(async () => `new${++builds}`)).body.toString(), 'new1', 'the fresh build is cached');
    await events.publish({ kind: 'patient', type: 'updated', patientId: 'p', at: new Date() });
    assert.equal((await cache.get(async () => `new${++builds}`)).body.toString(), 'new1', 'patient changes do not touch the list');
    await events.publish({ kind: 'appointment', type: 'booked', appointmentId: 'a', doctorId: 'x', patientId: 'p', status: 'pending', actor: 'patient', at: new Date() });
    assert.equal((await cache.get(async () => `new${++builds}`)).body.toString(), 'new2');
    cache.close();
  });

  it('shares one build between concurrent requests', async () => {
    const cache = new DoctorListCache(new DomainEvents(), { redisKey: 'unused', maxAgeMs: 60_000 });
    let builds = 0;
    const build = async () => {
      builds++;
      await new Promise((r) => setTimeout(r, 10));
      return 'body';
    };
    const all = await Promise.all([cache.get(build), cache.get(build), cache.get(build)]);
    assert.equal(builds, 1);
    assert.ok(all.every((e) => e.body.toString() === 'body' && e.etag === all[0].etag));
  });

  it('subscribes to other instances\' invalidations at start, and hears them', { skip: process.env.REDIS_URL ? false : 'needs REDIS_URL' }, async () => {
    const { Redis } = await import('ioredis');
    const redis = new Redis(REDIS_URL, { enableOfflineQueue: false, lazyConnect: false });
    const errors: unknown[] = [];
    const key = `test:${Date.now()}:doctor-list`;
    const a = new DoctorListCache(new DomainEvents(), { redis, redisKey: key, maxAgeMs: 60_000, onError: (e) => errors.push(e) });
    const b = new DoctorListCache(new DomainEvents(), { redis, redisKey: key, maxAgeMs: 60_000, onError: (e) => errors.push(e) });
    try {
      let builds = 0;
      const build = async () => `list ${++builds}`;
      // b caches once its reader is connected (before, it builds from the database every time)
      for (let i = 0; i < 50 && (await b.get(build)).body.toString() !== (await b.get(build)).body.toString(); i++) await new Promise((r) => setTimeout(r, 20));
      const cached = (await b.get(build)).body.toString();
      const heard = new Promise<void>((resolve) => {
        const sub = (b as unknown as { subscriber: { on(e: string, f: () => void): void } }).subscriber;
        sub.on('message', () => resolve());
      });
      await a.invalidate();
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([heard, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('b never heard a\'s invalidation: not subscribed')), 5000)))]);
      clearTimeout(timer);
      assert.notEqual((await b.get(build)).body.toString(), cached);
      assert.deepEqual(errors, [], 'no Redis errors at start, while connecting');
    } finally {
      a.close();
      b.close();
      redis.disconnect();
    }
  });

  it('shares generation reads between requests, never one sent before a request arrived', async () => {
    // a stand-in Redis whose GETs the test answers by hand
    const gets: ((v: string) => void)[] = [];
    const fake = { status: 'ready', get: () => new Promise<string>((resolve) => gets.push(resolve)), on: () => fake, subscribe: async () => 1, disconnect: () => undefined };
    // heartbeats never come back: the subscription is not trusted, so every request asks Redis
    const redis = { duplicate: () => fake, publish: () => new Promise(() => undefined) } as unknown as ConstructorParameters<typeof DoctorListCache>[1]['redis'];
    const cache = new DoctorListCache(new DomainEvents(), { redis, redisKey: 'k', maxAgeMs: 60_000, heartbeatMs: 0 });
    const first = cache.get(async () => 'built at 1');
    await new Promise((r) => setImmediate(r));
    assert.equal(gets.length, 1);
    // five requests arrive while that GET is on the wire: they must not use its answer
    const later = Array.from({ length: 5 }, (_, i) => cache.get(async () => `built at 2 (${i})`));
    await new Promise((r) => setImmediate(r));
    assert.equal(gets.length, 1, 'nothing more is sent while a GET is in flight');
    gets[0]('1'); // answered before another instance moved the generation to 2
    assert.equal((await first).body.toString(), 'built at 1');
    await new Promise((r) => setImmediate(r));
    assert.equal(gets.length, 2, 'one GET, sent after the first returned, serves all five');
    gets[1]('2');
    const bodies = (await Promise.all(later)).map((e) => e.body.toString());
    assert.ok(bodies.every((b) => b.startsWith('built at 2')), `a request saw the older generation: ${bodies.join(', ')}`);
    assert.equal(gets.length, 2);
    cache.close();
  });

  it('trusts its entry only while its own heartbeat came back within the bound, on an unbroken subscription', async () => {
    // a stand-in Redis: the test delivers messages and answers GETs by hand
    const { EventEmitter } = await import('node:events');
    const subscriber = Object.assign(new EventEmitter(), { status: 'ready', subscribe: async () => 2, disconnect: () => undefined });
    let generation = '1';
    let gets = 0;
    const reader = Object.assign(new EventEmitter(), { status: 'ready', get: async () => (gets++, generation), disconnect: () => undefined });
    const published: [string, string][] = [];
    let duplicates = 0;
    const redis = {
      duplicate: () => (duplicates++ === 0 ? reader : subscriber),
      publish: async (channel: string, message: string) => (published.push([channel, message]), 1),
    } as unknown as ConstructorParameters<typeof DoctorListCache>[1]['redis'];
    let now = 1_000_000;
    const cache = new DoctorListCache(new DomainEvents(), { redis, redisKey: 'k', maxAgeMs: 60_000, heartbeatMs: 0, now: () => now });
    let builds = 0;
    const build = async () => `list ${++builds}`;
    const body = async () => (await cache.get(build)).body.toString();
    const heartbeatBack = () => {
      const [channel, seq] = published.filter(([c]) => c.startsWith('k:hb:')).at(-1)!;
      subscriber.emit('message', channel, seq);
    };

    assert.equal(await body(), 'list 1', 'first request: built, the generation read from Redis');
    assert.equal(gets, 1);
    heartbeatBack(); // the subscription is live: entries from before it are dropped once
    assert.equal(cache.listening(), true);
    assert.equal(await body(), 'list 2');
    const getsBefore = gets;
    assert.equal(await body(), 'list 2');
    assert.equal(gets, getsBefore, 'a fresh heartbeat: served without asking Redis');

    subscriber.emit('message', 'k', 'other-instance'); // an invalidation from another instance
    assert.equal(await body(), 'list 3');

    now += STALE_BOUND_MS; // no heartbeat back within the bound: ask Redis on every request
    generation = '2'; // a change whose message never arrived
    assert.equal(await body(), 'list 4');
    assert.ok(gets > getsBefore);
    cache.heartbeat();
    heartbeatBack();
    assert.equal(await body(), 'list 4', 'heartbeat back: trusted again');

    subscriber.emit('close'); // messages may be lost while the connection is down
    assert.equal(cache.listening(), false);
    assert.equal(await body(), 'list 5');
    cache.heartbeat();
    heartbeatBack();
    assert.equal(await body(), 'list 6', 'entries built before the new subscription was confirmed are dropped');
    cache.close();
  });

  it('keeps gzip and brotli forms of the same bytes, chosen by Accept-Encoding', async () => {
    const { gunzipSync, brotliDecompressSync } = await import('node:zlib');
    const cache = new DoctorListCache(new DomainEvents(), { redisKey: 'unused', maxAgeMs: 60_000 });
    const e = await cache.get(async () => JSON.stringify({ success: true, doctors: Array.from({ length: 50 }, (_, i) => ({ name: `Dr. ${i}` })) }));
    assert.deepEqual(gunzipSync(e.gzip), e.body);
    assert.deepEqual(brotliDecompressSync(e.br), e.body);
    assert.equal(chooseEncoding(undefined), 'identity');
    assert.equal(chooseEncoding('gzip, deflate, br'), 'br');
    assert.equal(chooseEncoding('gzip, br;q=0'), 'gzip');
    assert.equal(chooseEncoding('deflate'), 'identity');
    assert.equal(chooseEncoding('GZIP;q=0.5'), 'gzip');
    cache.close();
  });

  it('matches If-None-Match lists, weak tags and *', () => {
    assert.equal(matchesEtag('"a"', '"a"'), true);
    assert.equal(matchesEtag('W/"a"', '"a"'), true);
    assert.equal(matchesEtag('"b", "a"', '"a"'), true);
    assert.equal(matchesEtag('*', '"a"'), true);
    assert.equal(matchesEtag('"b"', '"a"'), false);
    assert.equal(matchesEtag(undefined, '"a"'), false);
  });
});
