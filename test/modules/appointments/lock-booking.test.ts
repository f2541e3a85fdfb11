// The database function lock_booking (migration 2010): the locks and the booking caps every new
// booking starts with, called directly here, each refusal and each row that does not count; and
// lock_booking_at (migration 2040), the same inside the appointment's INSERT; and a booking's one
// statement (the row with its listeners' writes), which commits all of them or none.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sqlState } from '../../../src/lib/errors.js';
import { book, createDoctor, futureSlot, makeTestApp, registerPatient, type TestApp } from '../../helpers/app.js';

const NOW = '2030-01-07T04:30:00Z';
const HOUR = 3600_000;

describe('lock_booking (locks and caps in the database)', () => {
  let t: TestApp;
  let doctors: string[];
  let seq = 0;

  before(async () => {
    t = await makeTestApp();
    doctors = [(await createDoctor(t.app)).id, (await createDoctor(t.app)).id];
  });
  after(async () => t.close());

  /** An appointment of `patient` with `doctor` starting `hoursAhead` after NOW. */
  const insert = async (patient: string, doctor: string, hoursAhead: number, fields: { status?: string; paid?: boolean; createdAt?: string } = {}) => {
    const start = new Date(Date.parse(NOW) + (hoursAhead + seq++) * HOUR); // an hour apart: never overlapping
    const end = new Date(start.getTime() + 30 * 60_000);
    await t.testDb.database.query(
      `INSERT INTO appointments (id, patient_id, doctor_id, slot_date, slot_time, starts_at, ends_at, blocks, user_data, doc_data, amount_minor, currency, status, paid, created_at)
       VALUES ($1, $2, $3, '2030-01-07', '10:00 AM', $4, $5, tstzrange($4, $5), '{}', '{}', 500, 'INR', $6, $7, $8)`,
      [`lb${seq}`, patient, doctor, start.toISOString(), end.toISOString(), fields.status === 'confirmed' ? 'confirmed' : 'pending', fields.paid ?? false, fields.createdAt ?? NOW],
    );
    if (fields.status === 'cancelled') await t.testDb.database.query("UPDATE appointments SET status = 'cancelled', cancelled_by = 'system', cancelled_at = $2 WHERE id = $1", [`lb${seq}`, NOW]);
    if (fields.status === 'completed') await t.testDb.database.query("UPDATE appointments SET status = 'completed', completed_at = $2 WHERE id = $1", [`lb${seq}`, NOW]);
  };

  /** The SQLSTATE lock_booking refuses with, or null when it lets the booking go on. */
  const call = async (patient: string, doctor: string, perDoctor: number, overall: number, expiredCutoff: string | null = null) => {
    try {
      await t.testDb.database.query('SELECT lock_booking($1, $2, $3::timestamptz, $4::timestamptz, $5::int, $6::int)', [doctor, patient, NOW, expiredCutoff, perDoctor, overall]);
      return null;
    } catch (err) {
      return sqlState(err) ?? String(err);
    }
  };

  it('refuses at the cap with one doctor (BK001), then at the overall cap (BK002)', async () => {
    const p = (await registerPatient(t.app)).id;
    const [a, b] = doctors;
    assert.equal(await call(p, a, 1, 2), null);
    await insert(p, a, 24);
    assert.equal(await call(p, a, 1, 2), 'BK001');
    assert.equal(await call(p, b, 1, 2), null);
    await insert(p, b, 24);
    assert.equal(await call(p, b, 5, 2), 'BK002');
    assert.equal(await call(p, b, 5, 3), null);
  });

  it('does not count cancelled, completed or started appointments', async () => {
    const p = (await registerPatient(t.app)).id;
    const [a] = doctors;
    await insert(p, a, 24, { status: 'cancelled' });
    await insert(p, a, 24, { status: 'completed', paid: true });
    await insert(p, a, -100); // started days ago
    assert.equal(await call(p, a, 1, 1), null);
    await insert(p, a, 48, { status: 'confirmed', paid: true });
    assert.equal(await call(p, a, 1, 5), 'BK001');
  });

  it('lock_booking_at: the same refusals, inside the INSERT of the row, whose created_at it answers', async () => {
    const p = (await registerPatient(t.app)).id;
    const [a] = doctors;
    const start = new Date(Date.parse(NOW) + (24 + seq++) * HOUR);
    const end = new Date(start.getTime() + 30 * 60_000);
    // as AppointmentRepo.insertLocked writes it: the function is one of the row's values
    const insertLocked = async (id: string, perDoctor: number) => {
      try {
        const [row] = await t.testDb.database.query<{ created_at: Date | string }>(
          `INSERT INTO appointments (id, patient_id, doctor_id, slot_date, slot_time, starts_at, ends_at, blocks, user_data, doc_data, amount_minor, currency, status, paid, created_at)
           VALUES ($1, $2, $3, '2030-01-07', '10:00 AM', $4, $5, tstzrange($4, $5), '{}', '{}', 500, 'INR', 'pending', false,
                   lock_booking_at($3, $2, $6::timestamptz, NULL::timestamptz, $7::int, 100))
           RETURNING created_at`,
          [id, p, a, start.toISOString(), end.toISOString(), NOW, perDoctor],
        );
        return new Date(row.created_at).toISOString();
      } catch (err) {
        return sqlState(err) ?? String(err);
      }
    };
    assert.equal(await insertLocked(`lba${seq}`, 1), new Date(NOW).toISOString(), 'the row is created at p_now');
    const [{ n }] = await t.testDb.database.query<{ n: number }>('SELECT count(*)::int AS n FROM appointments WHERE patient_id = $1', [p]);
    assert.equal(n, 1);
    seq++;
    assert.equal(await insertLocked(`lbb${seq}`, 1), 'BK001', 'the cap with this doctor refuses the INSERT itself');
    const [{ m }] = await t.testDb.database.query<{ m: number }>('SELECT count(*)::int AS m FROM appointments WHERE patient_id = $1', [p]);
    assert.equal(m, 1, 'nothing written');
  });

  it('does not count an unpaid hold whose payment window ended (with a cutoff), and counts it without one', async () => {
    const p = (await registerPatient(t.app)).id;
    const [a] = doctors;
    await insert(p, a, 24, { createdAt: '2030-01-07T03:00:00Z' });
    assert.equal(await call(p, a, 1, 5, '2030-01-07T04:00:00Z'), null, 'created before the cutoff: expired');
    assert.equal(await call(p, a, 1, 5, '2030-01-07T02:00:00Z'), 'BK001', 'created after the cutoff: still held');
    assert.equal(await call(p, a, 1, 5), 'BK001', 'no payment window: never expires');
  });

  it('a booking and its notices, invitation and webhook messages commit together: one write failing writes none of them', async () => {
    const db = t.testDb.database;
    const patient = await registerPatient(t.app);
    const doctor = doctors[1];
    const written = async () => {
      const [r] = await db.query<{ a: number; n: number; o: number; i: number; w: number }>(
        `SELECT (SELECT count(*)::int FROM appointments WHERE patient_id = $1) AS a,
                (SELECT count(*)::int FROM notifications WHERE appointment_id IN (SELECT id FROM appointments WHERE patient_id = $1)) AS n,
                (SELECT count(*)::int FROM notification_outbox WHERE recipient = $2) AS o,
                (SELECT count(*)::int FROM appointment_ics WHERE appointment_id IN (SELECT id FROM appointments WHERE patient_id = $1)) AS i,
                (SELECT count(*)::int FROM webhook_messages) AS w`, [patient.id, patient.email]);
      return r;
    };
    await db.query(`INSERT INTO webhook_endpoints (id, url, events, secret) VALUES ('wh_lock', 'https://hooks.example.com/in', ARRAY['appointment.booked'], 'whsec_x')`);
    // the last of the booking's writes, the webhook message, is refused by the database
    await db.query(`CREATE FUNCTION refuse_webhook_message() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused by the test'; END $$`);
    await db.query('CREATE TRIGGER refuse_webhook_message BEFORE INSERT ON webhook_messages FOR EACH ROW EXECUTE FUNCTION refuse_webhook_message()');
    const slot = futureSlot(3);
    const refused = await book(t.app, patient.token, doctor, slot);
    assert.equal(refused.statusCode, 500, refused.body);
    assert.deepEqual(await written(), { a: 0, n: 0, o: 0, i: 0, w: 0 }, 'nothing of the booking was written');

    await db.query('DROP TRIGGER refuse_webhook_message ON webhook_messages');
    const booked = await book(t.app, patient.token, doctor, slot);
    assert.equal(booked.statusCode, 201, booked.body);
    assert.deepEqual(await written(), { a: 1, n: 2, o: 1, i: 1, w: 1 }, 'the slot was still free; every write went with the row');
  });
});
