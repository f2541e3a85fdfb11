// The audit log's query and answer schemas (routes.ts), and the answer's type (repo.ts).
import { Type, type Static } from 'typebox';
import { DayOrInstant, IdString } from '../../lib/schemas.js';

const Role = Type.Union([Type.Literal('patient'), Type.Literal('doctor'), Type.Literal('admin')]);

export const AuditQuery = Type.Object(
  {
    action: Type.Optional(Type.String({ maxLength: 100, description: 'e.g. admin.add-doctor, doctor.login' })),
    actorRole: Type.Optional(Role),
    actorId: Type.Optional(IdString('who acted')),
    targetId: Type.Optional(Type.String({ maxLength: 64, description: 'the record acted on' })),
    outcome: Type.Optional(Type.Union([Type.Literal('success'), Type.Literal('failure')])),
    from: Type.Optional(DayOrInstant('entries at or after this day or instant')),
    to: Type.Optional(DayOrInstant('entries before this day or instant')),
    page: Type.Integer({ minimum: 1, maximum: 100000, default: 1 }),
    limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
  },
  { additionalProperties: false },
);

/** One entry as the admin reads it. */
export const AuditEntry = Type.Object({
  _id: Type.String(),
  at: Type.String(),
  actorRole: Type.Union([Type.String(), Type.Null()]),
  actorId: Type.Union([Type.String(), Type.Null()]),
  action: Type.String(),
  targetType: Type.Union([Type.String(), Type.Null()]),
  targetId: Type.Union([Type.String(), Type.Null()]),
  outcome: Type.String(),
  statusCode: Type.Integer(),
  ip: Type.Union([Type.String(), Type.Null()]),
  detail: Type.Record(Type.String(), Type.Unknown()),
});
export type AuditRecord = Static<typeof AuditEntry>;
