// One date rule for every endpoint that takes a date: a real day (no February 30) in the years the
// API supports, `YYYY-MM-DD` (or the legacy `d_m_yyyy` for a booking's day, or an ISO instant where
// the field is an instant). Every date field of the OpenAPI document is found by name, must declare
// one of the date formats, and must answer 400 naming the field for each out-of-range or unreal
// date, through the whole HTTP stack. Year 0000 on the reports used to answer 500 "Invalid time
// value", and the appointment lists took `from=2026-02-30`.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { adminToken, bearer, book, createDoctor, futureSlot, json, makeTestApp, registerPatient, type TestApp } from '../helpers/app.js';

/** Names of fields that carry a date, wherever they appear. */
const DATE_FIELD = /^(from|to|date|fromDate|toDate|startsAt|endsAt|slotDate)$/;
const DATE_FORMATS = ['calendar-date', 'instant', 'slot-date', 'day-or-instant'];

const BAD_DAYS = ['0000-01-01', '2026-02-30', '2026-13-01', '2026-04-31', '1969-12-31', '2101-01-01', '9999-12-31', '2026-2-3', '20260101'];
const BAD: Record<string, string[]> = {
  'calendar-date': BAD_DAYS,
  'slot-date': [...BAD_DAYS, '30_2_2026', '1_1_0000', '1_13_2026'],
  instant: ['0000-01-01T00:00:00Z', '2026-02-30T10:00:00Z', '+010000-01-01T00:00:00Z', '2026-01-01T10:00:00', '2026-01-01'],
  'day-or-instant': [...BAD_DAYS, '0000-01-01T00:00:00Z', '2026-02-30T10:00:00Z'],
};

interface DateField {
  method: string;
  path: string;
  in: 'query' | 'body';
  name: string;
  format?: string;
}

interface OpenApiParameter {
  in: string;
  name: string;
  schema?: { format?: string };
}
interface OpenApiOperation {
  parameters?: OpenApiParameter[];
  requestBody?: { content?: Record<string, { schema?: { properties?: Record<string, { format?: string }> } }> };
}

describe('dates: one rule on every endpoint that takes a date', () => {
  let t: TestApp;
  let tokens: Record<'patient' | 'doctor' | 'admin', string>;
  let ids: Record<string, string>;
  let fields: DateField[];

  before(async () => {
    t = await makeTestApp({ NOTIFY_WORKER: 'false' });
    const patient = await registerPatient(t.app);
    const doctor = await createDoctor(t.app);
    const booked = await book(t.app, patient.token, doctor.id, futureSlot(0, 3));
    assert.equal(booked.statusCode, 201, booked.body);
    tokens = { patient: patient.token, doctor: doctor.token, admin: await adminToken(t.app) };
    ids = { docId: doctor.id, patientId: patient.id, appointmentId: json(booked).appointment._id, id: '0123456789abcdef01234567' };

    const doc = t.app.swagger() as { paths: Record<string, Record<string, OpenApiOperation>> };
    fields = [];
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        for (const p of op.parameters ?? []) {
          if (p.in === 'query' && DATE_FIELD.test(p.name)) fields.push({ method: method.toUpperCase(), path, in: 'query', name: p.name, format: p.schema?.format });
        }
        const props = op.requestBody?.content?.['application/json']?.schema?.properties ?? {};
        for (const [name, schema] of Object.entries(props)) {
          if (DATE_FIELD.test(name)) fields.push({ method: method.toUpperCase(), path, in: 'body', name, format: schema.format });
        }
      }
    }
  });
  after(async () => t.close());

  const roleOf = (path: string) => ({ user: 'patient', doctor: 'doctor', admin: 'admin' } as const)[/^\/api\/(user|doctor|admin)\//.exec(path)![1] as 'user' | 'doctor' | 'admin'];

  /** A request that is valid but for the one date field. */
  function send(f: DateField, value: string) {
    const url = f.path.replace(/\{(\w+)\}/g, (_m, name: string) => ids[name] ?? ids.id);
    const headers = bearer(tokens[roleOf(f.path)]);
    if (f.in === 'query') return t.app.inject({ method: f.method as 'GET', url: `${url}?${f.name}=${encodeURIComponent(value)}`, headers });
    // the other required fields of the bodies that take a date
    const rest = /book-appointment/.test(f.path)
      ? { docId: ids.docId, slotTime: '10:00 AM' }
      : /reschedule-appointment/.test(f.path)
        ? { appointmentId: ids.appointmentId, slotTime: '10:00 AM' }
        : /group-sessions$/.test(f.path)
          ? { title: 'Vaccination hour', slotTime: '10:00 AM', durationMinutes: 30, capacity: 5, fee: 100 }
          : /\/waitlist$/.test(f.path)
            ? { docId: ids.docId, fromDate: new Date(Date.now() + 86_400_000).toISOString().slice(0, 10) }
            : /\/series(\/preview)?$/.test(f.path)
              ? {
                  ...(f.path.startsWith('/api/user/') ? { docId: ids.docId } : { userId: ids.patientId }),
                  slotTime: '10:00 AM',
                  cadence: 'weekly',
                  count: 2,
                  ...(f.path.endsWith('/preview') ? {} : { slotDates: [1, 8].map((d) => new Date(Date.now() + d * 86_400_000).toISOString().slice(0, 10)) }),
                }
              : {};
    const payload = { ...rest, [f.name]: value };
    return t.app.inject({ method: f.method as 'POST', url, headers, payload });
  }

  it('finds every date field, and each declares one of the date formats', () => {
    const keys = fields.map((f) => `${f.method} ${f.path} ${f.in}:${f.name}`);
    // the endpoints named in the finding, at least
    for (const must of [
      'GET /api/admin/reports/appointments query:from',
      'GET /api/admin/reports/revenue query:to',
      'GET /api/doctor/reports/earnings query:from',
      'GET /api/admin/appointments query:from',
      'GET /api/doctor/appointments query:to',
      'GET /api/doctor/{docId}/slots query:from',
      'POST /api/doctor/schedule/time-off body:fromDate',
      'POST /api/admin/doctors/{docId}/schedule/time-off body:startsAt',
      'GET /api/admin/audit-log query:from',
      'POST /api/user/book-appointment body:slotDate',
      'POST /api/user/reschedule-appointment body:slotDate',
    ]) {
      assert.ok(keys.includes(must), `${must} not found among ${keys.join(', ')}`);
    }
    assert.deepEqual(fields.filter((f) => !DATE_FORMATS.includes(f.format ?? '')).map((f) => `${f.method} ${f.path} ${f.name}`), [], 'date fields without the date rule');
  });

  it('answers 400 naming the field for every unreal or out-of-range date, never 500 or 200', async () => {
    const failures: string[] = [];
    let sent = 0;
    for (const f of fields) {
      for (const value of BAD[f.format ?? 'calendar-date'] ?? BAD_DAYS) {
        const res = await send(f, value);
        sent++;
        const body = json(res);
        if (res.statusCode !== 400 || body.success !== false || !String(body.message).startsWith(`${f.name} must be a real date`) && !String(body.message).startsWith(`${f.name} must be an ISO 8601 instant`)) {
          failures.push(`${f.method} ${f.path} ${f.name}=${value} → ${res.statusCode} ${res.body.slice(0, 160)}`);
        }
      }
    }
    assert.ok(sent >= fields.length * 5);
    assert.deepEqual(failures, []);
  });

  it('the reports answer 400, not 500, for year 0000 (admin and doctor)', async () => {
    for (const [url, token] of [
      ['/api/admin/reports/appointments?from=0000-01-01&to=2026-01-01', tokens.admin],
      ['/api/admin/reports/revenue?from=0000-01-01', tokens.admin],
      ['/api/doctor/reports/earnings?from=0000-01-01', tokens.doctor],
    ] as const) {
      const res = await t.app.inject({ method: 'GET', url, headers: bearer(token) });
      assert.equal(res.statusCode, 400, `${url}: ${res.body}`);
      assert.deepEqual(json(res), { success: false, message: 'from must be a real date like 2025-01-31, years 1970–2100' });
    }
  });

  it('the admin appointment list refuses February 30 like every other endpoint, and takes real days', async () => {
    const bad = await t.app.inject({ method: 'GET', url: '/api/admin/appointments?from=2026-02-30', headers: bearer(tokens.admin) });
    assert.equal(bad.statusCode, 400, bad.body);
    assert.equal(json(bad).message, 'from must be a real date like 2025-01-31, years 1970–2100');
    const good = await t.app.inject({ method: 'GET', url: '/api/admin/appointments?from=2024-02-29&to=2100-12-31', headers: bearer(tokens.admin) });
    assert.equal(good.statusCode, 200, good.body);
    assert.equal(json(good).appointments.length, 1);
  });

  it('accepts real dates at the edges of the range (the rule refuses only what it must)', async () => {
    const ok = [
      ['/api/admin/reports/appointments?from=2024-02-29&to=2024-03-01', tokens.admin],
      [`/api/doctor/${ids.docId}/slots?from=2100-12-25&to=2100-12-31`, tokens.patient],
      ['/api/admin/audit-log?from=1970-01-01&to=2100-12-31T23:59:59Z', tokens.admin],
    ] as const;
    for (const [url, token] of ok) {
      const res = await t.app.inject({ method: 'GET', url, headers: bearer(token) });
      assert.equal(res.statusCode, 200, `${url}: ${res.body}`);
    }
  });
});
