// Request and answer schemas of the admin's webhook endpoints.
import { Type } from 'typebox';
import { IdString } from '../../lib/schemas.js';
import { WEBHOOK_EVENTS } from './tables.js';

export const WebhookEventName = Type.Union(
  [
    Type.Literal('appointment.booked'), Type.Literal('appointment.confirmed'), Type.Literal('appointment.cancelled'), Type.Literal('appointment.completed'),
    Type.Literal('appointment.rescheduled'), Type.Literal('payment.refunded'), Type.Literal('doctor.added'),
  ],
  { description: 'an event the endpoint receives' },
);

const Url = Type.String({ minLength: 8, maxLength: 2000, description: 'https://… (http allowed); private and loopback addresses are refused unless WEBHOOK_ALLOW_PRIVATE=true' });
const Events = Type.Array(WebhookEventName, { minItems: 1, maxItems: WEBHOOK_EVENTS.length, uniqueItems: true });
const Description = Type.String({ maxLength: 200 });

export const CreateEndpointBody = Type.Object({ url: Url, events: Events, description: Type.Optional(Description) }, { additionalProperties: false });

export const UpdateEndpointBody = Type.Object(
  { url: Type.Optional(Url), events: Type.Optional(Events), description: Type.Optional(Description), enabled: Type.Optional(Type.Boolean({ description: 'false pauses deliveries; true resumes them and clears the failure streak' })) },
  { additionalProperties: false, minProperties: 1 },
);

export const EndpointIdParams = Type.Object({ id: IdString('webhook endpoint id') }, { additionalProperties: false });

export const DeliveriesQuery = Type.Object(
  { page: Type.Integer({ minimum: 1, maximum: 100000, default: 1 }), limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }) },
  { additionalProperties: false },
);

export const EndpointView = Type.Object({
  _id: Type.String(),
  url: Type.String(),
  description: Type.String(),
  events: Type.Array(WebhookEventName),
  enabled: Type.Boolean(),
  disabledReason: Type.Union([Type.String(), Type.Null()]),
  failingSince: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});

export const AttemptView = Type.Object({
  attempt: Type.Integer(),
  at: Type.String(),
  statusCode: Type.Union([Type.Integer(), Type.Null()]),
  error: Type.Union([Type.String(), Type.Null()]),
  durationMs: Type.Integer(),
});

export const DeliveryView = Type.Object({
  _id: Type.String({ description: 'the webhook-id header of every attempt' }),
  eventType: WebhookEventName,
  status: Type.Union([Type.Literal('pending'), Type.Literal('sending'), Type.Literal('delivered'), Type.Literal('failed')]),
  attempts: Type.Integer(),
  maxAttempts: Type.Integer(),
  nextAttemptAt: Type.Union([Type.String(), Type.Null()]),
  lastError: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String(),
  deliveredAt: Type.Union([Type.String(), Type.Null()]),
  payload: Type.String({ description: 'the signed body' }),
  attemptLog: Type.Array(AttemptView),
});
