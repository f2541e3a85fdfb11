// OpenAPI 3.1 document at /openapi.json and an interactive reference at /docs.
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';

export async function registerDocs(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Prescripto API',
        version: '1.0.0',
        description:
          'Doctor-appointment platform. Success answers are `{ success: true, … }`, failures `{ success: false, message }`. ' +
          'Authenticate with `Authorization: Bearer <token>` or the legacy headers `token` (patient), `dtoken` (doctor), `atoken` (admin).',
      },
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      },
      tags: [
        { name: 'patients', description: '/api/user: patient accounts' },
        { name: 'doctors', description: '/api/doctor: doctor accounts and the public list' },
        { name: 'appointments', description: 'booking, cancelling, completing, dashboards' },
        { name: 'admin', description: '/api/admin: the administrator' },
        { name: 'system', description: 'service status' },
        { name: 'reports', description: 'admin analytics and doctor reports, JSON or CSV' },
        { name: 'operations', description: 'health, readiness and Prometheus metrics' },
      ],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { docExpansion: 'list', deepLinking: true } });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
