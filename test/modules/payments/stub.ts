// A local stand-in for the Razorpay and Stripe HTTP APIs: the real SDKs are pointed at it through
// RAZORPAY_API_BASE / STRIPE_API_BASE. It keeps orders, payments, sessions and refunds in memory,
// answers in each gateway's JSON shapes, records every request for assertions, and can be told to
// fail. Webhook signing helpers implement each gateway's documented algorithm.
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DomainEvent } from '../../../src/lib/events.js';
import { bearer, book, createDoctor, futureSlot, get, json, makeTestApp, registerPatient, type TestApp } from '../../helpers/app.js';

export const RZP_KEY_ID = 'rzp_test_standin';
export const RZP_KEY_SECRET = 'rzp_secret_standin_123';
export const RZP_WEBHOOK_SECRET = 'rzp_webhook_secret_456';
export const STRIPE_KEY = 'sk_test_standin_789';
export const STRIPE_WEBHOOK_SECRET = 'whsec_standin_abc';

export interface RecordedRequest {
  method: string;
  path: string;
  auth: string | undefined;
  /** JSON body (Razorpay) or the flat form fields (Stripe) */
  body: Record<string, unknown>;
  idempotencyKey: string | undefined;
}

type Json = Record<string, any>;
const rid = (prefix: string) => `${prefix}_${randomBytes(7).toString('hex')}`;

export class GatewayStub {
  readonly requests: RecordedRequest[] = [];
  readonly orders = new Map<string, Json>();
  readonly payments = new Map<string, Json>();
  readonly sessions = new Map<string, Json>();
  readonly refunds = new Map<string, Json>();
  /** status new refunds report: Razorpay `processed`/`pending`, Stripe `succeeded`/`pending` */
  razorpayRefundStatus = 'processed';
  stripeRefundStatus = 'succeeded';
  private readonly failures = new Map<string, { status: number; times: number }>();
  private readonly reshapes = new Map<string, (body: Json) => unknown>();
  private currentRoute = '';
  private server?: http.Server;
  base = '';

  async start(): Promise<string> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => this.handle(req, Buffer.concat(chunks).toString('utf8'), res));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.base;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  /** The next `times` requests whose `METHOD /path` starts with `route` answer `status`. */
  fail(route: string, status: number, times = 1000): void {
    this.failures.set(route, { status, times });
  }

  clearFailures(): void {
    this.failures.clear();
    this.reshapes.clear();
  }

  /**
   * Successful answers to requests whose `METHOD /path` starts with `route` go out as `reshape`
   * makes them (a gateway whose answer changed shape); the stand-in's own records stay whole.
   * Cleared by clearFailures().
   */
  reshape(route: string, reshape: (body: Json) => unknown): void {
    this.reshapes.set(route, reshape);
  }

  find(method: string, pathPrefix: string): RecordedRequest[] {
    return this.requests.filter((r) => r.method === method && r.path.startsWith(pathPrefix));
  }

  /** Razorpay: a captured payment for the order (of `amount`, default the order's). */
  payRazorpayOrder(orderId: string, amount?: number): Json {
    const order = this.orders.get(orderId);
    if (!order) throw new Error(`no order ${orderId}`);
    const payment = { id: rid('pay'), entity: 'payment', amount: amount ?? order.amount, currency: order.currency, status: 'captured', order_id: orderId, captured: true, created_at: Math.floor(Date.now() / 1000) };
    this.payments.set(payment.id, payment);
    Object.assign(order, { status: 'paid', amount_paid: payment.amount, amount_due: 0, attempts: order.attempts + 1 });
    return payment;
  }

  /** Stripe: the session becomes paid (for `amountTotal`, default the session's). */
  payStripeSession(sessionId: string, amountTotal?: number): Json {
    const s = this.sessions.get(sessionId);
    if (!s) throw new Error(`no session ${sessionId}`);
    Object.assign(s, { payment_status: 'paid', status: 'complete', payment_intent: rid('pi'), amount_total: amountTotal ?? s.amount_total });
    return s;
  }

  private send(res: http.ServerResponse, status: number, body: unknown): void {
    for (const [route, reshape] of this.reshapes) {
      if (status === 200 && this.currentRoute.startsWith(route)) body = reshape(structuredClone(body) as Json);
    }
    res.writeHead(status, { 'content-type': 'application/json', 'request-id': rid('req') });
    res.end(JSON.stringify(body));
  }

  private handle(req: http.IncomingMessage, raw: string, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://stub');
    const path = url.pathname;
    const method = req.method ?? 'GET';
    const isStripe = path.startsWith('/v1/checkout') || path.startsWith('/v1/refunds');
    let body: Record<string, unknown> = {};
    if (raw) body = isStripe ? Object.fromEntries(new URLSearchParams(raw)) : (JSON.parse(raw) as Json);
    else if (isStripe && method === 'GET') body = Object.fromEntries(url.searchParams); // list filters
    const auth = typeof req.headers.authorization === 'string' ? req.headers.authorization : undefined;
    const idem = typeof req.headers['idempotency-key'] === 'string' ? req.headers['idempotency-key'] : undefined;
    this.requests.push({ method, path, auth, body, idempotencyKey: idem });

    const key = `${method} ${path}`;
    this.currentRoute = key; // every handler answers synchronously, so send() sees its own request's route
    for (const [route, f] of this.failures) {
      if (key.startsWith(route) && f.times > 0) {
        f.times--;
        return isStripe
          ? this.send(res, f.status, { error: { type: f.status >= 500 ? 'api_error' : 'invalid_request_error', message: 'stand-in failure' } })
          : this.send(res, f.status, { error: { code: f.status >= 500 ? 'SERVER_ERROR' : 'BAD_REQUEST_ERROR', description: 'stand-in failure' } });
      }
    }
    if (isStripe) return this.stripe(method, path, body, auth, res);
    return this.razorpay(method, path, body, auth, res);
  }

  private razorpay(method: string, path: string, body: Json, auth: string | undefined, res: http.ServerResponse): void {
    if (auth !== `Basic ${Buffer.from(`${RZP_KEY_ID}:${RZP_KEY_SECRET}`).toString('base64')}`) {
      return this.send(res, 401, { error: { code: 'BAD_REQUEST_ERROR', description: 'Authentication failed' } });
    }
    const notFound = () => this.send(res, 400, { error: { code: 'BAD_REQUEST_ERROR', description: 'The id provided does not exist' } });
    let m: RegExpExecArray | null;
    if (method === 'POST' && path === '/v1/orders') {
      const order = {
        id: rid('order'), entity: 'order', amount: body.amount, amount_paid: 0, amount_due: body.amount, currency: body.currency,
        receipt: body.receipt ?? null, offer_id: null, status: 'created', attempts: 0, notes: body.notes ?? [], created_at: Math.floor(Date.now() / 1000),
      };
      this.orders.set(order.id, order);
      return this.send(res, 200, order);
    }
    if (method === 'GET' && (m = /^\/v1\/orders\/([^/]+)\/payments$/.exec(path))) {
      if (!this.orders.has(m[1])) return notFound();
      const items = [...this.payments.values()].filter((p) => p.order_id === m![1]);
      return this.send(res, 200, { entity: 'collection', count: items.length, items });
    }
    if (method === 'GET' && (m = /^\/v1\/orders\/([^/]+)$/.exec(path))) {
      const order = this.orders.get(m[1]);
      return order ? this.send(res, 200, order) : notFound();
    }
    if (method === 'POST' && (m = /^\/v1\/payments\/([^/]+)\/refund$/.exec(path))) {
      const payment = this.payments.get(m[1]);
      if (!payment) return notFound();
      const refund = { id: rid('rfnd'), entity: 'refund', amount: body.amount ?? payment.amount, currency: payment.currency, payment_id: payment.id, notes: body.notes ?? {}, receipt: body.receipt ?? null, status: this.razorpayRefundStatus, created_at: Math.floor(Date.now() / 1000) };
      this.refunds.set(refund.id, refund);
      return this.send(res, 200, refund);
    }
    if (method === 'GET' && (m = /^\/v1\/payments\/([^/]+)\/refunds$/.exec(path))) {
      const items = [...this.refunds.values()].filter((r) => r.payment_id === m![1]);
      return this.send(res, 200, { entity: 'collection', count: items.length, items });
    }
    return this.send(res, 404, { error: { code: 'BAD_REQUEST_ERROR', description: `stand-in has no ${method} ${path}` } });
  }

  private stripe(method: string, path: string, body: Json, auth: string | undefined, res: http.ServerResponse): void {
    if (auth !== `Bearer ${STRIPE_KEY}`) return this.send(res, 401, { error: { type: 'invalid_request_error', message: 'Invalid API Key provided' } });
    let m: RegExpExecArray | null;
    if (method === 'POST' && path === '/v1/checkout/sessions') {
      const id = rid('cs_test');
      const session = {
        id, object: 'checkout.session', mode: body.mode, status: 'open', payment_status: 'unpaid', url: `https://checkout.stripe.test/c/pay/${id}`,
        amount_total: Number(body['line_items[0][price_data][unit_amount]']) * Number(body['line_items[0][quantity]']),
        currency: body['line_items[0][price_data][currency]'], client_reference_id: body.client_reference_id ?? null,
        metadata: { appointmentId: body['metadata[appointmentId]'] }, payment_intent: null,
        success_url: body.success_url, cancel_url: body.cancel_url, customer_email: body.customer_email ?? null,
      };
      this.sessions.set(id, session);
      return this.send(res, 200, session);
    }
    if (method === 'GET' && (m = /^\/v1\/checkout\/sessions\/([^/]+)$/.exec(path))) {
      const s = this.sessions.get(m[1]);
      return s ? this.send(res, 200, s) : this.send(res, 404, { error: { type: 'invalid_request_error', message: `No such checkout.session: '${m[1]}'` } });
    }
    if (method === 'POST' && path === '/v1/refunds') {
      const refund = { id: rid('re'), object: 'refund', amount: Number(body.amount), currency: 'inr', payment_intent: body.payment_intent, status: this.stripeRefundStatus, metadata: { appointmentId: body['metadata[appointmentId]'] } };
      this.refunds.set(refund.id, refund);
      return this.send(res, 200, refund);
    }
    if (method === 'GET' && (m = /^\/v1\/refunds\/([^/]+)$/.exec(path))) {
      const r = this.refunds.get(m[1]);
      return r ? this.send(res, 200, r) : this.send(res, 404, { error: { type: 'invalid_request_error', message: `No such refund: '${m[1]}'` } });
    }
    if (method === 'GET' && path === '/v1/refunds') {
      const data = [...this.refunds.values()].filter((r) => r.object === 'refund' && (!body.payment_intent || r.payment_intent === body.payment_intent));
      return this.send(res, 200, { object: 'list', url: '/v1/refunds', has_more: false, data });
    }
    return this.send(res, 404, { error: { type: 'invalid_request_error', message: `Unrecognized request URL (${method}: ${path})` } });
  }
}

/** Razorpay's documented webhook signature: hex HMAC-SHA256 of the raw body with the webhook secret. */
export const razorpaySignature = (body: string, secret = RZP_WEBHOOK_SECRET): string => createHmac('sha256', secret).update(body).digest('hex');

/** Razorpay Checkout's documented handler signature: HMAC-SHA256(order_id|payment_id, key secret). */
export const razorpayCheckoutSignature = (orderId: string, paymentId: string, secret = RZP_KEY_SECRET): string =>
  createHmac('sha256', secret).update(`${orderId}|${paymentId}`).digest('hex');

/** Stripe's documented scheme: `t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<raw body>" with the endpoint secret>`. */
export function stripeSignature(body: string, secret = STRIPE_WEBHOOK_SECRET, t = Math.floor(Date.now() / 1000)): string {
  return `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`;
}

export const gatewayEnv = (base: string): Record<string, string> => ({
  RAZORPAY_KEY_ID: RZP_KEY_ID,
  RAZORPAY_KEY_SECRET: RZP_KEY_SECRET,
  RAZORPAY_WEBHOOK_SECRET: RZP_WEBHOOK_SECRET,
  RAZORPAY_API_BASE: base,
  STRIPE_SECRET_KEY: STRIPE_KEY,
  STRIPE_WEBHOOK_SECRET: STRIPE_WEBHOOK_SECRET,
  STRIPE_API_BASE: base,
  CURRENCY: 'INR',
  REFUND_RETRY_SECONDS: '0',
});

/** Text of an uncompressed pdfkit PDF: its TJ operators carry hex-encoded strings. */
export function pdfText(pdf: Buffer): string {
  const src = pdf.toString('latin1');
  const out: string[] = [];
  for (const m of src.matchAll(/\[([^\]]*)\]\s*TJ/g)) {
    let line = '';
    for (const h of m[1].matchAll(/<([0-9a-fA-F]*)>/g)) line += Buffer.from(h[1], 'hex').toString('latin1');
    out.push(line);
  }
  return out.join('\n');
}

/** Fetches the patient's receipt of appointment `id` and checks it is a PDF holding every `expected` text. */
export async function assertReceipt(app: TestApp['app'], token: string, id: string, expected: string[]): Promise<void> {
  const res = await get(app, `/api/user/appointments/${id}/receipt`, bearer(token));
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers['content-type'], 'application/pdf');
  assert.equal(res.rawPayload.subarray(0, 5).toString('latin1'), '%PDF-');
  const text = pdfText(res.rawPayload);
  for (const e of expected) assert.ok(text.includes(e), `receipt lacks "${e}":\n${text}`);
}

/**
 * The app both gateway suites start from: a stand-in gateway, a doctor with `fees`, a paying patient
 * and another patient, the ids of appointments confirmed so far, and helpers to book and read back.
 */
export async function paymentFixture(stub: GatewayStub, opts: { fees: number; patientName: string; env?: Record<string, string> }) {
  const t = await makeTestApp({ ...gatewayEnv(await stub.start()), ...opts.env });
  const doctor = await createDoctor(t.app, { fees: opts.fees });
  const patient = await registerPatient(t.app, { name: opts.patientName });
  const other = await registerPatient(t.app);
  const confirmed: string[] = [];
  t.app.ctx.events.onPublish((e: DomainEvent) => {
    if (e.kind === 'appointment' && e.type === 'confirmed') confirmed.push(e.appointmentId);
  });
  let slot = 0;
  return {
    t,
    doctor,
    patient,
    other,
    confirmed,
    /** books the next free slot with the doctor and returns the appointment id */
    async booked(token = patient.token): Promise<string> {
      const res = await book(t.app, token, doctor.id, futureSlot(slot++));
      assert.equal(res.statusCode, 201, res.body);
      return json(res).appointment._id;
    },
    appointment: (id: string) => t.app.ctx.appointmentQueries.get(id),
    async close() {
      await t.close();
      await stub.stop();
    },
  };
}
