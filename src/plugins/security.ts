// Security headers (helmet, computed once) and rate limits (@fastify/rate-limit; counters in Redis when REDIS_URL is
// set, so limits hold across instances, in process otherwise). RATE_LIMIT=false turns every limit
// off (benchmarks). Register before any route: both work through the onRoute hook.
//   - global: RATE_LIMIT_MAX requests per IP per RATE_LIMIT_WINDOW_SECONDS on every route;
//   - sensitive routes (login, register, password reset, refresh, 2FA, payment verification):
//     AUTH_RATE_LIMIT_IP_MAX calls per IP per route, and AUTH_RATE_LIMIT_ACCOUNT_MAX failed calls
//     per account (the email tried, or the caller) per AUTH_RATE_LIMIT_WINDOW_SECONDS.
// A refused call gets 429 with `Retry-After` in the usual `{ success: false, message }` envelope.
import type { IncomingMessage, ServerResponse } from 'node:http';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest, onSendHookHandler, RouteOptions } from 'fastify';
import helmet, { type HelmetOptions } from 'helmet';
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

const HELMET_OPTIONS: HelmetOptions = {
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
};

/**
 * The headers helmet sets, computed once. No option here varies per request (no CSP nonces), and
 * @fastify/helmet rebuilt helmet's middleware (parsing the CSP directives) on every request: about a
 * tenth of the CPU of the public doctor list, measured with --cpu-prof under `npm run bench`.
 */
export function securityHeaders(options: HelmetOptions = HELMET_OPTIONS): Record<string, string> {
  const headers: Record<string, string> = {};
  const res = {
    setHeader: (name: string, value: string | number) => void (headers[name.toLowerCase()] = String(value)),
    removeHeader: (name: string) => void delete headers[name.toLowerCase()],
  };
  helmet(options)({} as IncomingMessage, res as unknown as ServerResponse, () => undefined);
  return headers;
}

/** Adds `hook` to the route's own onSend hooks (so routes that do not need it never run it). */
export function addRouteOnSend(route: RouteOptions, hook: onSendHookHandler): void {
  const existing = route.onSend;
  route.onSend = [...(existing ? (Array.isArray(existing) ? existing : [existing]) : []), hook];
}

export async function registerSecurity(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const { config } = ctx;
  const headers = securityHeaders();
  app.addHook('onRequest', (_request, reply, done) => {
    reply.headers(headers);
    done();
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

  // Failed sensitive calls count against the account once the answer is known.
  const countFailure: onSendHookHandler = async (request, reply, payload) => {
    if (reply.statusCode >= 400 && reply.statusCode !== 429 && accountKey(request)) await perAccount(request);
    return payload;
  };

  app.addHook('onRoute', (route: RouteOptions) => {
    if (!SENSITIVE_ROUTE.test(route.url) || route.method === 'GET') return;
    const existing = route.preValidation;
    route.preValidation = [checkLimits, ...(existing ? (Array.isArray(existing) ? existing : [existing]) : [])];
    addRouteOnSend(route, countFailure);
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
