// Stripe adapter over the official SDK. STRIPE_API_BASE becomes the SDK's host/port/protocol
// options (stripe-mock, a proxy, or the tests' stand-in); unset, the SDK talks to api.stripe.com.
// The SDK has no path option, so config.ts refuses a base with a path.
import type Stripe from 'stripe';
import { lazy } from '../../lib/lazy.js';
import { AnswerReader, GatewayError, type IssuedRefund, type RefundState } from './gateway.js';

export interface CheckoutSession {
  id: string;
  url: string | null;
  paymentStatus: string;
  amountTotal: number | null;
  currency: string | null;
  appointmentId: string | null;
  paymentIntentId: string | null;
}

export interface CheckoutInput {
  appointmentId: string;
  amountMinor: number;
  currency: string;
  productName: string;
  description: string;
  successUrl: string;
  cancelUrl: string;
  customerEmail?: string;
}

const loadStripe = lazy(async () => (await import('stripe')).default);

function wrap(err: unknown, sdk: typeof Stripe): GatewayError {
  if (err instanceof GatewayError) return err;
  if (err instanceof sdk.errors.StripeError) {
    const status = err.statusCode;
    const retryable = status === undefined || status >= 500 || status === 429 || err.type === 'StripeConnectionError';
    return new GatewayError('stripe', `${err.type}: ${err.message}`, retryable, status);
  }
  return new GatewayError('stripe', err instanceof Error ? err.message : String(err), true);
}

export const stripeRefundState = (status: string | null | undefined): RefundState =>
  status === 'succeeded' ? 'processed' : status === 'failed' || status === 'canceled' ? 'failed' : 'pending';

function idOf(v: string | { id: string } | null | undefined): string | null {
  if (!v) return null;
  return typeof v === 'string' ? v : v.id;
}

/**
 * The session fields this app reads, checked (AnswerReader): `id` always, `url` for a session just
 * created (the patient is sent there), `payment_status` for one asked about.
 */
export function sessionView(raw: unknown, require: 'url' | 'payment_status'): CheckoutSession {
  const r = new AnswerReader('stripe', 'checkout session', raw);
  const metadata = r.raw('metadata');
  const intent = r.raw('payment_intent');
  const view: CheckoutSession = {
    id: r.string('id', true),
    url: r.string('url', require === 'url') ?? null,
    paymentStatus: r.string('payment_status', require === 'payment_status') ?? '',
    amountTotal: r.integer('amount_total') ?? null,
    currency: r.string('currency') ?? null,
    appointmentId:
      r.string('client_reference_id') ??
      (metadata && typeof metadata === 'object' && typeof (metadata as Record<string, unknown>).appointmentId === 'string'
        ? ((metadata as Record<string, string>).appointmentId ?? null)
        : null),
    paymentIntentId: typeof intent === 'string' || (intent && typeof intent === 'object' && typeof (intent as { id?: unknown }).id === 'string') ? idOf(intent as string | { id: string }) : null,
  };
  r.done();
  return view;
}

export class StripeGateway {
  private readonly client: () => Promise<Stripe>;

  constructor(secretKey: string, apiBase?: string) {
    const opts: ConstructorParameters<typeof Stripe>[1] = { timeout: 20_000, maxNetworkRetries: 1 };
    if (apiBase) {
      const u = new URL(apiBase);
      if (u.pathname !== '/' && u.pathname !== '') throw new Error('STRIPE_API_BASE cannot carry a path: the Stripe SDK takes only protocol, host and port');
      opts.host = u.hostname;
      opts.protocol = u.protocol === 'http:' ? 'http' : 'https';
      if (u.port) opts.port = Number(u.port);
    }
    this.client = lazy(async () => new (await loadStripe())(secretKey, opts));
  }

  /** Runs one SDK call; its errors become GatewayErrors (retryable or not). */
  private async call<T>(fn: (sdk: Stripe) => Promise<T>): Promise<T> {
    const [Sdk, sdk] = await Promise.all([loadStripe(), this.client()]);
    try {
      return await fn(sdk);
    } catch (err) {
      throw wrap(err, Sdk);
    }
  }

  async createCheckoutSession(input: CheckoutInput): Promise<CheckoutSession & { url: string }> {
    return this.call(async (sdk) => {
      const session = await sdk.checkout.sessions.create(
        {
          mode: 'payment',
          line_items: [
            {
              quantity: 1,
              price_data: {
                currency: input.currency.toLowerCase(),
                unit_amount: input.amountMinor,
                product_data: { name: input.productName, description: input.description },
              },
            },
          ],
          success_url: input.successUrl,
          cancel_url: input.cancelUrl,
          client_reference_id: input.appointmentId,
          metadata: { appointmentId: input.appointmentId },
          payment_intent_data: { metadata: { appointmentId: input.appointmentId } },
          ...(input.customerEmail ? { customer_email: input.customerEmail } : {}),
        },
      ); // the SDK adds an idempotency key to its own network retries, so a blip opens one session
      const view = sessionView(session, 'url');
      return { ...view, url: view.url ?? '' }; // sessionView refused an answer without a url
    });
  }

  async retrieveSession(id: string): Promise<CheckoutSession> {
    return this.call(async (sdk) => sessionView(await sdk.checkout.sessions.retrieve(id), 'payment_status'));
  }

  /**
   * The gateway's current word on a refund this app issued for the appointment: by its id when
   * known, else among the PaymentIntent's refunds by the appointment id put in its metadata.
   */
  async findRefund(paymentIntentId: string, appointmentId: string, refundId?: string | null): Promise<IssuedRefund | undefined> {
    return this.call(async (sdk) => {
      if (refundId) {
        const r = await sdk.refunds.retrieve(refundId);
        return { id: r.id, state: stripeRefundState(r.status) };
      }
      const list = await sdk.refunds.list({ payment_intent: paymentIntentId, limit: 100 });
      const r = list.data.find((x) => x.metadata?.appointmentId === appointmentId);
      return r ? { id: r.id, state: stripeRefundState(r.status) } : undefined;
    });
  }

  /** Refunds part or all of a PaymentIntent; the idempotency key makes a retried call return the same refund. */
  async refund(paymentIntentId: string, amountMinor: number, appointmentId: string, idempotencyKey: string): Promise<IssuedRefund> {
    return this.call(async (sdk) => {
      const r = await sdk.refunds.create(
        { payment_intent: paymentIntentId, amount: amountMinor, reason: 'requested_by_customer', metadata: { appointmentId } },
        { idempotencyKey },
      );
      return { id: r.id, state: stripeRefundState(r.status) };
    });
  }
}

/** Verifies a webhook's Stripe-Signature over the raw body: the event, or undefined when it does not verify. */
export async function stripeWebhookEvent(raw: Buffer, signature: string, secret: string): Promise<Stripe.Event | undefined> {
  const sdk = await loadStripe();
  try {
    return sdk.webhooks.constructEvent(raw, signature, secret);
  } catch {
    return undefined; // a bad or stale signature, or a body that is not the signed JSON
  }
}
