// Reports on known data with hand-computed answers. Appointments are written straight into the
// database (reports read history: past dates the booking rules would refuse), everything else goes
// through HTTP. Times below are wall-clock in Asia/Kolkata (UTC+05:30) unless marked Z.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../../src/lib/clock.js';
import { newId } from '../../../src/lib/ids.js';
import { csvField, csvLine } from '../../../src/modules/reports/csv.js';
import { adminToken, bearer, createDoctor, get, json, makeTestApp, registerPatient, type TestApp } from '../../helpers/app.js';

type Row = Record<string, unknown>;

/** Minimal RFC 4180 reader for the assertions (quoted fields, doubled quotes, CRLF). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      }
      else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    }
    else field += ch;
  }
  assert.equal(field, '', 'CSV must end with CRLF');
  return rows;
}

describe('reports', () => {
  let t: TestApp;
  let admin: string;
  const doc: Record<'A' | 'B' | 'C', { id: string; token: string }> = {} as never;
  const pat: Record<'P1' | 'P2', { id: string; token: string }> = {} as never;
  const appt: Record<string, string> = {};
  const A_NAME = 'Dr. Zoë "Heart", Jr.';
  const P1_NAME = '=Ana María, "AM"';

  const q = (sql: string, params: unknown[] = []) => t.testDb.database.query(sql, params);

  /** One appointment at a Kolkata wall-clock time (30 minutes, 15-minute buffer). */
  async function insert(key: string, o: {
    doctor: 'A' | 'B' | 'C'; patient: 'P1' | 'P2'; date: string; time: string; amount: number;
    status: string; paidAt?: string; refund?: number;
  }) {
    const startsAt = new Date(`${o.date}T${o.time}:00+05:30`);
    const endsAt = new Date(startsAt.getTime() + 30 * 60_000);
    const hold = new Date(endsAt.getTime() + 15 * 60_000);
    const [h, m] = o.time.split(':').map(Number);
    const slotTime = `${String(h % 12 === 0 ? 12 : h % 12).padStart(2, '0')}:${String(m).padStart(2, '0')} ${h < 12 ? 'AM' : 'PM'}`;
    const id = newId();
    appt[key] = id;
    await q(
      `INSERT INTO appointments (id, patient_id, doctor_id, slot_date, slot_time, starts_at, ends_at, blocks, user_data, doc_data,
         amount_minor, currency, status, paid, paid_at, cancelled_by, cancelled_at, refund_minor, refund_status, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, tstzrange($6, $8), '{}', '{}', $9, 'INR', $10, $11, $12, $13, $14, $15, $16, '2024-12-20T00:00:00Z')`,
      [
        id, pat[o.patient].id, doc[o.doctor].id, o.date, slotTime, startsAt.toISOString(), endsAt.toISOString(), hold.toISOString(),
        o.amount, o.status, Boolean(o.paidAt), o.paidAt ?? null, o.status === 'cancelled' ? 'patient' : null,
        o.status === 'cancelled' ? '2025-01-01T00:00:00Z' : null,
        o.refund ?? null, o.refund ? 'processed' : null,
      ],
    );
  }

  before(async () => {
    t = await makeTestApp({ TIMEZONE: 'Asia/Kolkata' }, { clock: new ManualClock('2025-03-01T00:00:00Z') });
    admin = await adminToken(t.app);
    doc.A = await createDoctor(t.app, { speciality: 'Cardiologist', fees: 500 });
    doc.B = await createDoctor(t.app, { speciality: 'Cardiologist', fees: 800 });
    doc.C = await createDoctor(t.app, { speciality: 'Dermatologist', fees: 300 });
    pat.P1 = await registerPatient(t.app);
    pat.P2 = await registerPatient(t.app);
    await q('UPDATE doctors SET name = $2, created_at = $3 WHERE id = $1', [doc.A.id, A_NAME, '2025-01-02T00:00:00Z']);
    await q('UPDATE doctors SET name = $2, created_at = $3 WHERE id = $1', [doc.B.id, 'Dr. Bose', '2025-01-02T00:00:00Z']);
    await q('UPDATE doctors SET name = $2, created_at = $3 WHERE id = $1', [doc.C.id, 'Dr. Chen', '2025-02-15T00:00:00Z']);
    await q('UPDATE patients SET name = $2, created_at = $3 WHERE id = $1', [pat.P1.id, P1_NAME, '2025-01-10T12:00:00Z']);
    // 20:00Z on Jan 31 is 01:30 on Feb 1 in Kolkata: a February registration there, January in UTC.
    await q('UPDATE patients SET name = $2, created_at = $3 WHERE id = $1', [pat.P2.id, 'Ben', '2025-01-31T20:00:00Z']);

    await insert('a1', { doctor: 'A', patient: 'P1', date: '2025-01-06', time: '10:00', amount: 50000, status: 'completed', paidAt: '2025-01-05T10:00:00Z' });
    await insert('a2', { doctor: 'A', patient: 'P1', date: '2025-01-06', time: '11:00', amount: 50000, status: 'cancelled', paidAt: '2025-01-05T12:00:00Z', refund: 25000 });
    await insert('a3', { doctor: 'A', patient: 'P1', date: '2025-01-15', time: '10:00', amount: 50000, status: 'confirmed' });
    await insert('a4', { doctor: 'A', patient: 'P2', date: '2025-02-03', time: '10:00', amount: 50000, status: 'pending' });
    await insert('b1', { doctor: 'B', patient: 'P1', date: '2025-01-06', time: '10:00', amount: 80000, status: 'completed', paidAt: '2025-01-06T04:00:00Z' });
    // 00:30 on Feb 1 in Kolkata = 19:00Z on Jan 31
    await insert('b2', { doctor: 'B', patient: 'P2', date: '2025-02-01', time: '00:30', amount: 80000, status: 'confirmed', paidAt: '2025-01-31T19:00:00Z' });
    await insert('c1', { doctor: 'C', patient: 'P1', date: '2025-01-20', time: '15:00', amount: 30000, status: 'completed', paidAt: '2025-01-20T09:30:00Z' });

    // Working hours (minutes after midnight): A Mondays 10:00-12:00; B none; C Mondays 14:00-16:00 and Wednesdays 09:00-10:00.
    await q('DELETE FROM doctor_hours WHERE doctor_id = ANY($1)', [[doc.A.id, doc.B.id, doc.C.id]]);
    await q('INSERT INTO doctor_hours (doctor_id, weekday, start_minute, end_minute) VALUES ($1, 1, 600, 720), ($2, 1, 840, 960), ($2, 3, 540, 600)', [doc.A.id, doc.C.id]);
    await q('DELETE FROM doctor_time_off WHERE doctor_id = ANY($1)', [[doc.A.id, doc.B.id, doc.C.id]]);
    // A is away 10:00-11:00 on Monday Jan 13: two of that day's four slots are not published.
    await q(`INSERT INTO doctor_time_off (id, doctor_id, starts_at, ends_at, reason) VALUES ($1, $2, '2025-01-13T04:30:00Z', '2025-01-13T05:30:00Z', 'conference')`, [newId(), doc.A.id]);
  });
  after(async () => t.close());

  const adminGet = async (path: string) => {
    const res = await get(t.app, path, bearer(admin));
    assert.equal(res.statusCode, 200, res.body);
    return json(res) as { rows: Row[]; columns: string[]; report: string; from: string; to: string; tz: string; interval: string };
  };
  const csvOf = async (path: string, token = admin) => {
    const res = await get(t.app, path, bearer(token));
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.headers['content-type'], 'text/csv; charset=utf-8');
    assert.match(String(res.headers['content-disposition']), /^attachment; filename="[a-z-]+_\d{4}-\d{2}-\d{2}_\d{4}-\d{2}-\d{2}\.csv"$/);
    assert.ok(res.body.startsWith('\uFEFF'), 'UTF-8 byte-order mark');
    return res.body.slice(1);
  };

  describe('appointments by status', () => {
    it('buckets by month in the requested zone', async () => {
      const r = await adminGet('/api/admin/reports/appointments?from=2025-01-01&to=2025-02-28&interval=month&tz=Asia/Kolkata');
      assert.deepEqual(r.rows, [
        { period: '2025-01-01', total: 5, pending: 0, confirmed: 1, completed: 3, cancelled: 1 },
        { period: '2025-02-01', total: 2, pending: 1, confirmed: 1, completed: 0, cancelled: 0 },
      ]);
      assert.equal(r.tz, 'Asia/Kolkata');
      assert.equal(r.interval, 'month');
    });

    it('moves the 00:30 Feb 1 Kolkata booking into January in UTC', async () => {
      const r = await adminGet('/api/admin/reports/appointments?from=2025-01-01&to=2025-02-28&interval=month&tz=UTC');
      assert.deepEqual(r.rows, [
        { period: '2025-01-01', total: 6, pending: 0, confirmed: 2, completed: 3, cancelled: 1 },
        { period: '2025-02-01', total: 1, pending: 1, confirmed: 0, completed: 0, cancelled: 0 },
      ]);
    });

    it('weeks start on Monday and empty buckets are listed with zeros', async () => {
      const r = await adminGet('/api/admin/reports/appointments?from=2025-01-01&to=2025-01-19&interval=week');
      assert.deepEqual(r.rows.map((x) => [x.period, x.total]), [['2024-12-30', 0], ['2025-01-06', 3], ['2025-01-13', 1]]);
    });

    it('a single day', async () => {
      const r = await adminGet('/api/admin/reports/appointments?from=2025-01-06&to=2025-01-06');
      assert.deepEqual(r.rows, [{ period: '2025-01-06', total: 3, pending: 0, confirmed: 0, completed: 2, cancelled: 1 }]);
    });

    it('defaults to the last 30 days up to today in the zone, by day', async () => {
      const r = await adminGet('/api/admin/reports/appointments');
      // clock: 2025-03-01T00:00Z = 05:30 on Mar 1 in Kolkata
      assert.equal(r.to, '2025-03-01');
      assert.equal(r.from, '2025-01-31');
      assert.equal(r.rows.length, 30);
      assert.deepEqual(r.rows.find((x) => x.period === '2025-02-01'), { period: '2025-02-01', total: 1, pending: 0, confirmed: 1, completed: 0, cancelled: 0 });
    });

    it('as CSV', async () => {
      const body = await csvOf('/api/admin/reports/appointments?from=2025-01-01&to=2025-02-28&interval=month&format=csv');
      assert.equal(body, 'period,total,pending,confirmed,completed,cancelled\r\n2025-01-01,5,0,1,3,1\r\n2025-02-01,2,1,1,0,0\r\n');
    });
  });

  describe('revenue', () => {
    it('by month of payment: paid amounts minus processed refunds', async () => {
      const r = await adminGet('/api/admin/reports/revenue?from=2025-01-01&to=2025-02-28&interval=month');
      assert.deepEqual(r.rows, [
        { period: '2025-01-01', payments: 4, gross: 2100, refunds: 250, net: 1850 },
        { period: '2025-02-01', payments: 1, gross: 800, refunds: 0, net: 800 },
      ]);
    });

    it('in UTC the Feb 1 (Kolkata) payment is January', async () => {
      const r = await adminGet('/api/admin/reports/revenue?from=2025-01-01&to=2025-02-28&interval=month&tz=UTC');
      assert.deepEqual(r.rows.map((x) => [x.period, x.payments, x.net]), [['2025-01-01', 5, 2650], ['2025-02-01', 0, 0]]);
    });

    it('by doctor, largest first', async () => {
      const r = await adminGet('/api/admin/reports/revenue?from=2025-01-01&to=2025-02-28&groupBy=doctor');
      assert.equal(r.report, 'revenue-by-doctor');
      assert.deepEqual(r.rows, [
        { doctorId: doc.B.id, name: 'Dr. Bose', speciality: 'Cardiologist', payments: 2, gross: 1600, refunds: 0, net: 1600 },
        { doctorId: doc.A.id, name: A_NAME, speciality: 'Cardiologist', payments: 2, gross: 1000, refunds: 250, net: 750 },
        { doctorId: doc.C.id, name: 'Dr. Chen', speciality: 'Dermatologist', payments: 1, gross: 300, refunds: 0, net: 300 },
      ]);
    });

    it('by speciality', async () => {
      const r = await adminGet('/api/admin/reports/revenue?from=2025-01-01&to=2025-02-28&groupBy=speciality');
      assert.deepEqual(r.rows, [
        { speciality: 'Cardiologist', payments: 4, gross: 2600, refunds: 250, net: 2350 },
        { speciality: 'Dermatologist', payments: 1, gross: 300, refunds: 0, net: 300 },
      ]);
    });

    it('by doctor as CSV quotes commas and quotes and keeps UTF-8 names', async () => {
      const body = await csvOf('/api/admin/reports/revenue?from=2025-01-01&to=2025-02-28&groupBy=doctor&format=csv');
      const lines = body.split('\r\n');
      assert.equal(lines[0], 'doctorId,name,speciality,payments,gross,refunds,net');
      assert.equal(lines[2], `${doc.A.id},"Dr. Zoë ""Heart"", Jr.",Cardiologist,2,1000,250,750`);
      assert.deepEqual(parseCsv(body)[2], [doc.A.id, A_NAME, 'Cardiologist', '2', '1000', '250', '750']);
      assert.equal(Buffer.from(body, 'utf8').includes(Buffer.from('Zoë', 'utf8')), true);
    });
  });

  describe('doctor utilization', () => {
    it('published slots from working hours minus time off, against live bookings', async () => {
      const r = await adminGet('/api/admin/reports/utilization?from=2025-01-06&to=2025-01-20');
      const byId = Object.fromEntries(r.rows.map((x) => [x.doctorId, x]));
      // A: Mondays Jan 6, 13, 20 × 4 slots = 12, minus 2 in time off = 10; live bookings a1 and a3 (a2 cancelled)
      assert.deepEqual(byId[doc.A.id], { doctorId: doc.A.id, name: A_NAME, speciality: 'Cardiologist', publishedSlots: 10, bookedSlots: 2, utilization: 20 });
      // B: no working hours: nothing published, one booking (b1), utilization 0 rather than a division by zero
      assert.deepEqual(byId[doc.B.id], { doctorId: doc.B.id, name: 'Dr. Bose', speciality: 'Cardiologist', publishedSlots: 0, bookedSlots: 1, utilization: 0 });
      // C: Mondays 3 × 4 + Wednesdays Jan 8, 15 × 2 = 16 slots; one booking (c1): 6.25 %
      assert.deepEqual(byId[doc.C.id], { doctorId: doc.C.id, name: 'Dr. Chen', speciality: 'Dermatologist', publishedSlots: 16, bookedSlots: 1, utilization: 6.25 });
    });

    it('as CSV', async () => {
      const rows = parseCsv(await csvOf('/api/admin/reports/utilization?from=2025-01-06&to=2025-01-20&format=csv'));
      assert.deepEqual(rows[0], ['doctorId', 'name', 'speciality', 'publishedSlots', 'bookedSlots', 'utilization']);
      assert.deepEqual(rows.find((x) => x[0] === doc.C.id), [doc.C.id, 'Dr. Chen', 'Dermatologist', '16', '1', '6.25']);
    });
  });

  describe('speciality distribution', () => {
    it('doctors and live appointments per speciality with shares', async () => {
      const r = await adminGet('/api/admin/reports/specialities?from=2025-01-01&to=2025-02-28');
      assert.deepEqual(r.rows, [
        { speciality: 'Cardiologist', doctors: 2, appointments: 5, share: 83.33 },
        { speciality: 'Dermatologist', doctors: 1, appointments: 1, share: 16.67 },
      ]);
    });
  });

  describe('registrations', () => {
    it('new patients and doctors per month in the zone', async () => {
      const r = await adminGet('/api/admin/reports/registrations?from=2025-01-01&to=2025-02-28&interval=month');
      assert.deepEqual(r.rows, [
        { period: '2025-01-01', patients: 1, doctors: 2 },
        { period: '2025-02-01', patients: 1, doctors: 1 },
      ]);
      const utc = await adminGet('/api/admin/reports/registrations?from=2025-01-01&to=2025-02-28&interval=month&tz=UTC');
      assert.deepEqual(utc.rows.map((x) => x.patients), [2, 0]);
    });

    it('as CSV', async () => {
      const body = await csvOf('/api/admin/reports/registrations?from=2025-01-01&to=2025-02-28&interval=month&format=csv');
      assert.equal(body, 'period,patients,doctors\r\n2025-01-01,1,2\r\n2025-02-01,1,1\r\n');
    });
  });

  describe('cancellations and no-shows', () => {
    it('rates per month; a no-show is a booking still pending or confirmed after it ended', async () => {
      const r = await adminGet('/api/admin/reports/cancellations?from=2025-01-01&to=2025-02-28&interval=month');
      assert.deepEqual(r.rows, [
        { period: '2025-01-01', total: 5, cancelled: 1, noShows: 1, cancellationRate: 20, noShowRate: 20 },
        { period: '2025-02-01', total: 2, cancelled: 0, noShows: 2, cancellationRate: 0, noShowRate: 100 },
      ]);
    });
  });

  describe('doctor reports', () => {
    it('earnings per month (default interval) from confirmed and completed appointments', async () => {
      const res = await get(t.app, '/api/doctor/reports/earnings?from=2025-01-01&to=2025-02-28', bearer(doc.A.token));
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(json(res).interval, 'month');
      assert.deepEqual(json(res).rows, [
        { period: '2025-01-01', appointments: 2, completed: 1, earnings: 1000 },
        { period: '2025-02-01', appointments: 0, completed: 0, earnings: 0 },
      ]);
    });

    it('earnings per week, as CSV', async () => {
      const body = await csvOf('/api/doctor/reports/earnings?from=2025-01-06&to=2025-01-19&interval=week&format=csv', doc.A.token);
      assert.equal(body, 'period,appointments,completed,earnings\r\n2025-01-06,1,1,500\r\n2025-01-13,1,0,500\r\n');
    });

    it('their patients, most recent first, only their own appointments', async () => {
      const res = await get(t.app, '/api/doctor/reports/patients?from=2025-01-01&to=2025-02-28', bearer(doc.A.token));
      assert.equal(res.statusCode, 200, res.body);
      const [p2, p1] = json(res).rows as Row[];
      assert.deepEqual(p2, {
        patientId: pat.P2.id, name: 'Ben', email: (await q('SELECT email::text AS e FROM patients WHERE id = $1', [pat.P2.id]))[0].e,
        appointments: 1, completed: 0, cancelled: 0, firstVisit: '2025-02-03T04:30:00.000Z', lastVisit: '2025-02-03T04:30:00.000Z', billed: 0,
      });
      assert.equal(p1.patientId, pat.P1.id);
      assert.equal(p1.name, P1_NAME);
      assert.deepEqual([p1.appointments, p1.completed, p1.cancelled, p1.firstVisit, p1.lastVisit, p1.billed], [3, 1, 1, '2025-01-06T04:30:00.000Z', '2025-01-15T04:30:00.000Z', 1000]);
    });

    it('patient names in CSV are quoted and a leading = cannot become a formula', async () => {
      const body = await csvOf('/api/doctor/reports/patients?from=2025-01-01&to=2025-02-28&format=csv', doc.A.token);
      assert.ok(body.includes(`,"'=Ana María, ""AM""",`), body);
      assert.equal(parseCsv(body)[2][1], `'${P1_NAME}`);
    });

    it('one patient’s history with the calling doctor', async () => {
      const res = await get(t.app, `/api/doctor/reports/patients/${pat.P1.id}?from=2025-01-01&to=2025-02-28`, bearer(doc.A.token));
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(json(res).rows, [
        { appointmentId: appt.a1, slotDate: '2025-01-06', slotTime: '10:00 AM', startsAt: '2025-01-06T04:30:00.000Z', status: 'completed', amount: 500, paid: true, cancelledBy: null },
        { appointmentId: appt.a2, slotDate: '2025-01-06', slotTime: '11:00 AM', startsAt: '2025-01-06T05:30:00.000Z', status: 'cancelled', amount: 500, paid: true, cancelledBy: 'patient' },
        { appointmentId: appt.a3, slotDate: '2025-01-15', slotTime: '10:00 AM', startsAt: '2025-01-15T04:30:00.000Z', status: 'confirmed', amount: 500, paid: false, cancelledBy: null },
      ]);
      const other = await get(t.app, `/api/doctor/reports/patients/${pat.P1.id}?from=2025-01-01&to=2025-02-28`, bearer(doc.B.token));
      assert.deepEqual((json(other).rows as Row[]).map((x) => x.appointmentId), [appt.b1]);
    });

    it('refuses the history of a patient the doctor never saw', async () => {
      const res = await get(t.app, `/api/doctor/reports/patients/${pat.P2.id}`, bearer(doc.C.token));
      assert.equal(res.statusCode, 404);
      assert.deepEqual(json(res), { success: false, message: 'No appointments with this patient' });
    });
  });

  describe('access and validation', () => {
    it('admin reports need an admin token', async () => {
      const none = await get(t.app, '/api/admin/reports/revenue');
      assert.equal(none.statusCode, 401);
      const asDoctor = await get(t.app, '/api/admin/reports/revenue', bearer(doc.A.token));
      assert.equal(asDoctor.statusCode, 403);
      assert.equal(json(asDoctor).message, 'This action needs an admin account');
      const asPatient = await get(t.app, '/api/admin/reports/appointments?format=csv', bearer(pat.P1.token));
      assert.equal(asPatient.statusCode, 403);
    });

    it('doctor reports need a doctor token', async () => {
      const asAdmin = await get(t.app, '/api/doctor/reports/earnings', bearer(admin));
      assert.equal(asAdmin.statusCode, 403);
      assert.equal(json(asAdmin).message, 'This action needs a doctor account');
    });

    for (const [query, status, message] of [
      ['from=2025-02-01&to=2025-01-01', 400, 'from must not be after to'],
      ['from=2025-02-30&to=2025-03-01', 400, 'from must be a real date like 2025-01-31, years 1970–2100'],
      ['from=2020-01-01&to=2025-01-01', 400, 'A report covers at most 1096 days'],
      ['tz=Mars/Olympus', 400, 'tz "Mars/Olympus" is not a valid IANA time zone'],
      ['interval=year', 400, 'interval must be one of: day, week, month in querystring'],
      ['format=xlsx', 400, 'format must be one of: json, csv in querystring'],
      ['from=01-02-2025', 400, 'from must be a real date like 2025-01-31, years 1970–2100'],
    ] as const) {
      it(`refuses ${query}`, async () => {
        const res = await get(t.app, `/api/admin/reports/appointments?${query}`, bearer(admin));
        assert.equal(res.statusCode, status);
        assert.deepEqual(json(res), { success: false, message });
      });
    }
  });

  describe('csv encoding', () => {
    it('quotes only what needs quoting (RFC 4180)', () => {
      assert.equal(csvField('plain'), 'plain');
      assert.equal(csvField('a,b'), '"a,b"');
      assert.equal(csvField('say "hi"'), '"say ""hi"""');
      assert.equal(csvField('two\nlines'), '"two\nlines"');
      assert.equal(csvField(null), '');
      assert.equal(csvField(-5), '-5');
      assert.equal(csvField('-5'), "'-5");
      assert.equal(csvField('@SUM(A1)'), "'@SUM(A1)");
      assert.equal(csvLine(['x', 1, true, null]), 'x,1,true,\r\n');
    });
  });
});
