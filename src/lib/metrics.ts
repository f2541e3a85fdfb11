// Prometheus metrics of one app instance (prom-client). Each app gets its own registry so several
// apps in one process (tests, a separate ops port) never share or double-register series.
// Services count business events through `ctx.metrics.*`; HTTP metrics are fed by plugins/ops.ts.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Database } from '../db/client.js';
import type { AppointmentEventType, DomainEvents } from './events.js';
import type { RedisClient } from './redis.js';
import { clusterScraper } from './cluster-metrics.js';

export type LoginRole = 'patient' | 'doctor' | 'admin';
export type PaymentOutcome = 'verified' | 'failed' | 'refunded';

export class Metrics {
  readonly registry = new Registry();
  readonly httpRequests: Counter<'method' | 'route' | 'status_code'>;
  readonly httpDuration: Histogram<'method' | 'route' | 'status_code'>;
  private readonly appointmentEvents: Counter<'event'>;
  private readonly payments: Counter<'gateway' | 'outcome'>;
  private readonly failedLogins: Counter<'role'>;
  private readonly dbReads: Counter<'target'>;

  /** set in a cluster worker: scrapes every worker's registry through the primary */
  private readonly scrapeCluster?: () => Promise<string>;

  /** `cluster`: this process is one of WEB_CONCURRENCY workers (lib/cluster-metrics.ts) */
  constructor(opts: { database?: Database; redis?: RedisClient; prefix?: string; cluster?: boolean } = {}) {
    const registers = [this.registry];
    if (opts.cluster) this.scrapeCluster = clusterScraper(this.registry);
    collectDefaultMetrics({ register: this.registry, prefix: opts.prefix });
    this.httpRequests = new Counter({
      name: 'http_requests_total',
      help: 'HTTP requests answered, by route template, method and status',
      labelNames: ['method', 'route', 'status_code'],
      registers,
    });
    this.httpDuration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'Time from request received to response sent, by route template, method and status',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.appointmentEvents = new Counter({
      name: 'prescripto_appointment_events_total',
      help: 'Committed appointment changes: booked, cancelled, confirmed, completed, rescheduled, expired',
      labelNames: ['event'],
      registers,
    });
    this.payments = new Counter({
      name: 'prescripto_payments_total',
      help: 'Payment outcomes by gateway',
      labelNames: ['gateway', 'outcome'],
      registers,
    });
    this.failedLogins = new Counter({
      name: 'prescripto_failed_logins_total',
      help: 'Logins refused with 401, by account type',
      labelNames: ['role'],
      registers,
    });
    this.dbReads = new Counter({
      name: 'db_reads_total',
      help: 'Lag-tolerant reads (DATABASE_READ_URLS) by where they were answered: replica or primary',
      labelNames: ['target'],
      registers,
    });
    const pool = opts.database?.pool;
    if (pool) {
      new Gauge({
        name: 'prescripto_db_pool_connections',
        help: 'PostgreSQL pool connections by state (total, idle, waiting clients)',
        labelNames: ['state'],
        registers,
        collect() {
          this.set({ state: 'total' }, pool.totalCount);
          this.set({ state: 'idle' }, pool.idleCount);
          this.set({ state: 'waiting' }, pool.waitingCount);
        },
      });
    }
    const redis = opts.redis;
    if (redis) {
      new Gauge({
        name: 'prescripto_redis_up',
        help: '1 while the Redis connection is ready, 0 while the app runs on its in-process fallbacks',
        registers,
        collect() {
          this.set(redis.status === 'ready' ? 1 : 0);
        },
      });
    }
  }

  /** Counts every committed appointment change (subscribed once to the event bus). */
  observeEvents(events: DomainEvents): void {
    events.onPublish((e) => {
      if (e.kind === 'appointment') this.appointment(e.type);
    });
  }

  appointment(event: AppointmentEventType): void {
    this.appointmentEvents.inc({ event });
  }

  /** For the payments module: one call per verified, failed or refunded payment. */
  payment(gateway: string, outcome: PaymentOutcome): void {
    this.payments.inc({ gateway, outcome });
  }

  /** For the read router (db/read-router.ts): one call per routed read. */
  dbRead(target: 'replica' | 'primary'): void {
    this.dbReads.inc({ target });
  }

  failedLogin(role: LoginRole): void {
    this.failedLogins.inc({ role });
  }

  contentType(): string {
    return this.registry.contentType;
  }

  scrape(): Promise<string> {
    return this.scrapeCluster ? this.scrapeCluster() : this.registry.metrics();
  }
}
