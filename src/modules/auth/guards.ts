// Route guards: who is calling, and may that role use this route? Accepts `Authorization: Bearer`
// and the legacy per-role headers of existing Prescripto clients (`token`, `dtoken`, `atoken`).
// Each role's prefix is one `roleScope`: every route registered in it needs a token of that role,
// unless the route opts out with `config: { public: true }`. A new route is protected by default.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest, onRequestAsyncHookHandler, onRequestHookHandler, RouteOptions } from 'fastify';
import { forbidden, unauthorized } from '../../lib/errors.js';
import { actFor } from '../../lib/request-scope.js';
import type { AccessClaims, Role, TokenService } from './tokens.js';

declare module 'fastify' {
  interface FastifyRequest {
    auth?: AccessClaims;
  }
  interface FastifyContextConfig {
    /**
     * No token needed under the role's prefix: logins, registration, password recovery, public
     * doctor pages, and routes that check a token themselves (logout, the live stream).
     */
    public?: boolean;
    /** a doctor with the admin's temporary password may use this route (change-password, 2FA) */
    allowTemporaryPassword?: boolean;
  }
}

const legacyHeader: Record<Role, string> = { patient: 'token', doctor: 'dtoken', admin: 'atoken' };

function headerValue(request: FastifyRequest, name: string): string | undefined {
  const v = request.headers[name];
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

/** The token a request carries: Bearer first, then the role's own legacy header, then any legacy header. */
export function extractToken(request: FastifyRequest, role: Role): string | undefined {
  const authz = headerValue(request, 'authorization');
  if (authz) {
    const m = /^Bearer\s+(\S+)$/i.exec(authz);
    if (m) return m[1];
  }
  return (
    headerValue(request, legacyHeader[role]) ??
    headerValue(request, 'token') ??
    headerValue(request, 'dtoken') ??
    headerValue(request, 'atoken')
  );
}

export const TEMPORARY_PASSWORD_MESSAGE = 'Please change your temporary password first';

export interface GuardOptions {
  /** a doctor with the admin's temporary password may use this route (change-password, logout, 2FA) */
  allowTemporaryPassword?: boolean;
}

export async function authenticate(tokens: TokenService, request: FastifyRequest, role: Role, opts: GuardOptions = {}): Promise<AccessClaims> {
  const token = extractToken(request, role);
  if (!token) throw unauthorized('Not Authorized Login Again');
  const result = await tokens.verify(token);
  if ('error' in result) {
    if (result.error === 'expired') throw unauthorized('Session expired, please login again');
    if (result.error === 'revoked') throw unauthorized('Session ended, please login again');
    throw unauthorized('Invalid token, please login again');
  }
  if (result.role !== role) throw forbidden(`This action needs ${role === 'admin' ? 'an' : 'a'} ${role} account`);
  actFor(role, result.id);
  // Temporary doctor passwords are enforced here, in the one check every doctor route (the prefix's
  // guard, and the SSE stream that calls authenticate itself) goes through. The flag is read from
  // the database on each request, not from the token, so changing the password lifts it at once.
  // Login, refresh, forgot/reset-password are public; change-password and the 2FA routes say
  // `allowTemporaryPassword` in their config, and logout passes it when it checks its token.
  if (role === 'doctor' && !opts.allowTemporaryPassword && (await request.server.ctx.doctors.hasTemporaryPassword(result.id))) {
    throw forbidden(TEMPORARY_PASSWORD_MESSAGE);
  }
  return result;
}

/** onRequest hook that admits only tokens of `role` and puts their claims on `request.auth`. */
export function requireRole(tokens: TokenService, role: Role, opts: GuardOptions = {}): onRequestAsyncHookHandler {
  return async (request) => {
    request.auth = await authenticate(tokens, request, role, opts);
  };
}

/** The path prefix of each role's routes. */
export const ROLE_PREFIX: Record<Role, string> = { patient: '/api/user', doctor: '/api/doctor', admin: '/api/admin' };
export const ROLES = Object.keys(ROLE_PREFIX) as Role[];

/**
 * One role's prefix: registers `routes` in an encapsulated context whose every route gets the
 * role's guard as its first onRequest hook, unless it says `config: { public: true }`. Attached per
 * route (not as a context-wide hook) so public routes run no guard at all and the guard runs before
 * the hooks other plugins add to the route (the global rate limit counts only admitted calls).
 */
export function roleScope(role: Role, routes: readonly FastifyPluginAsyncTypebox[]): FastifyPluginAsyncTypebox {
  return async (scope) => {
    const guards = new Map<boolean, onRequestAsyncHookHandler>();
    const guardFor = (allowTemporaryPassword: boolean) => {
      let guard = guards.get(allowTemporaryPassword);
      if (!guard) guards.set(allowTemporaryPassword, (guard = requireRole(scope.ctx.tokens, role, { allowTemporaryPassword })));
      return guard;
    };
    scope.addHook('onRoute', (route: RouteOptions) => {
      if (route.config?.public) return;
      const existing = route.onRequest;
      const own: onRequestHookHandler[] = existing ? (Array.isArray(existing) ? existing : [existing]) : [];
      const guard = guardFor(route.config?.allowTemporaryPassword === true);
      // the HEAD route Fastify adds for a GET comes with the GET's hooks: guarded already
      if (!own.includes(guard)) route.onRequest = [guard, ...own];
    });
    for (const routesOfModule of routes) await scope.register(routesOfModule);
  };
}

/** The authenticated account id; only call on a route its role guard protects. */
export function authId(request: FastifyRequest): string {
  if (!request.auth) throw unauthorized();
  return request.auth.id;
}
