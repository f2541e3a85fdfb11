// Operations: request ids on every response and log line, HTTP metrics per route, and the endpoints
// load balancers and Prometheus call: GET /health (process alive), GET /ready (database and Redis
// reachable), GET /metrics (Prometheus text). /ready and /metrics can sit behind OPS_TOKEN or on a
// separate OPS_PORT (then the public port serves only /health).
import { randomUUID, timingSafeEqual } from 'node:crypto';
import type { AsyncResource } from 'node:async_hooks';
import type { IncomingMessage } from 'node:http';
import { Type } from 'typebox';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../config.js';
import type { AppContext } from '../context.js';
import { AppError, unauthorized } from '../lib/errors.js';
import type { LoginRole } from '../lib/metrics.js';
import type { ReplicaStatus } from '../db/read-router.js';
import { enterRequest, type RequestScope } from '../lib/request-scope.js';
import { redactUrlToken } from '../modules/notifications/live.js';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The caller's `x-request-id` when it is a sane token (it ends up in logs), otherwise a new UUID. */
export function requestIdFrom(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}

// not payment outcomes: no session, wrong account, rate limited, gateway not configured or down
const NOT_AN_OUTCOME = new Set([401, 403, 429, 503]);

declare module 'fastify' {
  interface FastifyRequest {
    /** re-enters this request's scope (lib/request-scope.ts) */
    scope?: AsyncResource;
    /** what the request's code recorded in its scope (account, whether it wrote) */
    requestScope?: RequestScope;
  }
  interface FastifyContextConfig {
    /**
     * Outcomes counted from the answer, besides the per-route HTTP metrics. `login`: a 401 counts
     * as a failed login of that account type (every login service refuses with 401 "Invalid
     * credentials"). `payment`: a client-side payment confirmation, whose refusal counts as a
     * `failed` payment of that gateway (applied payments, from verify or webhook, and refunds are
     * counted by the payments module where they commit).
     */
    metered?: { login?: LoginRole; payment?: string };
  }
}

/** Probes a load balancer or a watcher calls every few seconds: not worth a line in a person's log. */
const PROBES = new Set(['/health', '/ready']);

export interface TrackingOptions {
  /**
   * One line per request, `GET /api/doctor/list 200 12 ms`, written when the answer is sent,
   * probes left out (development: Fastify's own request lines are turned off there). `url`
   * masks what must not be logged (a token in the query).
   */
  summaryLine?: { url: (raw: string) => string };
  /**
   * One JSON line per request, `request completed`, written when the answer is sent, with
   * everything Fastify's two lines held: `reqId`, `req` (method, URL with tokens masked, remote
   * address: the logger's `req` serializer), `res.statusCode` and `responseTime` in ms.
   */
  requestLine?: boolean;
}

/** Whether `log` writes debug lines (pino's levels: debug is 20). */
const debugEnabled = (log: FastifyBaseLogger) => (log as FastifyBaseLogger & { levelVal?: number }).levelVal! <= 20;

/** Root hooks (register before any route): echo the request id, time and count every response. */
export function registerRequestTracking(app: FastifyInstance, ctx: AppContext, opts: TrackingOptions = {}): void {
  // Everything that runs for a request (services, repos, their log lines) sees its scope.
  const arrivals = opts.requestLine === true;
  app.addHook('onRequest', (request, _reply, done) => {
    // the arrival of a request, at debug only: at info each request is the one line written when it ends
    if (arrivals && debugEnabled(request.log)) request.log.debug({ req: request }, 'incoming request');
    enterRequest(request.id, request.method, (resource, scope) => {
      request.scope = resource;
      request.requestScope = scope;
      done();
    });
  });
  // the body was read from socket events, outside the scope: the rest runs inside it again
  app.addHook('preValidation', (request, _reply, done) => (request.scope ? request.scope.runInAsyncScope(done) : done()));

  // While closing, a request that was in flight gets `connection: close`: otherwise its keep-alive
  // connection stays open after the response and the server would wait on it until the timeout.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  // Callback-style hooks: these run on every request, and an async hook costs a promise each time.
  app.addHook('onSend', (request, reply, payload, done) => {
    reply.header('x-request-id', request.id);
    if (closing) reply.header('connection', 'close');
    done(null, payload);
  });
  app.addHook('onResponse', (request, reply, done) => {
    // The route template, never the raw URL: ids in paths and 404 probes would explode the series.
    const route = request.routeOptions.url ?? 'unmatched';
    const labels = { method: request.method, route, status_code: String(reply.statusCode) };
    ctx.metrics.httpRequests.inc(labels);
    ctx.metrics.httpDuration.observe(labels, reply.elapsedTime / 1000);
    const metered = request.routeOptions.config.metered;
    const role = metered?.login;
    if (role && reply.statusCode === 401) ctx.metrics.failedLogin(role);
    const gateway = metered?.payment;
    if (gateway && reply.statusCode >= 400 && !NOT_AN_OUTCOME.has(reply.statusCode)) ctx.metrics.payment(gateway, 'failed');
    if (opts.requestLine) {
      request.log.info({ req: request, res: { statusCode: reply.statusCode }, responseTime: reply.elapsedTime }, 'request completed');
    } else if (opts.summaryLine && !PROBES.has(route)) {
      request.log.info(`${request.method} ${opts.summaryLine.url(request.url)} ${reply.statusCode} ${reply.elapsedTime.toFixed(0)} ms`);
    }
    done();
  });
}

function tokenGuard(token: string | undefined) {
  if (!token) return undefined;
  const expected = Buffer.from(`Bearer ${token}`);
  return async (request: FastifyRequest) => {
    const given = Buffer.from(String(request.headers.authorization ?? ''));
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw unauthorized('A valid ops token is required');
  };
}

async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} timed out`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

export interface Readiness {
  ready: boolean;
  database: 'up' | 'down';
  redis: 'up' | 'down' | 'disabled';
  /** DATABASE_READ_URLS as last checked; a replica not ok is skipped (reads go to the primary), never a reason to be unready */
  replicas: ReplicaStatus[];
}

/** Database down means not ready. Redis down only degrades (in-process fallbacks), so it is reported, not fatal. */
export async function checkReadiness(ctx: AppContext, timeoutMs = 2000): Promise<Readiness> {
  const [db, redis] = await Promise.all([
    withTimeout(ctx.database.query('SELECT 1'), timeoutMs, 'database').then(() => 'up' as const, () => 'down' as const),
    ctx.redis
      ? withTimeout(ctx.redis.ping(), timeoutMs, 'redis').then(() => 'up' as const, () => 'down' as const)
      : Promise.resolve('disabled' as const),
  ]);
  return { ready: db === 'up', database: db, redis, replicas: ctx.reads.status() };
}

const HealthOut = Type.Object({ status: Type.Literal('ok'), uptime: Type.Integer({ description: 'seconds since the process started' }) });
const ReadyOut = Type.Object({
  status: Type.Union([Type.Literal('ready'), Type.Literal('degraded'), Type.Literal('unavailable')], {
    description: 'degraded: Redis is down (in-process fallbacks serve) or a read replica is skipped (the primary answers its reads)',
  }),
  database: Type.Union([Type.Literal('up'), Type.Literal('down')]),
  redis: Type.Union([Type.Literal('up'), Type.Literal('down'), Type.Literal('disabled')]),
  replicas: Type.Optional(
    Type.Array(
      Type.Object({
        name: Type.String({ description: 'host:port/database of the replica' }),
        state: Type.Union([Type.Literal('ok'), Type.Literal('lagging'), Type.Literal('down')], { description: 'lagging: further behind than REPLICA_MAX_LAG_MS' }),
        lagMs: Type.Optional(Type.Integer({ minimum: 0 })),
      }),
      { description: 'DATABASE_READ_URLS only: each replica as last checked (every REPLICA_CHECK_MS)' },
    ),
  ),
});

const health = async () => ({ status: 'ok', uptime: Math.round(process.uptime()) });

/**
 * Where /metrics is served. Its counters (routes, failed logins per role) tell an attacker what
 * works, so production serves it only on OPS_PORT or behind OPS_TOKEN; development and tests keep
 * it on the public port.
 */
export function metricsExposure(config: Config): 'ops-port' | 'token' | 'public' | 'off' {
  if (config.opsPort !== undefined) return 'ops-port';
  if (config.opsToken) return 'token';
  return config.nodeEnv === 'production' ? 'off' : 'public';
}

/** The line the server logs at start, saying where /metrics and /ready are. */
export function describeOpsEndpoints(config: Config): string {
  switch (metricsExposure(config)) {
    case 'ops-port':
      return `/ready and /metrics are served on OPS_PORT ${config.opsPort} only${config.opsToken ? ', with OPS_TOKEN' : ''}`;
    case 'token':
      return '/ready and /metrics need "Authorization: Bearer <OPS_TOKEN>"';
    case 'off':
      return '/metrics is not served: set OPS_PORT (a private port) or OPS_TOKEN to expose it';
    default:
      return '/ready and /metrics are public (development; production serves /metrics only on OPS_PORT or with OPS_TOKEN)';
  }
}

/**
 * GET /health everywhere. On the public port (`where: 'public'`): /ready unless OPS_PORT moves it,
 * /metrics as metricsExposure says. On OPS_PORT: both.
 */
export function registerOpsRoutes(app: FastifyInstance, ctx: AppContext, where: 'public' | 'ops-port'): void {
  const tags = ['operations'];
  // Probes and scrapes are never rate limited: a load balancer checking every second from one
  // address must not take the instance out of rotation.
  const config = { rateLimit: false as const };
  app.get('/health', {
    config,
    schema: { tags, operationId: 'health', summary: 'Liveness: the process is up and serving', response: { 200: HealthOut } },
  }, health);
  const exposure = metricsExposure(ctx.config);
  if (where === 'public' && exposure === 'ops-port') return;
  const onRequest = tokenGuard(ctx.config.opsToken);
  // with OPS_TOKEN set, probes and scrapes need it as a Bearer token
  const security = onRequest ? [{ bearer: [] }] : undefined;
  app.get('/ready', {
    ...(onRequest ? { onRequest } : {}),
    config,
    schema: {
      tags,
      operationId: 'ready',
      summary: 'Readiness: database reachable (503 otherwise); Redis state reported',
      security,
      response: { 200: ReadyOut, 503: { ...ReadyOut, description: 'Not ready: the database is unreachable (`Retry-After: 5`)' } },
    },
  }, async (_request, reply: FastifyReply) => {
    const r = await checkReadiness(ctx);
    if (!r.ready) reply.code(503).header('retry-after', '5');
    const degraded = r.redis === 'down' || r.replicas.some((x) => x.state !== 'ok');
    return { status: r.ready ? (degraded ? 'degraded' : 'ready') : 'unavailable', database: r.database, redis: r.redis, ...(r.replicas.length ? { replicas: r.replicas } : {}) };
  });
  if (where === 'public' && exposure === 'off') return;
  app.get('/metrics', {
    ...(onRequest ? { onRequest } : {}),
    config,
    schema: { tags, operationId: 'metrics', summary: 'Prometheus metrics (text exposition format)', security, produces: ['text/plain'] },
  }, async (_request, reply) => {
    reply.type(ctx.metrics.contentType());
    return ctx.metrics.scrape();
  });
}

/** Request ids, scopes and HTTP metrics for every route; in development one summary line per request. */
export const requestTracking = fp(
  async (app) => registerRequestTracking(app, app.ctx, app.ctx.config.nodeEnv === 'development' ? { summaryLine: { url: redactUrlToken } } : { requestLine: true }),
  { name: 'prescripto-request-tracking' },
);

/** GET /health, /ready and /metrics on the public port (what OPS_PORT and OPS_TOKEN leave there). */
export const opsRoutes = fp(async (app) => registerOpsRoutes(app, app.ctx, 'public'), { name: 'prescripto-ops', dependencies: ['prescripto-request-tracking'] });

/** A tiny separate server for OPS_PORT, sharing the main app's context (and so its metrics). */
export async function buildOpsApp(ctx: AppContext): Promise<FastifyInstance> {
  const ops = Fastify({ logger: false });
  ops.setErrorHandler((err: Error, _request, reply) => {
    const status = err instanceof AppError ? err.statusCode : 500;
    reply.code(status).send({ success: false, message: status === 500 ? 'Something went wrong' : err.message });
  });
  registerOpsRoutes(ops, ctx, 'ops-port');
  await ops.ready();
  return ops;
}
