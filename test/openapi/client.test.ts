// A client generated at run time from /openapi.json calls every operation: the path, parameters,
// body (JSON or multipart with its image) and credentials all come from the document, with fixture
// values by field name. Each answer must have a status the operation declares, a content type it
// declares for that status, and (for JSON) a body valid against the declared schema. A route that
// starts answering something its document does not say fails here.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import {
  adminToken, ADMIN_EMAIL, ADMIN_PASSWORD, book, createDoctor, doctorFields, futureSlot, get, json, makeTestApp, pngBytes, post, registerPatient, uniqueEmail, type TestApp,
} from '../helpers/app.js';

type Schema = {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  anyOf?: Schema[];
  enum?: unknown[];
  const?: unknown;
  pattern?: string;
  minimum?: number;
  minLength?: number;
  default?: unknown;
};
interface Parameter { in: string; name: string; required?: boolean; schema: Schema }
interface Operation {
  operationId: string;
  deprecated?: boolean;
  security?: Record<string, string[]>[];
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema: Schema; example?: unknown }> };
  responses: Record<string, { content?: Record<string, { schema?: Schema }> }>;
}
interface Doc {
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, { type: string; name?: string }> };
}
interface Call { operationId: string; variant: string; status: number }

const ROLE_OF_SCHEME: Record<string, 'patient' | 'doctor' | 'admin'> = { patientToken: 'patient', doctorToken: 'doctor', adminToken: 'admin' };
/** Operations that never answer 2xx in this walk, and why. */
const NO_SUCCESS: Record<string, string> = {
  streamPatientEvents: 'an event stream never ends: only its refusals are called',
  streamDoctorEvents: 'an event stream never ends: only its refusals are called',
  streamAdminEvents: 'an event stream never ends: only its refusals are called',
  createRazorpayOrder: 'payments are not configured here: 503',
  verifyRazorpayPayment: 'payments are not configured here',
  verifyRazorpayPaymentLegacy: 'payments are not configured here',
  createStripeSession: 'payments are not configured here: 503',
  verifyStripePayment: 'payments are not configured here',
  verifyStripePaymentLegacy: 'payments are not configured here',
  getPaymentReceipt: 'no paid appointment without a gateway: 409',
  stripeWebhook: 'no webhook secret here: 503',
  razorpayWebhook: 'no webhook secret here: 503',
  resetPatientPassword: 'the reset token is only in the email',
  resetDoctorPassword: 'the reset token is only in the email',
  confirmDoctorTwoFactor: 'the TOTP code comes from an authenticator app',
  confirmAdminTwoFactor: 'the TOTP code comes from an authenticator app',
  confirmPatientTwoFactor: 'the TOTP code comes from an authenticator app',
  disableDoctorTwoFactor: 'two-factor is not on',
  disableAdminTwoFactor: 'two-factor is not on',
  disablePatientTwoFactor: 'two-factor is not on',
  retryEmail: 'no failed email to retry',
  createWebhookEndpoint: 'the example URL does not resolve to a public address here: 400',
  updateWebhookEndpoint: 'a made-up endpoint id',
  deleteWebhookEndpoint: 'a made-up endpoint id',
  listWebhookDeliveries: 'a made-up endpoint id',
  subscribePatientPush: 'the example push endpoint and keys are not a real browser subscription: 400',
  subscribeDoctorPush: 'the example push endpoint and keys are not a real browser subscription: 400',
  unsubscribePatientPush: 'a made-up subscription id',
  unsubscribeDoctorPush: 'a made-up subscription id',
  changePatientPassword: 'called with a wrong current password, so the fixtures’ sessions live on',
  changeDoctorPassword: 'called with a wrong current password, so the fixtures’ sessions live on',
  removeDoctorTimeOff: 'a made-up time-off id',
  removeTimeOffForDoctor: 'a made-up time-off id',
  getCalendarFile: 'a made-up feed name',
  bookGroupSessionPlace: 'a made-up group session id (test/modules/group-sessions/group-sessions.test.ts books real ones)',
  cancelGroupSession: 'a made-up group session id (test/modules/group-sessions/group-sessions.test.ts cancels real ones)',
  getPatientSeries: 'a made-up series id (test/modules/series/series.test.ts reads real ones)',
  getDoctorSeries: 'a made-up series id (test/modules/series/series.test.ts reads real ones)',
  cancelSeriesRestAsPatient: 'a made-up series id (test/modules/series/series.test.ts cancels real ones)',
  cancelSeriesRestAsDoctor: 'a made-up series id (test/modules/series/series.test.ts cancels real ones)',
  previewSeriesForPatient: 'the walk has made the doctor unavailable by then: 409 (test/modules/series/series.test.ts books real ones)',
  bookSeriesForPatient: 'the walk has made the doctor unavailable by then: 409 (test/modules/series/series.test.ts books real ones)',
  createReview: 'the walk’s appointment is not completed: 409',
  editReview: 'no review of the walk’s appointment: 404',
  replyToReview: 'a made-up review id',
  reportReviewAsPatient: 'a made-up review id',
  reportReviewAsDoctor: 'a made-up review id',
  hideReview: 'a made-up review id',
  unhideReview: 'a made-up review id',
  deletePatientAccount: 'called with a wrong password, so the fixture patient lives on',
  adminExportPatientData: 'a made-up patient id',
  adminExportPatientDataFhir: 'a made-up patient id',
  adminDeletePatient: 'a made-up patient id, so the fixture patient lives on',
  adminSearchPatients: 'a one-letter sample, shorter than the lookup takes: 400',
  leaveWaitlist: 'a made-up waitlist entry id (test/modules/waitlist/waitlist.test.ts leaves real ones)',
  acceptWaitlistOffer: 'a made-up waitlist entry id (test/modules/waitlist/waitlist.test.ts accepts real offers)',
  declineWaitlistOffer: 'a made-up waitlist entry id (test/modules/waitlist/waitlist.test.ts declines real offers)',
};

let t: TestApp;
let doc: Doc;
const ajv = new Ajv2020({ strict: false, allErrors: false });
ajv.addFormat('binary', true);
const calls: Call[] = [];

const fixtures = {
  tokens: {} as Record<'patient' | 'doctor' | 'admin', string>,
  other: {} as Record<'patient' | 'doctor' | 'admin', string>,
  values: {} as Record<string, unknown>,
  /** body fields per operation, over the generated ones */
  bodies: {} as Record<string, Record<string, unknown>>,
  image: Buffer.alloc(0) as Buffer,
};

before(async () => {
  t = await makeTestApp();
  doc = json<Doc>(await get(t.app, '/openapi.json'));
  const patient = await registerPatient(t.app);
  const doctor = await createDoctor(t.app);
  const admin = await adminToken(t.app);
  fixtures.tokens = { patient: patient.token, doctor: doctor.token, admin };
  fixtures.other = { patient: doctor.token, doctor: admin, admin: patient.token };
  fixtures.image = await pngBytes();
  const appointments: string[] = [];
  for (let k = 0; k < 8; k++) {
    const res = await book(t.app, patient.token, doctor.id, futureSlot(k));
    assert.equal(res.statusCode, 201, res.body);
    appointments.push(json(res).appointment._id);
  }
  const [a0, a1, a2, a3, a4, a5, a6, a7] = appointments;
  const refresh = async (role: 'patient' | 'doctor' | 'admin') => {
    const url = { patient: '/api/user/login', doctor: '/api/doctor/login', admin: '/api/admin/login' }[role];
    const creds = { patient, doctor, admin: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD } }[role];
    return json(await post(t.app, url, { email: creds.email, password: creds.password })).refreshToken as string;
  };
  fixtures.values = { docId: doctor.id, patientId: patient.id, appointmentId: a0, id: '0123456789abcdef01234567', file: `${'a'.repeat(43)}.ics` };
  fixtures.bodies = {
    registerPatient: { name: 'Walker', email: uniqueEmail('walker'), password: 'walker-pass-123' },
    loginPatient: { email: patient.email, password: patient.password },
    loginDoctor: { email: doctor.email, password: doctor.password },
    loginAdmin: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD },
    addDoctor: doctorFields(),
    bookAppointment: { docId: doctor.id, ...futureSlot(9) },
    rescheduleAppointment: { appointmentId: a1, ...futureSlot(10) },
    cancelAppointmentAsPatient: { appointmentId: a2 },
    cancelAppointmentAsDoctor: { appointmentId: a3 },
    cancelAppointmentAsDoctorLegacy: { appointmentId: a4 },
    cancelAppointmentAsAdmin: { appointmentId: a5 },
    cancelAppointmentAsAdminLegacy: { appointmentId: a6 },
    completeAppointment: { appointmentId: a7 },
    toggleDoctorAvailability: { docId: doctor.id },
    refreshPatientSession: { refreshToken: await refresh('patient') },
    refreshDoctorSession: { refreshToken: await refresh('doctor') },
    refreshAdminSession: { refreshToken: await refresh('admin') },
    forgotPatientPassword: { email: patient.email },
    forgotDoctorPassword: { email: doctor.email },
    changePatientPassword: { oldPassword: 'not-the-password-1', newPassword: 'a-new-Password-12' },
    changeDoctorPassword: { oldPassword: 'not-the-password-1', newPassword: 'a-new-Password-12' },
    deletePatientAccount: { password: 'not-the-password-1' },
    setDoctorHours: { workingHours: [{ weekday: 1, start: '09:00', end: '17:00' }] },
    setHoursForDoctor: { workingHours: [{ weekday: 2, start: '09:00', end: '17:00' }] },
    addDoctorTimeOff: { date: futureSlot(0, 60).slotDate },
    addTimeOffForDoctor: { date: futureSlot(0, 70).slotDate },
    updateDoctorScheduleSettings: { bufferMinutes: 10 },
    updateScheduleSettingsForDoctor: { bufferMinutes: 15 },
    openGroupSession: { title: 'Walk-through session', ...futureSlot(5, 12), durationMinutes: 30, capacity: 5, fee: 100 },
    previewSeries: { docId: doctor.id, ...series(3), cadence: 'weekly', count: 2 },
    bookSeries: { docId: doctor.id, ...series(3), cadence: 'weekly', count: 2, slotDates: weekApart(series(3).slotDate) },
    previewSeriesForPatient: { userId: patient.id, ...series(5), cadence: 'weekly', count: 2 },
    bookSeriesForPatient: { userId: patient.id, ...series(5), cadence: 'weekly', count: 2, slotDates: weekApart(series(5).slotDate) },
    sendPatientMessage: { text: 'Hello doctor' },
    sendDoctorMessage: { text: 'Hello' },
    // days after every other fixture's time: a free time offered at once holds nothing they need
    joinWaitlist: { docId: doctor.id, fromDate: futureSlot(0, 20).slotDate },
  };
});
after(() => t.close());

/** A first occurrence three weeks ahead: its second, a week later, is still inside the booking window. */
const series = (k: number) => futureSlot(k, 20);
const weekApart = (date: string) => [date, new Date(Date.parse(`${date}T00:00:00Z`) + 7 * 86_400_000).toISOString().slice(0, 10)];

/** A value for a field: a fixture by name, else the schema's default, else the simplest valid one. */
function sample(schema: Schema, name: string | undefined): unknown {
  if (name && name in fixtures.values) return fixtures.values[name];
  if (schema.default !== undefined) return schema.default;
  if (schema.const !== undefined) return schema.const;
  if (schema.enum?.length) return schema.enum[0];
  if (schema.anyOf?.length) return sample(schema.anyOf[0]!, name);
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'object':
      return Object.fromEntries((schema.required ?? []).map((k) => [k, sample(schema.properties?.[k] ?? {}, k)]));
    case 'array':
      return [];
    case 'integer':
    case 'number':
      return schema.minimum ?? 1;
    case 'boolean':
      return true;
    default:
      if (schema.pattern?.includes('[0-9a-fA-F]{24}')) return '0123456789abcdef01234567';
      return 'x'.repeat(Math.max(1, schema.minLength ?? 1));
  }
}

function buildUrl(path: string, op: Operation): string {
  let url = path;
  const query = new URLSearchParams();
  for (const p of op.parameters ?? []) {
    const value = String(sample(p.schema, p.name));
    if (p.in === 'path') url = url.replace(`{${p.name}}`, encodeURIComponent(value));
    else if (p.in === 'query' && p.required) query.set(p.name, value);
  }
  return query.size ? `${url}?${query}` : url;
}

function credentials(op: Operation, role: 'patient' | 'doctor' | 'admin' | undefined, token: string | undefined, legacy: boolean): Record<string, string> {
  if (!role || !token) return {};
  if (!legacy) return { authorization: `Bearer ${token}` };
  const scheme = Object.keys(op.security?.[1] ?? {})[0]!;
  return { [doc.components.securitySchemes[scheme]!.name!]: token };
}

async function call(method: string, path: string, op: Operation, variant: string, headers: Record<string, string>, payload?: unknown): Promise<void> {
  const res = await t.app.inject({ method: method.toUpperCase() as 'GET', url: buildUrl(path, op), headers, payload: payload as string });
  const where = `${op.operationId} (${variant}) answered ${res.statusCode}: ${res.body.slice(0, 300)}`;
  const declared = op.responses[String(res.statusCode)];
  assert.ok(declared, `${where}: status not declared`);
  calls.push({ operationId: op.operationId, variant, status: res.statusCode });
  if (res.statusCode === 304) return;
  const type = String(res.headers['content-type'] ?? '').split(';')[0]!.trim();
  const content = declared.content ?? {};
  assert.ok(type in content, `${where}: content type ${type} not declared (${Object.keys(content).join(', ')})`);
  const schema = content[type]?.schema;
  if (type === 'application/json' && schema) {
    const validate = ajv.compile(schema);
    assert.ok(validate(JSON.parse(res.body)), `${where}: body does not match the declared schema: ${ajv.errorsText(validate.errors)}`);
  }
}

function multipart(fields: Record<string, unknown>, image: Buffer): FormData {
  const fd = new FormData();
  for (const [k, v] of Object.entries(fields)) fd.append(k, typeof v === 'object' ? JSON.stringify(v) : String(v));
  fd.append('image', new Blob([new Uint8Array(image)], { type: 'image/png' }), 'photo.png');
  return fd;
}

/** Logging out and changing passwords end sessions: they go last. */
const last = (id: string) => /^logout/.test(id);

describe('a client generated from /openapi.json', () => {
  it('calls every operation and gets only declared statuses, content types and bodies', async () => {
    const ops = Object.entries(doc.paths)
      .flatMap(([path, item]) => Object.entries(item).map(([method, op]) => ({ path, method, op })))
      .sort((a, b) => Number(last(a.op.operationId)) - Number(last(b.op.operationId)));
    assert.ok(ops.length > 90);
    for (const { path, method, op } of ops) {
      const scheme = Object.keys(op.security?.[1] ?? {})[0];
      const role = scheme ? ROLE_OF_SCHEME[scheme] : undefined;
      const streaming = Object.keys(op.responses['200']?.content ?? {}).includes('text/event-stream');
      const jsonBody = op.requestBody?.content['application/json'];
      const formBody = op.requestBody?.content['multipart/form-data'];
      const bodyOf = (schema: Schema) => ({ ...(sample(schema, undefined) as object), ...fixtures.bodies[op.operationId] });

      if (role) {
        await call(method, path, op, 'no token', {}, jsonBody ? {} : undefined);
        await call(method, path, op, 'another role', credentials(op, role, fixtures.other[role], false), jsonBody ? {} : undefined);
      }
      if (streaming) continue;
      if (jsonBody) {
        await call(method, path, op, 'JSON', credentials(op, role, role && fixtures.tokens[role], false), bodyOf(jsonBody.schema));
        await call(method, path, op, 'unsupported content type', { ...credentials(op, role, role && fixtures.tokens[role], false), 'content-type': 'application/xml' }, '<a/>');
      }
      if (formBody) {
        const fields = bodyOf(formBody.schema) as Record<string, unknown>;
        delete fields.image;
        if (op.operationId === 'addDoctor') fields.email = uniqueEmail('walker-doctor');
        await call(method, path, op, 'multipart', credentials(op, role, role && fixtures.tokens[role], false), multipart(fields, fixtures.image));
      }
      if (!jsonBody && !formBody) {
        // the legacy header on reads, Bearer on the rest: both schemes the document declares
        await call(method, path, op, method === 'get' ? 'legacy header' : 'call', credentials(op, role, role && fixtures.tokens[role], method === 'get'), method === 'get' || method === 'delete' ? undefined : {});
      }
    }

    const succeeded = new Set(calls.filter((c) => c.status < 300).map((c) => c.operationId));
    const without = ops.map((o) => o.op.operationId).filter((id) => !succeeded.has(id)).sort();
    assert.deepEqual(without, Object.keys(NO_SUCCESS).sort(), 'operations that never answered 2xx (see NO_SUCCESS)');
    // the refusals every secured operation declares were really answered
    assert.ok(calls.some((c) => c.variant === 'no token' && c.status === 401), 'missing tokens answer 401');
    assert.ok(calls.some((c) => c.variant === 'another role' && c.status === 403), 'another role answers 403');
    assert.ok(calls.some((c) => c.variant === 'unsupported content type' && c.status === 415), 'XML bodies answer 415');
  });
});
