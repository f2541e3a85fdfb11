// Route guards: who is calling, and may that role use this route? Accepts `Authorization: Bearer`
// and the legacy per-role headers of existing Prescripto clients (`token`, `dtoken`, `atoken`).
import type { FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import { forbidden, unauthorized } from '../../lib/errors.js';
import { actFor } from '../../lib/request-scope.js';
import type { AccessClaims, Role, TokenService } from './tokens.js';

declare module 'fastify' {
  interface FastifyRequest {
    auth?: AccessClaims;
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
  // Temporary doctor passwords are enforced here, in the one check every doctor route (requireRole,
  // and the SSE stream that calls authenticate itself) goes through, wherever the route is
  // registered (/api/doctor, /api/doctor/reports, notifications). The flag is read from the
  // database on each request, not from the token, so changing the password lifts it at once.
  // Login, refresh, forgot/reset-password have no guard; change-password, logout and the 2FA
  // routes opt out with allowTemporaryPassword.
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

/** The authenticated account id; only call behind requireRole. */
export function authId(request: FastifyRequest): string {
  if (!request.auth) throw unauthorized();
  return request.auth.id;
}
