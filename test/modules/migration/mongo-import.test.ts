// Import of a mongoexport of the original Prescripto, and export back: every mapping, every
// rejection reason, re-runs, dry runs and round trips, on the fixture in ./fixtures/prescripto-export
// (users: canonical Extended JSON lines; doctors: a pretty-printed relaxed JSON array with a few
// canonical numbers; appointments: a canonical JSON array ending in two relaxed documents).
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { EJSON } from 'bson';
import type { Config } from '../../../src/config.js';
import type { Database } from '../../../src/db/client.js';
import { exportMongo } from '../../../src/modules/migration/mongo-export.js';
import { doctorDefaultsOf, importMongo, type ImportOptions, type ImportSummary, type ReportLine } from '../../../src/modules/migration/mongo-import.js';
import { bearer, book, createDoctor, futureSlot, get, json, makeTestApp, post, registerPatient, type TestApp } from '../../helpers/app.js';

const FIXTURE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'prescripto-export');
const U = (n: number) => `65a10000aaaa0000000000${String(n).padStart(2, '0')}`;
const D = (n: number) => `65a10000dddd0000000000${String(n).padStart(2, '0')}`;
const A = (n: number) => `65a20000eeee0000000000${String(n).padStart(2, '0')}`;

export function importOptions(config: Config, folder: string, extra: Partial<ImportOptions> = {}): ImportOptions {
  return {
    folder,
    dryRun: false,
    timeZone: config.timezone,
    currency: config.currency,
    doctorDefaults: doctorDefaultsOf(config.scheduling),
    ...extra,
  };
}

async function run(database: Database, config: Config, folder: string, extra: Partial<ImportOptions> = {}) {
  const report: ReportLine[] = [];
  const summary = await importMongo(database, importOptions(config, folder, { onReject: (l) => report.push(l), ...extra }));
  return { summary, report };
}

const counts = (s: ImportSummary) =>
  Object.fromEntries(Object.entries(s.collections).map(([c, r]) => [c, { read: r.read, imported: r.imported, updated: r.updated, unchanged: r.unchanged, rejected: r.rejected }]));

/** Everything the import or the summaries could touch, as text, to compare before and after. */
async function snapshot(database: Database): Promise<string> {
  const tables = [
    'SELECT * FROM patients ORDER BY id',
    'SELECT * FROM doctors ORDER BY id',
    'SELECT * FROM doctor_hours ORDER BY doctor_id, weekday, start_minute',
    'SELECT * FROM appointments ORDER BY id',
    'SELECT * FROM doctor_stats ORDER BY doctor_id',
    'SELECT * FROM appointment_totals ORDER BY shard',
    'SELECT * FROM doctor_patients ORDER BY doctor_id, patient_id',
    'SELECT * FROM row_counts ORDER BY name',
  ];
  const out: unknown[] = [];
  for (const q of tables) out.push(await database.query(q));
  return JSON.stringify(out);
}

/** The dashboard summaries the import kept, and the same rebuilt from the tables: they must match. */
async function assertSummariesExact(database: Database): Promise<void> {
  const summaries = async () =>
    JSON.stringify([
      await database.query('SELECT * FROM doctor_stats WHERE appointments <> 0 OR patients <> 0 ORDER BY doctor_id'),
      await database.query('SELECT * FROM appointment_totals ORDER BY shard'),
      await database.query('SELECT * FROM doctor_patients ORDER BY doctor_id, patient_id'),
      await database.query('SELECT * FROM row_counts ORDER BY name'),
    ]);
  const kept = await summaries();
  await database.query('SELECT rebuild_summaries()');
  assert.equal(kept, await summaries());
}

const EXPECTED_COUNTS = {
  users: { read: 9, imported: 3, updated: 0, unchanged: 0, rejected: 6 },
  doctors: { read: 4, imported: 2, updated: 0, unchanged: 0, rejected: 2 },
  appointments: { read: 14, imported: 7, updated: 0, unchanged: 0, rejected: 7 },
};

const EXPECTED_REPORT = [
  { collection: 'users', record: 3, _id: U(3), reason: 'invalid email' },
  { collection: 'users', record: 4, _id: U(4), reason: `email already used by patient ${U(1)}` },
  { collection: 'users', record: 5, _id: U(5), reason: 'password is not a bcrypt hash' },
  { collection: 'users', record: 6, _id: U(6), reason: 'missing name' },
  { collection: 'users', record: 7, _id: 'abc', reason: '_id is not an ObjectId' },
  { collection: 'users', record: 8, reason: 'invalid JSON' },
  { collection: 'doctors', record: 3, _id: D(3), reason: 'missing speciality' },
  { collection: 'doctors', record: 4, _id: D(4), reason: 'invalid email' },
  { collection: 'appointments', record: 3, _id: A(3), reason: `overlaps the live appointment ${A(2)} of the same doctor` },
  { collection: 'appointments', record: 6, _id: A(6), reason: 'unknown doctor (docId not imported or not found)' },
  { collection: 'appointments', record: 7, _id: A(7), reason: 'unknown patient (userId not imported or not found)' },
  { collection: 'appointments', record: 8, _id: A(8), reason: 'invalid slotDate (expected d_m_yyyy)' },
  { collection: 'appointments', record: 9, _id: A(9), reason: 'invalid slotTime (expected hh:mm AM)' },
  { collection: 'appointments', record: 12, _id: A(12), reason: 'cancelled is not true or false' },
  { collection: 'appointments', record: 13, _id: A(13), reason: 'missing amount' },
];

const byRecord = (a: ReportLine, b: ReportLine) => a.collection.localeCompare(b.collection) || a.record - b.record;
const sortReport = (r: ReportLine[]) => [...r].sort(byRecord).sort((a, b) => ['users', 'doctors', 'appointments'].indexOf(a.collection) - ['users', 'doctors', 'appointments'].indexOf(b.collection));

describe('import:mongo: the original Prescripto fixture', () => {
  let t: TestApp;
  let first: { summary: ImportSummary; report: ReportLine[] };
  const tmp: string[] = [];
  const tempDir = () => {
    const d = mkdtempSync(path.join(os.tmpdir(), 'prescripto-mongo-'));
    tmp.push(d);
    return d;
  };
  const q = <T = Record<string, any>>(text: string, params: unknown[] = []) => t.testDb.database.query<T>(text, params);

  before(async () => {
    t = await makeTestApp();
    first = await run(t.testDb.database, t.config, FIXTURE);
  });
  after(async () => {
    await t.close();
    for (const d of tmp) rmSync(d, { recursive: true, force: true });
  });

  it('counts imported, updated and rejected rows per collection', () => {
    assert.equal(first.summary.dryRun, false);
    assert.deepEqual(counts(first.summary), EXPECTED_COUNTS);
  });

  it('reports every rejected row with its _id, collection and reason, and nothing personal', () => {
    assert.deepEqual(sortReport(first.report), EXPECTED_REPORT);
    const text = JSON.stringify(first.report);
    for (const personal of ['not-an-email', 'hunter2', 'ASHA.RAO', 'Asha', 'bad@@example']) assert.ok(!text.includes(personal), personal);
  });

  it('maps users to patients: ids, normalised emails, defaults, addresses and image URLs kept', async () => {
    const rows = await q('SELECT id, name, email::text AS email, phone, address, gender, dob, image, created_at FROM patients ORDER BY id');
    assert.deepEqual(rows.map((r) => r.id), [U(1), U(2), U(8)]);
    const [asha, ben, chen] = rows;
    assert.equal(asha.email, 'asha.rao@example.com');
    assert.equal(asha.phone, '9876543210');
    assert.deepEqual(asha.address, { line1: '12 MG Road', line2: 'Bengaluru' });
    assert.equal(asha.gender, 'Female');
    assert.equal(asha.dob, '1990-04-12');
    assert.equal(asha.image, 'https://res.cloudinary.com/demo/image/upload/v1705000000/prescripto/asha.png');
    // a user has no date of its own: the creation time inside its ObjectId
    assert.equal(new Date(asha.created_at).toISOString(), new Date(parseInt(U(1).slice(0, 8), 16) * 1000).toISOString());
    assert.equal(ben.email, 'ben.okafor@example.com');
    assert.deepEqual([ben.phone, ben.address, ben.gender, ben.dob, ben.image], ['000000000', { line1: '', line2: '' }, 'Not Selected', 'Not Selected', null]);
    assert.deepEqual(chen.address, { line1: '4 Park Street', line2: 'Kolkata' }, 'an address saved as a JSON string');
  });

  it('maps doctors: fees in minor units, availability, registration date, zone and default weekly hours', async () => {
    const rows = await q('SELECT id, fees_minor, available, created_at, time_zone, password_temporary, image, slot_minutes, buffer_minutes FROM doctors ORDER BY id');
    assert.deepEqual(rows.map((r) => r.id), [D(1), D(2)]);
    assert.deepEqual(rows.map((r) => [r.fees_minor, r.available, new Date(r.created_at).toISOString(), r.time_zone, r.password_temporary]), [
      [5000, true, '2024-01-01T00:00:00.000Z', 'Asia/Kolkata', false],
      [8050, false, '2024-01-02T00:00:00.000Z', 'Asia/Kolkata', false],
    ]);
    assert.equal(rows[0].image, 'https://res.cloudinary.com/demo/image/upload/v1705000000/prescripto/doc1.png');
    assert.deepEqual([rows[0].slot_minutes, rows[0].buffer_minutes], [t.config.scheduling.slotMinutes, t.config.scheduling.bufferMinutes]);
    const hours = await q<{ n: number }>('SELECT count(*)::int AS n FROM doctor_hours WHERE doctor_id = $1', [D(1)]);
    assert.equal(hours[0].n, t.config.scheduling.workingHours.length);
  });

  it('maps appointments: cancelled / payment / isCompleted to the status, slots in TIMEZONE, snapshots without extras', async () => {
    const rows = await q(`SELECT id, patient_id, doctor_id, slot_date, slot_time, starts_at, ends_at, lower(blocks) AS hold_from, upper(blocks) AS hold_to,
      status, paid, paid_at, cancelled_at, completed_at, amount_minor, currency, created_at, user_data, doc_data FROM appointments ORDER BY id`);
    const by = Object.fromEntries(rows.map((r) => [r.id, r]));
    assert.deepEqual(Object.keys(by).sort(), [A(1), A(2), A(4), A(5), A(10), A(11), A(14)]);
    const state = (n: number) => [by[A(n)].status, by[A(n)].paid];
    assert.deepEqual(state(1), ['pending', false]);
    assert.deepEqual(state(2), ['confirmed', true]);
    assert.deepEqual(state(4), ['cancelled', false]);
    assert.deepEqual(state(5), ['completed', true]);
    assert.deepEqual(state(10), ['cancelled', true], 'cancelled wins over isCompleted');
    assert.deepEqual(state(11), ['pending', false]);
    const a1 = by[A(1)];
    assert.equal(a1.slot_date, '2024-01-15');
    assert.equal(a1.slot_time, '10:00 AM');
    assert.equal(new Date(a1.starts_at).toISOString(), '2024-01-15T04:30:00.000Z', '10:00 in Asia/Kolkata');
    assert.equal(new Date(a1.ends_at).toISOString(), '2024-01-15T05:00:00.000Z');
    assert.deepEqual([new Date(a1.hold_from).toISOString(), new Date(a1.hold_to).toISOString()], ['2024-01-15T04:30:00.000Z', '2024-01-15T05:00:00.000Z'], 'history holds its slot, no buffer');
    assert.equal(new Date(a1.created_at).getTime(), 1705000000000 + 60000, 'date (ms) is the booking time');
    assert.equal(a1.amount_minor, 5000);
    assert.equal(a1.currency, t.config.currency);
    assert.equal(by[A(5)].slot_time, '02:30 PM', '24-hour 14:30');
    assert.equal(by[A(14)].slot_time, '09:30 AM', 'lower-case am');
    assert.equal(by[A(5)].amount_minor, 8050);
    assert.equal(new Date(by[A(5)].completed_at).toISOString(), new Date(by[A(5)].ends_at).toISOString());
    assert.equal(new Date(by[A(2)].paid_at).getTime(), new Date(by[A(2)].created_at).getTime());
    assert.ok(by[A(4)].cancelled_at && !by[A(1)].cancelled_at && !by[A(1)].paid_at && !by[A(1)].completed_at);
    assert.deepEqual(a1.user_data, {
      _id: U(1), name: 'Asha Rao', email: 'asha.rao@example.com', phone: '9876543210', address: { line1: '12 MG Road', line2: 'Bengaluru' },
      gender: 'Female', dob: '1990-04-12', image: 'https://res.cloudinary.com/demo/image/upload/v1705000000/prescripto/asha.png',
    });
    assert.deepEqual(Object.keys(a1.doc_data).sort(), ['_id', 'about', 'address', 'degree', 'email', 'experience', 'fees', 'image', 'name', 'speciality']);
    assert.equal(a1.doc_data.fees, 50);
  });

  it('keeps the dashboard summaries exact', async () => {
    const [stats] = await q(`SELECT appointments, pending, confirmed, completed, cancelled, patients FROM doctor_stats WHERE doctor_id = $1`, [D(1)]);
    // doctor 1: A1 pending, A2 confirmed, A4 cancelled, A11 pending, A14 pending; patients 1, 2, 8
    assert.deepEqual(stats, { appointments: 5, pending: 3, confirmed: 1, completed: 0, cancelled: 1, patients: 3 });
    const [n] = await q(`SELECT (SELECT n FROM row_counts WHERE name = 'patients')::int AS p, (SELECT n FROM row_counts WHERE name = 'doctors')::int AS d`);
    assert.deepEqual(n, { p: 3, d: 2 });
    await assertSummariesExact(t.testDb.database);
  });

  it('lets imported patients and doctors log in through the API with their old passwords (bcrypt hashes carried)', async () => {
    for (const [url, email, password] of [
      ['/api/user/login', 'asha.rao@example.com', 'asha-old-password'], // $2a$ hash, as bcryptjs writes
      ['/api/user/login', 'Ben.Okafor@Example.com', 'ben-old-password'],
      ['/api/doctor/login', 'richard.james@example.com', 'richard-old-password'],
    ]) {
      const res = await post(t.app, url, { email, password });
      assert.equal(res.statusCode, 200, `${email}: ${res.body}`);
      assert.ok(json(res).token);
    }
    const wrong = await post(t.app, '/api/user/login', { email: 'asha.rao@example.com', password: 'not-her-password' });
    assert.equal(wrong.statusCode, 401);
    // the imported patient sees their history
    const token = json(await post(t.app, '/api/user/login', { email: 'asha.rao@example.com', password: 'asha-old-password' })).token as string;
    const list = json(await get(t.app, '/api/user/appointments', bearer(token)));
    assert.deepEqual((list.appointments as { _id: string }[]).map((a) => a._id).sort(), [A(1), A(2), A(5)]);
  });

  it('rebuilds slots_booked from the appointments, not from the file', async () => {
    const res = json(await get(t.app, '/api/doctor/list'));
    const doc = (res.doctors as { _id: string; slots_booked: Record<string, string[]> }[]).find((d) => d._id === D(1))!;
    assert.deepEqual(doc.slots_booked['5_3_2030'], ['11:00 AM']);
    assert.equal(doc.slots_booked['1_1_2020'], undefined, "the file's stale entry");
  });

  it('re-running changes nothing and doubles nothing', async () => {
    const before = await snapshot(t.testDb.database);
    const again = await run(t.testDb.database, t.config, FIXTURE);
    assert.deepEqual(counts(again.summary), {
      users: { read: 9, imported: 0, updated: 0, unchanged: 3, rejected: 6 },
      doctors: { read: 4, imported: 0, updated: 0, unchanged: 2, rejected: 2 },
      appointments: { read: 14, imported: 0, updated: 0, unchanged: 7, rejected: 7 },
    });
    assert.deepEqual(sortReport(again.report), EXPECTED_REPORT);
    assert.equal(await snapshot(t.testDb.database), before);
  });

  it('updates rows that changed in the source, and the summaries follow', async () => {
    const dir = tempDir();
    cpSync(FIXTURE, dir, { recursive: true });
    const users = readFileSync(path.join(dir, 'users.json'), 'utf8').replace('"9876543210"', '"9876500000"');
    writeFileSync(path.join(dir, 'users.json'), users);
    const appts = EJSON.parse(readFileSync(path.join(dir, 'appointments.json'), 'utf8'), { relaxed: false }) as Record<string, unknown>[];
    const a2 = appts.find((a) => String(a._id) === A(2))!;
    a2.cancelled = true; // cancelled in the original after a first import
    writeFileSync(path.join(dir, 'appointments.json'), EJSON.stringify(appts, { relaxed: false }));
    const r = await run(t.testDb.database, t.config, dir);
    assert.deepEqual(counts(r.summary).users, { read: 9, imported: 0, updated: 1, unchanged: 2, rejected: 6 });
    // A3 was refused for overlapping A2; with A2 cancelled it fits now
    assert.deepEqual(counts(r.summary).appointments, { read: 14, imported: 1, updated: 1, unchanged: 6, rejected: 6 });
    const [a] = await q(`SELECT status, cancelled_at IS NOT NULL AS has_cancelled_at, paid FROM appointments WHERE id = $1`, [A(2)]);
    assert.deepEqual(a, { status: 'cancelled', has_cancelled_at: true, paid: true });
    const [p] = await q(`SELECT phone FROM patients WHERE id = $1`, [U(1)]);
    assert.equal(p.phone, '9876500000');
    const [stats] = await q(`SELECT appointments, pending, confirmed, cancelled, patients FROM doctor_stats WHERE doctor_id = $1`, [D(1)]);
    assert.deepEqual(stats, { appointments: 6, pending: 4, confirmed: 0, cancelled: 2, patients: 3 });
    await assertSummariesExact(t.testDb.database);
    // back to the original file: A2 live again would overlap A3, which now holds the slot
    const back = await run(t.testDb.database, t.config, FIXTURE);
    assert.equal(back.summary.collections.users.updated, 1);
    assert.deepEqual(
      back.report.filter((l) => l._id === A(2)),
      [{ collection: 'appointments', record: 2, _id: A(2), reason: `overlaps the live appointment ${A(3)} of the same doctor` }],
    );
    await assertSummariesExact(t.testDb.database);
  });

  it('export writes the original shape, and importing the export changes nothing (relaxed and canonical)', async () => {
    // native rows too: a doctor onboarded here and a booking made through the API
    const doctor = await createDoctor(t.app);
    const patient = await registerPatient(t.app);
    const booked = await book(t.app, patient.token, doctor.id, futureSlot(1));
    assert.equal(booked.statusCode, 201, booked.body);
    for (const canonical of [false, true]) {
      const dir = tempDir();
      const before = await snapshot(t.testDb.database);
      const out = await exportMongo(t.testDb.database, { folder: dir, canonical });
      const [n] = await q<{ p: number; d: number; a: number }>('SELECT (SELECT count(*) FROM patients)::int AS p, (SELECT count(*) FROM doctors)::int AS d, (SELECT count(*) FROM appointments)::int AS a');
      assert.deepEqual([out.users.written, out.doctors.written, out.appointments.written], [n.p, n.d, n.a]);
      const r = await run(t.testDb.database, t.config, dir);
      for (const c of ['users', 'doctors', 'appointments'] as const) {
        const s = r.summary.collections[c];
        assert.deepEqual([s.imported, s.updated, s.rejected, s.unchanged], [0, 0, 0, s.read], `${c} (canonical: ${canonical}): ${JSON.stringify(r.report)}`);
      }
      assert.equal(await snapshot(t.testDb.database), before);
    }
  });

  it('exports documents the original models read', async () => {
    const dir = tempDir();
    await exportMongo(t.testDb.database, { folder: dir });
    const read = (c: string) => readFileSync(path.join(dir, `${c}.json`), 'utf8').trim().split('\n').map((l) => EJSON.parse(l, { relaxed: true }) as Record<string, any>);
    const asha = read('users').find((u) => String(u._id) === U(1))!;
    assert.deepEqual(Object.keys(asha).sort(), ['__v', '_id', 'address', 'dob', 'email', 'gender', 'image', 'name', 'password', 'phone']);
    assert.match(asha.password, /^\$2a\$10\$/);
    const ben = read('users').find((u) => String(u._id) === U(2))!;
    assert.equal('image' in ben, false, 'no picture: the original schema default applies');
    const richard = read('doctors').find((d) => String(d._id) === D(1))!;
    assert.deepEqual(Object.keys(richard).sort(), ['__v', '_id', 'about', 'address', 'available', 'date', 'degree', 'email', 'experience', 'fees', 'image', 'name', 'password', 'slots_booked', 'speciality']);
    assert.equal(richard.fees, 50);
    assert.equal(richard.date, Date.UTC(2024, 0, 1));
    // rebuilt from live bookings: A2 was cancelled above and A3 took 10:30; A4 is cancelled
    assert.deepEqual(richard.slots_booked, { '15_1_2024': ['10:00 AM', '10:30 AM'], '8_2_2024': ['09:30 AM'], '5_3_2030': ['11:00 AM'] });
    const appts = read('appointments');
    const a5 = appts.find((a) => String(a._id) === A(5))!;
    assert.deepEqual(
      { userId: a5.userId, docId: a5.docId, slotDate: a5.slotDate, slotTime: a5.slotTime, amount: a5.amount, date: a5.date, cancelled: a5.cancelled, payment: a5.payment, isCompleted: a5.isCompleted },
      { userId: U(1), docId: D(2), slotDate: '16_1_2024', slotTime: '02:30 PM', amount: 80.5, date: 1705000000000 + 5 * 60000, cancelled: false, payment: true, isCompleted: true },
    );
    assert.equal(String(a5.userData._id), U(1));
    assert.equal(a5.docData.name, 'Dr. Emily Larson');
  });

  it('an export imports into an empty database, and its people log in', async () => {
    const dir = tempDir();
    const exported = await exportMongo(t.testDb.database, { folder: dir });
    const other = await makeTestApp();
    try {
      const r = await run(other.testDb.database, other.config, dir);
      for (const c of ['users', 'doctors', 'appointments'] as const) {
        assert.deepEqual([r.summary.collections[c].imported, r.summary.collections[c].rejected], [exported[c].written, 0], `${c}: ${JSON.stringify(r.report)}`);
      }
      const res = await post(other.app, '/api/user/login', { email: 'chen.wei@example.com', password: 'chen-old-password' });
      assert.equal(res.statusCode, 200, res.body);
    } finally {
      await other.close();
    }
  });
  it('an erased patient exports anonymised and imports back erased: not counted, no login, the appointments kept', async () => {
    const doctor = await createDoctor(t.app);
    const patient = await registerPatient(t.app);
    const booked = await book(t.app, patient.token, doctor.id, futureSlot(3));
    assert.equal(booked.statusCode, 201, booked.body);
    const appointmentId = json(booked).appointment._id as string;
    assert.equal((await post(t.app, '/api/user/cancel-appointment', { appointmentId }, bearer(patient.token))).statusCode, 200);
    const erased = await post(t.app, '/api/user/delete-account', { password: patient.password }, bearer(patient.token));
    assert.equal(erased.statusCode, 200, erased.body);
    const live = async (database: Database) => (await database.query<{ n: number }>('SELECT count(*)::int AS n FROM patients WHERE deleted_at IS NULL'))[0].n;
    const counted = async (database: Database) => Number((await database.query<{ n: string }>(`SELECT n::text AS n FROM row_counts WHERE name = 'patients'`))[0].n);
    assert.equal(await counted(t.testDb.database), await live(t.testDb.database), 'the erased patient left the count');

    const dir = tempDir();
    await exportMongo(t.testDb.database, { folder: dir });
    const users = readFileSync(path.join(dir, 'users.json'), 'utf8').trim().split('\n').map((l) => EJSON.parse(l, { relaxed: true }) as Record<string, any>);
    const doc = users.find((u) => String(u._id) === patient.id)!;
    assert.ok(doc.deletedAt instanceof Date, 'marked erased');
    assert.equal(doc.name, 'Deleted patient');
    assert.equal(doc.password, '!erased');
    assert.equal(JSON.stringify(doc).includes(patient.email), false, 'nothing of the person');
    assert.equal(users.filter((u) => 'deletedAt' in u).length, 1, 'live patients carry no marker');

    // the same database: nothing changes; an empty one: the patient arrives erased, the appointment kept
    const before = await snapshot(t.testDb.database);
    const same = await run(t.testDb.database, t.config, dir);
    assert.equal(same.summary.collections.users.rejected, 0, JSON.stringify(same.report));
    assert.equal(await snapshot(t.testDb.database), before);
    const other = await makeTestApp();
    try {
      const r = await run(other.testDb.database, other.config, dir);
      assert.equal(r.summary.collections.users.rejected + r.summary.collections.appointments.rejected, 0, JSON.stringify(r.report));
      const [row] = await other.testDb.database.query<{ deleted_at: unknown; password_hash: string }>('SELECT deleted_at, password_hash FROM patients WHERE id = $1', [patient.id]);
      assert.ok(row.deleted_at);
      assert.equal((await other.testDb.database.query('SELECT 1 FROM appointments WHERE id = $1', [appointmentId])).length, 1);
      assert.equal(await counted(other.testDb.database), await live(other.testDb.database));
      await assertSummariesExact(other.testDb.database);
      const login = await post(other.app, '/api/user/login', { email: `deleted-${patient.id}@deleted.invalid`, password: '!erased' });
      assert.equal(login.statusCode, 401);
    } finally {
      await other.close();
    }
  });
});

describe('import:mongo: dry run and time zones', () => {
  it('--dry-run validates everything, reports the same, and writes nothing', async () => {
    const t = await makeTestApp();
    try {
      const before = await snapshot(t.testDb.database);
      const r = await run(t.testDb.database, t.config, FIXTURE, { dryRun: true });
      assert.equal(r.summary.dryRun, true);
      assert.deepEqual(counts(r.summary), EXPECTED_COUNTS, 'the appointments phase saw the users and doctors it would have imported');
      assert.deepEqual(sortReport(r.report), EXPECTED_REPORT);
      assert.equal(await snapshot(t.testDb.database), before);
      const login = await post(t.app, '/api/user/login', { email: 'asha.rao@example.com', password: 'asha-old-password' });
      assert.equal(login.statusCode, 401);
    } finally {
      await t.close();
    }
  });

  it('reads slotDate and slotTime in the zone given (--timezone), and new doctors get that zone', async () => {
    const t = await makeTestApp();
    try {
      const r = await run(t.testDb.database, t.config, FIXTURE, { timeZone: 'America/New_York' });
      assert.equal(r.summary.collections.appointments.imported, 7);
      const [a] = await t.testDb.database.query<{ starts_at: Date }>('SELECT starts_at FROM appointments WHERE id = $1', [A(1)]);
      assert.equal(new Date(a.starts_at).toISOString(), '2024-01-15T15:00:00.000Z', '10:00 AM EST');
      const [d] = await t.testDb.database.query<{ time_zone: string }>('SELECT time_zone FROM doctors WHERE id = $1', [D(1)]);
      assert.equal(d.time_zone, 'America/New_York');
    } finally {
      await t.close();
    }
  });

  it('refuses a folder without any collection file', async () => {
    const t = await makeTestApp();
    const empty = mkdtempSync(path.join(os.tmpdir(), 'prescripto-mongo-empty-'));
    try {
      await assert.rejects(run(t.testDb.database, t.config, empty), /none of users\.json, doctors\.json, appointments\.json/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
      await t.close();
    }
  });
});
