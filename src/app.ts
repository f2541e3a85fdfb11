// buildApp(config): the whole API as a Fastify instance, without listening. Tests inject into it;
// server.ts puts it on the network.
// Over 300 lines: the composition root lists every service in construction order and every plugin
// and route table in registration order; the order is the point, so it stays in one place.
import cluster from 'node:cluster';
import path from 'node:path';
import type { FastifyPluginAsyncTypebox, TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type RouteOptions } from 'fastify';
import { apiBaseUrl, runsJobs, type Config } from './config.js';
import type { AppContext } from './context.js';
import { openDatabase, type Database } from './db/client.js';
import { ReadRouter } from './db/read-router.js';
import { systemClock, type Clock } from './lib/clock.js';
import { DomainEvents } from './lib/events.js';
import { createLogger, requestChildLogger, serviceLog, warnTo, type AppLogger, type LogStream } from './lib/logger.js';
import { createRedis } from './lib/redis.js';
import { AdminRepo } from './modules/admin/repo.js';
import { adminRoutes } from './modules/admin/routes.js';
import { AdminService } from './modules/admin/service.js';
import { AppointmentRepo } from './modules/appointments/repo.js';
import { adminAppointmentRoutes, doctorAppointmentRoutes, patientAppointmentRoutes } from './modules/appointments/routes.js';
import type { BookingRules } from './modules/appointments/rules.js';
import { createAppointments } from './modules/appointments/index.js';
import { createPayments } from './modules/payments/index.js';
import { patientPaymentRoutes } from './modules/payments/routes.js';
import { webhookRoutes } from './modules/payments/webhook-routes.js';
import { ScheduleRepo } from './modules/scheduling/repo.js';
import { adminScheduleRoutes, doctorScheduleRoutes } from './modules/scheduling/routes.js';
import { doctorGroupSessionRoutes, patientGroupSessionRoutes } from './modules/group-sessions/routes.js';
import { GroupSessionRepo } from './modules/group-sessions/repo.js';
import { GroupSessionService } from './modules/group-sessions/service.js';
import { SeriesRepo } from './modules/series/repo.js';
import { doctorSeriesRoutes, patientSeriesRoutes } from './modules/series/routes.js';
import { SeriesService } from './modules/series/service.js';
import { SchedulingRules } from './modules/scheduling/rules.js';
import { SchedulingService } from './modules/scheduling/service.js';
import { createDeliveryWorker, createNotifications } from './modules/notifications/index.js';
import { WelcomeMailer } from './modules/notifications/welcome.js';
import { adminNotificationRoutes, calendarFeedRoutes, doctorNotificationRoutes, patientNotificationRoutes } from './modules/notifications/routes.js';
import { redactUrlToken } from './modules/notifications/live.js';
import { createTokenService, type Role } from './modules/auth/tokens.js';
import { ROLE_PREFIX, ROLES, roleScope } from './modules/auth/guards.js';
import { AuditRepo } from './modules/audit/repo.js';
import { AuditService } from './modules/audit/service.js';
import { createRevocations, createSecurityServices } from './modules/auth/index.js';
import { adminSessionRoutes, doctorSessionRoutes, patientSessionRoutes } from './modules/auth/routes.js';
import { auditHook } from './modules/audit/hook.js';
import { auditRoutes } from './modules/audit/routes.js';
import { frameworkErrorsFor, securityPlugin } from './plugins/security.js';
import { DoctorRepo } from './modules/doctors/repo.js';
import { doctorRoutes } from './modules/doctors/routes.js';
import { DoctorService, type SlotsBookedSource } from './modules/doctors/service.js';
import { DoctorDirectory } from './modules/doctors/directory.js';
import { doctorListCache } from './modules/doctors/list-route.js';
import { CloudinaryImageStore } from './modules/media/cloudinary.js';
import { MediaService } from './modules/media/service.js';
import { LocalImageStore } from './modules/media/storage.js';
import { PatientRepo } from './modules/patients/repo.js';
import { patientRoutes } from './modules/patients/routes.js';
import { PatientService } from './modules/patients/service.js';
import { assetsPlugin } from './plugins/assets.js';
import cors from './plugins/external/cors.js';
import multipart from './plugins/external/multipart.js';
import rateLimit from './plugins/external/rate-limit.js';
import swagger from './plugins/external/swagger.js';
import swaggerUi from './plugins/external/swagger-ui.js';
import { errorHandling, type NotFoundFallback } from './plugins/errors.js';
import { webAppPlugin } from './plugins/web.js';
import { sessionCookies } from './modules/auth/cookie.js';
import { ajvOptions, schemaController } from './plugins/validation.js';
import { opsRoutes, requestIdFrom, requestTracking } from './plugins/ops.js';
import { ReportRepo } from './modules/reports/repo.js';
import { adminReportRoutes, doctorReportRoutes } from './modules/reports/routes.js';
import { ReportService } from './modules/reports/service.js';
import { IdempotencyRepo } from './modules/idempotency/repo.js';
import { IdempotencyService } from './modules/idempotency/service.js';
import { Metrics } from './lib/metrics.js';
import { createOutgoingWebhooks } from './modules/webhooks/index.js';
import { adminWebhookRoutes } from './modules/webhooks/routes.js';
import { ReviewRepo } from './modules/reviews/repo.js';
import { adminReviewRoutes, doctorReviewRoutes, patientReviewRoutes } from './modules/reviews/routes.js';
import { ReviewService } from './modules/reviews/service.js';
import { MessageRepo } from './modules/messages/repo.js';
import { adminMessageRoutes, doctorMessageRoutes, patientMessageRoutes } from './modules/messages/routes.js';
import { MessageService } from './modules/messages/service.js';
import { DataRightsRepo } from './modules/data-rights/repo.js';
import { adminDataRightsRoutes, patientDataRightsRoutes } from './modules/data-rights/routes.js';
import { DataRightsService } from './modules/data-rights/service.js';
import { WaitlistRepo } from './modules/waitlist/repo.js';
import { adminWaitlistRoutes, doctorWaitlistRoutes, patientWaitlistRoutes } from './modules/waitlist/routes.js';
import { WaitlistService } from './modules/waitlist/service.js';
import { fhirRoutes } from './modules/fhir/routes.js';
import { FHIR_PATH, FhirService } from './modules/fhir/service.js';
import { createPush } from './modules/push/index.js';
import { partyPushRoutes, pushPublicRoutes } from './modules/push/routes.js';

export interface BuildOptions {
  /** an already-open database (tests); otherwise one is opened from the config */
  database?: Database;
  clock?: Clock;
  /** close the database when the app closes (default: only if the app opened it) */
  ownsDatabase?: boolean;
  /** where log lines go instead of stdout (tests read them) */
  logStream?: LogStream;
  /** called with every route as it is added, before any plugin's onRoute hook (tests list the routes) */
  onRoute?: (route: RouteOptions) => void;
}

export type App = FastifyInstance;

export function createContext(config: Config, database: Database, clock: Clock, log: AppLogger = createLogger(config)): { ctx: AppContext; localStore: LocalImageStore } {
  const db = database.db;
  const redis = createRedis(config, (err) => log.warn({ err }, 'redis unavailable, falling back to in-process state'));
  const events = new DomainEvents();
  const metrics = new Metrics({ database, redis, cluster: cluster.isWorker });
  metrics.observeEvents(events);
  // Lag-tolerant reads (doctor list and pages, profiles, dashboards, reports, searches) take
  // `reads.db`: replicas when DATABASE_READ_URLS is set, else the primary's own handle.
  const reads = new ReadRouter(database, {
    urls: config.databaseReadUrls, maxLagMs: config.replicaMaxLagMs, checkMs: config.replicaCheckMs,
    queryTimeoutMs: config.dbQueryTimeoutMs || undefined, preparedStatements: config.dbPreparedStatements, onWarning: (message) => log.warn(message),
    redis, redisPrefix: config.redisPrefix,
    countRead: (target) => metrics.dbRead(target),
  });
  const revocations = createRevocations({ config, database, clock, redis, warn: warnTo(log) });
  const tokens = createTokenService(config.jwtSecret, config.jwtExpiresIn, (claims) => revocations.isRevoked(claims));
  const localStore = new LocalImageStore(path.join(config.dataDir, 'uploads'));
  // Cloudinary when configured; local files stay reachable (served, and deleted on replace).
  const imageStore = config.cloudinary ? new CloudinaryImageStore(config.cloudinary) : localStore;
  const media = new MediaService(
    imageStore,
    {
      publicUrl: apiBaseUrl(config),
      maxBytes: config.uploadMaxBytes,
      warn: warnTo(log),
      limits: { maxSide: config.images.maxSide, maxPixels: config.images.maxPixels, timeoutSeconds: config.images.timeoutSeconds },
      queue: { concurrency: config.images.concurrency, maxWaiting: config.images.queueMax },
    },
    [localStore],
  );
  const patients = new PatientService(new PatientRepo(reads.db), media, events, clock, config.security.bcryptRounds);
  const doctors = new DoctorService(new DoctorRepo(reads.db), media, events, config, clock);
  const doctorList = doctorListCache({ config, events, redis, clock, replicas: reads.enabled, warn: (err) => log.warn({ err }, 'doctor list cache: redis unavailable, serving from the database') });
  const scheduleRepo = new ScheduleRepo(db);
  const appointmentRepo = new AppointmentRepo(reads.db);
  const schedulingRules = new SchedulingRules(scheduleRepo, config, events, (tx, cutoff, now, scope) => appointmentRepo.expireHolds(tx, cutoff, now, scope));
  const rules: BookingRules = schedulingRules;
  const scheduling = new SchedulingService(db, scheduleRepo, schedulingRules, doctors, events, clock, config);
  events.onRecord((tx, event) => scheduling.onRecord(tx, event), (event) => scheduling.writesOf(event));
  const { appointments, appointmentQueries, appointmentLifecycle } = createAppointments({ db, repo: appointmentRepo, patients, doctors, rules, events, clock, config });
  const groupSessions = new GroupSessionService(db, new GroupSessionRepo(db), doctors, appointments, appointmentQueries, appointmentLifecycle, rules, events, clock, config);
  const series = new SeriesService(new SeriesRepo(db), appointments, appointmentQueries, appointmentLifecycle, clock);
  const reviews = new ReviewService(new ReviewRepo(reads.db), appointmentQueries, patients, events, clock);
  // The original Prescripto apps hide only the times slots_booked lists: under LEGACY_CLIENTS it also
  // lists every time of their grid that would be refused (scheduling/legacy-grid.ts).
  const slotsBooked: SlotsBookedSource = (ids) => appointmentQueries.slotsBooked(ids);
  const doctorDirectory = new DoctorDirectory(doctors, config.legacyClients ? scheduling.legacySlotsBooked(slotsBooked) : slotsBooked, (ids) => reviews.ratings(ids));
  const paymentsModule = createPayments(config, db, clock, events, { queries: appointmentQueries, lifecycle: appointmentLifecycle }, { isExpired: (row, now) => schedulingRules.isExpired(row, now), metrics, log });
  const reports = new ReportService(new ReportRepo(reads.database), clock, config);
  const push = createPush(config, db, clock, { log: serviceLog(log) });
  const notify = createNotifications(config, db, clock, events, redis, log, push.targets);
  const security = createSecurityServices({
    config, database, clock, tokens, revocations, warn: warnTo(log),
    sendMail: (msg) => notify.service.enqueueEmail(undefined, msg),
  });
  const welcome = new WelcomeMailer(notify.repo, notify.service, config, async (doctorId, ttlMinutes) => (await security.passwordResets.issue('doctor', doctorId, { ttlMinutes })).url);
  events.onPublish((event) => welcome.onPublish(event));
  const audit = new AuditService(new AuditRepo(db), warnTo(log));
  const outgoingWebhooks = createOutgoingWebhooks(config, db, clock, events, {
    sendEmail: (tx, msg) => notify.service.enqueueEmail(tx, msg),
    log: serviceLog(log),
  });
  const messages = new MessageService(new MessageRepo(db), appointmentQueries, patients, doctors, media, notify.service, events, clock, config);
  const waitlist = new WaitlistService(db, new WaitlistRepo(db), doctors, patients, appointments, scheduling, rules, notify.service, events, clock, config);
  waitlist.listen((err) => log.warn({ err }, 'waitlist matching failed; the job retries it'));
  // Last: everything it runs on its pass exists now.
  const notificationWorker = createDeliveryWorker(config, clock, log, notify, {
    jobs: [
      () => welcome.sweep(),
      () => outgoingWebhooks.runOnce(),
      // offers lapse and freed time left unmatched by a crash is matched again on the worker's pass
      () => waitlist.runOnce(),
    ],
    relevance: [(msg) => messages.emailStillRelevant(msg)],
    push: push.channel,
  });
  const idempotency = new IdempotencyService(new IdempotencyRepo(db), clock, (m, detail) => log.warn(detail ?? {}, m));
  const dataRights = new DataRightsService(new DataRightsRepo(reads.database, reads.db), patients, security.sessions, media, clock);
  const fhir = new FhirService(config, clock, doctors, patients, appointments, appointmentQueries, scheduling, dataRights);
  const admin = new AdminService(new AdminRepo(db), config, (id) => security.sessions.revokeAccount('admin', id, 'password-change'));
  return { ctx: { config, database, db, reads, clock, redis, events, metrics, tokens, media, patients, doctors, doctorDirectory, doctorList, admin, appointments, appointmentQueries, appointmentLifecycle, reports, scheduling, groupSessions, waitlist, series, reviews, messages,
    notifications: notify.service, welcome, notificationWorker, live: notify.live, idempotency, outgoingWebhooks, dataRights, fhir, push: push.service, audit, ...security, ...paymentsModule }, localStore };
}

export async function buildApp(config: Config, opts: BuildOptions = {}): Promise<App> {
  // One pino logger for Fastify and every service (lib/logger.ts: redaction, safe error serializer).
  const log = createLogger(config, {
    stream: opts.logStream,
    // SSE clients may carry their token as ?token= (EventSource cannot set headers): mask it
    serializers: { req: (req: { method: string; url: string; ip?: string }) => ({ method: req.method, url: redactUrlToken(req.url), remoteAddress: req.ip }) },
  });
  const database =
    opts.database ?? (await openDatabase({
      databaseUrl: config.databaseUrl, dataDir: config.dataDir, queryTimeoutMs: config.dbQueryTimeoutMs,
      preparedStatements: config.dbPreparedStatements, onWarning: (message) => log.warn(message),
      embedded: { sharedBuffersMb: config.embeddedSharedBuffersMb, workMemKb: config.embeddedWorkMemKb },
    }));
  const ownsDatabase = opts.ownsDatabase ?? !opts.database;
  const { ctx, localStore } = createContext(config, database, opts.clock ?? systemClock, log);

  const app = Fastify({
    loggerInstance: log as FastifyBaseLogger,
    // request loggers bind reqId; marked so the logger's mixin does not add it a second time
    childLoggerFactory: (logger, bindings, childOptions) => requestChildLogger(logger as AppLogger, bindings, childOptions) as FastifyBaseLogger,
    // one line per request, written by registerRequestTracking: a summary in development, the JSON
    // `request completed` line with the request's fields elsewhere (Fastify's own logging writes two)
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.bodyLimit,
    // x-request-id from the caller (when sane) or a new UUID; echoed on every response (plugins/ops.ts)
    requestIdHeader: false,
    genReqId: requestIdFrom,
    trustProxy: config.security.trustProxy,
    frameworkErrors: frameworkErrorsFor(config.legacyErrorStatus),
    // Operator objects such as {"$ne": null} and wrong types must be refused, not coerced away:
    // JSON bodies are validated strictly, text parts (query, params, form fields) coerced (plugins/validation.ts).
    ajv: ajvOptions,
    schemaController,
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.decorate('ctx', ctx);
  if (opts.onRoute) app.addHook('onRoute', opts.onRoute);
  const appFallback: NotFoundFallback = {};
  // Our root plugins, before any route: the error handler answers for everything after it; rate
  // limits, the session cookie and the audit log attach to routes as they are added
  await app.register(errorHandling, { fallback: appFallback });
  await app.register(securityPlugin);
  await app.register(sessionCookies);
  await app.register(auditHook);
  await app.register(requestTracking);
  if (ctx.reads.enabled) {
    app.addHook('onReady', async () => ctx.reads.start());
    // Before the answer leaves, so the person's next request already finds where their write ended.
    app.addHook('onSend', async (request) => {
      const scope = request.requestScope;
      if (scope?.wrote && scope.account) await ctx.reads.noteWrite(scope.account).catch((err: unknown) => request.log.warn({ err }, 'could not record the write position for read-your-writes'));
    });
  }

  // Third-party plugins, one file each with their options (plugins/external/), before any route:
  // rate-limit and swagger attach to routes as they are added
  for (const plugin of [rateLimit, cors, multipart, swagger, swaggerUi]) await app.register(plugin);
  await app.register(assetsPlugin, { store: localStore });
  await app.register(opsRoutes);
  // the web app (plugins/web.ts): browsers asking for HTML get it at / and at its client-side routes
  await app.register(webAppPlugin, { fallback: appFallback });

  // Every role's routes, one module plugin each, under one guarded prefix (auth/guards.ts): a route
  // needs a token of the prefix's role unless it declares `config: { public: true }`.
  const routesOf: Record<Role, FastifyPluginAsyncTypebox[]> = {
    patient: [
      patientRoutes,
      patientAppointmentRoutes,
      patientGroupSessionRoutes,
      patientWaitlistRoutes,
      patientSeriesRoutes,
      patientPaymentRoutes,
      patientSessionRoutes,
      patientReviewRoutes,
      patientMessageRoutes,
      patientDataRightsRoutes,
      patientNotificationRoutes,
      partyPushRoutes('patient'),
    ],
    doctor: [
      doctorRoutes,
      doctorAppointmentRoutes,
      doctorSessionRoutes,
      doctorScheduleRoutes,
      doctorGroupSessionRoutes,
      doctorWaitlistRoutes,
      doctorSeriesRoutes,
      doctorReviewRoutes,
      doctorMessageRoutes,
      doctorReportRoutes,
      doctorNotificationRoutes,
      partyPushRoutes('doctor'),
    ],
    admin: [
      adminRoutes,
      adminAppointmentRoutes,
      adminSessionRoutes,
      auditRoutes,
      adminScheduleRoutes,
      adminWaitlistRoutes,
      adminReviewRoutes,
      adminMessageRoutes,
      adminDataRightsRoutes,
      adminReportRoutes,
      adminWebhookRoutes,
      adminNotificationRoutes,
    ],
  };
  for (const role of ROLES) await app.register(roleScope(role, routesOf[role]), { prefix: ROLE_PREFIX[role] });
  await app.register(webhookRoutes, { prefix: '/api/webhooks' });
  await app.register(pushPublicRoutes, { prefix: '/api/push' });
  await app.register(calendarFeedRoutes, { prefix: '/api/calendar' });
  await app.register(fhirRoutes, { prefix: FHIR_PATH });
  // open streams would keep the server from closing: end them first
  app.addHook('preClose', async () => ctx.live.close());

  // Background jobs, in every process but a PROCESS_ROLE=web one. Each is safe with any number of
  // processes running it (leases and row locks in the database).
  if (runsJobs(config)) {
    if (config.notifications.worker) app.addHook('onReady', async () => ctx.notificationWorker.start());
    // payment-window sweep (PAYMENT_REQUIRED only); bookings also release expired holds themselves
    app.addHook('onReady', async () => ctx.scheduling.startSweep(config.expirySweepSeconds, (err) => app.log.warn({ err }, 'payment-window sweep failed')));
    // refunds owed by cancellations: due ones now, then every REFUND_RETRY_SECONDS
    app.addHook('onReady', async () => ctx.refunds.start());
  }
  app.addHook('onClose', async () => {
    // reset links answered before the close are still written to the outbox
    await ctx.passwordResets.settled();
    ctx.scheduling.stopSweep();
    await ctx.refunds.stop();
    await ctx.live.close();
    await ctx.notificationWorker.stop();
    await ctx.reads.close();
    ctx.doctorList.close();
    ctx.redis?.disconnect();
    if (ownsDatabase) await database.close();
  });
  return app;
}
