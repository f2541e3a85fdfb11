// buildApp(config): the whole API as a Fastify instance, without listening. Tests inject into it;
// server.ts puts it on the network.
import path from 'node:path';
import cors from '@fastify/cors';
import multipart from '@fastify/multipart';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Config } from './config.js';
import type { AppContext } from './context.js';
import { openDatabase, type Database } from './db/client.js';
import { systemClock, type Clock } from './lib/clock.js';
import { DomainEvents } from './lib/events.js';
import { createRedis } from './lib/redis.js';
import { AdminRepo } from './modules/admin/repo.js';
import { adminRoutes } from './modules/admin/routes.js';
import { AdminService } from './modules/admin/service.js';
import { AppointmentRepo } from './modules/appointments/repo.js';
import { adminAppointmentRoutes, doctorAppointmentRoutes, patientAppointmentRoutes } from './modules/appointments/routes.js';
import { FutureOnlyRules, type BookingRules } from './modules/appointments/rules.js';
import { AppointmentService } from './modules/appointments/service.js';
import { createTokenService } from './modules/auth/tokens.js';
import { DoctorRepo } from './modules/doctors/repo.js';
import { doctorRoutes } from './modules/doctors/routes.js';
import { DoctorService } from './modules/doctors/service.js';
import { MediaService } from './modules/media/service.js';
import { LocalImageStore } from './modules/media/storage.js';
import { PatientRepo } from './modules/patients/repo.js';
import { patientRoutes } from './modules/patients/routes.js';
import { PatientService } from './modules/patients/service.js';
import { registerAssets } from './plugins/assets.js';
import { registerDocs } from './plugins/docs.js';
import { registerErrorHandling } from './plugins/errors.js';

export interface BuildOptions {
  /** an already-open database (tests); otherwise one is opened from the config */
  database?: Database;
  clock?: Clock;
  /** close the database when the app closes (default: only if the app opened it) */
  ownsDatabase?: boolean;
}

export type App = FastifyInstance;

export function createContext(config: Config, database: Database, clock: Clock): { ctx: AppContext; localStore: LocalImageStore } {
  const db = database.db;
  const redis = createRedis(config, (err) => console.warn(`redis unavailable, falling back to in-process state: ${err.message}`));
  const events = new DomainEvents();
  const tokens = createTokenService(config.jwtSecret, config.jwtExpiresIn);
  const localStore = new LocalImageStore(path.join(config.dataDir, 'uploads'));
  const media = new MediaService(localStore, config.publicUrl ?? `http://localhost:${config.port}`);
  const patients = new PatientService(new PatientRepo(db), tokens, media, events);
  const doctors = new DoctorService(new DoctorRepo(db), tokens, media, events, config);
  const admin = new AdminService(new AdminRepo(db), tokens, config);
  const rules: BookingRules = new FutureOnlyRules();
  const appointments = new AppointmentService(db, new AppointmentRepo(db), patients, doctors, rules, events, clock, config);
  return { ctx: { config, database, db, clock, redis, events, tokens, media, patients, doctors, admin, appointments }, localStore };
}

export async function buildApp(config: Config, opts: BuildOptions = {}): Promise<App> {
  const database =
    opts.database ?? (await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir }));
  const ownsDatabase = opts.ownsDatabase ?? !opts.database;
  const { ctx, localStore } = createContext(config, database, opts.clock ?? systemClock);

  const app = Fastify({
    logger:
      config.logLevel === 'silent'
        ? false
        : {
            level: config.logLevel,
            redact: ['req.headers.authorization', 'req.headers.token', 'req.headers.dtoken', 'req.headers.atoken', 'req.headers.cookie'],
            ...(config.nodeEnv === 'development' ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss' } } } : {}),
          },
    bodyLimit: config.bodyLimit,
    trustProxy: true,
    // Operator objects such as {"$ne": null} and wrong types must be refused, not coerced away.
    ajv: { customOptions: { coerceTypes: 'array', removeAdditional: true, allErrors: false } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.decorate('ctx', ctx);
  registerErrorHandling(app, config);

  await app.register(cors, {
    origin: config.frontendUrls.length ? config.frontendUrls : true,
    credentials: true,
  });
  await app.register(multipart, {
    limits: { fileSize: config.uploadMaxBytes, files: 1, fields: 30, fieldSize: 64 * 1024, parts: 40 },
  });
  await registerDocs(app);
  registerAssets(app, localStore);

  app.get('/', { schema: { tags: ['system'], summary: 'Is the API up?' } }, async () => ({ success: true, message: 'API Working' }));

  await app.register(
    async (user) => {
      await user.register(patientRoutes);
      await user.register(patientAppointmentRoutes);
    },
    { prefix: '/api/user' },
  );
  await app.register(
    async (doctor) => {
      await doctor.register(doctorRoutes);
      await doctor.register(doctorAppointmentRoutes);
    },
    { prefix: '/api/doctor' },
  );
  await app.register(
    async (admin) => {
      await admin.register(adminRoutes);
      await admin.register(adminAppointmentRoutes);
    },
    { prefix: '/api/admin' },
  );

  app.addHook('onClose', async () => {
    ctx.redis?.disconnect();
    if (ownsDatabase) await database.close();
  });
  return app;
}
