// Deep pages without OFFSET scans: keyset `cursor` pages equal the OFFSET pages they replace, and
// `total` read from the trigger-kept summaries equals count(*).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { and, asc, desc, eq, type SQL } from 'drizzle-orm';
import { appointments } from '../../../src/db/schema.js';
import { pageAtPosition, positionCovers } from '../../../src/modules/appointments/page-position.js';
import type { AppointmentFilter, AppointmentSort } from '../../../src/modules/appointments/repo.js';
import { bulkSeed, type BulkResult } from '../../../src/seed/bulk.js';
import { adminToken, bearer, get, json, makeTestApp, post, type TestApp } from '../../helpers/app.js';

// more rows than repo.ts's DEFERRED_JOIN_OFFSET, so the last pages take the deep-page (deferred join) path
const ROWS = 1300;

describe('performance: keyset pagination and summary counts', () => {
  let t: TestApp;
  let seeded: BulkResult;
  let admin: string;
  before(async () => {
    t = await makeTestApp();
    seeded = await bulkSeed(t.testDb.database, { doctors: 5, patients: 30, appointments: ROWS, password: 'seed-password-123', timeZone: 'Asia/Kolkata', currency: 'INR', now: new Date() });
    admin = await adminToken(t.app);
  });
  after(async () => t.close());

  const ids = (res: Parameters<typeof json>[0]) => (json(res).appointments as { _id: string }[]).map((a) => a._id);

  for (const sort of ['-createdAt', 'createdAt', '-startsAt', 'startsAt']) {
    it(`walks every row once with cursors, in the same order as pages (${sort})`, async () => {
      const byPage: string[] = [];
      for (let page = 1; ; page++) {
        const res = await get(t.app, `/api/admin/appointments?sort=${sort}&limit=50&page=${page}`, bearer(admin));
        assert.equal(res.statusCode, 200, res.body);
        const got = ids(res);
        byPage.push(...got);
        if (got.length < 50) break;
      }
      const byCursor: string[] = [];
      let cursor: string | undefined;
      for (;;) {
        const res = await get(t.app, `/api/admin/appointments?sort=${sort}&limit=50${cursor ? `&cursor=${cursor}` : ''}`, bearer(admin));
        assert.equal(res.statusCode, 200, res.body);
        const body = json(res);
        byCursor.push(...ids(res));
        assert.equal(body.total, ROWS);
        cursor = body.nextCursor;
        if (!cursor) break;
      }
      assert.equal(byCursor.length, ROWS);
      assert.equal(new Set(byCursor).size, ROWS);
      assert.deepEqual(byCursor, byPage);
    });
  }

  it('keeps a doctor to their own rows, with the total from the summaries', async () => {
    const login = await post(t.app, '/api/doctor/login', { email: seeded.email('doctor', 1), password: 'seed-password-123' });
    const token = json(login).token;
    const first = json(await get(t.app, '/api/doctor/appointments?limit=7', bearer(token)));
    const [direct] = await t.testDb.database.query<{ n: number; cancelled: number }>(
      `SELECT count(*)::int AS n, (count(*) FILTER (WHERE status = 'cancelled'))::int AS cancelled FROM appointments WHERE doctor_id = $1`,
      [seeded.doctorId(1)],
    );
    assert.equal(first.total, direct.n);
    const second = json(await get(t.app, `/api/doctor/appointments?limit=7&cursor=${first.nextCursor}`, bearer(token)));
    assert.equal(second.appointments.length, 7);
    assert.ok(second.appointments.every((a: { docId: string }) => a.docId === seeded.doctorId(1)));
    const cancelled = json(await get(t.app, '/api/doctor/appointments?limit=5&status=cancelled', bearer(token)));
    assert.equal(cancelled.total, direct.cancelled);
    assert.ok(cancelled.appointments.every((a: { status: string }) => a.status === 'cancelled'));
  });

  it('counts date-filtered pages exactly (from the table)', async () => {
    const [r] = await t.testDb.database.query<{ d: string; n: number }>(
      `SELECT min(slot_date) AS d, (count(*) FILTER (WHERE slot_date = (SELECT min(slot_date) FROM appointments)))::int AS n FROM appointments`,
    );
    const res = json(await get(t.app, `/api/admin/appointments?limit=5&from=${r.d}&to=${r.d}`, bearer(admin)));
    assert.equal(res.total, r.n);
  });

  it('refuses an unknown or malformed cursor', async () => {
    const unknown = await get(t.app, '/api/admin/appointments?limit=5&cursor=0123456789abcdef01234567', bearer(admin));
    assert.equal(unknown.statusCode, 400);
    assert.equal(json(unknown).message, 'cursor is not a known appointment: start again without it');
    const bad = await get(t.app, '/api/admin/appointments?limit=5&cursor=nope', bearer(admin));
    assert.equal(bad.statusCode, 400);
  });
});

// Deep pages through the position summaries (page-position.ts) equal the plain OFFSET pages at every
// offset, for each sort and each filter the summaries count, before and after rows change.
describe('performance: OFFSET pages through the position summaries', () => {
  let t: TestApp;
  let seeded: BulkResult;
  let admin: string;
  before(async () => {
    t = await makeTestApp();
    seeded = await bulkSeed(t.testDb.database, { doctors: 4, patients: 30, appointments: 300, password: 'seed-password-123', timeZone: 'Asia/Kolkata', currency: 'INR', now: new Date() });
    admin = await adminToken(t.app);
  });
  after(async () => t.close());

  const SORTS: { sort: AppointmentSort; sql: string; order: SQL[] }[] = [
    { sort: '-createdAt', sql: 'created_at DESC, id DESC', order: [desc(appointments.createdAt), desc(appointments.id)] },
    { sort: 'createdAt', sql: 'created_at, id', order: [asc(appointments.createdAt), asc(appointments.id)] },
    { sort: '-startsAt', sql: 'starts_at DESC, id DESC', order: [desc(appointments.startsAt), desc(appointments.id)] },
    { sort: 'startsAt', sql: 'starts_at, id', order: [asc(appointments.startsAt), asc(appointments.id)] },
  ];
  const filters = (): AppointmentFilter[] => [
    {},
    { status: 'cancelled' },
    { status: 'completed' },
    { docId: seeded.doctorId(1) },
    { docId: seeded.doctorId(2), status: 'confirmed' },
  ];
  const whereOf = (f: AppointmentFilter) =>
    and(...[f.docId ? eq(appointments.doctorId, f.docId) : undefined, f.status ? eq(appointments.status, f.status) : undefined].filter((c) => c !== undefined));

  async function ordered(f: AppointmentFilter, orderSql: string): Promise<string[]> {
    const conds: string[] = [];
    const params: string[] = [];
    if (f.docId) conds.push(`doctor_id = $${params.push(f.docId)}`);
    if (f.status) conds.push(`status = $${params.push(f.status)}`);
    const rows = await t.testDb.database.query<{ id: string }>(
      `SELECT id FROM appointments ${conds.length ? `WHERE ${conds.join(' AND ')}` : ''} ORDER BY ${orderSql}`, params);
    return rows.map((r) => r.id);
  }

  async function everyPageMatches(): Promise<void> {
    const db = t.testDb.database.db;
    for (const f of filters()) {
      assert.ok(positionCovers(f));
      for (const s of SORTS) {
        const all = await ordered(f, s.sql);
        const limit = 6;
        for (let offset = 0; offset <= all.length + limit; offset += limit) {
          const page = await pageAtPosition(db, f, whereOf(f), s.sort, s.order, limit, offset);
          assert.deepEqual(page.map((r) => r.id), all.slice(offset, offset + limit), `${JSON.stringify(f)} ${s.sort} offset ${offset}`);
        }
      }
    }
  }

  async function summariesMatchRebuild(): Promise<void> {
    const snapshot = async () => {
      const out: Record<string, unknown[]> = {};
      for (const [table, key] of [['appointment_position_days', 'basis, day, shard'], ['appointment_position_hours', 'basis, hour, shard'], ['doctor_position_days', 'doctor_id, basis, day']]) {
        out[table] = await t.testDb.database.query(`SELECT * FROM ${table} WHERE appointments <> 0 ORDER BY ${key}`);
      }
      return out;
    };
    const kept = await snapshot();
    await t.testDb.database.query('SELECT rebuild_appointment_positions()');
    assert.deepEqual(kept, await snapshot());
  }

  it('equals the OFFSET page at every offset, ties on the timestamp included', async () => {
    const [{ ties }] = await t.testDb.database.query<{ ties: number }>(
      'SELECT count(*)::int AS ties FROM (SELECT created_at FROM appointments GROUP BY 1 HAVING count(*) > 1) AS d');
    assert.ok(ties > 0, 'the seed shares timestamps between doctors');
    await everyPageMatches();
    await summariesMatchRebuild();
  });

  it('still equals it after rows are added, changed, rescheduled and deleted between requests', async () => {
    const q = (s: string) => t.testDb.database.exec(s);
    // status changes, a reschedule of cancelled rows (a day and an hour back), shared timestamps
    await q(`UPDATE appointments SET status = 'cancelled', cancelled_at = now(), cancelled_by = 'admin' WHERE id IN (SELECT id FROM appointments WHERE status <> 'cancelled' ORDER BY id LIMIT 40)`);
    await q(`UPDATE appointments SET status = 'completed' WHERE id IN (SELECT id FROM appointments WHERE status = 'confirmed' ORDER BY id DESC LIMIT 15)`);
    await q(`UPDATE appointments SET starts_at = starts_at - interval '25 hours', ends_at = ends_at - interval '25 hours',
      blocks = tstzrange(lower(blocks) - interval '25 hours', upper(blocks) - interval '25 hours') WHERE id IN (SELECT id FROM appointments WHERE status = 'cancelled' ORDER BY id LIMIT 20)`);
    await q(`UPDATE appointments SET created_at = (SELECT max(created_at) FROM appointments) WHERE id IN (SELECT id FROM appointments ORDER BY id DESC LIMIT 25)`);
    await q(`UPDATE appointments SET doctor_id = '${seeded.doctorId(1)}' WHERE status = 'cancelled' AND doctor_id = '${seeded.doctorId(3)}'`);
    // copies with new ids and the same timestamps (cancelled, so they hold no slot)
    await q(`CREATE TEMP TABLE copies AS SELECT * FROM appointments ORDER BY created_at LIMIT 30;
      UPDATE copies SET id = 'ffff' || substr(id, 5), status = 'cancelled', cancelled_at = coalesce(cancelled_at, now()), cancelled_by = 'admin';
      INSERT INTO appointments SELECT * FROM copies; DROP TABLE copies`);
    await q(`DELETE FROM appointments WHERE id IN (SELECT id FROM appointments WHERE status = 'cancelled' ORDER BY starts_at LIMIT 10)`);
    await everyPageMatches();
    await summariesMatchRebuild();
  });

  it('walks the same rows by page, by cursor and by OFFSET through the API, filters included', async () => {
    const ids = (res: Parameters<typeof json>[0]) => (json(res).appointments as { _id: string }[]).map((a) => a._id);
    for (const [query, f] of [['', {}], ['&status=cancelled', { status: 'cancelled' }], [`&docId=${seeded.doctorId(1)}`, { docId: seeded.doctorId(1) }]] as const) {
      for (const s of SORTS) {
        const all = await ordered(f, s.sql);
        const byPage: string[] = [];
        for (let page = 1; byPage.length < all.length + 1; page++) {
          const res = await get(t.app, `/api/admin/appointments?sort=${s.sort}&limit=50&page=${page}${query}`, bearer(admin));
          assert.equal(res.statusCode, 200, res.body);
          byPage.push(...ids(res));
          if (ids(res).length < 50) break;
        }
        const byCursor: string[] = [];
        for (let cursor: string | undefined, first = true; first || cursor; first = false) {
          const res = await get(t.app, `/api/admin/appointments?sort=${s.sort}&limit=50${query}${cursor ? `&cursor=${cursor}` : ''}`, bearer(admin));
          assert.equal(res.statusCode, 200, res.body);
          assert.equal(json(res).total, all.length);
          byCursor.push(...ids(res));
          cursor = json(res).nextCursor;
        }
        assert.deepEqual(byPage, all, `${query} ${s.sort} by page`);
        assert.deepEqual(byCursor, all, `${query} ${s.sort} by cursor`);
      }
    }
  });
});
