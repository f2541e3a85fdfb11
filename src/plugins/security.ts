// Security headers (helmet) and rate limits (@fastify/rate-limit; counters in Redis when REDIS_URL is
// set, so limits hold across instances, in process otherwise). RATE_LIMIT=false turns every limit
// off (benchmarks). Register before any route: both work through the onRoute hook.
//   - global: RATE_LIMIT_MAX requests per IP per RATE_LIMIT_WINDOW_SECONDS on every route;
//   - sensitive routes (login, register, password reset, refresh, 2FA, payment verification):
//     AUTH_RATE_LIMIT_IP_MAX calls per IP per route, and AUTH_RATE_LIMIT_ACCOUNT_MAX failed calls
//     per account (the email tried, or the caller) per AUTH_RATE_LIMIT_WINDOW_SECONDS.
// A refused call gets 429 with `Retry-After` in the usual `{ success: false, message }` envelope.
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import type { AppContext } from '../context.js';
import { AppError } from '../lib/errors.js';
import { redisKey } from '../lib/redis.js';

/** Routes an attacker would hammer: guessing passwords, codes, tokens, or payment signatures. */
export const SENSITIVE_ROUTE = /\/(login|register|forgot-password|reset-password|change-password|refresh|2fa\/confirm|2fa\/disable)$|verify/i;

const tooMany = (seconds: number) =>
  new AppError(429, `Too many attempts, please try again in ${seconds} second${seconds === 1 ? '' : 's'}`, { 'retry-after': String(seconds) });

function accountKey(request: FastifyRequest): string | undefined {
  const body = request.body;
  const email = body && typeof body === 'object' ? (body as Record<string, unknown>).email : undefined;
  if (typeof email === 'string' && email.trim()) return `email:${email.trim().toLowerCase().slice(0, 254)}`;
  return request.auth ? `${request.auth.role}:${request.auth.id}` : undefined;
}

export async function registerSecurity(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const { config } = ctx;
  await app.register(helmet, {
    // The API answers JSON; the only HTML is the /docs reference page, which needs its inline bootstrap.
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'", "'unsafe-inline'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:', 'https:'],
        frameAncestors: ["'none'"],
      },
    },
    crossOriginResourcePolicy: { policy: 'cross-origin' },
  });

  const s = config.security;
  if (!s.rateLimit) return;

  await app.register(rateLimit, {
    global: true,
    max: s.globalMax,
    timeWindow: s.windowSeconds * 1000,
    ...(ctx.redis ? { redis: ctx.redis, nameSpace: redisKey(config, 'ratelimit', '') } : {}),
    // Redis down: serve rather than refuse everyone (the per-account limits below fall back the same way).
    skipOnError: true,
    errorResponseBuilder: (_request, context) => tooMany(Math.max(1, Math.ceil(context.ttl / 1000))),
  });

  const windowMs = s.authWindowSeconds * 1000;
  const perIp = app.createRateLimit({ max: s.authIpMax, timeWindow: windowMs, keyGenerator: (r) => `auth-ip:${r.routeOptions.url}:${r.ip}` });
  const perAccount = app.createRateLimit({
    max: s.authAccountMax,
    timeWindow: windowMs,
    keyGenerator: (r) => `auth-account:${r.routeOptions.url}:${accountKey(r) ?? ''}`,
  });

  const checkLimits = async (request: FastifyRequest) => {
    const ip = await perIp(request);
    if (!ip.isAllowed && ip.isExceeded) throw tooMany(Math.max(1, ip.ttlInSeconds));
    if (!accountKey(request)) return;
    // Per account only failures count (read here, counted in onSend), so a user who logs in
    // often is never locked out, while guessing one account's password is.
    const account = await perAccount(request, { increment: false });
    if (!account.isAllowed && account.remaining === 0 && account.ttl > 0) throw tooMany(Math.max(1, account.ttlInSeconds));
  };

  app.addHook('onRoute', (route: RouteOptions) => {
    if (!SENSITIVE_ROUTE.test(route.url) || route.method === 'GET') return;
    const existing = route.preValidation;
    route.preValidation = [checkLimits, ...(existing ? (Array.isArray(existing) ? existing : [existing]) : [])];
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const url = request.routeOptions.url;
    if (url && SENSITIVE_ROUTE.test(url) && reply.statusCode >= 400 && reply.statusCode !== 429 && accountKey(request)) {
      await perAccount(request);
    }
    return payload;
  });
}

/**
 * Errors the router raises before any hook or handler runs (a malformed URL, a path parameter
 * longer than maxParamLength): Fastify would answer them in its own format, echoing the URL.
 * Passed as the `frameworkErrors` option so they leave in the envelope like every other refusal.
 */
export function frameworkErrors(error: { code?: string; statusCode?: number }, _request: FastifyRequest, reply: FastifyReply): void {
  const tooLong = error.code === 'FST_ERR_MAX_PARAM_LENGTH';
  void reply.code(tooLong ? 414 : 400).send({ success: false, message: tooLong ? 'The URL is too long' : 'The URL is not valid' });
}
