// Patient payment routes under /api/user. Legacy camelCase aliases share the handlers.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { aliasDoc, errors, Message } from '../../lib/schemas.js';
import { IdempotencyHeaders, idempotent } from '../idempotency/routes.js';
import { authId } from '../auth/guards.js';
import { patientReceipt } from './receipts.js';
import { PayBody, RazorpayOrderOut, ReceiptParams, StripeSessionOut, VerifyRazorpayBody, VerifyStripeBody } from './schemas.js';

const tags = ['payments'];
const security = [{ bearer: [] }];

export const patientPaymentRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { payments, appointmentQueries } = app.ctx;

  app.post('/payment-razorpay', {
    schema: {
      tags, operationId: 'createRazorpayOrder', summary: 'Create a Razorpay order for an appointment (amount from the database)', security, headers: IdempotencyHeaders, body: PayBody,
      response: { 200: RazorpayOrderOut, ...errors(404, 409, 422, 502) },
    },
  }, async (request, reply) =>
    idempotent(request, reply, { role: 'patient', operation: 'payment-razorpay', statusCode: 200 }, async () => {
      const order = await payments.createRazorpayOrder(authId(request), request.body.appointmentId);
      return { success: true, order, key: payments.razorpay().keyId };
    }));

  const razorpayUrls = ['/verify-razorpay', '/verifyRazorpay'];
  for (const url of razorpayUrls) {
    app.post(url, {
      config: { authRateLimit: 'failures', metered: { payment: 'razorpay' } },
      schema: {
        tags,
        ...aliasDoc(razorpayUrls, url, 'verifyRazorpayPayment', 'Confirm a Razorpay payment by its signature or the order’s status at Razorpay'),
        security,
        body: VerifyRazorpayBody,
        response: { 200: Message, ...errors(402, 404, 409, 502) },
      },
    }, async (request) => {
      const b = request.body;
      const { message } = await payments.verifyRazorpay(authId(request), { orderId: b.razorpay_order_id, paymentId: b.razorpay_payment_id, signature: b.razorpay_signature });
      return { success: true, message };
    });
  }

  app.post('/payment-stripe', {
    schema: {
      tags, operationId: 'createStripeSession', summary: 'Create a Stripe Checkout Session for an appointment', security, headers: IdempotencyHeaders, body: PayBody,
      response: { 200: StripeSessionOut, ...errors(404, 409, 422, 502) },
    },
  }, async (request, reply) =>
    idempotent(request, reply, { role: 'patient', operation: 'payment-stripe', statusCode: 200 }, async () => {
      const origin = typeof request.headers.origin === 'string' ? request.headers.origin : undefined;
      const session = await payments.createStripeSession(authId(request), request.body.appointmentId, origin);
      return { success: true, session: { id: session.id, url: session.url }, session_url: session.url };
    }));

  const stripeUrls = ['/verify-stripe', '/verifyStripe'];
  for (const url of stripeUrls) {
    app.post(url, {
      config: { authRateLimit: 'failures', metered: { payment: 'stripe' } },
      schema: {
        tags,
        ...aliasDoc(stripeUrls, url, 'verifyStripePayment', 'Confirm a Stripe payment by asking Stripe about the session'),
        security,
        body: VerifyStripeBody,
        response: { 200: Message, ...errors(402, 404, 409, 502) },
      },
    }, async (request) => {
      const { message } = await payments.verifyStripe(authId(request), { appointmentId: request.body.appointmentId, sessionId: request.body.session_id });
      return { success: true, message };
    });
  }

  app.get('/appointments/:id/receipt', {
    schema: { tags, operationId: 'getPaymentReceipt', summary: 'PDF receipt of a paid appointment', security, params: ReceiptParams, produces: ['application/pdf'], response: errors(404, 409) },
  }, async (request, reply) => {
    const pdf = await patientReceipt(appointmentQueries, authId(request), request.params.id);
    return reply
      .type('application/pdf')
      .header('content-disposition', `inline; filename="prescripto-receipt-${request.params.id}.pdf"`)
      .header('cache-control', 'private, no-store')
      .send(pdf);
  });
};
