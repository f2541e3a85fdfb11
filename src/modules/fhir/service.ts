// FHIR R4 over the platform's own services: every read goes through the doctors, patients,
// scheduling and appointments services (never SQL of its own), so where those read from (a
// replica, a cache) is where FHIR reads from. Access follows the API's roles: a patient sees only
// their own records, a doctor theirs, the admin everything; the directory (Practitioner,
// PractitionerRole, Location, Schedule, free Slots) is public.
// Over 300 lines: one short read per FHIR resource type, each with the same role checks; the
// resource shapes themselves live in the module's mapping files.
import type { Appointment, Bundle, BundleEntry, Location, Resource, Schedule, Slot } from '@medplum/fhirtypes';
import { apiBaseUrl, appBaseUrl, type Config } from '../../config.js';
import type { Clock } from '../../lib/clock.js';
import { AppError, badRequest, forbidden, notFound, unauthorized } from '../../lib/errors.js';
import { addDays, formatSlotTime, wallClock } from '../../lib/time.js';
import type { AppointmentQueries } from '../appointments/queries.js';
import type { AppointmentService } from '../appointments/service.js';
import type { AppointmentView } from '../appointments/view.js';
import type { Role } from '../auth/tokens.js';
import type { DataRightsService } from '../data-rights/service.js';
import { consultationModes, type DoctorService, type PublicDoctor } from '../doctors/service.js';
import type { PatientService } from '../patients/service.js';
import type { SchedulingService } from '../scheduling/service.js';
import { pageOf, searchBundle, type Page, type PageRequest } from './bundle.js';
import { appointment, platformStatus } from './mapping/appointment.js';
import { parseSlotId, PRESCRIPTO_SYSTEM, referencedId } from './mapping/common.js';
import { communication, invoice, refund } from './mapping/export.js';
import { patient } from './mapping/patient.js';
import { location, practitioner, practitionerRole, schedule } from './mapping/practitioner.js';
import { slot } from './mapping/slot.js';
import { all, checkParams, dateBound, dateRange, one, pageRequest, withinBounds, type DateBound, type Query } from './search.js';

export const FHIR_PATH = '/fhir/R4';

export interface Caller {
  role: Role;
  id: string;
}

/** Resource types served, with the search parameters each takes (besides `_count` and `_page`). */
export const SEARCH_PARAMS = {
  Practitioner: ['_id', 'name'],
  PractitionerRole: ['_id', 'practitioner'],
  Location: ['_id'],
  Schedule: ['_id', 'actor'],
  Slot: ['schedule', 'start', 'status'],
  Patient: ['_id'],
  Appointment: ['_id', 'patient', 'practitioner', 'date', 'status'],
} as const;

export type ResourceType = keyof typeof SEARCH_PARAMS;
export const RESOURCE_TYPES = Object.keys(SEARCH_PARAMS) as ResourceType[];
export const PUBLIC_TYPES: readonly ResourceType[] = ['Practitioner', 'PractitionerRole', 'Location', 'Schedule', 'Slot'];

/** Bulk-publish files (SMART Scheduling Links). */
export const BULK_TYPES = ['Location', 'Schedule', 'Slot'] as const;
export type BulkType = (typeof BULK_TYPES)[number];

export interface BulkManifest {
  transactionTime: string;
  request: string;
  output: { type: BulkType; url: string }[];
  error: never[];
}

const DAY = 24 * 3600_000;
/** A doctor's patients are read from their appointments, at most this many (the appointment service's unpaginated list). */
const DOCTOR_PATIENTS_CAP = 1000;

export class FhirService {
  constructor(
    private readonly config: Config,
    private readonly clock: Clock,
    private readonly doctors: DoctorService,
    private readonly patients: PatientService,
    private readonly appointments: AppointmentService,
    private readonly appointmentQueries: AppointmentQueries,
    private readonly scheduling: SchedulingService,
    private readonly dataRights: DataRightsService,
  ) {}

  /** `https://host/fhir/R4`: absolute URLs in links and fullUrls. */
  get base(): string {
    return `${apiBaseUrl(this.config)}${FHIR_PATH}`;
  }

  async read(type: ResourceType, id: string, caller: Caller | undefined): Promise<Resource> {
    if (!PUBLIC_TYPES.includes(type) && !caller) throw unauthorized(`Reading a ${type} needs a token: Authorization: Bearer <token>`);
    switch (type) {
      case 'Practitioner':
      case 'PractitionerRole':
      case 'Location':
      case 'Schedule':
        return this.directory(type, await this.publicDoctor(id));
      case 'Slot':
        return this.readSlot(id);
      case 'Patient':
        return patient(this.patients.view(await this.readablePatient(id, caller!)));
      case 'Appointment':
        return appointment(await this.appointmentQueries.readFor(id, caller!.role, caller!.id));
    }
  }

  async search(type: ResourceType, query: Query, caller: Caller | undefined): Promise<Bundle> {
    if (!PUBLIC_TYPES.includes(type) && !caller) throw unauthorized(`Searching ${type} needs a token: Authorization: Bearer <token>`);
    const params = checkParams(query, SEARCH_PARAMS[type]);
    const p = pageRequest(query);
    const page = await this.searchPage(type, query, p, caller);
    return searchBundle(this.base, type, params, p, page);
  }

  private async searchPage(type: ResourceType, query: Query, p: PageRequest, caller: Caller | undefined): Promise<Page<Resource>> {
    switch (type) {
      case 'Practitioner':
      case 'PractitionerRole':
      case 'Location':
      case 'Schedule': {
        let doctors = await this.directoryDoctors();
        const id = one(query, '_id');
        if (id !== undefined) doctors = doctors.filter((d) => d._id === id);
        const name = one(query, 'name')?.trim().toLowerCase();
        if (name) doctors = doctors.filter((d) => d.name.toLowerCase().includes(name));
        for (const [param, refType] of [['practitioner', 'Practitioner'], ['actor', 'Practitioner']] as const) {
          const v = one(query, param);
          if (v === undefined) continue;
          const refId = referencedId(v, refType);
          doctors = refId ? doctors.filter((d) => d._id === refId) : [];
        }
        return pageOf(doctors.map((d) => this.directory(type, d)), p);
      }
      case 'Slot':
        return pageOf(await this.freeSlots(query), p);
      case 'Patient':
        return this.patientPage(query, p, caller!);
      case 'Appointment':
        return this.appointmentPage(query, p, caller!);
    }
  }

  private directory(type: 'Practitioner' | 'PractitionerRole' | 'Location' | 'Schedule', d: PublicDoctor): Resource {
    switch (type) {
      case 'Practitioner':
        return practitioner(d);
      case 'PractitionerRole':
        return practitionerRole(d);
      case 'Location':
        return location(d);
      case 'Schedule':
        return schedule(d, this.horizon());
    }
  }

  /** Every doctor's public view (without the public list's slots_booked and ratings, which FHIR does not show). */
  private async directoryDoctors(): Promise<PublicDoctor[]> {
    return (await this.doctors.rows()).map((r) => this.doctors.publicView(r));
  }

  private horizon(): { start: Date; end: Date } {
    const start = this.clock.now();
    return { start, end: new Date(start.getTime() + this.config.scheduling.maxAdvanceDays * DAY) };
  }

  private async publicDoctor(id: string): Promise<PublicDoctor> {
    const row = /^[0-9a-f]{24}$/.test(id) ? await this.doctors.find(id) : undefined;
    if (!row) throw notFound(`No doctor with id ${id}`);
    return this.doctors.publicView(row);
  }

  // ---- Slots: generated by the scheduling engine ----

  private async readSlot(id: string): Promise<Slot> {
    const parsed = parseSlotId(id);
    const row = parsed ? await this.doctors.find(parsed.doctorId) : undefined;
    if (!parsed || !row) throw notFound(`Slot ${id} is not a slot of this server`);
    const date = wallClock(parsed.startsAt, row.timeZone).date;
    const free = (await this.scheduling.slots(row.id, date, date)).find((s) => Date.parse(s.startsAt) === parsed.startsAt.getTime());
    if (!free) throw notFound(`Slot ${id} is not free (taken, past, or outside the doctor's hours)`);
    return slot(row.id, free, appBaseUrl(this.config));
  }

  /** Free slots of one doctor (`schedule`) or of every available doctor, in time order. */
  private async freeSlots(query: Query): Promise<Slot[]> {
    const status = one(query, 'status');
    if (status !== undefined && !status.split(',').map((s) => s.trim()).includes('free')) return [];
    const bounds = all(query, 'start').map((v) => dateBound('start', v));
    const scheduleParam = one(query, 'schedule');
    let doctors: PublicDoctor[];
    if (scheduleParam !== undefined) {
      const id = referencedId(scheduleParam, 'Schedule');
      if (!id) return [];
      const row = /^[0-9a-f]{24}$/.test(id) ? await this.doctors.find(id) : undefined;
      doctors = row ? [this.doctors.publicView(row)] : [];
    } else {
      doctors = await this.directoryDoctors();
    }
    const slots: Slot[] = [];
    for (const d of doctors.filter((x) => x.available)) slots.push(...(await this.slotsOf(d, bounds)));
    return slots.sort((a, b) => a.start!.localeCompare(b.start!) || a.id!.localeCompare(b.id!));
  }

  private async slotsOf(d: PublicDoctor, bounds: DateBound[]): Promise<Slot[]> {
    const today = wallClock(this.clock.now(), d.timeZone).date;
    const local = (b: DateBound) => ('date' in b ? b.date : wallClock(b.instant, d.timeZone).date);
    const lows = bounds.filter((b) => b.prefix === 'eq' || b.prefix === 'ge' || b.prefix === 'gt').map(local);
    const highs = bounds.filter((b) => b.prefix === 'eq' || b.prefix === 'le' || b.prefix === 'lt').map(local);
    const window = Math.min(this.config.scheduling.maxAdvanceDays, this.config.scheduling.maxSlotRangeDays - 1);
    let from = [today, ...lows].sort().at(-1)!;
    const last = addDays(today, window);
    let to = highs.length ? [...highs].sort()[0]! : last;
    if (to > last) to = last;
    if (!highs.length && bounds.length === 0) to = addDays(from, 6); // no bounds: the next week, as the slot list of the API
    if (from > to) return [];
    if (addDays(from, this.config.scheduling.maxSlotRangeDays - 1) < to) from = addDays(to, -(this.config.scheduling.maxSlotRangeDays - 1));
    const free = await this.scheduling.slots(d._id, from, to);
    const app = appBaseUrl(this.config);
    return free.filter((s) => withinBounds(bounds, s.slotDate, new Date(s.startsAt))).map((s) => slot(d._id, s, app));
  }

  // ---- Patients ----

  private async readablePatient(id: string, caller: Caller) {
    if (caller.role === 'patient' && caller.id !== id) throw forbidden('A patient may read only their own Patient record');
    if (caller.role === 'doctor' && !(await this.isPatientOf(id, caller.id))) throw forbidden('A doctor may read only the Patient records of their own patients');
    return this.patients.get(id);
  }

  private async isPatientOf(patientId: string, doctorId: string): Promise<boolean> {
    if (!/^[0-9a-f]{24}$/.test(patientId)) return false;
    return ((await this.appointmentQueries.search({ userId: patientId, docId: doctorId, limit: 1 }, 'party')).total ?? 0) > 0;
  }

  private async patientPage(query: Query, p: PageRequest, caller: Caller): Promise<Page<Resource>> {
    const id = one(query, '_id');
    if (caller.role === 'patient') {
      if (id !== undefined && id !== caller.id) return { items: [], total: 0 };
      return pageOf([patient(this.patients.view(await this.patients.get(caller.id)))], p);
    }
    if (id !== undefined) {
      try {
        return pageOf([patient(this.patients.view(await this.readablePatient(id, caller)))], p);
      } catch (err) {
        if (err instanceof AppError && (err.statusCode === 403 || err.statusCode === 404)) return { items: [], total: 0 };
        throw err;
      }
    }
    if (caller.role === 'doctor') {
      const { appointments } = await this.appointmentQueries.search({ docId: caller.id, sort: 'createdAt', limit: DOCTOR_PATIENTS_CAP, page: 1 }, 'party');
      const ids = [...new Set(appointments.map((a) => a.userId))];
      const onPage = ids.slice((p.page - 1) * p.count, p.page * p.count);
      const rows = await Promise.all(onPage.map((pid) => this.patients.get(pid).catch(() => undefined)));
      return { items: rows.filter((r) => r !== undefined).map((r) => patient(this.patients.view(r))), total: ids.length };
    }
    const [rows, total] = await Promise.all([this.patients.list((p.page - 1) * p.count, p.count), this.patients.count()]);
    return { items: rows.map((r) => patient(r)), total };
  }

  // ---- Appointments ----

  private async appointmentPage(query: Query, p: PageRequest, caller: Caller): Promise<Page<Resource>> {
    const filter: { userId?: string; docId?: string; status?: AppointmentView['status']; from?: string; to?: string } = {};
    const id = one(query, '_id');
    const patientParam = one(query, 'patient');
    const doctorParam = one(query, 'practitioner');
    if (patientParam !== undefined) {
      const pid = referencedId(patientParam, 'Patient');
      if (!pid) throw badRequest('patient must be a reference like Patient/<id>');
      filter.userId = pid;
    }
    if (doctorParam !== undefined) {
      const did = referencedId(doctorParam, 'Practitioner');
      if (!did) throw badRequest('practitioner must be a reference like Practitioner/<id>');
      filter.docId = did;
    }
    if (caller.role === 'patient') {
      if (filter.userId && filter.userId !== caller.id) throw forbidden('A patient may search only their own appointments');
      filter.userId = caller.id;
    }
    if (caller.role === 'doctor') {
      if (filter.docId && filter.docId !== caller.id) throw forbidden('A doctor may search only their own appointments');
      filter.docId = caller.id;
    }
    const status = one(query, 'status');
    if (status !== undefined) {
      const s = platformStatus(status.trim());
      if (!s) return { items: [], total: 0 };
      filter.status = s;
    }
    const range = dateRange(all(query, 'date').map((v) => dateBound('date', v)));
    if (range.from && range.to && range.to < range.from) return { items: [], total: 0 };
    Object.assign(filter, range);
    const audience = caller.role === 'admin' ? 'admin' : 'party';
    if (id !== undefined) {
      const { appointments } = await this.appointmentQueries.search({ ...filter, limit: 1000 }, audience);
      return pageOf(appointments.filter((a) => a._id === id).map(appointment), p);
    }
    const result = await this.appointmentQueries.search({ ...filter, sort: 'startsAt', page: p.page, limit: p.count }, audience);
    return { items: result.appointments.map(appointment), total: result.total ?? result.appointments.length };
  }

  /**
   * A patient books a free Slot: the same booking as `POST /api/user/book-appointment`, with every
   * rule (notice, horizon, hours, time off, caps, one winner per slot: 409 for the others).
   */
  async book(caller: Caller | undefined, input: { slotReference: string; patientReference?: string }): Promise<Appointment> {
    if (!caller) throw unauthorized('Booking needs a patient token: Authorization: Bearer <token>');
    if (caller.role !== 'patient') throw forbidden('Only a patient may book an appointment');
    if (input.patientReference !== undefined && referencedId(input.patientReference, 'Patient') !== caller.id) {
      throw forbidden('A patient may book only for themselves');
    }
    const slotRef = referencedId(input.slotReference, 'Slot');
    const parsed = slotRef ? parseSlotId(slotRef) : null;
    if (!parsed) throw badRequest('slot must reference a Slot of this server: Slot/<id> from a Slot search');
    const doctor = await this.doctors.find(parsed.doctorId);
    if (!doctor) throw notFound('The Slot’s doctor does not exist');
    const local = wallClock(parsed.startsAt, doctor.timeZone);
    const modes = consultationModes(doctor);
    const booked = await this.appointments.book(caller.id, {
      docId: doctor.id,
      slotDate: local.date,
      slotTime: formatSlotTime(local.minutes),
      mode: modes.includes('in_person') ? 'in_person' : 'video',
    });
    return appointment(booked);
  }

  // ---- SMART Scheduling Links bulk publish ----

  manifest(since: Date | undefined): BulkManifest {
    const q = since ? `?_since=${encodeURIComponent(since.toISOString())}` : '';
    return {
      transactionTime: this.clock.now().toISOString(),
      request: `${this.base}/$bulk-publish${q}`,
      output: BULK_TYPES.map((type) => ({ type, url: `${this.base}/$bulk-publish/${type}.ndjson${q}` })),
      error: [],
    };
  }

  /**
   * One bulk file. Location and Schedule honour `_since` (the doctor's record changed since);
   * the Slot file always lists every free slot of the booking window, because a slot that was
   * booked since is one that disappears, which a file of changes could not say.
   */
  async bulkFile(type: BulkType, since: Date | undefined): Promise<(Location | Schedule | Slot)[]> {
    const rows = await this.doctors.rows();
    const doctors = rows.filter((r) => r.available).map((r) => ({ row: r, view: this.doctors.publicView(r) }));
    if (type === 'Slot') {
      const out: Slot[] = [];
      const window = Math.min(this.config.scheduling.maxAdvanceDays, this.config.scheduling.maxSlotRangeDays - 1);
      for (const { view } of doctors) {
        const today = wallClock(this.clock.now(), view.timeZone).date;
        out.push(...(await this.slotsOf(view, [{ prefix: 'ge', date: today }, { prefix: 'le', date: addDays(today, window) }])));
      }
      return out;
    }
    const changed = since ? doctors.filter(({ row }) => row.updatedAt.getTime() > since.getTime()) : doctors;
    return changed.map(({ row, view }) => (type === 'Location' ? location(view, row.updatedAt) : schedule(view, this.horizon(), row.updatedAt)));
  }

  // ---- Patients' data rights: the export as a FHIR Bundle ----

  /**
   * Everything held about a patient as a `collection` Bundle: Patient, Appointments, an Invoice per
   * payment order, a PaymentReconciliation per refund, a Communication per message. The JSON export
   * (data-rights) stays the complete record: notifications, emails and reviews have no FHIR form here.
   */
  async exportBundle(patientId: string): Promise<Bundle> {
    const data = await this.dataRights.exportData(patientId); // 404 for an unknown or deleted account
    const appointments = await this.appointmentQueries.search({ userId: patientId, sort: 'startsAt' }, 'party');
    const entries: Resource[] = [patient(data.profile), ...appointments.appointments.map(appointment)];
    for (const o of data.payments.orders) entries.push(invoice(patientId, o));
    for (const r of data.payments.refunds) entries.push(refund(r));
    const doctorOf = new Map(appointments.appointments.map((a) => [a._id, a.docId]));
    for (const m of data.messages) entries.push(communication(patientId, doctorOf, m));
    return {
      resourceType: 'Bundle',
      type: 'collection',
      timestamp: data.exportedAt,
      identifier: { system: `${PRESCRIPTO_SYSTEM}:export`, value: `${patientId}-${Date.parse(data.exportedAt)}` },
      entry: entries.map((resource): BundleEntry => ({ fullUrl: `${this.base}/${resource.resourceType}/${resource.id}`, resource })),
    };
  }
}

