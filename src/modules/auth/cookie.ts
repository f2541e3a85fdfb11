// Refresh token in a cookie, for the web app only (opt-in with the request header
// `X-Session-Cookie: 1`, which the app sends on login, register, refresh and logout; other clients
// see no change). Why: a browser app must not keep a long-lived secret where a script can read it.
// With the header:
//   - login/register/refresh answers carry the refresh token in an HttpOnly, SameSite=Strict cookie
//     whose path is the role's refresh endpoint only (Secure unless the request came to a loopback
//     host), and no longer in the JSON body;
//   - refresh without a body reads the token from that cookie;
//   - logout clears the cookie.
// Cross-site requests cannot use it: SameSite=Strict keeps the cookie off them, and the custom header
// forces a CORS preflight that FRONTEND_URL decides.
import type { FastifyInstance, FastifyReply, FastifyRequest, onSendHookHandler, preValidationHookHandler, RouteOptions } from 'fastify';
import fp from 'fastify-plugin';
import { unauthorized } from '../../lib/errors.js';
import { addRouteOnSend } from '../../plugins/security.js';

export const SESSION_COOKIE_HEADER = 'x-session-cookie';
export const REFRESH_COOKIE = 'prescripto_refresh';

const ROUTE = /^\/api\/(user|doctor|admin)\/(login|register|refresh|logout)$/;

function wantsCookie(request: FastifyRequest): boolean {
  return request.headers[SESSION_COOKIE_HEADER] === '1';
}

export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])$/i;

function cookie(request: FastifyRequest, prefix: string, value: string, maxAgeSeconds: number): string {
  const secure = !LOOPBACK.test(request.hostname.replace(/:\d+$/, '')) || request.protocol === 'https';
  return [
    `${REFRESH_COOKIE}=${encodeURIComponent(value)}`,
    `Path=${prefix}/refresh`,
    `Max-Age=${maxAgeSeconds}`,
    'HttpOnly',
    'SameSite=Strict',
    ...(secure ? ['Secure'] : []),
  ].join('; ');
}

export function registerSessionCookies(app: FastifyInstance, refreshTtlSeconds: number): void {
  const fromCookie: preValidationHookHandler = async (request) => {
    if (!wantsCookie(request)) return;
    const body = request.body as Record<string, unknown> | undefined | null;
    if (body && typeof body === 'object' && typeof body.refreshToken === 'string') return;
    const token = readCookie(request.headers.cookie, REFRESH_COOKIE);
    if (!token) throw unauthorized('Session expired, please login again');
    request.body = { ...(body && typeof body === 'object' ? body : {}), refreshToken: token };
  };

  const toCookie = (prefix: string, action: string): onSendHookHandler => async (request: FastifyRequest, reply: FastifyReply, payload) => {
    if (!wantsCookie(request)) return payload;
    if (action === 'logout' || (action === 'refresh' && reply.statusCode === 401)) {
      reply.header('set-cookie', cookie(request, prefix, '', 0));
      return payload;
    }
    if (reply.statusCode >= 300 || typeof payload !== 'string') return payload;
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(payload) as Record<string, unknown>;
    } catch {
      return payload;
    }
    if (typeof body.refreshToken !== 'string') return payload;
    reply.header('set-cookie', cookie(request, prefix, body.refreshToken, refreshTtlSeconds));
    delete body.refreshToken;
    return JSON.stringify(body);
  };

  app.addHook('onRoute', (route: RouteOptions) => {
    const m = ROUTE.exec(route.url);
    if (!m || route.method !== 'POST') return;
    const prefix = `/api/${m[1]}`;
    if (m[2] === 'refresh') {
      const existing = route.preValidation;
      route.preValidation = [fromCookie, ...(existing ? (Array.isArray(existing) ? existing : [existing]) : [])];
    }
    addRouteOnSend(route, toCookie(prefix, m[2]));
  });
}

/**
 * The session cookie as a root plugin, before any route (it attaches to the auth routes as they are
 * added). After the security plugin: each route's rate-limit onSend hook runs before the cookie's.
 */
export const sessionCookies = fp(async (app) => registerSessionCookies(app, app.ctx.config.refreshTokenTtlSeconds), {
  name: 'prescripto-session-cookies',
  dependencies: ['prescripto-security'],
});
