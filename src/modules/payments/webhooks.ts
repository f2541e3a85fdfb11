// Gateway webhooks: the signature over the raw body is checked first, then each event is recorded
// once (payment_events primary key). A replay or a concurrent duplicate finds the row taken and
// changes nothing; a delivery whose handling fails is forgotten again so the gateway's retry counts,
// and one whose process died mid-way is claimed again by a redelivery once its lease has passed.
import { createHash } from 'node:crypto';
import type { Config } from '../../config.js';
import { AppError, badRequest, serviceUnavailable } from '../../lib/errors.js';
import type { RefundState } from './gateway.js';
import { razorpayWebhookValid, refundState as razorpayRefundState } from './razorpay.js';
import type { RefundProcessor } from './refunds.js';
import type { PaymentRepo } from './repo.js';
import type { PaymentMetrics, PaymentService } from './service.js';
import { stripeRefundState, stripeWebhookEvent } from './stripe.js';
import type { Gateway, RefundJobRow } from './tables.js';

export interface WebhookResult {
  received: true;
  duplicate: boolean;
  outcome: string;
}

/**
 * How long a delivery holds an event it is handling. Handling is a few database statements (gateway
 * calls such as refunds run afterwards, in the background), so a `received` row older than this was
 * left by a process that died mid-way; the gateway's next redelivery handles it again. Handlers are
 * idempotent (conditional updates), so even a slow first delivery overlapping a reclaim applies a
 * payment once.
 */
const EVENT_LEASE_SECONDS = 120;

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const text = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const idOf = (v: unknown): string | undefined => text(v) ?? text(obj(v).id);

export class WebhookService {
  constructor(
    private readonly repo: PaymentRepo,
    private readonly payments: PaymentService,
    private readonly refunds: RefundProcessor,
    private readonly config: Config,
    private readonly metrics: PaymentMetrics = { payment: () => {} },
  ) {}

  /**
   * Records the event once under all its `keys` and runs `handle`; a delivery matching any key
   * recorded before is a duplicate and answers without running it.
   */
  private async once(gateway: Gateway, keys: string[], type: string, handle: () => Promise<{ outcome: string; appointmentId?: string }>): Promise<WebhookResult> {
    if (!(await this.repo.recordEvent(gateway, keys, type, EVENT_LEASE_SECONDS))) return { received: true, duplicate: true, outcome: 'duplicate' };
    let result: { outcome: string; appointmentId?: string };
    try {
      result = await handle();
    } catch (err) {
      if (err instanceof AppError && err.statusCode < 500) {
        // A refusal (wrong amount…) will not change on redelivery: keep the event, with why.
        result = { outcome: `rejected: ${err.message}` };
        this.metrics.payment(gateway, 'failed');
      } else {
        await this.repo.forgetEvent(gateway, keys);
        throw err;
      }
    }
    await this.repo.setEventOutcome(gateway, keys, result.outcome, result.appointmentId ?? null);
    return { received: true, duplicate: false, outcome: result.outcome };
  }

  async stripe(raw: Buffer, signature: string | undefined): Promise<WebhookResult> {
    const secret = this.config.stripeWebhookSecret;
    if (!secret) throw serviceUnavailable('Stripe webhook is not configured');
    if (!signature) throw badRequest('Missing Stripe-Signature header');
    const event = await stripeWebhookEvent(raw, signature, secret);
    if (!event) throw badRequest('Invalid Stripe signature');
    const data = obj(obj(event.data).object);
    // the event id is inside the signed body, so it alone identifies a delivery
    return this.once('stripe', [event.id], event.type, async () => {
      switch (event.type) {
        case 'checkout.session.completed':
        case 'checkout.session.async_payment_succeeded':
          return this.stripeSessionPaid(data);
        case 'refund.created':
        case 'refund.updated':
        case 'refund.failed':
        case 'charge.refund.updated':
          return this.refundEvent('stripe', idOf(data.id), idOf(data.payment_intent), stripeRefundState(text(data.status)));
        case 'charge.refunded':
          return this.stripeChargeRefunded(data);
        default:
          return { outcome: 'ignored' };
      }
    });
  }

  private async stripeSessionPaid(session: Obj): Promise<{ outcome: string; appointmentId?: string }> {
    const id = text(session.id);
    const order = id ? await this.repo.findOrder(id, 'stripe') : undefined;
    if (!order) return { outcome: 'ignored: unknown session' };
    if (session.payment_status !== 'paid') return { outcome: 'ignored: not paid yet', appointmentId: order.appointmentId };
    const ref = text(session.client_reference_id) ?? text(obj(session.metadata).appointmentId);
    if (ref !== order.appointmentId) return { outcome: 'rejected: session is for another appointment', appointmentId: order.appointmentId };
    const outcome = await this.payments.settle('stripe', {
      order,
      paymentId: idOf(session.payment_intent) ?? order.id,
      amountMinor: num(session.amount_total) ?? -1,
      currency: text(session.currency) ?? '',
    });
    return { outcome, appointmentId: order.appointmentId };
  }

  /**
   * `charge.refunded` carries the charge. API versions since 2022-11-15 no longer embed its
   * `refunds` list, and `amount_refunded` counts pending refunds too, so the refund's own state is
   * asked of Stripe (the embedded list is used when an older version still sends it).
   */
  private async stripeChargeRefunded(charge: Obj): Promise<{ outcome: string; appointmentId?: string }> {
    const paymentIntent = idOf(charge.payment_intent);
    const embedded = obj(charge.refunds).data;
    if (Array.isArray(embedded) && embedded.length > 0) {
      const latest = obj(embedded[0]);
      return this.refundEvent('stripe', idOf(latest.id), paymentIntent, stripeRefundState(text(latest.status)));
    }
    const job = paymentIntent ? await this.repo.findRefundByPayment('stripe', paymentIntent) : undefined;
    if (!job || !paymentIntent) return { outcome: 'ignored: refund not issued here' };
    const refund = await this.payments.stripe().findRefund(paymentIntent, job.appointmentId, job.refundId);
    if (!refund) return { outcome: 'ignored: refund not issued here', appointmentId: job.appointmentId };
    return { outcome: await this.refunds.refundUpdate(job, refund), appointmentId: job.appointmentId };
  }

  async razorpay(raw: Buffer, signature: string | undefined, eventIdHeader: string | undefined): Promise<WebhookResult> {
    const secret = this.config.razorpayWebhookSecret;
    if (!secret) throw serviceUnavailable('Razorpay webhook is not configured');
    if (!signature || !razorpayWebhookValid(raw, signature, secret)) throw badRequest('Invalid Razorpay signature');
    let body: Obj;
    try {
      body = obj(JSON.parse(raw.toString('utf8')));
    } catch {
      throw badRequest('The request body is not valid JSON');
    }
    const type = text(body.event) ?? 'unknown';
    // Razorpay sends the event id in X-Razorpay-Event-Id, which the signature does not cover: a
    // captured signed body replayed under a new header must still count as seen. So the hash of
    // the signed body is a key too, and a delivery matching either key is a duplicate.
    const keys = [`sha256:${createHash('sha256').update(raw).digest('hex')}`];
    if (eventIdHeader) keys.unshift(eventIdHeader);
    const payload = obj(body.payload);
    const payment = obj(obj(payload.payment).entity);
    return this.once('razorpay', keys, type, async () => {
      switch (type) {
        case 'payment.captured':
        case 'order.paid':
          return this.razorpayPaid(payment, obj(obj(payload.order).entity));
        case 'refund.created':
        case 'refund.processed':
        case 'refund.failed': {
          const refund = obj(obj(payload.refund).entity);
          return this.refundEvent('razorpay', text(refund.id), text(refund.payment_id) ?? text(payment.id), razorpayRefundState(text(refund.status)));
        }
        default:
          return { outcome: 'ignored' };
      }
    });
  }

  private async razorpayPaid(payment: Obj, orderEntity: Obj): Promise<{ outcome: string; appointmentId?: string }> {
    const orderId = text(payment.order_id) ?? text(orderEntity.id);
    const order = orderId ? await this.repo.findOrder(orderId, 'razorpay') : undefined;
    if (!order) return { outcome: 'ignored: unknown order' };
    const paymentId = text(payment.id);
    if (!paymentId || payment.status !== 'captured') return { outcome: 'ignored: payment not captured', appointmentId: order.appointmentId };
    const outcome = await this.payments.settle('razorpay', {
      order,
      paymentId,
      amountMinor: num(payment.amount) ?? -1,
      currency: text(payment.currency) ?? '',
    });
    return { outcome, appointmentId: order.appointmentId };
  }

  private async refundEvent(gateway: Gateway, refundId: string | undefined, paymentId: string | undefined, state: RefundState): Promise<{ outcome: string; appointmentId?: string }> {
    let job: RefundJobRow | undefined;
    if (refundId) job = await this.repo.findRefundByGatewayId(gateway, refundId);
    if (!job && paymentId) job = await this.repo.findRefundByPayment(gateway, paymentId);
    if (!job || !refundId) return { outcome: 'ignored: refund not issued here' };
    return { outcome: await this.refunds.refundUpdate(job, { id: refundId, state }), appointmentId: job.appointmentId };
  }
}
