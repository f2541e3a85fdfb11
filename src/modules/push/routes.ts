// Push routes: the public VAPID key, and each party's device subscriptions under /api/user and
// /api/doctor.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errors, Message } from '../../lib/schemas.js';
import { authId } from '../auth/guards.js';
import { PublicKeyAnswer, SubscriptionAnswer, SubscriptionBody, SubscriptionParams } from './schemas.js';
import type { PushOwner } from './tables.js';

const tags = ['push'];
const security = [{ bearer: [] }];

export const pushPublicRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { push } = app.ctx;
  app.get('/public-key', {
    schema: {
      tags, operationId: 'getPushPublicKey',
      summary: "The server's VAPID public key for PushManager.subscribe()",
      description: 'Public. `enabled` is false (and `publicKey` null) when push notifications are off on this server.',
      response: { 200: PublicKeyAnswer },
    },
  }, async () => ({ success: true, enabled: push.enabled, publicKey: push.publicKey }));
};

export const partyPushRoutes = (role: PushOwner): FastifyPluginAsyncTypebox => async (app) => {
  const { push } = app.ctx;
  const Who = role === 'patient' ? 'Patient' : 'Doctor';

  app.post('/push/subscriptions', {
    schema: {
      tags, operationId: `subscribe${Who}Push`, security, body: SubscriptionBody,
      summary: 'Turn on notifications on this device (register its push subscription)',
      description:
        'The body is the browser\'s PushSubscription.toJSON(). One subscription per endpoint (device): sending the same endpoint again updates its keys ' +
        '(200), and moves it to this account if another account had it. 201 for a new one. The endpoint must be https and must not point into a private network.',
      response: { 200: SubscriptionAnswer, 201: SubscriptionAnswer, ...errors(400, 409) },
    },
  }, async (request, reply) => {
    const { subscription, created } = await push.subscribe(role, authId(request), request.body);
    return reply.code(created ? 201 : 200).send({ success: true, subscription });
  });

  app.delete('/push/subscriptions/:subscriptionId', {
    schema: {
      tags, operationId: `unsubscribe${Who}Push`, security, params: SubscriptionParams,
      summary: 'Turn off notifications on a device',
      description:
        'Removes the subscription (its `_id` from the subscribe answer; a browser that only knows its endpoint subscribes again, which answers the same `_id`). ' +
        '404 when this account has no subscription with this id.',
      response: { 200: Message, ...errors(404) },
    },
  }, async (request) => {
    await push.unsubscribe(role, authId(request), request.params.subscriptionId);
    return { success: true, message: 'Notifications turned off on this device' };
  });
};
