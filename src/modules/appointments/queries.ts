// Reading appointments: one by id (with the party check), listings, a series, the dashboards and
// the booked slots the doctor list shows. Nothing here writes.
import type { Config } from '../../config.js';
import type { Actor, AppointmentRow } from '../../db/schema.js';
import type { Clock } from '../../lib/clock.js';
import { badRequest, forbidden, notFound } from '../../lib/errors.js';
import { toMajor } from '../../lib/money.js';
import { legacyDateKey } from '../../lib/time.js';
import type { DoctorService, SlotsBooked } from '../doctors/service.js';
import type { PatientService } from '../patients/service.js';
import type { AppointmentFilter, AppointmentRepo, AppointmentSort } from './repo.js';
import type { BookingRules } from './rules.js';
import type { Audience } from './video.js';
import type { AppointmentView, AppointmentViews } from './view.js';

export interface AppointmentQuery extends AppointmentFilter {
  sort?: AppointmentSort;
  page?: number;
  limit?: number;
  /** keyset pagination: id of the last appointment of the previous page */
  cursor?: string;
}

export interface AppointmentPage {
  appointments: AppointmentView[];
  total?: number;
  page?: number;
  limit?: number;
  nextCursor?: string;
}

const LATEST = 5;

export class AppointmentQueries {
  constructor(
    private readonly repo: AppointmentRepo,
    private readonly views: AppointmentViews,
    private readonly patients: PatientService,
    private readonly doctors: DoctorService,
    private readonly rules: BookingRules,
    private readonly clock: Clock,
    private readonly config: Config,
  ) {}

  async get(id: string): Promise<AppointmentRow> {
    const row = await this.repo.findById(id);
    if (!row) throw notFound('Appointment not found');
    return row;
  }

  /** Loads an appointment and checks that `actor` may act on it. */
  async getFor(id: string, actor: Actor, actorId: string): Promise<AppointmentRow> {
    const row = await this.get(id);
    if (actor === 'patient' && row.patientId !== actorId) throw forbidden('This appointment belongs to another patient');
    if (actor === 'doctor' && row.doctorId !== actorId) throw forbidden('This appointment belongs to another doctor');
    return row;
  }

  /** One appointment as its API view, for the admin or a party to it (403 for anyone else). */
  async readFor(id: string, actor: Exclude<Actor, 'system'>, actorId: string): Promise<AppointmentView> {
    const row = actor === 'admin' ? await this.get(id) : await this.getFor(id, actor, actorId);
    return this.views.of(row, actor === 'admin' ? 'admin' : 'party');
  }

  /** Has this patient ever booked with this doctor (in any state)? A doctor books series for such patients only. */
  hasBookedWith(patientId: string, doctorId: string): Promise<boolean> {
    return this.repo.hasBookedWith(patientId, doctorId);
  }

  /** The occurrences of a series, soonest first. */
  async listSeries(seriesId: string, audience: Audience = 'party'): Promise<AppointmentView[]> {
    return (await this.repo.listSeries(seriesId)).map((r) => this.views.of(r, audience));
  }

  /** Ids of a group session's live places (its cancellation cancels each). */
  livePlaces(sessionId: string): Promise<string[]> {
    return this.repo.livePlaceIds(sessionId);
  }

  /** A doctor's own listing: asking for another doctor's is refused, not silently narrowed. */
  async searchForDoctor(doctorId: string, query: AppointmentQuery): Promise<AppointmentPage> {
    if (query.docId && query.docId !== doctorId) throw forbidden('A doctor can only list their own appointments');
    return this.search({ ...query, docId: doctorId }, 'party');
  }

  /** Filtered, sorted listing; paginated (with `total`) when `page` or `limit` is given. */
  async search(query: AppointmentQuery, audience: Audience = 'admin'): Promise<AppointmentPage> {
    const view = (r: AppointmentRow) => this.views.of(r, audience);
    const legacy = this.config.legacyClients;
    // Without a sort asked: newest booking first; under LEGACY_CLIENTS booking order (oldest first),
    // as the original server answered: the original apps reverse the list to show the newest on top.
    const { page, limit, cursor, sort = legacy ? 'createdAt' : '-createdAt', ...filter } = query;
    if (filter.from && filter.to && filter.to < filter.from) throw badRequest('to must not be before from');
    if (page === undefined && limit === undefined && cursor === undefined) {
      if (legacy && query.sort === undefined) return { appointments: this.views.bookingOrder(await this.repo.search(filter, '-createdAt', 1000, 0), audience) };
      return { appointments: (await this.repo.search(filter, sort, 1000, 0)).map(view) };
    }
    const size = limit ?? 20;
    // A cursor (keyset) costs the same at any depth; an OFFSET reads and drops every row before the page.
    if (cursor !== undefined && !(await this.repo.findById(cursor))) throw badRequest('cursor is not a known appointment: start again without it');
    const p = cursor === undefined ? (page ?? 1) : undefined;
    const [rows, total] = await Promise.all([
      this.repo.search(filter, sort, size, p === undefined ? 0 : (p - 1) * size, cursor),
      this.repo.countMatching(filter),
    ]);
    const nextCursor = rows.length === size ? rows[rows.length - 1].id : undefined;
    return { appointments: rows.map(view), total, page: p, limit: size, nextCursor };
  }

  async listForPatient(patientId: string): Promise<AppointmentView[]> {
    const rows = await this.repo.listForPatient(patientId);
    return this.config.legacyClients ? this.views.bookingOrder(rows) : rows.map((r) => this.views.of(r));
  }

  async doctorDashboard(doctorId: string) {
    const [agg, latest] = await Promise.all([this.repo.doctorDashboard(doctorId), this.repo.listForDoctor(doctorId, LATEST)]);
    return {
      earnings: toMajor(agg.earnings),
      appointments: agg.appointments,
      patients: agg.patients,
      latestAppointments: latest.map((r) => this.views.of(r)),
    };
  }

  async adminDashboard() {
    const [agg, doctors, patients, latest] = await Promise.all([
      this.repo.adminDashboard(),
      this.doctors.count(),
      this.patients.count(),
      this.repo.list(undefined, LATEST),
    ]);
    return {
      doctors,
      appointments: agg.appointments,
      patients,
      latestAppointments: latest.map((r) => this.views.of(r, 'admin')),
      totalDoctors: doctors,
      totalAppointments: agg.appointments,
      totalPatients: patients,
      pendingAppointments: agg.pending,
      confirmedAppointments: agg.confirmed,
      completedAppointments: agg.completed,
      cancelledAppointments: agg.cancelled,
      totalRevenue: toMajor(agg.revenue),
    };
  }

  /** Live booked slots from today on, keyed by `YYYY-MM-DD` and legacy `d_m_yyyy`. */
  async slotsBooked(doctorIds?: string[]): Promise<Map<string, SlotsBooked>> {
    const now = this.clock.now();
    const from = new Date(now.getTime() - 24 * 3600_000);
    const out = new Map<string, SlotsBooked>();
    for (const r of await this.repo.bookedSlots(from, doctorIds, this.rules.expiredCutoff(now))) {
      let m = out.get(r.doctorId);
      if (!m) out.set(r.doctorId, (m = {}));
      for (const key of [r.slotDate, legacyDateKey(r.slotDate)]) (m[key] ??= []).push(r.slotTime);
    }
    return out;
  }
}
