// Taking payments: Razorpay orders and Stripe Checkout Sessions created from the stored
// appointment, and confirmed only on proof from the gateway (a valid signature or the gateway's
// own record). The client's word (`success: true`) never marks anything paid.
import type { Config } from '../../config.js';
import type { AppointmentRow } from '../../db/schema.js';
import type { Clock } from '../../lib/clock.js';
import type { DomainEvents } from '../../lib/events.js';
import type { Metrics } from '../../lib/metrics.js';
import { AppError, badGateway, badRequest, conflict, forbidden, notFound, serviceUnavailable } from '../../lib/errors.js';
import type { AppointmentLifecycle } from '../appointments/lifecycle.js';
import type { AppointmentQueries } from '../appointments/queries.js';
import { GatewayError } from './gateway.js';
import { RazorpayGateway, type RazorpayOrder } from './razorpay.js';
import type { PaymentRepo } from './repo.js';
import { StripeGateway, type CheckoutSession } from './stripe.js';
import type { Gateway, PaymentOrderRow } from './tables.js';

export type Warn = (message: string, detail?: Record<string, unknown>) => void;

/**
 * prescripto_payments_total{gateway,outcome} (lib/metrics.ts): `verified` when a payment is applied
 * to its appointment (client verify or webhook), `refunded` when the gateway reports a refund
 * processed, `failed` when a webhook's payment is rejected (refused client verifications are
 * counted per route in plugins/ops.ts).
 */
export type PaymentMetrics = Pick<Metrics, 'payment'>;

/** Has this unpaid booking's payment window ended? (SchedulingRules.isExpired) */
export type PaymentWindowCheck = (row: AppointmentRow, now: Date) => boolean;

export const paymentRequired = (message: string) => new AppError(402, message);

/** Sessions of one appointment asked about when a client verifies without naming one. */
const MAX_SESSIONS_CHECKED = 10;

const GATEWAY_NAME: Record<Gateway, string> = { razorpay: 'Razorpay', stripe: 'Stripe' };

/** A safe 502 for callers; the gateway's own words go to the log only. */
export function gatewayFailure(err: unknown, warn: Warn): AppError {
  if (err instanceof GatewayError) {
    warn('payment gateway error', { gateway: err.gateway, status: err.statusCode, detail: err.detail });
    if (err.malformed.length > 0) {
      return badGateway(`${GATEWAY_NAME[err.gateway]} sent an incomplete answer (no valid ${err.malformed.join(', ')}), please try again later`);
    }
    return badGateway(`${GATEWAY_NAME[err.gateway]} could not process the request, please try again`);
  }
  throw err;
}

/** What happened to a payment that the gateway proved. */
export type SettleOutcome = 'confirmed' | 'already-confirmed' | 'refund-queued';

export interface ProvenPayment {
  order: PaymentOrderRow;
  paymentId: string;
  amountMinor: number;
  currency: string;
}

export class PaymentService {
  private razorpayGateway?: RazorpayGateway;
  private stripeGateway?: StripeGateway;

  constructor(
    private readonly repo: PaymentRepo,
    private readonly appointments: AppointmentQueries,
    private readonly lifecycle: AppointmentLifecycle,
    private readonly config: Config,
    private readonly warn: Warn,
    private readonly clock: Clock,
    private readonly events: DomainEvents,
    /** the booking rules' payment-window check (PAYMENT_REQUIRED): an expired hold can no longer be paid */
    private readonly isExpired: PaymentWindowCheck = () => false,
    private readonly metrics: PaymentMetrics = { payment: () => {} },
  ) {}

  /** The Razorpay adapter, or 503 when its keys are not set. */
  razorpay(): RazorpayGateway {
    if (!this.config.razorpay) throw serviceUnavailable('Razorpay is not configured');
    return (this.razorpayGateway ??= new RazorpayGateway(this.config.razorpay, this.config.razorpayApiBase));
  }

  /** The Stripe adapter, or 503 when its key is not set. */
  stripe(): StripeGateway {
    if (!this.config.stripe) throw serviceUnavailable('Stripe is not configured');
    return (this.stripeGateway ??= new StripeGateway(this.config.stripe.secretKey, this.config.stripeApiBase));
  }

  configured(gateway: Gateway): boolean {
    return gateway === 'razorpay' ? Boolean(this.config.razorpay) : Boolean(this.config.stripe);
  }

  /** The patient's own appointment, still open for payment. */
  private async payable(patientId: string, appointmentId: string): Promise<AppointmentRow> {
    const a = await this.appointments.getFor(appointmentId, 'patient', patientId);
    if (a.status === 'cancelled') throw conflict('Appointment is cancelled and cannot be paid');
    if (a.status === 'completed') throw conflict('Appointment is completed and cannot be paid');
    if (a.paid) throw conflict('Appointment is already paid');
    if (a.amountMinor <= 0) throw conflict('This appointment has nothing to pay');
    // its slot is already free for others: paying now would confirm a booking that no longer holds it
    if (this.isExpired(a, this.clock.now())) throw conflict('The payment window for this appointment has ended');
    return a;
  }

  async createRazorpayOrder(patientId: string, appointmentId: string): Promise<RazorpayOrder> {
    const gateway = this.razorpay();
    const a = await this.payable(patientId, appointmentId);
    let order: RazorpayOrder;
    try {
      order = await gateway.createOrder({ amountMinor: a.amountMinor, currency: a.currency, receipt: a.id, notes: { appointmentId: a.id } });
      // Checkout charges what the order says: an order for another sum must not reach the patient
      const wrong = [order.amount !== a.amountMinor && 'amount', order.currency.toUpperCase() !== a.currency.toUpperCase() && 'currency'].filter((f): f is string => Boolean(f));
      if (wrong.length > 0) throw new GatewayError('razorpay', `order answer differs from the request in ${wrong.join(', ')}`, false, undefined, wrong);
    } catch (err) {
      throw gatewayFailure(err, this.warn);
    }
    await this.repo.insertOrder({ id: order.id, gateway: 'razorpay', appointmentId: a.id, patientId, amountMinor: a.amountMinor, currency: a.currency, status: 'created' });
    return order;
  }

  /**
   * Razorpay Checkout's handler result. With a payment id and signature: the spec's HMAC check.
   * With only the order id: the gateway's order must say `paid`, for the full amount.
   */
  async verifyRazorpay(
    patientId: string,
    input: { orderId: string; paymentId?: string; signature?: string },
  ): Promise<{ message: string }> {
    const gateway = this.razorpay();
    const order = await this.repo.findOrder(input.orderId, 'razorpay');
    if (!order) throw notFound('Unknown Razorpay order');
    if (order.patientId !== patientId) throw forbidden('This payment belongs to another patient');
    let proven: ProvenPayment;
    if (input.paymentId !== undefined || input.signature !== undefined) {
      if (!input.paymentId || !input.signature) throw badRequest('razorpay_payment_id and razorpay_signature must be sent together');
      if (!gateway.checkoutSignatureValid(order.id, input.paymentId, input.signature)) throw badRequest('Invalid payment signature');
      // The signature binds this payment to our order, whose amount we took from the database.
      proven = { order, paymentId: input.paymentId, amountMinor: order.amountMinor, currency: order.currency };
    } else {
      let remote: RazorpayOrder;
      let paymentId: string | undefined;
      try {
        remote = await gateway.fetchOrder(order.id);
        if (remote.status !== 'paid') throw paymentRequired('Payment not completed');
        paymentId = (await gateway.orderPayments(order.id)).find((p) => p.status === 'captured')?.id;
      } catch (err) {
        if (err instanceof AppError) throw err;
        throw gatewayFailure(err, this.warn);
      }
      if (!paymentId) throw paymentRequired('Payment not completed');
      proven = { order, paymentId, amountMinor: remote.amount_paid ?? 0, currency: remote.currency }; // amount_paid is checked present by fetchOrder
    }
    return this.answer(await this.settle('razorpay', proven));
  }

  /** Success and cancel URLs go back to the frontend (FRONTEND_URL, else the caller's Origin). */
  private returnBase(origin: string | undefined): string {
    const configured = this.config.frontendUrls[0];
    if (configured) return configured;
    if (origin) {
      try {
        const u = new URL(origin);
        if (u.protocol === 'http:' || u.protocol === 'https:') return u.origin;
      } catch {
        /* fall through */
      }
    }
    throw badRequest('Cannot build the return address: set FRONTEND_URL or send an Origin header');
  }

  async createStripeSession(patientId: string, appointmentId: string, origin?: string): Promise<CheckoutSession & { url: string }> {
    const gateway = this.stripe();
    const a = await this.payable(patientId, appointmentId);
    const base = this.returnBase(origin);
    let session: CheckoutSession & { url: string };
    try {
      session = await gateway.createCheckoutSession({
        appointmentId: a.id,
        amountMinor: a.amountMinor,
        currency: a.currency,
        productName: `Appointment with ${a.docData.name}`,
        description: `${a.docData.speciality}, ${a.slotDate} at ${a.slotTime}`,
        // Stripe fills in {CHECKOUT_SESSION_ID}, so the return names the very session that was paid
        successUrl: `${base}/verify?success=true&appointmentId=${a.id}&session_id={CHECKOUT_SESSION_ID}`,
        cancelUrl: `${base}/verify?success=false&appointmentId=${a.id}`,
        customerEmail: a.userData.email || undefined,
      });
    } catch (err) {
      throw gatewayFailure(err, this.warn);
    }
    await this.repo.insertOrder({ id: session.id, gateway: 'stripe', appointmentId: a.id, patientId, amountMinor: a.amountMinor, currency: a.currency, status: 'created' });
    return session;
  }

  /**
   * Asks Stripe about the appointment's session (`session_id`), or, for old clients that send only
   * the appointment id, about every session opened for it: the patient may have opened several
   * (another tab, a retry) and paid an older one. The client's `success` flag plays no part.
   */
  async verifyStripe(patientId: string, input: { appointmentId: string; sessionId?: string }): Promise<{ message: string }> {
    const gateway = this.stripe();
    const a = await this.appointments.getFor(input.appointmentId, 'patient', patientId);
    let orders: PaymentOrderRow[];
    if (input.sessionId) {
      const order = await this.repo.findOrder(input.sessionId, 'stripe');
      if (!order) throw badRequest('Unknown Stripe session');
      if (order.appointmentId !== a.id) throw badRequest('This Stripe session is for another appointment');
      orders = [order];
    } else {
      orders = await this.repo.ordersOf(a.id, 'stripe', MAX_SESSIONS_CHECKED);
      if (orders.length === 0) throw badRequest('No Stripe payment was started for this appointment');
    }
    if (a.paid && orders.some((o) => o.id === a.paymentRef)) return { message: 'Payment already verified' };
    const outcomes: SettleOutcome[] = [];
    let refusal: AppError | undefined;
    for (const order of orders) {
      let session: CheckoutSession;
      try {
        session = await gateway.retrieveSession(order.id);
      } catch (err) {
        refusal ??= gatewayFailure(err, this.warn);
        continue;
      }
      if (session.paymentStatus !== 'paid') continue;
      if (session.appointmentId !== a.id) {
        refusal ??= badRequest('This Stripe session is for another appointment');
        continue;
      }
      try {
        // every paid session is settled: a second payment of the appointment is returned
        outcomes.push(
          await this.settle('stripe', { order, paymentId: session.paymentIntentId ?? session.id, amountMinor: session.amountTotal ?? -1, currency: session.currency ?? '' }),
        );
      } catch (err) {
        if (!(err instanceof AppError)) throw err;
        refusal ??= err;
      }
    }
    const best = (['confirmed', 'already-confirmed'] as const).find((o) => outcomes.includes(o)) ?? outcomes[0];
    if (best === 'confirmed' || best === 'already-confirmed' || (best && !refusal)) return this.answer(best);
    if (refusal) throw refusal;
    throw paymentRequired('Payment not completed');
  }

  private answer(outcome: SettleOutcome): { message: string } {
    switch (outcome) {
      case 'confirmed':
        return { message: 'Payment Successful' };
      case 'already-confirmed':
        return { message: 'Payment already verified' };
      case 'refund-queued':
        throw conflict('Appointment is no longer open for payment; the payment will be refunded');
    }
  }

  /**
   * Applies a payment the gateway proved: the amount and currency must be the order's (taken from
   * the database), then the appointment is confirmed once. A payment that lands on an appointment
   * cancelled meanwhile is refunded in full.
   */
  async settle(gateway: Gateway, p: ProvenPayment): Promise<SettleOutcome> {
    if (p.amountMinor !== p.order.amountMinor || p.currency.toUpperCase() !== p.order.currency.toUpperCase()) {
      await this.repo.markOrder(p.order.id, 'rejected', p.paymentId);
      this.warn('payment amount mismatch', { gateway, order: p.order.id, expected: p.order.amountMinor, got: p.amountMinor, currency: p.currency });
      // The gateway took this money and the appointment cannot take it: what was captured goes back.
      if (p.amountMinor > 0) await this.refundUnapplied(gateway, p.order.appointmentId, p);
      throw badRequest('Payment amount does not match the appointment');
    }
    const confirmed = await this.lifecycle.confirmPayment(p.order.appointmentId, { gateway, ref: p.order.id, paymentId: p.paymentId });
    if (confirmed) {
      this.metrics.payment(gateway, 'verified'); // counted once: only the winning confirmation gets here
      await this.repo.markOrder(p.order.id, 'paid', p.paymentId);
      return 'confirmed';
    }
    const now = await this.appointments.get(p.order.appointmentId);
    if (now.paid && now.paymentRef === p.order.id && (now.paymentId === p.paymentId || !now.paymentId)) return 'already-confirmed';
    // Money the appointment cannot take goes back in full: cancelled or completed meanwhile, its
    // payment window over (the slot was released for others), or paid twice.
    this.warn('payment could not be applied; refunding it', { gateway, appointmentId: now.id, status: now.status, paid: now.paid });
    await this.refundUnapplied(gateway, now.id, p);
    return 'refund-queued';
  }

  /** Queues (once per gateway payment) the refund of everything a payment captured; the refund processor hears of it. */
  private async refundUnapplied(gateway: Gateway, appointmentId: string, p: ProvenPayment): Promise<void> {
    const currency = p.currency.toUpperCase();
    await this.repo.queueUnappliedRefund({ appointmentId, gateway, paymentId: p.paymentId, amountMinor: p.amountMinor, currency });
    await this.events.publish({ kind: 'payment', type: 'refund-queued', appointmentId, gateway, amountMinor: p.amountMinor, currency, at: this.clock.now() }, (err) =>
      this.warn('a listener of a queued refund failed', { err }),
    );
  }
}
