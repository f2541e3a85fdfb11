// Razorpay adapter over the official SDK. RAZORPAY_API_BASE re-points the SDK's own axios client
// (`api.rq`, whose baseURL the SDK sets to https://api.razorpay.com) without forking the SDK.
import type Razorpay from 'razorpay';
import { lazy } from '../../lib/lazy.js';
import { GatewayError, hmacHex, sameHex, type IssuedRefund, type RefundState } from './gateway.js';

export interface RazorpayOrder {
  id: string;
  entity: string;
  amount: number;
  amount_paid: number;
  amount_due: number;
  currency: string;
  receipt: string | null;
  status: string;
  attempts: number;
  created_at: number;
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
      const order = await sdk.orders.create({ amount: input.amountMinor, currency: input.currency, receipt: input.receipt, notes: input.notes });
      return order as unknown as RazorpayOrder;
    } catch (err) {
      throw wrap(err);
    }
  }

  async fetchOrder(orderId: string): Promise<RazorpayOrder> {
    try {
      const sdk = await this.client();
      return (await sdk.orders.fetch(orderId)) as unknown as RazorpayOrder;
    } catch (err) {
      throw wrap(err);
    }
  }

  async orderPayments(orderId: string): Promise<RazorpayPayment[]> {
    try {
      const sdk = await this.client();
      const res = await sdk.orders.fetchPayments(orderId);
      return (res.items ?? []) as unknown as RazorpayPayment[];
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
