// GET /api/admin/audit-log: the audit trail, newest first, filterable and paginated.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { AuditEntry, AuditQuery } from './schemas.js';

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
