// Idempotency-Key on book-appointment, payment-razorpay and payment-stripe, through the real HTTP
// stack (and a real socket for the lost answer), on PGlite and on PostgreSQL (DATABASE_URL).
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { DomainEvent } from '../../../src/lib/events.js';
import { bearer, futureSlot, get, json, post, registerPatient, type TestApp } from '../../helpers/app.js';
import { GatewayStub, paymentFixture } from '../payments/stub.js';

describe('Idempotency-Key', () => {
  const stub = new GatewayStub();
  let fx: Awaited<ReturnType<typeof paymentFixture>>;
  let t: TestApp;
  let patient: typeof fx.patient;
  let other: typeof fx.other;
  let doctorId: string;
  // slots far from the fixture's own (fx.booked() uses 0, 1, 2…)
  let nextSlot = 40;
  const slot = () => futureSlot(nextSlot++);

  before(async () => {
    fx = await paymentFixture(stub, { fees: 400, patientName: 'Ida Empotent' });
    ({ t, patient, other } = fx);
    doctorId = fx.doctor.id;
  });
  after(async () => fx.close());

  const withKey = (token: string, key: string) => ({ ...bearer(token), 'idempotency-key': key });
  const bookWith = (body: Record<string, unknown>, headers: Record<string, string>) => post(t.app, '/api/user/book-appointment', body, headers);
  const appointmentsOf = async (token: string) => json(await get(t.app, '/api/user/appointments', bearer(token))).appointments as Array<{ _id: string; slotDate: string; slotTime: string; cancelled: boolean }>;
  const keyRows = (key: string) => t.testDb.database.query<{ state: string; account_id: string }>('SELECT state, account_id FROM idempotency_keys WHERE key = $1', [key]);
  let seq = 0;
  const newKey = () => `key-${Date.now().toString(36)}-${seq++}`;

  describe('book-appointment', () => {
    it('the same key and body answer the first booking again (status and body), and book once', async () => {
      const key = newKey();
      const body = { docId: doctorId, ...slot() };
      const first = await bookWith(body, withKey(patient.token, key));
      assert.equal(first.statusCode, 201, first.body);
      assert.equal(first.headers['idempotent-replayed'], undefined);
      const again = await bookWith({ ...body }, withKey(patient.token, key));
      assert.equal(again.statusCode, 201, again.body);
      assert.equal(again.headers['idempotent-replayed'], 'true');
      assert.deepEqual(json(again), json(first));
      const mine = (await appointmentsOf(patient.token)).filter((a) => a.slotDate === body.slotDate && a.slotTime === body.slotTime);
      assert.equal(mine.length, 1);
      assert.deepEqual((await keyRows(key)).map((r) => r.state), ['done']);
    });

    it('without the header a repeated booking is refused as before (409 Slot not available)', async () => {
      const body = { docId: doctorId, ...slot() };
      assert.equal((await bookWith(body, bearer(patient.token))).statusCode, 201);
      const again = await bookWith(body, bearer(patient.token));
      assert.equal(again.statusCode, 409);
      assert.equal(json(again).message, 'Slot not available');
    });

    it('an answer lost after commit (the client hung up): the retry returns the same booking', async () => {
      const key = newKey();
      const body = { docId: doctorId, ...slot() };
      const url = await t.app.listen({ port: 0, host: '127.0.0.1' });
      const bookedEvent = new Promise<string>((resolve) =>
        t.app.ctx.events.onPublish((e: DomainEvent) => {
          if (e.kind === 'appointment' && e.type === 'booked') resolve(e.appointmentId);
        }));
      // the client reads nothing of the answer: it drops the connection at the first byte
      await new Promise<void>((resolve, reject) => {
        const payload = JSON.stringify(body);
        const req = http.request(`${url}/api/user/book-appointment`, {
          method: 'POST',
          headers: { ...withKey(patient.token, key), 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
        });
        req.on('response', (res) => {
          res.destroy();
          req.destroy();
          resolve();
        });
        req.on('error', reject);
        req.end(payload);
      });
      const id = await bookedEvent;
      const retry = await bookWith(body, withKey(patient.token, key));
      assert.equal(retry.statusCode, 201, retry.body);
      assert.equal(retry.headers['idempotent-replayed'], 'true');
      assert.equal(json(retry).appointment._id, id);
      assert.equal(json(retry).message, 'Appointment Booked');
      // the same retry without the key is the failure the key prevents
      assert.equal((await bookWith(body, bearer(patient.token))).statusCode, 409);
      assert.equal((t.app.server.address() as AddressInfo).address, '127.0.0.1');
    });

    it('the same key with another body answers 422 and books nothing', async () => {
      const key = newKey();
      const first = await bookWith({ docId: doctorId, ...slot() }, withKey(patient.token, key));
      assert.equal(first.statusCode, 201, first.body);
      const otherSlot = slot();
      const res = await bookWith({ docId: doctorId, ...otherSlot }, withKey(patient.token, key));
      assert.equal(res.statusCode, 422, res.body);
      assert.equal(json(res).message, 'This Idempotency-Key was already used with a different request; use a new key for a new request');
      assert.equal((await appointmentsOf(patient.token)).some((a) => a.slotDate === otherSlot.slotDate && a.slotTime === otherSlot.slotTime), false);
    });

    it('the same body with keys in another order is the same request', async () => {
      const key = newKey();
      const s = slot();
      const first = await bookWith({ docId: doctorId, slotDate: s.slotDate, slotTime: s.slotTime }, withKey(patient.token, key));
      assert.equal(first.statusCode, 201, first.body);
      const again = await bookWith({ slotTime: s.slotTime, slotDate: s.slotDate, docId: doctorId }, withKey(patient.token, key));
      assert.equal(again.statusCode, 201);
      assert.equal(json(again).appointment._id, json(first).appointment._id);
    });

    it('concurrent duplicates: one booking; the others replay it or are told it is in flight (409)', async () => {
      const key = newKey();
      const body = { docId: doctorId, ...slot() };
      const answers = await Promise.all(Array.from({ length: 6 }, () => bookWith(body, withKey(patient.token, key))));
      const created = answers.filter((r) => r.statusCode === 201);
      assert.ok(created.length >= 1, answers.map((r) => `${r.statusCode} ${r.body}`).join('\n'));
      assert.equal(new Set(created.map((r) => json(r).appointment._id)).size, 1);
      for (const r of answers.filter((x) => x.statusCode !== 201)) {
        assert.equal(r.statusCode, 409, r.body);
        assert.equal(json(r).message, 'A request with this Idempotency-Key is still being processed; retry in a moment');
        assert.equal(r.headers['retry-after'], '1');
      }
      const mine = (await appointmentsOf(patient.token)).filter((a) => a.slotDate === body.slotDate && a.slotTime === body.slotTime);
      assert.equal(mine.length, 1);
      // once the first has answered, every retry gets its answer
      const late = await bookWith(body, withKey(patient.token, key));
      assert.equal(late.statusCode, 201);
      assert.equal(json(late).appointment._id, mine[0]!._id);
    });

    it('keys belong to one account: another patient with the same key books for themself', async () => {
      const key = newKey();
      const mine = await bookWith({ docId: doctorId, ...slot() }, withKey(patient.token, key));
      const theirs = await bookWith({ docId: doctorId, ...slot() }, withKey(other.token, key));
      assert.equal(mine.statusCode, 201);
      assert.equal(theirs.statusCode, 201, theirs.body);
      assert.notEqual(json(theirs).appointment._id, json(mine).appointment._id);
      assert.equal(json(theirs).appointment.userId, other.id);
      assert.deepEqual((await keyRows(key)).map((r) => r.account_id).sort(), [patient.id, other.id].sort());
    });

    it('a refused booking keeps nothing under its key: the retry runs afresh', async () => {
      const key = newKey();
      const s = slot();
      // someone else holds the slot: refused, and the key stays free
      assert.equal((await bookWith({ docId: doctorId, ...s }, bearer(other.token))).statusCode, 201);
      const refused = await bookWith({ docId: doctorId, ...s }, withKey(patient.token, key));
      assert.equal(refused.statusCode, 409);
      assert.equal((await keyRows(key)).length, 0);
      // the slot frees up; the same request with the same key now books
      const theirs = (await appointmentsOf(other.token)).find((a) => a.slotDate === s.slotDate && a.slotTime === s.slotTime)!;
      assert.equal((await post(t.app, '/api/user/cancel-appointment', { appointmentId: theirs._id }, bearer(other.token))).statusCode, 200);
      const retry = await bookWith({ docId: doctorId, ...s }, withKey(patient.token, key));
      assert.equal(retry.statusCode, 201, retry.body);
      assert.equal(retry.headers['idempotent-replayed'], undefined);
    });

    it('after 24 hours the key is free again: the request runs again', async () => {
      const key = newKey();
      const body = { docId: doctorId, ...slot() };
      assert.equal((await bookWith(body, withKey(patient.token, key))).statusCode, 201);
      await t.testDb.database.query(`UPDATE idempotency_keys SET created_at = created_at - interval '24 hours 1 minute' WHERE key = $1`, [key]);
      const res = await bookWith(body, withKey(patient.token, key));
      assert.equal(res.statusCode, 409); // ran again: the slot is taken by the first booking
      assert.equal(json(res).message, 'Slot not available');
    });

    it('a key left running by a request that died is taken over by the same request after its lease', async () => {
      const key = newKey();
      const body = { docId: doctorId, ...slot() };
      assert.equal((await bookWith(body, withKey(patient.token, key))).statusCode, 201);
      const booked = (await appointmentsOf(patient.token)).find((a) => a.slotDate === body.slotDate && a.slotTime === body.slotTime)!;
      // as if its process had died before the booking committed: the key is running, nothing booked
      await post(t.app, '/api/user/cancel-appointment', { appointmentId: booked._id }, bearer(patient.token));
      await t.testDb.database.query(`UPDATE idempotency_keys SET state = 'running', status_code = NULL, response = NULL WHERE key = $1`, [key]);
      const blocked = await bookWith(body, withKey(patient.token, key));
      assert.equal(blocked.statusCode, 409);
      assert.match(json(blocked).message, /still being processed/);
      await t.testDb.database.query(`UPDATE idempotency_keys SET lease_until = now() - interval '1 second' WHERE key = $1`, [key]);
      const other = await bookWith({ docId: doctorId, ...slot() }, withKey(patient.token, key));
      assert.equal(other.statusCode, 422); // another request cannot take the key over
      const res = await bookWith(body, withKey(patient.token, key));
      assert.equal(res.statusCode, 201, res.body);
      assert.equal(res.headers['idempotent-replayed'], undefined);
    });

    it('a malformed key answers 400 naming the header', async () => {
      const invalid = 'idempotency-key is not valid in headers';
      for (const [key, message] of [['', invalid], ['has space', invalid], ['é', invalid], ['x'.repeat(256), 'idempotency-key must be at most 255 characters in headers']]) {
        const res = await bookWith({ docId: doctorId, ...slot() }, withKey(patient.token, key!));
        assert.equal(res.statusCode, 400, `${JSON.stringify(key)}: ${res.body}`);
        assert.equal(json(res).message, message);
      }
    });

    it('the header is documented on the three routes in OpenAPI', async () => {
      const doc = json(await get(t.app, '/openapi.json'));
      for (const [path, op] of [['/api/user/book-appointment', 'post'], ['/api/user/payment-razorpay', 'post'], ['/api/user/payment-stripe', 'post']] as const) {
        const params = (doc.paths[path][op].parameters ?? []) as Array<{ in: string; name: string; required?: boolean }>;
        const header = params.find((p) => p.in === 'header' && p.name === 'idempotency-key');
        assert.ok(header, `${path}: ${JSON.stringify(params)}`);
        assert.notEqual(header.required, true);
        assert.ok(doc.paths[path][op].responses['422'], `${path} documents 422`);
      }
    });
  });

  describe('payment creation', () => {
    it('payment-razorpay: the same key answers the same order and asks Razorpay once; another body is 422', async () => {
      const id = await fx.booked();
      const key = newKey();
      const before = stub.find('POST', '/v1/orders').length;
      const first = await post(t.app, '/api/user/payment-razorpay', { appointmentId: id }, withKey(patient.token, key));
      assert.equal(first.statusCode, 200, first.body);
      const again = await post(t.app, '/api/user/payment-razorpay', { appointmentId: id }, withKey(patient.token, key));
      assert.equal(again.statusCode, 200);
      assert.equal(again.headers['idempotent-replayed'], 'true');
      assert.deepEqual(json(again), json(first));
      assert.equal(stub.find('POST', '/v1/orders').length, before + 1);
      const otherId = await fx.booked();
      const reused = await post(t.app, '/api/user/payment-razorpay', { appointmentId: otherId }, withKey(patient.token, key));
      assert.equal(reused.statusCode, 422);
      // a key of the booking route cannot be replayed on payment creation either
      const bookingKey = newKey();
      assert.equal((await bookWith({ docId: doctorId, ...slot() }, withKey(patient.token, bookingKey))).statusCode, 201);
      assert.equal((await post(t.app, '/api/user/payment-razorpay', { appointmentId: id }, withKey(patient.token, bookingKey))).statusCode, 422);
    });

    it('payment-razorpay: a gateway failure keeps nothing under the key; the retry creates the order', async () => {
      const id = await fx.booked();
      const key = newKey();
      stub.fail('POST /v1/orders', 500);
      try {
        assert.equal((await post(t.app, '/api/user/payment-razorpay', { appointmentId: id }, withKey(patient.token, key))).statusCode, 502);
      } finally {
        stub.clearFailures();
      }
      assert.equal((await keyRows(key)).length, 0);
      const retry = await post(t.app, '/api/user/payment-razorpay', { appointmentId: id }, withKey(patient.token, key));
      assert.equal(retry.statusCode, 200, retry.body);
      assert.equal(retry.headers['idempotent-replayed'], undefined);
    });

    it('payment-stripe: the same key answers the same session and opens one; concurrent duplicates open one', async () => {
      const id = await fx.booked();
      const key = newKey();
      const headers = { ...withKey(patient.token, key), origin: 'https://app.example' };
      const before = stub.find('POST', '/v1/checkout/sessions').length;
      const answers = await Promise.all([0, 1, 2].map(() => post(t.app, '/api/user/payment-stripe', { appointmentId: id }, headers)));
      const ok = answers.filter((r) => r.statusCode === 200);
      assert.ok(ok.length >= 1);
      for (const r of answers.filter((x) => x.statusCode !== 200)) assert.equal(r.statusCode, 409, r.body);
      const again = await post(t.app, '/api/user/payment-stripe', { appointmentId: id }, headers);
      assert.equal(again.statusCode, 200);
      assert.equal(again.headers['idempotent-replayed'], 'true');
      assert.equal(new Set([...ok, again].map((r) => json(r).session.id)).size, 1);
      assert.equal(stub.find('POST', '/v1/checkout/sessions').length, before + 1);
    });

    it('without the header every call creates a new order, as before', async () => {
      const id = await fx.booked();
      const a = await post(t.app, '/api/user/payment-razorpay', { appointmentId: id }, bearer(patient.token));
      const b = await post(t.app, '/api/user/payment-razorpay', { appointmentId: id }, bearer(patient.token));
      assert.equal(a.statusCode, 200);
      assert.equal(b.statusCode, 200);
      assert.notEqual(json(a).order.id, json(b).order.id);
    });
  });

  it('a new patient has no keys (sanity of the per-account scope)', async () => {
    const p = await registerPatient(t.app);
    const rows = await t.testDb.database.query('SELECT 1 FROM idempotency_keys WHERE account_id = $1', [p.id]);
    assert.equal(rows.length, 0);
  });
});
