// The services of one app instance, built once in app.ts and reachable from routes as `app.ctx`.
import type { Config } from './config.js';
import type { Database, Db } from './db/client.js';
import type { ReadRouter } from './db/read-router.js';
import type { Clock } from './lib/clock.js';
import type { RedisClient } from './lib/redis.js';
import type { DomainEvents } from './lib/events.js';
import type { Metrics } from './lib/metrics.js';
import type { ReportService } from './modules/reports/service.js';
import type { TokenService } from './modules/auth/tokens.js';
import type { AuditService } from './modules/audit/service.js';
import type { SecurityServices } from './modules/auth/index.js';
import type { MediaService } from './modules/media/service.js';
import type { PatientService } from './modules/patients/service.js';
import type { DoctorDirectory } from './modules/doctors/directory.js';
import type { DoctorService } from './modules/doctors/service.js';
import type { DoctorListCache } from './modules/doctors/list-cache.js';
import type { AdminService } from './modules/admin/service.js';
import type { AppointmentService } from './modules/appointments/service.js';
import type { AppointmentQueries } from './modules/appointments/queries.js';
import type { AppointmentLifecycle } from './modules/appointments/lifecycle.js';
import type { PaymentsModule } from './modules/payments/index.js';
import type { SchedulingService } from './modules/scheduling/service.js';
import type { NotificationService } from './modules/notifications/service.js';
import type { WelcomeMailer } from './modules/notifications/welcome.js';
import type { DeliveryWorker } from './modules/notifications/worker.js';
import type { LiveHub } from './modules/notifications/live.js';
import type { IdempotencyService } from './modules/idempotency/service.js';
import type { OutgoingWebhooks } from './modules/webhooks/service.js';
import type { GroupSessionService } from './modules/group-sessions/service.js';
import type { SeriesService } from './modules/series/service.js';
import type { ReviewService } from './modules/reviews/service.js';
import type { MessageService } from './modules/messages/service.js';
import type { DataRightsService } from './modules/data-rights/service.js';
import type { WaitlistService } from './modules/waitlist/service.js';
import type { FhirService } from './modules/fhir/service.js';
import type { PushService } from './modules/push/service.js';

export interface AppContext {
  config: Config;
  database: Database;
  db: Db;
  /** lag-tolerant reads: `reads.db` goes to a replica when one is configured and current (db/read-router.ts) */
  reads: ReadRouter;
  clock: Clock;
  /** present when REDIS_URL is set; commands fail fast while Redis is down */
  redis?: RedisClient;
  events: DomainEvents;
  /** Prometheus counters and histograms of this app (GET /metrics) */
  metrics: Metrics;
  tokens: TokenService;
  /** sessions, passwordResets, passwords, twoFactor (see modules/auth/index.ts) */
  sessions: SecurityServices['sessions'];
  /** `passwordResets.issue(role, accountId)` → `{ token, url }`: a single-use set-password link */
  passwordResets: SecurityServices['passwordResets'];
  passwords: SecurityServices['passwords'];
  twoFactor: SecurityServices['twoFactor'];
  audit: AuditService;
  media: MediaService;
  patients: PatientService;
  doctors: DoctorService;
  /** doctors' pages with their booked times and ratings: the list, the admin's list, the own profile */
  doctorDirectory: DoctorDirectory;
  /** the public doctor list's bytes, invalidated by events here and in every instance (modules/doctors/list-cache.ts) */
  doctorList: DoctorListCache;
  admin: AdminService;
  /** booking: single slots, series, group-session places, reschedule */
  appointments: AppointmentService;
  /** one appointment, listings, dashboards (reads only) */
  appointmentQueries: AppointmentQueries;
  /** payment confirmation, cancel, complete, refunds' outcome */
  appointmentLifecycle: AppointmentLifecycle;
  /** Razorpay/Stripe checkout and verification (see modules/payments/service.ts) */
  payments: PaymentsModule['payments'];
  /** refunds owed by cancellations; `idle()` waits for those in flight */
  refunds: PaymentsModule['refunds'];
  webhooks: PaymentsModule['webhooks'];
  /** admin analytics and doctor reports (JSON and CSV) */
  reports: ReportService;
  scheduling: SchedulingService;
  /** group sessions and their places (docs/booking-modes.md) */
  groupSessions: GroupSessionService;
  /** doctors' waitlists: entries, offers of freed time, their expiry job (docs/booking-modes.md) */
  waitlist: WaitlistService;
  /** recurring series of appointments (docs/booking-modes.md) */
  series: SeriesService;
  /** reviews of completed appointments, doctors' ratings, moderation (modules/reviews) */
  reviews: ReviewService;
  /** doctor–patient messages per appointment (modules/messages) */
  messages: MessageService;
  /** outbox emails and in-app notifications: see the top of modules/notifications/service.ts */
  notifications: NotificationService;
  /** welcome emails of new doctors, with their set-password link */
  welcome: WelcomeMailer;
  /** delivers the outbox and runs reminders; `runOnce()` in tests */
  notificationWorker: DeliveryWorker;
  /** live appointment updates (SSE), fanned out across instances through Redis when present */
  live: LiveHub;
  /** Idempotency-Key handling of booking and payment creation (modules/idempotency) */
  idempotency: IdempotencyService;
  /** patients' data export and account deletion (modules/data-rights) */
  dataRights: DataRightsService;
  /** FHIR R4 resources read through the services above; the patient's FHIR export (modules/fhir) */
  fhir: FhirService;
  /** the admin's outgoing webhook endpoints; delivered by notificationWorker's pass (modules/webhooks) */
  outgoingWebhooks: OutgoingWebhooks;
  /** Web Push subscriptions and delivery (modules/push); pushes ride on the notification outbox */
  push: PushService;
}

declare module 'fastify' {
  interface FastifyInstance {
    ctx: AppContext;
  }
}
