// Security headers (helmet, computed once) and rate limits. RATE_LIMIT=false turns every limit off
// (benchmarks). Register before any route: both work through the onRoute hook.
//   - global: RATE_LIMIT_MAX requests per IP per RATE_LIMIT_WINDOW_SECONDS on every route
//     (counted in process, shared through Redis every 100 ms: external/rate-limit.ts);
//   - sensitive routes (login, register, password reset, refresh, 2FA, payment verification), the
//     ones whose route config has `authRateLimit` (see AuthRateLimit below):
//     AUTH_RATE_LIMIT_IP_MAX calls per IP per route, and AUTH_RATE_LIMIT_ACCOUNT_MAX failed calls
//     per account (the email tried, or the caller) per AUTH_RATE_LIMIT_WINDOW_SECONDS. Every call
//     reserves a slot up front (an atomic increment, so parallel guesses cannot all slip past the
//     check); a call that succeeds gives it back, and a successful login clears the account's
//     failures. Forgot-password keeps every call: each one sends an email.
//   - logins differ in one way: the account limit counts per account *and address*, so failures
//     from other addresses never refuse the owner (a lock anyone could set by knowing an email).
//     Guessing one account from many addresses is slowed instead: once the account has had
//     AUTH_RATE_LIMIT_ACCOUNT_MAX failures from anywhere, each attempt waits AUTH_LOGIN_DELAY_MS,
//     doubling per further failure up to AUTH_LOGIN_DELAY_MAX_MS, before its password is checked.
// Counters live in Redis when REDIS_URL is set (limits hold across instances) and fall back to the
// process while Redis fails (plugins/rate-limits.ts): an outage never switches the limits off.
// A refused call gets 429 with `Retry-After` in the usual `{ success: false, message }` envelope.
import fp from 'fastify-plugin';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest, onSendHookHandler, RouteOptions } from 'fastify';
import helmet, { type HelmetOptions } from 'helmet';
import type { AppContext } from '../context.js';
import { AppError } from '../lib/errors.js';
import { redisKey } from '../lib/redis.js';
import { HitCounter } from './rate-limits.js';

/**
 * How a route an attacker would hammer (guessing passwords, codes, tokens, or payment signatures)
 * counts against the per-IP and per-account limits:
 *   - `failures`: a call that succeeds gives its slot back;
 *   - `login`: as `failures`, counted per account and address, with the growing delay; a success
 *     clears the account's failures;
 *   - `every-call`: every call keeps its slot (each one emails the account holder).
 */
export type AuthRateLimit = 'failures' | 'login' | 'every-call';

/** Whether a route is under the per-IP and per-account limits of sensitive routes. */
export const isAuthRateLimited = (config: { authRateLimit?: AuthRateLimit } | undefined): boolean => config?.authRateLimit !== undefined;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** under the limits of sensitive routes (see AuthRateLimit) */
    authRateLimit?: AuthRateLimit;
  }
  interface FastifyRequest {
    /** the per-account rate-limit key whose slot this call holds until its answer is known */
    rateLimitReservation?: string;
    /** a login's slot in its account's failures from every address (the growing delay) */
    loginDelayReservation?: string;
    /** how long this login waited because of its account's failures (recorded in the audit log) */
    loginDelayMs?: number;
  }
}

/** The wait before a login whose account has had `failures` failures from anywhere: none up to `after`, then doubling. */
export function loginDelay(failures: number, after: number, baseMs: number, maxMs: number): number {
  const excess = failures - after;
  if (excess < 0 || baseMs <= 0) return 0;
  return Math.min(maxMs, baseMs * 2 ** Math.min(excess, 20));
}

/** The refusal of every rate limit: 429 with Retry-After. */
export const tooMany = (seconds: number) =>
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

const counters = new WeakMap<AppContext, HitCounter>();
/** The one hit counter of an app's rate limits (so a Redis outage is warned about once, not once per limit). */
export function rateLimitCounter(app: FastifyInstance): HitCounter {
  const { ctx } = app;
  let counter = counters.get(ctx);
  if (!counter) counters.set(ctx, (counter = new HitCounter(ctx.redis, redisKey(ctx.config, 'ratelimit', ''), (m) => app.log.warn(m))));
  return counter;
}

export async function registerSecurity(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const { config } = ctx;
  const headers = routerErrorHeaders();
  app.addHook('onRequest', (_request, reply, done) => {
    reply.headers(headers);
    done();
  });

  const s = config.security;
  if (!s.rateLimit) return;

  const counter = rateLimitCounter(app);

  const windowMs = s.authWindowSeconds * 1000;
  const retryIn = (ttlMs: number) => Math.max(1, Math.ceil(ttlMs / 1000));

  const checkLimits = async (request: FastifyRequest) => {
    const route = request.routeOptions.url;
    const ip = await counter.hit(`auth-ip:${route}:${request.ip}`, windowMs);
    if (ip.current > s.authIpMax) throw tooMany(retryIn(ip.ttlMs));
    const account = accountKey(request);
    if (!account) return;
    const login = request.routeOptions.config.authRateLimit === 'login';
    // Reserve the attempt before it runs: checking first and counting after the answer let 40
    // parallel guesses all pass a limit of 3.
    const key = login ? `auth-account-ip:${route}:${account}:${request.ip}` : `auth-account:${route}:${account}`;
    const hits = await counter.hit(key, windowMs);
    if (hits.current > s.authAccountMax) throw tooMany(retryIn(hits.ttlMs));
    request.rateLimitReservation = key;
    if (!login) return;
    // Every address together: never a refusal, a wait. Attempts in flight count as failures until
    // they are known, so parallel guesses from many addresses queue up behind growing waits.
    const allKey = `auth-account:${route}:${account}`;
    const all = await counter.hit(allKey, windowMs);
    request.loginDelayReservation = allKey;
    const wait = loginDelay(all.current - 1, s.authAccountMax, s.loginDelayMs, s.loginDelayMaxMs);
    if (wait > 0) {
      request.loginDelayMs = wait;
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  };

  // Once the answer is known: a failure keeps its slot, a success gives it back.
  const settle: onSendHookHandler = async (request, reply, payload) => {
    const key = request.rateLimitReservation;
    const allKey = request.loginDelayReservation;
    if (!key) return payload;
    request.rateLimitReservation = undefined;
    request.loginDelayReservation = undefined;
    // `refused` also covers LEGACY_ERROR_STATUS=200, where refusals leave with status 200
    const limit = request.routeOptions.config.authRateLimit;
    if (request.refused || reply.statusCode >= 400 || limit === 'every-call') return payload;
    if (limit === 'login') {
      // the owner is in: their account's waits end with the failures that caused them
      await counter.reset(key);
      if (allKey) await counter.reset(allKey);
    } else await counter.giveBack(key);
    return payload;
  };

  app.addHook('onRoute', (route: RouteOptions) => {
    if (!isAuthRateLimited(route.config)) return;
    const existing = route.preValidation;
    route.preValidation = [checkLimits, ...(existing ? (Array.isArray(existing) ? existing : [existing]) : [])];
    addRouteOnSend(route, settle);
  });
}

/** Security headers and rate limits as the app's root plugin: registered before any route. */
export const securityPlugin = fp(async (app) => registerSecurity(app, app.ctx), { name: 'prescripto-security' });

/**
 * Errors the router raises before any hook or handler runs (a malformed URL, a path parameter
 * longer than maxParamLength): Fastify would answer them in its own format, echoing the URL.
 * Passed as the `frameworkErrors` option so they leave in the envelope like every other refusal,
 * with the request id and security headers the skipped hooks would have added, and with the same
 * status as every other refusal (200 under LEGACY_CLIENTS / LEGACY_ERROR_STATUS=200).
 */
export function frameworkErrorsFor(legacyStatus?: number) {
  return (error: { code?: string; statusCode?: number }, request: FastifyRequest, reply: FastifyReply): void => {
    const tooLong = error.code === 'FST_ERR_MAX_PARAM_LENGTH';
    request.refused = true;
    reply.headers(routerErrorHeaders()).header('x-request-id', request.id);
    void reply.code(legacyStatus ?? (tooLong ? 414 : 400)).send({ success: false, message: tooLong ? 'The URL is too long' : 'The URL is not valid' });
  };
}

let sharedHeaders: Record<string, string> | undefined;
/** The helmet headers for frameworkErrors, computed once (it runs outside any app's hooks). */
const routerErrorHeaders = () => (sharedHeaders ??= securityHeaders());
