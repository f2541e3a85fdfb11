// Live appointment updates over Server-Sent Events, read by a real HTTP client from listening
// app instances. With REDIS_URL the stream is opened on a second instance and the change is made
// on the first: the update crosses instances through Redis pub/sub.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  adminToken, bearer, book, createDoctor, futureSlot, json, makeTestApp, post, registerPatient, type TestApp,
} from '../../helpers/app.js';
import { until } from '../../helpers/wait.js';

interface SseEvent {
  event: string;
  data: string;
}

interface SseClient {
  status: number;
  events: SseEvent[];
  /** resolves when the server ends the stream */
  ended: Promise<void>;
  /** resolves with the first event (already received or future) matching `pred` */
  next(pred: (e: SseEvent) => boolean, timeoutMs?: number): Promise<SseEvent>;
  close(): void;
}

/** A minimal EventSource over node:http: parses `event:` / `data:` blocks as they arrive. */
function openSse(base: string, path: string, headers: Record<string, string> = {}): Promise<SseClient> {
  return new Promise((resolve, reject) => {
    const req = http.get(new URL(path, base), { headers: { accept: 'text/event-stream', ...headers } }, (res) => {
      const events: SseEvent[] = [];
      const waiters: Array<{ pred: (e: SseEvent) => boolean; resolve: (e: SseEvent) => void }> = [];
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buf += chunk;
        let i: number;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const ev: SseEvent = { event: 'message', data: '' };
          let hasData = false;
          for (const line of block.split('\n')) {
            if (line.startsWith('event: ')) ev.event = line.slice(7);
            else if (line.startsWith('data: ')) {
              ev.data += line.slice(6);
              hasData = true;
            }
          }
          if (!hasData) continue;
          events.push(ev);
          for (const w of [...waiters]) {
            if (w.pred(ev)) {
              waiters.splice(waiters.indexOf(w), 1);
              w.resolve(ev);
            }
          }
        }
      });
      const ended = new Promise<void>((done) => {
        res.on('end', () => done());
        res.on('close', () => done());
      });
      resolve({
        status: res.statusCode ?? 0,
        events,
        ended,
        next(pred, timeoutMs = 10_000) {
          const found = events.find(pred);
          if (found) return Promise.resolve(found);
          return new Promise((res2, rej2) => {
            const timer = setTimeout(() => rej2(new Error('no matching live event arrived')), timeoutMs);
            waiters.push({ pred, resolve: (e) => { clearTimeout(timer); res2(e); } });
          });
        },
        close() {
          req.destroy();
        },
      });
    });
    req.on('error', reject);
  });
}

const appointmentEvent = (type: string, id?: string) => (e: SseEvent) =>
  e.event === 'appointment' && JSON.parse(e.data).type === type && (id === undefined || JSON.parse(e.data).appointmentId === id);

/**
 * "Must not see", without a grace period: `marker` is an event this client does see, published after
 * the changes in question on the same bus, which delivers in order; once it has arrived, anything
 * those changes sent this client would have arrived before it.
 */
async function noneBefore(client: SseClient, marker: (e: SseEvent) => boolean, pred: (e: SseEvent) => boolean): Promise<void> {
  await client.next(marker);
  const at = client.events.findIndex(marker);
  assert.equal(client.events.slice(0, at).some(pred), false);
}

describe('live updates (SSE)', () => {
  const crossInstance = Boolean(process.env.REDIS_URL);
  let a: TestApp;
  let b: TestApp;
  let baseA: string;
  let baseB: string;
  const open: SseClient[] = [];
  // Under plain `npm test` the embedded database lives in this one process and there is no Redis, so
  // a second instance would not share live updates: the cross-instance case needs REDIS_URL.
  const crossSkip = crossInstance ? false : 'needs REDIS_URL: a second instance hears changes only through Redis pub/sub';

  before(async () => {
    // the same REDIS_PREFIX for both instances: one deployment
    // a 1 s keep-alive: each one re-checks the session, so a logout ends the stream soon
    const env = { REDIS_PREFIX: `live${randomBytes(4).toString('hex')}:`, LIVE_PING_SECONDS: '1' };
    a = await makeTestApp(env);
    b = crossInstance ? await makeTestApp(env, { testDb: a.testDb }) : a;
    await a.app.listen({ port: 0, host: '127.0.0.1' });
    if (b !== a) await b.app.listen({ port: 0, host: '127.0.0.1' });
    baseA = `http://127.0.0.1:${(a.app.server.address() as AddressInfo).port}`;
    baseB = `http://127.0.0.1:${(b.app.server.address() as AddressInfo).port}`;
  });
  after(async () => {
    for (const c of open) c.close();
    if (b !== a) await b.close();
    await a.close();
  });

  const streamOn = async (path: string, headers: Record<string, string>, base: string) => {
    const c = await openSse(base, path, headers);
    open.push(c);
    return c;
  };
  const stream = (path: string, headers: Record<string, string> = {}) => streamOn(path, headers, baseB);

  it('pushes a booking to the doctor, a cancellation to the patient and everything to the admin (same instance)', async () => {
    await whoHearsWhat(baseA);
  });

  it('the same across instances: streams on instance B, changes made on instance A, through Redis', { skip: crossSkip }, async () => {
    await whoHearsWhat(baseB);
  });

  /** Opens streams on `base` for every role and makes changes on instance A. */
  async function whoHearsWhat(base: string): Promise<void> {
    const stream = async (path: string, headers: Record<string, string> = {}) => streamOn(path, headers, base);
    const patient = await registerPatient(a.app);
    const stranger = await registerPatient(a.app);
    const doctor = await createDoctor(a.app);
    const otherDoctor = await createDoctor(a.app);
    const atoken = await adminToken(a.app);

    const doctorStream = await stream('/api/doctor/events', bearer(doctor.token));
    const otherDoctorStream = await stream('/api/doctor/events', bearer(otherDoctor.token));
    // EventSource cannot set headers: the token may come in the query
    const patientStream = await stream(`/api/user/events?token=${encodeURIComponent(patient.token)}`);
    const strangerStream = await stream('/api/user/events', bearer(stranger.token));
    const adminStream = await stream('/api/admin/events', { atoken });
    for (const s of [doctorStream, otherDoctorStream, patientStream, strangerStream, adminStream]) {
      assert.equal(s.status, 200);
      await s.next((e) => e.event === 'ready');
    }

    // the change happens on instance A; the streams are on `base`
    const booked = await book(a.app, patient.token, doctor.id, futureSlot(0, 3));
    assert.equal(booked.statusCode, 201, booked.body);
    const id = json(booked).appointment._id as string;

    const seen = JSON.parse((await doctorStream.next(appointmentEvent('booked', id))).data);
    assert.equal(seen.doctorId, doctor.id);
    assert.equal(seen.patientId, patient.id);
    assert.equal(seen.actor, 'patient');
    await adminStream.next(appointmentEvent('booked', id));
    await patientStream.next(appointmentEvent('booked', id));

    const cancelled = await post(a.app, '/api/doctor/cancel-appointment', { appointmentId: id }, bearer(doctor.token));
    assert.equal(cancelled.statusCode, 200, cancelled.body);
    const c = JSON.parse((await patientStream.next(appointmentEvent('cancelled', id))).data);
    assert.equal(c.status, 'cancelled');
    assert.equal(c.actor, 'doctor');
    await adminStream.next(appointmentEvent('cancelled', id));

    // nobody hears about appointments that are not theirs: a later booking of their own marks the point
    // by which they would have heard
    const mark = await book(a.app, stranger.token, otherDoctor.id, futureSlot(1, 3));
    assert.equal(mark.statusCode, 201, mark.body);
    const marker = appointmentEvent('booked', json(mark).appointment._id as string);
    const anyAppointment = (e: SseEvent) => e.event === 'appointment';
    await noneBefore(otherDoctorStream, marker, anyAppointment);
    await noneBefore(strangerStream, marker, anyAppointment);
  }

  it(`a logout${crossInstance ? ' on the other instance' : ''} ends the open stream with event: end`, async () => {
    const patient = await registerPatient(a.app);
    const other = await registerPatient(a.app);
    const s = await stream('/api/user/events', bearer(patient.token));
    const keeps = await stream('/api/user/events', bearer(other.token));
    await s.next((e) => e.event === 'ready');
    await keeps.next((e) => e.event === 'ready');
    const out = await post(a.app, '/api/user/logout', {}, bearer(patient.token));
    assert.equal(out.statusCode, 200, out.body);
    const end = await s.next((e) => e.event === 'end', 30_000);
    assert.equal(JSON.parse(end.data).reason, 'Session ended, please login again');
    await s.ended;
    // someone else's stream goes on: it still delivers their own next booking, and no end came before it
    const doctor = await createDoctor(a.app);
    const later = await book(a.app, other.token, doctor.id, futureSlot(2, 3));
    assert.equal(later.statusCode, 201, later.body);
    await noneBefore(keeps, appointmentEvent('booked', json(later).appointment._id as string), (e) => e.event === 'end');
  });

  it('refuses a stream without a valid token of the right role', async () => {
    const patient = await registerPatient(a.app);
    const none = await openSse(baseB, '/api/user/events');
    none.close();
    assert.equal(none.status, 401);
    const wrongRole = await openSse(baseB, '/api/admin/events', bearer(patient.token));
    wrongRole.close();
    assert.equal(wrongRole.status, 403);
    const bad = await openSse(baseB, '/api/doctor/events?token=not-a-token');
    bad.close();
    assert.equal(bad.status, 401);
  });

  it('a client gone while the Redis subscription is still pending leaves no subscriber behind', async () => {
    // Redis unreachable: the stream waits (at most 2 s) for the subscription before "ready"
    const down = await makeTestApp({ REDIS_URL: 'redis://127.0.0.1:9', LOG_LEVEL: 'silent' }, { testDb: a.testDb });
    try {
      await down.app.listen({ port: 0, host: '127.0.0.1' });
      const patient = await registerPatient(down.app);
      const c = await openSse(`http://127.0.0.1:${(down.app.server.address() as AddressInfo).port}`, '/api/user/events', bearer(patient.token));
      assert.equal(c.status, 200);
      assert.equal(c.events.some((e) => e.event === 'ready'), false, 'still waiting for the subscription');
      c.close();
      // the server sees the disconnect, then the subscription wait ends
      await until(() => down.app.ctx.live.size === 0, 'the server to see the disconnect');
      await down.app.ctx.live.settled();
      // what the stream's handler does once its wait is over runs after the wait's own callbacks
      await new Promise((r) => setImmediate(r));
      assert.equal(down.app.ctx.live.size, 0);
    } finally {
      await down.close();
    }
  });

  it('closing the app ends open streams instead of hanging', async () => {
    const extra = await makeTestApp({}, { testDb: a.testDb });
    await extra.app.listen({ port: 0, host: '127.0.0.1' });
    const patient = await registerPatient(extra.app);
    const c = await openSse(`http://127.0.0.1:${(extra.app.server.address() as AddressInfo).port}`, '/api/user/events', bearer(patient.token));
    await c.next((e) => e.event === 'ready');
    const gone = await openSse(`http://127.0.0.1:${(extra.app.server.address() as AddressInfo).port}`, '/api/user/events', bearer(patient.token));
    await gone.next((e) => e.event === 'ready');
    assert.equal(extra.app.ctx.live.size, 2);
    // a client that disconnects is forgotten
    gone.close();
    await until(() => extra.app.ctx.live.size <= 1, 'the closed stream to be dropped');
    assert.equal(extra.app.ctx.live.size, 1);
    await extra.close();
    assert.equal(extra.app.ctx.live.size, 0);
    c.close();
  });
});
