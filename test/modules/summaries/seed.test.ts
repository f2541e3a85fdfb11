// Bulk seeding (npm run seed -- --doctors …) makes valid data, and the trigger-kept summaries the
// dashboards read stay equal to aggregates computed from the appointments themselves.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bulkSeed, type BulkResult } from '../../../src/seed/bulk.js';
import type { PlatformSummary } from '../../../src/modules/summaries/read-model.js';
import { adminToken, bearer, book, createDoctor, futureSlot, get, json, makeTestApp, post, registerPatient, type TestApp } from '../../helpers/app.js';

type Agg = PlatformSummary;

const AGG = `count(*)::int AS appointments,
  (count(*) FILTER (WHERE status = 'pending'))::int AS pending,
  (count(*) FILTER (WHERE status = 'confirmed'))::int AS confirmed,
  (count(*) FILTER (WHERE status = 'completed'))::int AS completed,
  (count(*) FILTER (WHERE status = 'cancelled'))::int AS cancelled,
  coalesce(sum(amount_minor - CASE WHEN refund_status = 'processed' THEN coalesce(refund_minor, 0) ELSE 0 END) FILTER (WHERE paid), 0)::int AS revenue`;

describe('performance: bulk seed and dashboard summaries', () => {
  let t: TestApp;
  let seeded: BulkResult;
  const sizes = { doctors: 12, patients: 40, appointments: 1500 };
  const now = new Date();

  before(async () => {
    t = await makeTestApp();
    seeded = await bulkSeed(t.testDb.database, { ...sizes, password: 'seed-password-123', timeZone: 'Asia/Kolkata', currency: 'INR', now });
  });
  after(async () => t.close());

  const q = <T>(text: string, params: unknown[] = []) => t.testDb.database.query<T>(text, params);

  async function assertSummariesExact() {
    const [direct] = await q<Agg>(`SELECT ${AGG} FROM appointments`);
    const [kept] = await q<Agg>(`SELECT sum(appointments)::int AS appointments, sum(pending)::int AS pending, sum(confirmed)::int AS confirmed,
      sum(completed)::int AS completed, sum(cancelled)::int AS cancelled, sum(revenue_minor)::int AS revenue FROM appointment_totals`);
    assert.deepEqual(kept, direct);
    const mismatched = await q(`
      SELECT coalesce(s.doctor_id, a.doctor_id) AS doctor_id FROM doctor_stats s
      FULL JOIN (SELECT doctor_id, count(*)::int AS n, count(DISTINCT patient_id)::int AS patients,
          coalesce(sum(amount_minor) FILTER (WHERE status IN ('confirmed', 'completed')), 0)::bigint AS earnings
        FROM appointments GROUP BY doctor_id) a ON a.doctor_id = s.doctor_id
      WHERE s.appointments IS DISTINCT FROM a.n OR s.patients IS DISTINCT FROM a.patients OR s.earnings_minor IS DISTINCT FROM a.earnings`);
    assert.deepEqual(mismatched, []);
    const counts = await q<{ name: string; ok: boolean }>(`
      SELECT name, n = CASE name WHEN 'patients' THEN (SELECT count(*) FROM patients) ELSE (SELECT count(*) FROM doctors) END AS ok FROM row_counts`);
    assert.ok(counts.length === 2 && counts.every((c) => c.ok), JSON.stringify(counts));
  }

  it('loads the requested numbers of rows, with login-able accounts', async () => {
    const [c] = await q<{ d: number; p: number; a: number }>(
      `SELECT (SELECT count(*) FROM doctors WHERE email LIKE $1)::int AS d, (SELECT count(*) FROM patients WHERE email LIKE $1)::int AS p,
        (SELECT count(*) FROM appointments WHERE doctor_id IN (SELECT id FROM doctors WHERE email LIKE $1))::int AS a`,
      [`%.${seeded.run}@seed.prescripto.local`],
    );
    assert.deepEqual(c, { d: sizes.doctors, p: sizes.patients, a: sizes.appointments });
    const login = await post(t.app, '/api/user/login', { email: seeded.email('patient', 3), password: 'seed-password-123' });
    assert.equal(login.statusCode, 200, login.body);
    const ids = await q<{ id: string }>('SELECT id FROM doctors WHERE id = $1', [seeded.doctorId(0)]);
    assert.match(ids[0].id, /^[0-9a-f]{24}$/);
  });

  it('has no overlapping live bookings for any doctor', async () => {
    const overlaps = await q<{ n: number }>(`
      SELECT count(*)::int AS n FROM appointments a JOIN appointments b
        ON a.doctor_id = b.doctor_id AND a.id < b.id AND a.blocks && b.blocks
      WHERE a.status <> 'cancelled' AND b.status <> 'cancelled'`);
    assert.equal(overlaps[0].n, 0);
    // the seed writes the schedule blocks of its live bookings set-based (the trigger is off meanwhile)
    const blocks = await q<{ missing: number; extra: number }>(`
      SELECT (SELECT count(*)::int FROM appointments a WHERE a.status <> 'cancelled'
                AND NOT EXISTS (SELECT 1 FROM schedule_blocks s WHERE s.owner_id = a.id AND s.blocks = a.blocks)) AS missing,
             (SELECT count(*)::int FROM schedule_blocks s WHERE NOT EXISTS (SELECT 1 FROM appointments a WHERE a.id = s.owner_id AND a.status <> 'cancelled')) AS extra`);
    assert.deepEqual(blocks[0], { missing: 0, extra: 0 });
  });

  it('spreads states, past and future, payments and refunds', async () => {
    const rows = await q<{ status: string; future: boolean; n: number; paid: number; refunded: number }>(`
      SELECT status, starts_at > $1 AS future, count(*)::int AS n, (count(*) FILTER (WHERE paid))::int AS paid,
        (count(*) FILTER (WHERE refund_status = 'processed'))::int AS refunded
      FROM appointments GROUP BY 1, 2`, [now]);
    const n = (status: string, future?: boolean) => rows.filter((r) => r.status === status && (future === undefined || r.future === future)).reduce((s, r) => s + r.n, 0);
    for (const s of ['pending', 'confirmed', 'completed', 'cancelled']) assert.ok(n(s) > 0, `some ${s}`);
    assert.equal(n('completed', true), 0, 'nothing in the future is completed');
    assert.equal(n('pending', false), 0, 'nothing in the past is still pending');
    assert.ok(n('cancelled', false) > 0 && n('cancelled', true) > 0);
    const past = rows.filter((r) => !r.future).reduce((s, r) => s + r.n, 0);
    assert.ok(past > sizes.appointments / 3 && past < sizes.appointments, `history and upcoming both present (past ${past})`);
    assert.ok(rows.reduce((s, r) => s + r.paid, 0) > 0);
    assert.ok(rows.reduce((s, r) => s + r.refunded, 0) > 0);
    const [times] = await q<{ bad: number }>(`SELECT count(*) FILTER (WHERE slot_time !~ '^(10|11|12|01|02|03|04|05|06|07|08):00 (AM|PM)$'
      OR extract(isodow FROM slot_date::date) > 5)::int AS bad FROM appointments`);
    assert.equal(times.bad, 0, 'every booking is a weekday slot inside working hours');
  });

  it('rebuilds the summaries exactly after the bulk load', assertSummariesExact);

  it('serves dashboards from the summaries, equal to the history', async () => {
    const admin = json(await get(t.app, '/api/admin/dashboard', bearer(await adminToken(t.app)))).dashData;
    const [direct] = await q<Agg>(`SELECT ${AGG} FROM appointments`);
    assert.equal(admin.totalAppointments, direct.appointments);
    assert.equal(admin.cancelledAppointments, direct.cancelled);
    assert.equal(admin.totalRevenue, direct.revenue / 100);
    assert.equal(admin.totalPatients, sizes.patients);
    assert.equal(admin.totalDoctors, sizes.doctors);
    assert.equal(admin.latestAppointments.length, 5);

    const login = await post(t.app, '/api/doctor/login', { email: seeded.email('doctor', 2), password: 'seed-password-123' });
    assert.equal(login.statusCode, 200, login.body);
    const dash = json(await get(t.app, '/api/doctor/dashboard', bearer(json(login).token))).dashData;
    const [d] = await q<{ n: number; patients: number; earnings: number }>(`SELECT count(*)::int AS n, count(DISTINCT patient_id)::int AS patients,
      coalesce(sum(amount_minor) FILTER (WHERE status IN ('confirmed', 'completed')), 0)::int AS earnings FROM appointments WHERE doctor_id = $1`, [seeded.doctorId(2)]);
    assert.deepEqual({ n: dash.appointments, patients: dash.patients, earnings: dash.earnings }, { n: d.n, patients: d.patients, earnings: d.earnings / 100 });
  });

  it('keeps the summaries exact through bookings, cancellations, completions and deletes', async () => {
    const doc = await createDoctor(t.app);
    const p1 = await registerPatient(t.app);
    const p2 = await registerPatient(t.app);
    const a = json(await book(t.app, p1.token, doc.id, futureSlot(0))).appointment._id;
    const b = json(await book(t.app, p1.token, doc.id, futureSlot(1))).appointment._id;
    await book(t.app, p2.token, doc.id, futureSlot(2));
    await assertSummariesExact();
    let dash = json(await get(t.app, '/api/doctor/dashboard', bearer(doc.token))).dashData;
    assert.equal(dash.appointments, 3);
    assert.equal(dash.patients, 2);

    assert.equal((await post(t.app, '/api/user/cancel-appointment', { appointmentId: a }, bearer(p1.token))).statusCode, 200);
    assert.equal((await post(t.app, '/api/doctor/complete-appointment', { appointmentId: b }, bearer(doc.token))).statusCode, 200);
    await q(`UPDATE appointments SET paid = true, paid_at = now() WHERE id = $1`, [b]);
    await assertSummariesExact();
    dash = json(await get(t.app, '/api/doctor/dashboard', bearer(doc.token))).dashData;
    assert.equal(dash.earnings, 500);

    await q('DELETE FROM appointments WHERE patient_id = $1', [p1.id]);
    await assertSummariesExact();
    dash = json(await get(t.app, '/api/doctor/dashboard', bearer(doc.token))).dashData;
    assert.deepEqual({ n: dash.appointments, patients: dash.patients }, { n: 1, patients: 1 });
  });

  it('refuses impossible sizes with a clear message', async () => {
    await assert.rejects(
      bulkSeed(t.testDb.database, { doctors: 0, patients: 5, appointments: 10, password: 'x-password-1', timeZone: 'Asia/Kolkata', currency: 'INR', now }),
      /appointments need doctors and patients/,
    );
    await assert.rejects(
      bulkSeed(t.testDb.database, { doctors: -1, patients: 0, appointments: 0, password: 'x-password-1', timeZone: 'Asia/Kolkata', currency: 'INR', now }),
      /--doctors must be a whole number/,
    );
  });
});
