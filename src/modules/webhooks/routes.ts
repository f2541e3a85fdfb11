// /api/admin/webhooks: the admin's outgoing webhook endpoints and their delivery log.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type Static } from 'typebox';
import { errors, Message } from '../../lib/schemas.js';
import { CreateEndpointBody, DeliveriesQuery, DeliveryView, EndpointIdParams, EndpointView, UpdateEndpointBody } from './schemas.js';
import type { OutgoingWebhooks } from './service.js';
import type { WebhookAttemptRow, WebhookEndpointRow, WebhookMessageRow } from './tables.js';

const tags = ['webhooks'];
const security = [{ bearer: [] }];

const endpointView = (e: WebhookEndpointRow): Static<typeof EndpointView> => ({
  _id: e.id,
  url: e.url,
  description: e.description,
  events: e.events,
  enabled: e.enabled,
  disabledReason: e.disabledReason,
  failingSince: e.failingSince?.toISOString() ?? null,
  createdAt: e.createdAt.toISOString(),
  updatedAt: e.updatedAt.toISOString(),
});

const deliveryView = (m: WebhookMessageRow & { attemptLog: WebhookAttemptRow[] }): Static<typeof DeliveryView> => ({
  _id: m.id,
  eventType: m.eventType,
  status: m.status,
  attempts: m.attempts,
  maxAttempts: m.maxAttempts,
  nextAttemptAt: m.status === 'pending' ? m.nextAttemptAt.toISOString() : null,
  lastError: m.lastError,
  createdAt: m.createdAt.toISOString(),
  deliveredAt: m.deliveredAt?.toISOString() ?? null,
  payload: m.body,
  attemptLog: m.attemptLog.map((a) => ({ attempt: a.attempt, at: a.at.toISOString(), statusCode: a.statusCode, error: a.error, durationMs: a.durationMs })),
});

const endpointRoutes = (webhooks: OutgoingWebhooks): FastifyPluginAsyncTypebox => async (app) => {

  app.post('', {
    schema: {
      tags, security, operationId: 'createWebhookEndpoint',
      summary: 'Register a webhook endpoint',
      description: 'The answer carries the signing secret (whsec_…): it is shown this once. Deliveries are signed as the Standard Webhooks specification says.',
      body: CreateEndpointBody,
      response: { 201: Type.Object({ success: Type.Boolean(), endpoint: EndpointView, secret: Type.String() }) },
    },
  }, async (request, reply) => {
    const { endpoint, secret } = await webhooks.create(request.body);
    return reply.code(201).send({ success: true, endpoint: endpointView(endpoint), secret });
  });

  app.get('', {
    schema: {
      tags, security, operationId: 'listWebhookEndpoints', summary: 'Every webhook endpoint', description: 'Newest first; secrets are never shown again.',
      response: { 200: Type.Object({ success: Type.Boolean(), endpoints: Type.Array(EndpointView) }) },
    },
  }, async () => ({ success: true, endpoints: (await webhooks.list()).map(endpointView) }));

  app.patch('/:id', {
    schema: {
      tags, security, operationId: 'updateWebhookEndpoint', summary: 'Change, pause or resume a webhook endpoint',
      description: 'Enabling an endpoint again clears its failure streak and resumes its undelivered messages.',
      params: EndpointIdParams, body: UpdateEndpointBody,
      response: { 200: Type.Object({ success: Type.Boolean(), endpoint: EndpointView }), ...errors(404) },
    },
  }, async (request) => ({ success: true, endpoint: endpointView(await webhooks.update(request.params.id, request.body)) }));

  app.delete('/:id', {
    schema: {
      tags, security, operationId: 'deleteWebhookEndpoint', summary: 'Delete a webhook endpoint', description: 'Its queued messages and delivery log go with it.',
      params: EndpointIdParams, response: { 200: Message, ...errors(404) },
    },
  }, async (request) => {
    await webhooks.remove(request.params.id);
    return { success: true, message: 'Webhook endpoint deleted' };
  });

  app.get('/:id/deliveries', {
    schema: {
      tags, security, operationId: 'listWebhookDeliveries', summary: 'Delivery log of a webhook endpoint',
      description: 'Messages newest first, each with every attempt (time, HTTP status or error, duration).',
      params: EndpointIdParams, querystring: DeliveriesQuery,
      response: { 200: Type.Object({ success: Type.Boolean(), deliveries: Type.Array(DeliveryView), total: Type.Integer(), page: Type.Integer(), limit: Type.Integer() }), ...errors(404) },
    },
  }, async (request) => {
    const { page, limit } = request.query;
    const { rows, total } = await webhooks.deliveries(request.params.id, page, limit);
    return { success: true, deliveries: rows.map(deliveryView), total, page, limit };
  });
};

/** /api/admin/webhooks/* */
export const adminWebhookRoutes: FastifyPluginAsyncTypebox = async (app) => {
  await app.register(endpointRoutes(app.ctx.outgoingWebhooks), { prefix: '/webhooks' });
};
