// @fastify/rate-limit: RATE_LIMIT_MAX requests per IP per RATE_LIMIT_WINDOW_SECONDS on every route
// (a route opts out with `config: { rateLimit: false }`), counted in Redis when there is one and in
// process while it fails (plugins/rate-limits.ts). RATE_LIMIT=false turns it off. Register before
// any route: it attaches to routes as they are added. The sensitive routes' own limits are in
// plugins/security.ts.
import rateLimit from '@fastify/rate-limit';
import fp from 'fastify-plugin';
import { rateLimitStore } from '../rate-limits.js';
import { rateLimitCounter, tooMany } from '../security.js';

export default fp(async (app) => {
  const s = app.ctx.config.security;
  if (!s.rateLimit) return;
  const counter = rateLimitCounter(app);
  await app.register(rateLimit, {
    global: true,
    max: s.globalMax,
    timeWindow: s.windowSeconds * 1000,
    // never fails: counts in process while Redis is down, so no skipOnError (which turned limits off)
    store: rateLimitStore(counter, 'global'),
    errorResponseBuilder: (_request, context) => tooMany(Math.max(1, Math.ceil(context.ttl / 1000))),
  });
}, { name: 'rate-limit', decorators: { fastify: ['ctx'] } });
