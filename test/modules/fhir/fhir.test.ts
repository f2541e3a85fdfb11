// FHIR R4 at /fhir/R4: every answer validated against the R4 definitions (@medplum/core), paging
// links followed to the end, Slots from the scheduling engine, Appointment create as a normal
// booking (409 when taken), access by role and ownership, SMART bulk publish, and the patient's
// FHIR export.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Appointment, Bundle, OperationOutcome, Resource, Slot } from '@medplum/fhirtypes';
import { adminToken, bearer, book, createDoctor, futureSlot, get, json, makeTestApp, registerPatient, type TestApp } from '../../helpers/app.js';
import { assertValidFhir } from '../../helpers/fhir.js';
import { apiBaseUrl } from '../../../src/config.js';

const FHIR = '/fhir/R4';
const DEEP_LINK = 'http://fhir-registry.smarthealthit.org/StructureDefinition/booking-deep-link';

describe('FHIR R4', () => {
  let t: TestApp;
  let d1: Awaited<ReturnType<typeof createDoctor>>;
  let d2: Awaited<ReturnType<typeof createDoctor>>;
  let a: Awaited<ReturnType<typeof registerPatient>>;
  let b: Awaited<ReturnType<typeof registerPatient>>;
  let atoken: string;
  let base: string;
  const appts: Record<string, string> = {};
  const q = (text: string, params: unknown[] = []) => t.app.ctx.database.query(text, params);

  /** GET a FHIR URL (absolute links are made relative): status, content type and a valid resource. */
  async function fhirGet<T extends Resource = Bundle>(url: string, token?: string, status = 200): Promise<T> {
    const res = await get(t.app, url.startsWith(base) ? url.slice(apiBaseUrl(t.config).length) : url, token ? bearer(token) : {});
    assert.equal(res.statusCode, status, `${url}: ${res.body.slice(0, 400)}`);
    assert.match(String(res.headers['content-type']), /^application\/fhir\+json/, `${url} is application/fhir+json`);
    const body = json<T>(res);
    assertValidFhir(body, url);
    return body;
  }

  async function refused(url: string, status: number, token?: string, init: { method?: 'GET' | 'POST'; payload?: unknown } = {}): Promise<OperationOutcome> {
    const res = await t.app.inject({
      method: init.method ?? 'GET', url, payload: init.payload as never,
      headers: { ...(token ? bearer(token) : {}), ...(init.payload ? { 'content-type': 'application/fhir+json' } : {}) },
    });
    assert.equal(res.statusCode, status, `${url}: ${res.body.slice(0, 400)}`);
    assert.match(String(res.headers['content-type']), /^application\/fhir\+json/);
    const outcome = json<OperationOutcome>(res);
    assert.equal(outcome.resourceType, 'OperationOutcome');
    assertValidFhir(outcome);
    return outcome;
  }

  /** Every resource of a search, following `next` to the end; checks self/previous on the way. */
  async function searchAll<T extends Resource>(url: string, token?: string): Promise<{ resources: T[]; pages: number; total: number | undefined }> {
    const resources: T[] = [];
    let next: string | undefined = url;
    let pages = 0;
    let total: number | undefined;
    while (next) {
      const bundle: Bundle = await fhirGet<Bundle>(next, token);
      assert.equal(bundle.type, 'searchset');
      total = bundle.total;
      const self = bundle.link?.find((l) => l.relation === 'self')?.url;
      assert.ok(self?.startsWith(`${base}/`), `self link ${self} is absolute`);
      if (pages > 0) assert.ok(bundle.link?.some((l) => l.relation === 'previous' && l.url?.startsWith(base)), 'a later page links to the previous one');
      for (const e of bundle.entry ?? []) {
        assert.equal(e.fullUrl, `${base}/${e.resource!.resourceType}/${e.resource!.id}`);
        resources.push(e.resource as T);
      }
      next = bundle.link?.find((l) => l.relation === 'next')?.url;
      pages++;
      assert.ok(pages < 50, 'paging ends');
    }
    assert.equal(resources.length, total, 'the pages hold Bundle.total resources');
    return { resources, pages, total };
  }

  const fhirPost = (payload: unknown, token?: string) =>
    t.app.inject({ method: 'POST', url: `${FHIR}/Appointment`, payload: JSON.stringify(payload), headers: { 'content-type': 'application/fhir+json', ...(token ? bearer(token) : {}) } });

  before(async () => {
    t = await makeTestApp();
    base = `${apiBaseUrl(t.config)}${FHIR}`;
    d1 = await createDoctor(t.app, { name: 'Dr. Alpha Fhir' });
    d2 = await createDoctor(t.app, { name: 'Dr. Beta Fhir', speciality: 'Dermatologist' });
    a = await registerPatient(t.app, { name: 'Asha Fhir' });
    b = await registerPatient(t.app, { name: 'Bina Fhir' });
    atoken = await adminToken(t.app);
    for (const [key, token, k] of [['a', a.token, 0], ['b', b.token, 1]] as const) {
      const res = await book(t.app, token, d1.id, futureSlot(k));
      assert.equal(res.statusCode, 201, res.body);
      appts[key] = json(res).appointment._id;
    }
  });
  after(async () => t.close());

  it('serves a valid CapabilityStatement at metadata, without a token', async () => {
    const cs = await fhirGet<Resource>(`${FHIR}/metadata`);
    assert.equal(cs.resourceType, 'CapabilityStatement');
    if (cs.resourceType !== 'CapabilityStatement') return;
    assert.equal(cs.fhirVersion, '4.0.1');
    const types = cs.rest![0]!.resource!.map((r) => r.type).sort();
    assert.deepEqual(types, ['Appointment', 'Location', 'Patient', 'Practitioner', 'PractitionerRole', 'Schedule', 'Slot']);
    const appt = cs.rest![0]!.resource!.find((r) => r.type === 'Appointment')!;
    assert.ok(appt.interaction!.some((i) => i.code === 'create'));
    assert.deepEqual(appt.searchParam!.map((p) => p.name).sort(), ['_count', '_id', '_page', 'date', 'patient', 'practitioner', 'status']);
  });

  it('reads and searches the public directory without a token: Practitioner, PractitionerRole, Location, Schedule', async () => {
    for (const type of ['Practitioner', 'PractitionerRole', 'Location', 'Schedule']) {
      const one = await fhirGet<Resource>(`${FHIR}/${type}/${d1.id}`);
      assert.equal(one.resourceType, type);
      assert.equal(one.id, d1.id);
      const { resources } = await searchAll(`${FHIR}/${type}`);
      assert.deepEqual(resources.map((r) => r.id).sort(), [d1.id, d2.id].sort(), `${type} search lists both doctors`);
      await refused(`${FHIR}/${type}/0123456789abcdef01234567`, 404);
    }
    const byName = await fhirGet(`${FHIR}/Practitioner?name=beta`);
    assert.deepEqual(byName.entry?.map((e) => e.resource!.id), [d2.id]);
    const roles = await fhirGet(`${FHIR}/PractitionerRole?practitioner=Practitioner/${d2.id}`);
    assert.equal(roles.total, 1);
    const sched = await fhirGet(`${FHIR}/Schedule?actor=Practitioner/${d1.id}`);
    assert.deepEqual(sched.entry?.map((e) => e.resource!.id), [d1.id]);
  });

  it('pages with _count and follows next links to the end', async () => {
    const { resources, pages } = await searchAll(`${FHIR}/Practitioner?_count=1`);
    assert.equal(pages, 2);
    assert.equal(new Set(resources.map((r) => r.id)).size, 2, 'no doctor twice across pages');
    const first = await fhirGet(`${FHIR}/Practitioner?_count=1`);
    assert.ok(!first.link?.some((l) => l.relation === 'previous'), 'the first page has no previous link');
    assert.match(first.link!.find((l) => l.relation === 'next')!.url!, /_count=1&_page=2$/);
  });

  it('refuses unknown search parameters, bad values and unknown types with an OperationOutcome', async () => {
    const unknown = await refused(`${FHIR}/Practitioner?colour=blue`, 400);
    assert.match(unknown.issue[0]!.diagnostics!, /Unknown search parameter colour/);
    assert.equal(unknown.issue[0]!.code, 'invalid');
    await refused(`${FHIR}/Slot?start=yesterday`, 400);
    await refused(`${FHIR}/Practitioner?_count=0`, 400);
    assert.equal((await fhirGet(`${FHIR}/Practitioner?_format=json`)).total, 2, '_format=json is what is served anyway');
    await refused(`${FHIR}/Observation`, 404);
    await refused(`${FHIR}/Observation/x`, 404);
  });

  describe('Slot', () => {
    it('lists the engine’s free slots of a schedule, by start and status, without a token', async () => {
      const day = futureSlot(0).slotDate;
      const { resources } = await searchAll<Slot>(`${FHIR}/Slot?schedule=Schedule/${d1.id}&start=ge${day}&start=le${day}&_count=7`);
      const engine = await t.app.ctx.scheduling.slots(d1.id, day, day);
      assert.ok(engine.length > 5, 'a working day has free slots');
      assert.deepEqual(resources.map((s) => s.start), engine.map((s) => s.startsAt), 'the Slots are the engine’s free slots');
      for (const s of resources) {
        assert.equal(s.status, 'free');
        assert.equal(s.schedule.reference, `Schedule/${d1.id}`);
        const link = s.extension?.find((e) => e.url === DEEP_LINK)?.valueUrl;
        assert.ok(link?.includes(`/doctors/${d1.id}?at=`), `deep link ${link}`);
      }
      // A's booking at 10:00 is not free
      const booked = await t.app.ctx.appointmentQueries.get(appts.a!);
      assert.ok(!resources.some((s) => s.start === booked.startsAt.toISOString()), 'a booked time is not a free Slot');

      const after = engine[3]!.startsAt;
      const later = await searchAll<Slot>(`${FHIR}/Slot?schedule=${d1.id}&start=gt${after}&start=le${day}&status=free`);
      assert.deepEqual(later.resources.map((s) => s.start), engine.slice(4).map((s) => s.startsAt), 'start=gt an instant');
      const busy = await fhirGet(`${FHIR}/Slot?schedule=Schedule/${d1.id}&status=busy`);
      assert.equal(busy.total, 0, 'only free slots are published');
      const all = await fhirGet(`${FHIR}/Slot?start=ge${day}&start=le${day}&_count=100`);
      assert.deepEqual(new Set(all.entry!.map((e) => (e.resource as Slot).schedule.reference)), new Set([`Schedule/${d1.id}`, `Schedule/${d2.id}`]), 'without schedule: every doctor');
    });

    it('reads a free Slot by its stable id, and 404s a taken or made-up one', async () => {
      const day = futureSlot(3).slotDate;
      const search = await fhirGet(`${FHIR}/Slot?schedule=Schedule/${d2.id}&start=eq${day}&_count=1`);
      const s = search.entry![0]!.resource as Slot;
      assert.match(s.id!, new RegExp(`^${d2.id}-\\d{8}T\\d{4}Z$`));
      assert.deepEqual(await fhirGet<Slot>(`${FHIR}/Slot/${s.id}`), s);
      const taken = await t.app.ctx.appointmentQueries.get(appts.a!);
      const iso = taken.startsAt.toISOString();
      await refused(`${FHIR}/Slot/${d1.id}-${iso.slice(0, 10).replace(/-/g, '')}T${iso.slice(11, 16).replace(':', '')}Z`, 404);
      await refused(`${FHIR}/Slot/not-a-slot`, 404);
    });
  });

  describe('Appointment', () => {
    let created: Appointment;

    it('a patient books a free Slot: a normal booking, visible in /api/user/appointments', async () => {
      const day = futureSlot(5).slotDate;
      const slots = await fhirGet(`${FHIR}/Slot?schedule=Schedule/${d2.id}&start=ge${day}&_count=2`);
      const slot = slots.entry![1]!.resource as Slot;
      const res = await fhirPost({ resourceType: 'Appointment', status: 'proposed', slot: [{ reference: `Slot/${slot.id}` }], participant: [{ actor: { reference: `Patient/${a.id}` }, status: 'needs-action' }] }, a.token);
      assert.equal(res.statusCode, 201, res.body);
      assert.match(String(res.headers['content-type']), /^application\/fhir\+json/);
      created = json<Appointment>(res);
      assertValidFhir(created);
      assert.equal(res.headers.location, `${base}/Appointment/${created.id}`);
      assert.equal(created.start, slot.start);
      assert.equal(created.status, 'pending');
      assert.deepEqual(created.slot, [{ reference: `Slot/${slot.id}` }]);
      const mine = json(await get(t.app, '/api/user/appointments', bearer(a.token))).appointments as { _id: string; docId: string; startsAt: string }[];
      assert.ok(mine.some((x) => x._id === created.id && x.docId === d2.id && x.startsAt === slot.start), 'the booking is an ordinary appointment');
      await refused(`${FHIR}/Slot/${slot.id}`, 404);

      const again = await refused(`${FHIR}/Appointment`, 409, b.token, { method: 'POST', payload: { resourceType: 'Appointment', slot: [{ reference: `Slot/${slot.id}` }] } });
      assert.equal(again.issue[0]!.code, 'conflict');
      assert.match(again.issue[0]!.diagnostics!, /Slot not available/);
    });

    it('two patients racing for one Slot: one booking, the other a 409 OperationOutcome', async () => {
      const day = futureSlot(7).slotDate;
      const slot = (await fhirGet(`${FHIR}/Slot?schedule=Schedule/${d2.id}&start=ge${day}&_count=5`)).entry![4]!.resource as Slot;
      const body = { resourceType: 'Appointment', slot: [{ reference: `Slot/${slot.id}` }] };
      const [c, e] = [await registerPatient(t.app, { name: 'Chetan Races' }), await registerPatient(t.app, { name: 'Esha Races' })];
      const answers = await Promise.all([fhirPost(body, c.token), fhirPost(body, e.token)]);
      assert.deepEqual(answers.map((r) => r.statusCode).sort(), [201, 409], answers.map((r) => r.body).join('\n'));
      assertValidFhir(json<OperationOutcome>(answers.find((r) => r.statusCode === 409)!));
      const winner = answers[0]!.statusCode === 201 ? c : e;
      const theirs = await searchAll<Appointment>(`${FHIR}/Appointment`, winner.token);
      assert.deepEqual(theirs.resources.map((x) => x.start), [slot.start], 'the winner holds the slot');
    });

    it('only a patient books, only for themselves, and only a slot of this server', async () => {
      const day = futureSlot(6).slotDate;
      const slot = (await fhirGet(`${FHIR}/Slot?schedule=Schedule/${d2.id}&start=ge${day}&_count=1`)).entry![0]!.resource as Slot;
      const body = { resourceType: 'Appointment', slot: [{ reference: `Slot/${slot.id}` }] };
      await refused(`${FHIR}/Appointment`, 401, undefined, { method: 'POST', payload: body });
      await refused(`${FHIR}/Appointment`, 403, d2.token, { method: 'POST', payload: body });
      await refused(`${FHIR}/Appointment`, 403, atoken, { method: 'POST', payload: body });
      await refused(`${FHIR}/Appointment`, 403, a.token, { method: 'POST', payload: { ...body, participant: [{ actor: { reference: `Patient/${b.id}` } }] } });
      await refused(`${FHIR}/Appointment`, 400, a.token, { method: 'POST', payload: { resourceType: 'Appointment', slot: [{ reference: 'Slot/whatever' }] } });
      await refused(`${FHIR}/Appointment`, 400, a.token, { method: 'POST', payload: { resourceType: 'Patient' } });
      // a well-formed Slot id the engine never published goes through the booking rules like any booking
      const past = await refused(`${FHIR}/Appointment`, 400, a.token, { method: 'POST', payload: { resourceType: 'Appointment', slot: [{ reference: `Slot/${d2.id}-20200106T0430Z` }] } });
      assert.match(past.issue[0]!.diagnostics!, /only be booked for a future time/);
    });

    it('reads and searches appointments by role: own for patients and doctors, all for the admin', async () => {
      const mine = await searchAll<Appointment>(`${FHIR}/Appointment?_count=1`, a.token);
      assert.deepEqual(mine.resources.map((x) => x.id).sort(), [appts.a!, created.id!].sort());
      for (const x of mine.resources) assert.ok(x.participant.some((p) => p.actor?.reference === `Patient/${a.id}`));
      await fhirGet<Appointment>(`${FHIR}/Appointment/${appts.a}`, a.token);
      await refused(`${FHIR}/Appointment/${appts.b}`, 403, a.token);
      await refused(`${FHIR}/Appointment?patient=Patient/${b.id}`, 403, a.token);
      await refused(`${FHIR}/Appointment`, 401);
      await refused(`${FHIR}/Appointment/${appts.a}`, 401);

      const doc1 = await searchAll<Appointment>(`${FHIR}/Appointment`, d1.token);
      assert.deepEqual(doc1.resources.map((x) => x.id).sort(), [appts.a!, appts.b!].sort());
      await refused(`${FHIR}/Appointment/${appts.a}`, 403, d2.token);
      await refused(`${FHIR}/Appointment?practitioner=Practitioner/${d1.id}`, 403, d2.token);

      const adminB = await searchAll<Appointment>(`${FHIR}/Appointment?patient=Patient/${b.id}`, atoken);
      assert.deepEqual(adminB.resources.map((x) => x.id), [appts.b!]);
      const pending = await searchAll<Appointment>(`${FHIR}/Appointment?practitioner=${d1.id}&status=pending`, atoken);
      assert.equal(pending.total, 2);
      assert.equal((await fhirGet(`${FHIR}/Appointment?status=fulfilled`, atoken)).total, 0);
      const day = futureSlot(0).slotDate;
      const onDay = await searchAll<Appointment>(`${FHIR}/Appointment?date=${day}&practitioner=Practitioner/${d1.id}`, atoken);
      assert.deepEqual(onDay.resources.map((x) => x.id).sort(), [appts.a!, appts.b!].sort(), 'date=eq a day');
      assert.equal((await fhirGet(`${FHIR}/Appointment?date=gt${day}&practitioner=Practitioner/${d1.id}`, atoken)).total, 0);
      await fhirGet<Appointment>(`${FHIR}/Appointment/${appts.b}`, atoken);
    });
  });

  describe('Patient', () => {
    it('needs a token; a patient reads only themselves, a doctor their patients, the admin all (paged)', async () => {
      await refused(`${FHIR}/Patient`, 401);
      await refused(`${FHIR}/Patient/${a.id}`, 401);
      await refused(`${FHIR}/Patient`, 401, 'not-a-token');
      const self = await fhirGet<Resource>(`${FHIR}/Patient/${a.id}`, a.token);
      assert.equal(self.resourceType === 'Patient' && self.name?.[0]?.text, 'Asha Fhir');
      await refused(`${FHIR}/Patient/${b.id}`, 403, a.token);
      const own = await searchAll(`${FHIR}/Patient`, a.token);
      assert.deepEqual(own.resources.map((r) => r.id), [a.id]);
      assert.equal((await fhirGet(`${FHIR}/Patient?_id=${b.id}`, a.token)).total, 0);

      await fhirGet(`${FHIR}/Patient/${a.id}`, d1.token);
      const d1Patients = await searchAll(`${FHIR}/Patient`, d1.token);
      assert.deepEqual(d1Patients.resources.map((r) => r.id).sort(), [a.id, b.id].sort());
      await refused(`${FHIR}/Patient/${b.id}`, 403, d2.token);

      const everyone = await searchAll(`${FHIR}/Patient?_count=1`, atoken);
      assert.ok(everyone.pages >= 2);
      for (const id of [a.id, b.id]) assert.ok(everyone.resources.some((r) => r.id === id));
      await refused(`${FHIR}/Patient/0123456789abcdef01234567`, 404, atoken);
    });
  });

  describe('$bulk-publish (SMART Scheduling Links)', () => {
    type Manifest = { transactionTime: string; request: string; output: { type: string; url: string }[]; error: unknown[] };
    const manifest = async (query = '') => {
      const res = await get(t.app, `${FHIR}/$bulk-publish${query}`);
      assert.equal(res.statusCode, 200, res.body);
      return json<Manifest>(res);
    };
    const ndjson = async (url: string): Promise<Resource[]> => {
      const res = await get(t.app, url.slice(apiBaseUrl(t.config).length));
      assert.equal(res.statusCode, 200, res.body);
      assert.match(String(res.headers['content-type']), /^application\/fhir\+ndjson/);
      const lines = res.body.split('\n').filter((l) => l.length > 0);
      return lines.map((l, i) => {
        const r = JSON.parse(l) as Resource;
        assertValidFhir(r, `${url} line ${i + 1}`);
        return r;
      });
    };

    it('publishes Location, Schedule and free Slot files, each line a valid resource', async () => {
      const m = await manifest();
      assert.deepEqual(m.output.map((o) => o.type), ['Location', 'Schedule', 'Slot']);
      assert.deepEqual(m.error, []);
      const [locations, schedules, slots] = await Promise.all(m.output.map((o) => ndjson(o.url)));
      assert.deepEqual(locations!.map((r) => r.id).sort(), [d1.id, d2.id].sort());
      assert.deepEqual(schedules!.map((r) => r.resourceType), ['Schedule', 'Schedule']);
      assert.ok(slots!.length > 20);
      for (const s of slots as Slot[]) {
        assert.equal(s.status, 'free');
        assert.ok(s.extension?.some((e) => e.url === DEEP_LINK && e.valueUrl?.includes('/doctors/')), 'booking deep link');
      }
      const taken = await t.app.ctx.appointmentQueries.get(appts.a!);
      assert.ok(!(slots as Slot[]).some((s) => s.schedule.reference === `Schedule/${d1.id}` && s.start === taken.startsAt.toISOString()));
    });

    it('honours _since for Location and Schedule', async () => {
      await q(`UPDATE doctors SET updated_at = now() - interval '2 days' WHERE id = $1`, [d1.id]);
      const since = new Date(Date.now() - 24 * 3600_000).toISOString();
      const m = await manifest(`?_since=${encodeURIComponent(since)}`);
      for (const o of m.output) assert.ok(o.url.includes('_since='), `${o.type} url carries _since`);
      const [locations, schedules, slots] = await Promise.all(m.output.map((o) => ndjson(o.url)));
      assert.deepEqual(locations!.map((r) => r.id), [d2.id], 'only the doctor changed since');
      assert.deepEqual(schedules!.map((r) => r.id), [d2.id]);
      assert.ok(slots!.some((s) => (s as Slot).schedule.reference === `Schedule/${d1.id}`), 'slots are always the full free list');
      const future = await manifest(`?_since=${encodeURIComponent(new Date(Date.now() + 3600_000).toISOString())}`);
      assert.deepEqual(await ndjson(future.output[0]!.url), []);
      await refused(`${FHIR}/$bulk-publish?_since=soon`, 400);
      await refused(`${FHIR}/$bulk-publish/Patient.ndjson`, 404);
    });
  });

  describe('data export as a FHIR Bundle', () => {
    before(async () => {
      await q(`INSERT INTO payment_orders (id, gateway, appointment_id, patient_id, amount_minor, currency, status, payment_id) VALUES ('order_fhir_a', 'razorpay', $1, $2, 50000, 'INR', 'paid', 'pay_fhir_a')`, [appts.a, a.id]);
      await q(`INSERT INTO payment_refunds (id, appointment_id, gateway, payment_id, amount_minor, currency, status) VALUES ('refund_fhir_a', $1, 'razorpay', 'pay_fhir_a', 50000, 'INR', 'queued')`, [appts.a]);
      await q(`INSERT INTO appointment_messages (id, appointment_id, sender_role, sender_id, body, created_at) VALUES ('m_fhir_a1', $1, 'patient', $2, 'a question', now()), ('m_fhir_a2', $1, 'doctor', $3, 'an answer', now())`, [appts.a, a.id, d1.id]);
      await q(`INSERT INTO appointment_messages (id, appointment_id, sender_role, sender_id, body, created_at) VALUES ('m_fhir_b1', $1, 'patient', $2, 'only B', now())`, [appts.b, b.id]);
    });

    it('gives the patient a valid collection Bundle of their Patient, Appointments, payments and messages, nothing of another patient', async () => {
      const res = await get(t.app, '/api/user/data-export/fhir', bearer(a.token));
      assert.equal(res.statusCode, 200, res.body);
      assert.match(String(res.headers['content-type']), /^application\/fhir\+json/);
      assert.match(String(res.headers['content-disposition']), /^attachment; filename="prescripto-data-[0-9a-f]{24}\.fhir\.json"$/);
      const bundle = json<Bundle>(res);
      assertValidFhir(bundle);
      assert.equal(bundle.type, 'collection');
      const byType = (type: string) => bundle.entry!.map((e) => e.resource!).filter((r) => r.resourceType === type);
      assert.deepEqual(byType('Patient').map((r) => r.id), [a.id]);
      assert.equal(byType('Appointment').length, 2);
      assert.equal(byType('Invoice').length, 1);
      assert.equal(byType('PaymentReconciliation').length, 1);
      const comms = byType('Communication');
      assert.equal(comms.length, 2);
      assert.ok(!res.body.includes('only B') && !res.body.includes(b.id), 'nothing of patient B');
      await refused(`${FHIR}/Patient/${a.id}`, 403, b.token);
    });

    it('gives the admin the same Bundle; refuses others', async () => {
      const res = await get(t.app, `/api/admin/patients/${b.id}/data-export/fhir`, bearer(atoken));
      assert.equal(res.statusCode, 200, res.body);
      const bundle = json<Bundle>(res);
      assertValidFhir(bundle);
      assert.deepEqual(bundle.entry!.filter((e) => e.resource!.resourceType === 'Patient').map((e) => e.resource!.id), [b.id]);
      assert.equal((await get(t.app, `/api/admin/patients/${b.id}/data-export/fhir`, bearer(a.token))).statusCode, 403);
      assert.equal((await get(t.app, '/api/user/data-export/fhir')).statusCode, 401);
    });
  });
});
