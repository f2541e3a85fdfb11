// Route guards: who is calling, and may that role use this route? Accepts `Authorization: Bearer`
// and the legacy per-role headers of existing Prescripto clients (`token`, `dtoken`, `atoken`).
import type { FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import { forbidden, unauthorized } from '../../lib/errors.js';
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

export async function authenticate(tokens: TokenService, request: FastifyRequest, role: Role): Promise<AccessClaims> {
  const token = extractToken(request, role);
  if (!token) throw unauthorized('Not Authorized Login Again');
  const result = await tokens.verify(token);
  if ('error' in result) {
    if (result.error === 'expired') throw unauthorized('Session expired, please login again');
    if (result.error === 'revoked') throw unauthorized('Session ended, please login again');
    throw unauthorized('Invalid token, please login again');
  }
  if (result.role !== role) throw forbidden(`This action needs a ${role} account`);
  return result;
}

/** onRequest hook that admits only tokens of `role` and puts their claims on `request.auth`. */
export function requireRole(tokens: TokenService, role: Role): onRequestAsyncHookHandler {
  return async (request) => {
    request.auth = await authenticate(tokens, request, role);
  };
}

/** The authenticated account id; only call behind requireRole. */
export function authId(request: FastifyRequest): string {
  if (!request.auth) throw unauthorized();
  return request.auth.id;
}
