// POST /api/webhooks/{stripe,razorpay}. Encapsulated so its body parser, which keeps the raw bytes
// the signatures are computed over, applies to these routes only.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ErrorEnvelope } from '../../lib/schemas.js';
import { WebhookOut } from './schemas.js';

const tags = ['payments'];
const header = (v: string | string[] | undefined): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);

export const webhookRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { webhooks } = app.ctx;
  app.removeAllContentTypeParsers();
  // JSON (and anything else a proxy may label it) stays a Buffer: re-serialised JSON would not
  // match the signature.
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  const responses = { 200: WebhookOut, 400: ErrorEnvelope, 503: ErrorEnvelope };
  // any content type is read as bytes, so never 415
  const consumes = ['*/*'];
  const raw = (body: unknown): Buffer => (Buffer.isBuffer(body) ? body : Buffer.alloc(0));
  // Outside the per-IP limit: gateways deliver bursts (a day's retries, a refund run) from a few
  // addresses, and a refused delivery is money confirmed late. Only signed bodies do any work.
  const config = { rateLimit: false as const };

  app.post('/stripe', { config, schema: { tags, operationId: 'stripeWebhook', summary: 'Stripe events (Stripe-Signature checked with STRIPE_WEBHOOK_SECRET)', consumes, response: responses } }, async (request) =>
    webhooks.stripe(raw(request.body), header(request.headers['stripe-signature'])),
  );

  app.post('/razorpay', { config, schema: { tags, operationId: 'razorpayWebhook', summary: 'Razorpay events (X-Razorpay-Signature checked with RAZORPAY_WEBHOOK_SECRET)', consumes, response: responses } }, async (request) =>
    webhooks.razorpay(raw(request.body), header(request.headers['x-razorpay-signature']), header(request.headers['x-razorpay-event-id'])),
  );
};
