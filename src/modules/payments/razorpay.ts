// Razorpay adapter over the official SDK. RAZORPAY_API_BASE re-points the SDK's own axios client
// (`api.rq`, whose baseURL the SDK sets to https://api.razorpay.com) without forking the SDK.
import type Razorpay from 'razorpay';
import { lazy } from '../../lib/lazy.js';
import { AnswerReader, GatewayError, hmacHex, sameHex, type IssuedRefund, type RefundState } from './gateway.js';

/**
 * The order fields this app reads, checked (AnswerReader): `id`, `amount` and `currency` always
 * (what Razorpay Checkout needs), the rest only when the gateway sent them with the right type.
 */
export interface RazorpayOrder {
  id: string;
  entity?: string;
  amount: number;
  amount_paid?: number;
  amount_due?: number;
  currency: string;
  receipt?: string | null;
  status?: string;
  attempts?: number;
  created_at?: number;
}

/** An order answer, with `require` naming what the caller cannot do without (beyond id, amount and currency). */
function readOrder(raw: unknown, require: Array<'status' | 'amount_paid'> = []): RazorpayOrder {
  const r = new AnswerReader('razorpay', 'order', raw);
  const receipt = r.raw('receipt');
  const order: RazorpayOrder = {
    id: r.string('id', true),
    entity: r.string('entity'),
    amount: r.integer('amount', true),
    amount_paid: r.integer('amount_paid', require.includes('amount_paid')),
    amount_due: r.integer('amount_due'),
    currency: r.string('currency', true),
    receipt: typeof receipt === 'string' || receipt === null ? receipt : undefined,
    status: r.string('status', require.includes('status')),
    attempts: r.integer('attempts'),
    created_at: r.integer('created_at'),
  };
  r.done();
  // fields left undefined are dropped, so the answer carries only what the gateway really said
  return Object.fromEntries(Object.entries(order).filter(([, v]) => v !== undefined)) as unknown as RazorpayOrder;
}

export interface RazorpayPayment {
  id: string;
  order_id: string | null;
  amount: number;
  currency: string;
  status: string;
}

interface SdkError {
  statusCode?: number;
  error?: { code?: string; description?: string };
  message?: string;
}

function wrap(err: unknown): GatewayError {
  if (err instanceof GatewayError) return err;
  const e = (err ?? {}) as SdkError;
  const status = typeof e.statusCode === 'number' ? e.statusCode : undefined;
  // The SDK's error normaliser itself throws a TypeError when there was no HTTP response at all.
  const detail = e.error?.description ?? e.error?.code ?? e.message ?? 'no response';
  return new GatewayError('razorpay', detail, status === undefined || status >= 500 || status === 429, status);
}

export const refundState = (status: string | undefined): RefundState =>
  status === 'processed' ? 'processed' : status === 'failed' ? 'failed' : 'pending';

const loadRazorpay = lazy(async () => (await import('razorpay')).default);

export class RazorpayGateway {
  /** the SDK client, made on first use (see lib/lazy.ts) */
  private readonly client: () => Promise<Razorpay>;

  constructor(
    private readonly keys: { keyId: string; keySecret: string },
    apiBase?: string,
  ) {
    this.client = lazy(async () => {
      const sdk = new (await loadRazorpay())({ key_id: keys.keyId, key_secret: keys.keySecret });
      const rq = (sdk as unknown as { api?: { rq?: { defaults: { baseURL?: string; timeout?: number } } } }).api?.rq;
      if (apiBase) {
        if (!rq) throw new Error('razorpay SDK layout changed: cannot apply RAZORPAY_API_BASE');
        rq.defaults.baseURL = apiBase.replace(/\/$/, '');
      }
      if (rq) rq.defaults.timeout = 20_000; // the SDK sets none; a hung gateway must not hang the request
      return sdk;
    });
  }

  get keyId(): string {
    return this.keys.keyId;
  }

  async createOrder(input: { amountMinor: number; currency: string; receipt: string; notes: Record<string, string> }): Promise<RazorpayOrder> {
    try {
      const sdk = await this.client();
      const raw = await sdk.orders.create({ amount: input.amountMinor, currency: input.currency, receipt: input.receipt, notes: input.notes });
      return readOrder(raw);
    } catch (err) {
      throw wrap(err);
    }
  }

  async fetchOrder(orderId: string): Promise<RazorpayOrder> {
    try {
      const sdk = await this.client();
      return readOrder(await sdk.orders.fetch(orderId), ['status', 'amount_paid']);
    } catch (err) {
      throw wrap(err);
    }
  }

  async orderPayments(orderId: string): Promise<RazorpayPayment[]> {
    try {
      const sdk = await this.client();
      const res: unknown = await sdk.orders.fetchPayments(orderId);
      const items = new AnswerReader('razorpay', 'payment list', res).raw('items');
      if (!Array.isArray(items)) throw new GatewayError('razorpay', 'payment list answer lacks items', false, undefined, ['items']);
      // a payment without an id or status cannot prove anything: it is left out
      return items.flatMap((item): RazorpayPayment[] => {
        const r = new AnswerReader('razorpay', 'payment', item);
        const id = r.string('id');
        const status = r.string('status');
        const orderId = r.string('order_id');
        return id && status ? [{ id, status, order_id: orderId ?? null, amount: r.integer('amount') ?? 0, currency: r.string('currency') ?? '' }] : [];
      });
    } catch (err) {
      throw wrap(err);
    }
  }

  async refund(paymentId: string, amountMinor: number, appointmentId: string): Promise<IssuedRefund> {
    try {
      const sdk = await this.client();
      const r = await sdk.payments.refund(paymentId, {
        amount: amountMinor,
        receipt: `refund-${appointmentId}`,
        notes: { reason: 'Appointment cancellation', appointmentId },
      });
      return { id: r.id, state: refundState(r.status) };
    } catch (err) {
      throw wrap(err);
    }
  }

  /** A refund this app already issued for the appointment (Razorpay has no idempotency keys). */
  async findRefund(paymentId: string, appointmentId: string): Promise<IssuedRefund | undefined> {
    try {
      const sdk = await this.client();
      const res = await sdk.payments.fetchMultipleRefund(paymentId, { count: 100 });
      const found = (res.items ?? []).find((r) => (r.notes as Record<string, unknown> | undefined)?.appointmentId === appointmentId);
      return found ? { id: found.id, state: refundState(found.status) } : undefined;
    } catch (err) {
      throw wrap(err);
    }
  }

  /** The checkout signature, as the spec shows: HMAC-SHA256(order_id + "|" + payment_id, key secret). */
  checkoutSignatureValid(orderId: string, paymentId: string, signature: string): boolean {
    return sameHex(hmacHex(this.keys.keySecret, `${orderId}|${paymentId}`), signature);
  }
}

/** Webhook signature: HMAC-SHA256 of the raw body with the webhook secret, hex, in X-Razorpay-Signature. */
export const razorpayWebhookValid = (raw: Buffer, signature: string, secret: string): boolean => sameHex(hmacHex(secret, raw), signature);
