// Builds the payments module for createContext: adapters are created on first use (503 without
// keys), refunds are queued in cancellations' transactions and processed after commit.
import type { Config } from '../../config.js';
import type { Db } from '../../db/client.js';
import type { Clock } from '../../lib/clock.js';
import type { DomainEvents } from '../../lib/events.js';
import type { AppLogger } from '../../lib/logger.js';
import type { AppointmentLifecycle } from '../appointments/lifecycle.js';
import type { AppointmentQueries } from '../appointments/queries.js';
import { RefundProcessor } from './refunds.js';
import { PaymentRepo } from './repo.js';
import { PaymentService, type PaymentMetrics, type PaymentWindowCheck, type Warn } from './service.js';
import { WebhookService } from './webhooks.js';

export interface PaymentsModule {
  payments: PaymentService;
  refunds: RefundProcessor;
  webhooks: WebhookService;
}

export interface PaymentsDeps {
  /** the booking rules' payment-window check; without it no booking ever expires */
  isExpired?: PaymentWindowCheck;
  /** prescripto_payments_total, counted where payments and refunds commit */
  metrics?: PaymentMetrics;
  /** the app's pino logger (lib/logger.ts); without it warnings are dropped */
  log?: Pick<AppLogger, 'warn'>;
}

export function createPayments(config: Config, db: Db, clock: Clock, events: DomainEvents, appointments: { queries: AppointmentQueries; lifecycle: AppointmentLifecycle }, deps: PaymentsDeps = {}): PaymentsModule {
  const warn: Warn = (message, detail) => deps.log?.warn({ ...detail }, message);
  const repo = new PaymentRepo(db);
  const metrics: PaymentMetrics = deps.metrics ?? { payment: () => {} };
  const payments = new PaymentService(repo, appointments.queries, appointments.lifecycle, config, warn, clock, events, deps.isExpired, metrics);
  const refunds = new RefundProcessor(repo, payments, appointments.lifecycle, clock, { retrySeconds: config.refundRetrySeconds, maxAttempts: config.refundMaxAttempts }, warn, metrics);
  refunds.subscribe(events);
  const webhooks = new WebhookService(repo, payments, refunds, config, metrics);
  return { payments, refunds, webhooks };
}
