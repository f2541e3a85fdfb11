// @fastify/swagger-ui: the interactive API reference at /docs, over the document swagger.ts serves.
import swaggerUi from '@fastify/swagger-ui';
import fp from 'fastify-plugin';
import { OPENAPI_PATH } from './swagger.js';

export default fp(async (app) => {
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    // `urls` is what the top bar shows and loads: the same document clients are generated from
    uiConfig: { docExpansion: 'list', deepLinking: true, urls: [{ url: OPENAPI_PATH, name: OPENAPI_PATH }] },
  });
}, { name: 'swagger-ui', dependencies: ['swagger'] });
