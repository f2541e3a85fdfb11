import { Type } from 'typebox';
import { IdString } from '../../lib/schemas.js';

export const MAX_TEXT = 2000;
export const MAX_IMAGES = 3;
export const MAX_PAGE = 100;

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);

export const MessageOut = Type.Object({
  _id: Type.String(),
  appointmentId: Type.String(),
  from: Type.Union([Type.Literal('patient'), Type.Literal('doctor')]),
  text: Type.String(),
  images: Type.Array(Type.String(), { description: 'picture URLs (up to 3)' }),
  createdAt: Type.String({ description: 'ISO 8601' }),
  readAt: Nullable(Type.String({ description: 'when the recipient read it (ISO 8601); null while unread' })),
});

export const ThreadOut = Type.Object({
  open: Type.Boolean({ description: 'messages can be sent now' }),
  openUntil: Nullable(Type.String({ description: 'messages can be sent until then (ISO 8601)' })),
});

export const AppointmentParams = Type.Object({ appointmentId: IdString('appointment id') });

export const MessagePageQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE, default: 50 })),
    before: Type.Optional(Type.String({ maxLength: 60, description: 'the `next` cursor of the previous page (older messages)' })),
  },
  { additionalProperties: false },
);

export const SendBody = Type.Object(
  { text: Type.Optional(Type.String({ maxLength: MAX_TEXT, description: `up to ${MAX_TEXT} characters; optional when pictures are sent` })) },
  { additionalProperties: false, description: `JSON, or multipart/form-data with \`text\` and up to ${MAX_IMAGES} files in field \`images\`` },
);

export const ReportBody = Type.Object({ reason: Type.String({ minLength: 1, maxLength: 500 }) }, { additionalProperties: false });

export const AdminCountsQuery = Type.Object(
  { page: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, default: 1 })), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })) },
  { additionalProperties: false },
);

export const MessagePage = Type.Object({ success: Type.Boolean(), messages: Type.Array(MessageOut), next: Nullable(Type.String()), thread: ThreadOut });
export const SentAnswer = Type.Object({ success: Type.Boolean(), message: MessageOut });
export const ReadAnswer = Type.Object({ success: Type.Boolean(), marked: Type.Integer({ description: 'messages newly marked read' }) });
export const UnreadAnswer = Type.Object({
  success: Type.Boolean(),
  total: Type.Integer(),
  threads: Type.Array(Type.Object({ appointmentId: Type.String(), unread: Type.Integer() })),
});
export const AdminCounts = Type.Object({
  success: Type.Boolean(),
  threads: Type.Array(
    Type.Object({
      appointmentId: Type.String(),
      messages: Type.Integer(),
      unread: Type.Integer(),
      lastAt: Type.String(),
      reported: Type.Boolean(),
      reasons: Type.Array(Type.String()),
    }),
  ),
});
export const AdminThread = Type.Object({ success: Type.Boolean(), messages: Type.Array(MessageOut), next: Nullable(Type.String()) });
