import { Type } from 'typebox';
import { IdString } from '../../lib/schemas.js';

export const ListQuery = Type.Object(
  {
    page: Type.Optional(Type.Integer({ minimum: 1, maximum: 100000, default: 1 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
    unread: Type.Optional(Type.Boolean({ description: 'only unread notifications' })),
  },
  { additionalProperties: false },
);

export const MarkReadBody = Type.Object(
  { ids: Type.Optional(Type.Array(IdString('notification id'), { minItems: 1, maxItems: 100, description: 'omit to mark all read' })) },
  { additionalProperties: false },
);

export const NotificationOut = Type.Object({
  _id: Type.String(),
  type: Type.String(),
  title: Type.String(),
  body: Type.String(),
  appointmentId: Type.Union([Type.String(), Type.Null()]),
  read: Type.Boolean(),
  createdAt: Type.String(),
});

export const NotificationList = Type.Object({
  success: Type.Boolean(),
  notifications: Type.Array(NotificationOut),
  page: Type.Integer(),
  limit: Type.Integer(),
  total: Type.Integer(),
  unreadCount: Type.Integer(),
});

export const MarkReadResult = Type.Object({ success: Type.Boolean(), updated: Type.Integer(), unreadCount: Type.Integer() });

export const StreamQuery = Type.Object(
  { token: Type.Optional(Type.String({ maxLength: 4096, description: 'access token, for EventSource clients that cannot set headers' })) },
  { additionalProperties: false },
);

export const OutboxStatusEnum = Type.Union([
  Type.Literal('pending'),
  Type.Literal('sending'),
  Type.Literal('sent'),
  Type.Literal('failed'),
  Type.Literal('logged'),
  Type.Literal('skipped'),
]);

export const OutboxQuery = Type.Object(
  {
    status: Type.Optional(OutboxStatusEnum),
    page: Type.Optional(Type.Integer({ minimum: 1, maximum: 100000, default: 1 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
  },
  { additionalProperties: false },
);

export const OutboxOut = Type.Object({
  _id: Type.String(),
  to: Type.String(),
  subject: Type.String(),
  topic: Type.String(),
  status: OutboxStatusEnum,
  attempts: Type.Integer(),
  maxAttempts: Type.Integer(),
  nextAttemptAt: Type.String(),
  lastError: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String(),
  sentAt: Type.Union([Type.String(), Type.Null()]),
});

export const OutboxList = Type.Object({
  success: Type.Boolean(),
  messages: Type.Array(OutboxOut),
  counts: Type.Record(Type.String(), Type.Integer()),
  page: Type.Integer(),
  limit: Type.Integer(),
  total: Type.Integer(),
});

export const OutboxIdParams = Type.Object({ id: IdString('outbox message id') }, { additionalProperties: false });
export const DoctorIdParams = Type.Object({ docId: IdString('doctor id') }, { additionalProperties: false });
export const OutboxMessage = Type.Object({ success: Type.Boolean(), message: OutboxOut });

export const FeedUrl = Type.Object({ success: Type.Boolean(), url: Type.String() });
export const FeedStatus = Type.Object({ success: Type.Boolean(), active: Type.Boolean(), createdAt: Type.Union([Type.String(), Type.Null()]) });
export const FeedParams = Type.Object({ file: Type.String({ pattern: '^[A-Za-z0-9_-]{43}\\.ics$' }) }, { additionalProperties: false });
