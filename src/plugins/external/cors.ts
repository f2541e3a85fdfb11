// Cross-origin calls. Development and tests: FRONTEND_URL's origins, or any origin when it is unset
// (a web client on another port of a laptop just works). Production: only FRONTEND_URL's origins.
// A call whose Origin is neither listed nor this server's own is refused with 403 before it runs:
// reflecting any origin with credentials would let any site act with a patient's session as soon
// as a cookie carries one. The web app this server serves is same-origin and needs no CORS.
import cors from '@fastify/cors';
import type { FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../../config.js';
import { AppError } from '../../lib/errors.js';

/** Whether cross-origin calls are limited to FRONTEND_URL (production), or open to any origin when it is unset. */
const strict = (config: Config) => config.nodeEnv === 'production';

/** The line the server logs at start, saying who may call it from a browser. */
export function describeCors(config: Config): string {
  if (config.frontendUrls.length) return `CORS: cross-origin calls allowed from ${config.frontendUrls.join(', ')} (FRONTEND_URL)`;
  return strict(config)
    ? 'CORS: cross-origin calls are refused (FRONTEND_URL is not set; the app served here is same-origin)'
    : 'CORS: any origin may call (development; FRONTEND_URL limits it, and production requires it)';
}

/** The origin the caller reached, as a browser would write it (behind a trusted proxy: the forwarded one). */
const ownOrigin = (request: FastifyRequest) => `${request.protocol}://${request.host}`;

export default fp(async (app) => {
  const { config } = app.ctx;
  if (strict(config)) {
    const allowed = new Set(config.frontendUrls);
    if (config.publicUrl) allowed.add(new URL(config.publicUrl).origin);
    app.addHook('onRequest', (request, _reply, done) => {
      const origin = request.headers.origin;
      if (origin === undefined || allowed.has(origin) || origin === ownOrigin(request)) return done();
      done(new AppError(403, 'Calls from this origin are not allowed: the server lists the web apps it serves in FRONTEND_URL'));
    });
  }
  await app.register(cors, {
    origin: config.frontendUrls.length ? config.frontendUrls : !strict(config),
    credentials: true,
  });
}, { name: 'cors', decorators: { fastify: ['ctx'] } });
