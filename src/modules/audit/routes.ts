// GET /api/admin/audit-log: the audit trail, newest first, filterable and paginated.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { DayOrInstant, IdString } from '../../lib/schemas.js';

const Role = Type.Union([Type.Literal('patient'), Type.Literal('doctor'), Type.Literal('admin')]);

const AuditQuery = Type.Object(
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

const AuditEntry = Type.Object({
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

export const auditRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { audit } = app.ctx;
  app.get('/audit-log', {
    schema: {
      tags: ['admin'],
      operationId: 'listAuditLog',
      summary: 'Audit log: data changes by doctors and admins, logins, session and recovery events',
      security: [{ bearer: [] }],
      querystring: AuditQuery,
      response: {
        200: Type.Object({ success: Type.Boolean(), logs: Type.Array(AuditEntry), total: Type.Integer(), page: Type.Integer(), limit: Type.Integer() }),
      },
    },
  }, async (request) => {
    const { entries, total } = await audit.list(request.query);
    return { success: true, logs: entries, total, page: request.query.page, limit: request.query.limit };
  });
};
