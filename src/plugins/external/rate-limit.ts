// The global limit: RATE_LIMIT_MAX requests per IP per RATE_LIMIT_WINDOW_SECONDS on every route (a
// route opts out with `config: { rateLimit: false }`), counted in process and shared through Redis
// when there is one (SharedIpWindows in plugins/rate-limits.ts). RATE_LIMIT=false turns it off.
// Register before any route: it attaches to routes as they are added. The sensitive routes' own,
// exact limits are in plugins/security.ts.
//
// It runs on every request, so it is one callback-style hook per route and a counter increment, not
// @fastify/rate-limit: that plugin costs two promises, a store callback, a result object and three
// response headers per request, and with a shared store a Redis round trip per request.
import type { RouteOptions, onRequestHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import { SharedIpWindows } from '../rate-limits.js';
import { rateLimitCounter, tooMany } from '../security.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** false: not under the global per-IP limit (webhooks, probes) */
    rateLimit?: false;
  }
}

export default fp(async (app) => {
  const s = app.ctx.config.security;
  if (!s.rateLimit) return;
  const windows = new SharedIpWindows(rateLimitCounter(app), { name: 'global', windowMs: s.windowSeconds * 1000, shared: app.ctx.redis !== undefined });
  app.addHook('onClose', async () => windows.close());
  const max = s.globalMax;
  const limit: onRequestHookHandler = (request, _reply, done) => {
    const w = windows.hit(request.ip);
    if (SharedIpWindows.total(w) <= max) return done();
    done(tooMany(Math.max(1, Math.ceil(windows.ttlMs(w) / 1000))));
  };
  app.addHook('onRoute', (route: RouteOptions) => {
    if (route.config?.rateLimit === false) return;
    const existing = route.onRequest;
    route.onRequest = [limit, ...(existing ? (Array.isArray(existing) ? existing : [existing]) : [])];
  });
}, { name: 'rate-limit', decorators: { fastify: ['ctx'] } });
