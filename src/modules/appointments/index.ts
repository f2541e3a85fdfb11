// The appointments module's three services, built on one repository: booking (service.ts), the
// lifecycle after booking (lifecycle.ts) and the reads (queries.ts).
import type { Config } from '../../config.js';
import type { Db } from '../../db/client.js';
import type { Clock } from '../../lib/clock.js';
import type { DomainEvents } from '../../lib/events.js';
import type { DoctorService } from '../doctors/service.js';
import type { PatientService } from '../patients/service.js';
import { AppointmentEvents } from './events.js';
import { AppointmentLifecycle } from './lifecycle.js';
import { ScheduleLock } from './locked.js';
import { Parties } from './parties.js';
import { AppointmentQueries } from './queries.js';
import type { AppointmentRepo } from './repo.js';
import type { BookingRules } from './rules.js';
import { AppointmentService } from './service.js';
import { AppointmentViews } from './view.js';

export interface AppointmentsDeps {
  db: Db;
  repo: AppointmentRepo;
  patients: PatientService;
  doctors: DoctorService;
  rules: BookingRules;
  events: DomainEvents;
  clock: Clock;
  config: Config;
}

export interface AppointmentsModule {
  appointments: AppointmentService;
  appointmentQueries: AppointmentQueries;
  appointmentLifecycle: AppointmentLifecycle;
}

export function createAppointments({ db, repo, patients, doctors, rules, events, clock, config }: AppointmentsDeps): AppointmentsModule {
  const views = new AppointmentViews(config, clock);
  const appointmentEvents = new AppointmentEvents(events, clock);
  const appointmentQueries = new AppointmentQueries(repo, views, patients, doctors, rules, clock, config);
  const appointmentLifecycle = new AppointmentLifecycle(db, repo, appointmentQueries, views, appointmentEvents, rules, clock, config);
  const appointments = new AppointmentService(
    repo, appointmentQueries, new ScheduleLock(db, repo, rules, config), views, appointmentEvents, new Parties(patients, doctors, config), patients, doctors, rules, clock,
  );
  return { appointments, appointmentQueries, appointmentLifecycle };
}
