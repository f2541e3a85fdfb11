// Deep pages without OFFSET scans: keyset `cursor` pages equal the OFFSET pages they replace, and
// `total` read from the trigger-kept summaries equals count(*).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
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
