// One mechanism for the audit log: an onSend hook that records, before the answer leaves,
//  - every login and registration attempt (success or failure, with the email tried): the routes
//    whose config says `audit: 'login'`,
//  - every data-changing request (not GET/HEAD/OPTIONS) by an authenticated doctor or admin,
//  - every route whose config says `audit: true` (session and account-recovery routes).
// The action is the route path (`/api/admin/add-doctor` → `admin.add-doctor`); the target is taken
// from the body or params (`docId`, `appointmentId`, `id`) or, on success, from the answer.
import type { FastifyInstance, FastifyRequest, onSendHookHandler, RouteOptions } from 'fastify';
import fp from 'fastify-plugin';
import { addRouteOnSend } from '../../plugins/security.js';
import { isUnstorableText } from '../../plugins/validation.js';
import type { AuditService } from './service.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** record every call of this route in the audit log; `login`: a login or registration, whose target is the account that got in */
    audit?: boolean | 'login';
  }
}

const TARGET_KEYS: [string, string][] = [
  ['docId', 'doctor'],
  ['doctorId', 'doctor'],
  ['appointmentId', 'appointment'],
  ['reviewId', 'review'],
  ['id', 'record'],
];

/** A text value worth recording; text PostgreSQL cannot store (the refused request's NUL) is left out. */
function str(v: unknown, max = 254): string | undefined {
  if (typeof v !== 'string' || v.length === 0 || isUnstorableText(v)) return undefined;
  // never cut an emoji's surrogate pair in two (the half left would not be storable either)
  return isUnstorableText(v.slice(0, max)) ? v.slice(0, max - 1) : v.slice(0, max);
}

function targetOf(request: FastifyRequest, payload: unknown, ok: boolean): { type?: string; id?: string } {
  for (const source of [request.body, request.params]) {
    if (!source || typeof source !== 'object') continue;
    for (const [key, type] of TARGET_KEYS) {
      const id = str((source as Record<string, unknown>)[key], 64);
      if (id) return { type, id };
    }
  }
  if (ok && typeof payload === 'string' && payload.length < 64 * 1024 && payload.startsWith('{')) {
    try {
      const body = JSON.parse(payload) as Record<string, unknown>;
      for (const type of ['doctor', 'appointment', 'patient']) {
        const rec = body[type];
        if (rec && typeof rec === 'object') {
          const id = str((rec as Record<string, unknown>)._id, 64);
          if (id) return { type, id };
        }
      }
    } catch {
      /* not JSON: no target from the answer */
    }
  }
  return {};
}

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Routes whose calls can need an audit record: attached per route, so public reads never run the hook. */
function mayAudit(route: RouteOptions): boolean {
  const methods = Array.isArray(route.method) ? route.method : [route.method];
  return Boolean(route.config?.audit) || methods.some((m) => !READS.has(m));
}

export function registerAuditHook(app: FastifyInstance, audit: AuditService): void {
  const record: onSendHookHandler = async (request, reply, payload) => {
    const url = request.routeOptions.url;
    if (!url) return payload;
    const isLogin = request.routeOptions.config.audit === 'login';
    const actor = request.auth ?? request.auditActor;
    const mutating = !READS.has(request.method);
    const privileged = request.auth?.role === 'doctor' || request.auth?.role === 'admin';
    if (!(request.routeOptions.config.audit || (mutating && privileged))) return payload;

    // with LEGACY_ERROR_STATUS=200 a refusal leaves as 200: the error handler marks it refused
    const ok = reply.statusCode < 400 && !request.refused;
    const body = request.body && typeof request.body === 'object' ? (request.body as Record<string, unknown>) : {};
    const detail: Record<string, string | number | boolean> = { method: request.method };
    const email = str(body.email);
    if (email) detail.email = email.toLowerCase();
    if (request.loginDelayMs) detail.delayMs = request.loginDelayMs;
    const target = isLogin && actor ? { type: actor.role, id: actor.id } : targetOf(request, payload, ok);
    await audit.record({
      at: app.ctx.clock.now(),
      actorRole: actor?.role,
      actorId: actor?.id,
      action: url.replace(/^\/api\//, '').replace(/^\//, '').replace(/\//g, '.'),
      targetType: target.type,
      targetId: target.id,
      outcome: ok ? 'success' : 'failure',
      statusCode: reply.statusCode,
      ip: request.ip,
      detail,
    });
    return payload;
  };
  app.addHook('onRoute', (route) => {
    if (mayAudit(route)) addRouteOnSend(route, record);
  });
}

/**
 * The audit hook as a root plugin, before any route (it attaches per route). After the security
 * plugin: a call its rate limits refuse is recorded as the failure it is.
 */
export const auditHook = fp(async (app) => registerAuditHook(app, app.ctx.audit), { name: 'prescripto-audit', dependencies: ['prescripto-security'] });
