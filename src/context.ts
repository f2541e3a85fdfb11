// The services of one app instance, built once in app.ts and reachable from routes as `app.ctx`.
import type { Config } from './config.js';
import type { Database, Db } from './db/client.js';
import type { Clock } from './lib/clock.js';
import type { RedisClient } from './lib/redis.js';
import type { DomainEvents } from './lib/events.js';
import type { TokenService } from './modules/auth/tokens.js';
import type { MediaService } from './modules/media/service.js';
import type { PatientService } from './modules/patients/service.js';
import type { DoctorService } from './modules/doctors/service.js';
import type { AdminService } from './modules/admin/service.js';
import type { AppointmentService } from './modules/appointments/service.js';

export interface AppContext {
  config: Config;
  database: Database;
  db: Db;
  clock: Clock;
  /** present when REDIS_URL is set; commands fail fast while Redis is down */
  redis?: RedisClient;
  events: DomainEvents;
  tokens: TokenService;
  media: MediaService;
  patients: PatientService;
  doctors: DoctorService;
  admin: AdminService;
  appointments: AppointmentService;
}

declare module 'fastify' {
  interface FastifyInstance {
    ctx: AppContext;
  }
}
