// Routes are protected by their role's prefix (auth/guards.ts roleScope): every route under
// /api/user, /api/doctor and /api/admin needs a token of that role unless it declares
// `config: { public: true }`, and a new route is protected without saying anything. The sensitive
// routes' rate limits, the login and payment metrics and the audit log's logins pick their routes
// by route config flags; the flags must cover exactly the routes the URL patterns they replaced
// picked.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Fastify, { type RouteOptions } from 'fastify';
import type { AppContext } from '../../src/context.js';
import { ROLE_PREFIX, roleScope } from '../../src/modules/auth/guards.js';
import { createTokenService } from '../../src/modules/auth/tokens.js';
import { json, makeTestApp, type TestApp } from '../helpers/app.js';

interface SeenRoute {
  method: string;
  url: string;
  config: RouteOptions['config'];
}

const methodsOf = (route: RouteOptions): string[] => (Array.isArray(route.method) ? route.method : [route.method]).map(String);
const underRolePrefix = (url: string) => Object.values(ROLE_PREFIX).some((prefix) => url.startsWith(`${prefix}/`));

/** The routes that need no token; HEAD twins of GET routes are left out of this list. */
const PUBLIC_ROUTES = [
  'POST /api/user/register',
  'POST /api/user/login',
  'POST /api/user/refresh',
  'POST /api/user/logout',
  'POST /api/user/forgot-password',
  'POST /api/user/reset-password',
  'GET /api/user/events',
  'GET /api/doctor/list',
  'POST /api/doctor/login',
  'GET /api/doctor/:docId/slots',
  'POST /api/doctor/refresh',
  'POST /api/doctor/logout',
  'POST /api/doctor/forgot-password',
  'POST /api/doctor/reset-password',
  'GET /api/doctor/:docId/reviews',
  'GET /api/doctor/events',
  'POST /api/admin/login',
  'POST /api/admin/refresh',
  'POST /api/admin/logout',
  'GET /api/admin/events',
].sort();

/** The pattern that picked the sensitive routes (non-GET) before they were flagged. */
const SENSITIVE_URL = /\/(login|register|forgot-password|reset-password|change-password|refresh|2fa\/confirm|2fa\/disable)$|verify/i;

describe('route guards by prefix, rate limits and metrics by route flags', () => {
  let t: TestApp;
  const routes: SeenRoute[] = [];
  before(async () => {
    t = await makeTestApp({ NOTIFY_WORKER: 'false' }, { onRoute: (route) => void routes.push(...methodsOf(route).map((method) => ({ method, url: route.url, config: route.config }))) });
  });
  after(async () => t.close());

  it('lists the routes of every role prefix', () => {
    for (const prefix of Object.values(ROLE_PREFIX)) assert.ok(routes.filter((r) => r.url.startsWith(`${prefix}/`)).length > 20, prefix);
  });

  it('every route under a role prefix is either public (one of the known ones) or refused without a token', async () => {
    const roleRoutes = routes.filter((r) => underRolePrefix(r.url));
    const publicOnes = roleRoutes.filter((r) => r.config?.public && r.method !== 'HEAD').map((r) => `${r.method} ${r.url}`).sort();
    assert.deepEqual(publicOnes, PUBLIC_ROUTES);
    const refusedWrongly: string[] = [];
    for (const r of roleRoutes) {
      if (r.config?.public) continue;
      const res = await t.app.inject({ method: r.method as 'GET', url: r.url.replace(/:\w+/g, 'x1') });
      const message = r.method === 'HEAD' ? 'Not Authorized Login Again' : json(res).message;
      if (res.statusCode !== 401 || message !== 'Not Authorized Login Again') refusedWrongly.push(`${r.method} ${r.url}: ${res.statusCode} ${message}`);
    }
    assert.deepEqual(refusedWrongly, []);
  });

  it('the sensitive routes are exactly the ones their URL pattern used to pick', () => {
    const flagged = routes.filter((r) => r.config?.authRateLimit).map((r) => `${r.method} ${r.url}`).sort();
    const byPattern = routes.filter((r) => r.method !== 'GET' && SENSITIVE_URL.test(r.url)).map((r) => `${r.method} ${r.url}`).sort();
    assert.deepEqual(flagged, byPattern);
    assert.equal(flagged.length, 23);
    const kinds = Object.fromEntries(routes.filter((r) => r.config?.authRateLimit && r.config.authRateLimit !== 'failures').map((r) => [`${r.method} ${r.url}`, r.config?.authRateLimit]));
    assert.deepEqual(kinds, {
      'POST /api/user/login': 'login',
      'POST /api/doctor/login': 'login',
      'POST /api/admin/login': 'login',
      'POST /api/user/forgot-password': 'every-call',
      'POST /api/doctor/forgot-password': 'every-call',
    });
  });

  it('the audited logins are the routes the URL pattern used to pick', () => {
    const logins = routes.filter((r) => r.config?.audit === 'login').map((r) => `${r.method} ${r.url}`).sort();
    assert.deepEqual(logins, routes.filter((r) => /\/(login|register)$/.test(r.url)).map((r) => `${r.method} ${r.url}`).sort());
    assert.equal(logins.length, 4);
  });

  it('the metered routes are the three logins and the four payment confirmations', () => {
    const metered = Object.fromEntries(routes.filter((r) => r.config?.metered).map((r) => [`${r.method} ${r.url}`, r.config?.metered]));
    assert.deepEqual(metered, {
      'POST /api/user/login': { login: 'patient' },
      'POST /api/doctor/login': { login: 'doctor' },
      'POST /api/admin/login': { login: 'admin' },
      'POST /api/user/verify-razorpay': { payment: 'razorpay' },
      'POST /api/user/verifyRazorpay': { payment: 'razorpay' },
      'POST /api/user/verify-stripe': { payment: 'stripe' },
      'POST /api/user/verifyStripe': { payment: 'stripe' },
    });
  });
});

describe('a new route under a role prefix', () => {
  const tokens = createTokenService('test-secret-that-is-long-enough-123', 600);
  const app = Fastify();
  before(async () => {
    app.decorate('ctx', { tokens, doctors: { hasTemporaryPassword: async () => false } } as unknown as AppContext);
    const added: FastifyPluginAsyncTypebox = async (scope) => {
      scope.get('/brand-new', async (request) => ({ id: request.auth?.id }));
      scope.get('/brand-new-public', { config: { public: true } }, async () => ({ open: true }));
    };
    await app.register(roleScope('patient', [added]), { prefix: ROLE_PREFIX.patient });
    await app.ready();
  });
  after(async () => app.close());

  it('is refused without a token and with another role’s token, and admitted with its role’s token', async () => {
    assert.equal((await app.inject({ url: '/api/user/brand-new' })).statusCode, 401);
    assert.equal((await app.inject({ url: '/api/user/brand-new', headers: { dtoken: tokens.sign('d1', 'doctor') } })).statusCode, 403);
    const ok = await app.inject({ url: '/api/user/brand-new', headers: { token: tokens.sign('p1', 'patient') } });
    assert.equal(ok.statusCode, 200);
    assert.deepEqual(ok.json(), { id: 'p1' });
  });

  it('opts out with config.public', async () => {
    assert.equal((await app.inject({ url: '/api/user/brand-new-public' })).statusCode, 200);
  });
});
