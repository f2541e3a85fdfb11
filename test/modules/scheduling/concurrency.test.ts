// Two app instances on one database race for the same and for overlapping slots, for bookings and
// reschedules. The exclusion constraint, not either process's memory, must pick the winners.
// PGlite: both instances share the one embedded database. PostgreSQL: the second instance opens
// its own connection pool to the same database, as a second server process would.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openDatabase } from '../../../src/db/client.js';
import { bearer, book, createDoctor, futureSlot, json, makeTestApp, post, registerPatient, type TestApp } from '../../helpers/app.js';
import type { TestDatabase } from '../../helpers/db.js';

type Patient = Awaited<ReturnType<typeof registerPatient>>;

describe('two app instances sharing one database', () => {
  let a: TestApp;
  let b: TestApp;
  let secondDb: TestDatabase;
  let patients: Patient[];

  before(async () => {
    a = await makeTestApp();
    secondDb = a.testDb.url
      ? await (async () => {
          const database = await openDatabase({ databaseUrl: a.testDb.url, migrate: false, poolSize: 5 });
          return { database, url: a.testDb.url, drop: () => database.close() };
        })()
      : a.testDb;
    b = await makeTestApp({}, { testDb: secondDb });
    patients = [];
    for (let i = 0; i < 8; i++) patients.push(await registerPatient(i % 2 ? b.app : a.app));
  });
  after(async () => {
    await b.close();
    if (secondDb !== a.testDb) await secondDb.drop();
    await a.close();
  });

  /** Live rows of a doctor whose held intervals overlap: must always be none. */
  const overlaps = async (docId: string) =>
    a.testDb.database.query(
      `SELECT x.id FROM appointments x JOIN appointments y ON x.doctor_id = y.doctor_id AND x.id < y.id AND x.blocks && y.blocks
       WHERE x.doctor_id = $1 AND x.status <> 'cancelled' AND y.status <> 'cancelled'`,
      [docId],
    );

  it('eight patients on two instances race for one slot: exactly one wins, the rest get a clean 409', async () => {
    const doctor = await createDoctor(a.app);
    const slot = futureSlot(0, 3);
    const results = await Promise.all(patients.map((p, i) => book(i % 2 ? b.app : a.app, p.token, doctor.id, slot)));
    const codes = results.map((r) => r.statusCode).sort();
    assert.deepEqual(codes, [201, 409, 409, 409, 409, 409, 409, 409]);
    for (const r of results.filter((x) => x.statusCode === 409)) assert.deepEqual(json(r), { success: false, message: 'Slot not available' });
    const live = await a.testDb.database.query("SELECT id FROM appointments WHERE doctor_id = $1 AND status <> 'cancelled'", [doctor.id]);
    assert.equal(live.length, 1);
  });

  it('racing for overlapping neighbours (10:00, 10:30, 11:00) never yields two overlapping bookings', async () => {
    const doctor = await createDoctor(a.app);
    const { slotDate } = futureSlot(0, 4);
    const times = ['10:00 AM', '10:30 AM', '11:00 AM', '10:30 AM', '10:00 AM', '11:00 AM', '10:30 AM', '10:00 AM'];
    const results = await Promise.all(
      patients.map((p, i) => book(i % 2 ? b.app : a.app, p.token, doctor.id, { slotDate, slotTime: times[i] })),
    );
    const won = results.filter((r) => r.statusCode === 201).map((r) => json(r).appointment.slotTime as string);
    assert.ok(won.length >= 1 && won.length <= 2, `winners: ${won.join(', ')}`);
    if (won.length === 2) assert.deepEqual(won.sort(), ['10:00 AM', '11:00 AM']);
    for (const r of results.filter((x) => x.statusCode !== 201)) assert.equal(r.statusCode, 409, r.body);
    assert.deepEqual(await overlaps(doctor.id), []);
  });

  it('two reschedules to one free slot from two instances: one moves, the other keeps its old slot', async () => {
    const doctor = await createDoctor(a.app);
    const [p1, p2] = patients;
    const from1 = futureSlot(0, 5);
    const from2 = futureSlot(2, 5);
    const target = futureSlot(5, 5);
    const id1 = json(await book(a.app, p1.token, doctor.id, from1)).appointment._id as string;
    const id2 = json(await book(b.app, p2.token, doctor.id, from2)).appointment._id as string;
    const [r1, r2] = await Promise.all([
      post(a.app, '/api/user/reschedule-appointment', { appointmentId: id1, ...target }, bearer(p1.token)),
      post(b.app, '/api/user/reschedule-appointment', { appointmentId: id2, ...target }, bearer(p2.token)),
    ]);
    assert.deepEqual([r1.statusCode, r2.statusCode].sort(), [200, 409]);
    const loser = r1.statusCode === 409 ? { res: r1, id: id1, slot: from1 } : { res: r2, id: id2, slot: from2 };
    assert.equal(json(loser.res).message, 'Slot not available');
    const [kept] = await a.testDb.database.query<{ slot_time: string; status: string }>('SELECT slot_time, status FROM appointments WHERE id = $1', [loser.id]);
    assert.deepEqual([kept.slot_time, kept.status], [loser.slot.slotTime, 'pending']);
    assert.deepEqual(await overlaps(doctor.id), []);
  });
});
