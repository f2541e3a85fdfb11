// The web app (web/, built by `npm run build` into WEB_DIR, default web/dist), served on the API's
// port:
//   - GET / answers the app to a browser (Accept: text/html) and the spec's JSON to everyone else;
//   - GET /assets/* are Vite's content-hashed files: cached for a year (immutable), sent pre-compressed
//     (brotli or gzip, written beside each file by the build) when the client accepts it;
//   - any other GET that asks for HTML and is not under /api, /docs or /uploads gets index.html, so deep
//     links (/doctors/<id>, /admin/appointments?page=3) load the app, which routes on the client.
// index.html is never cached (it names the current hashed assets) and carries a strict
// Content-Security-Policy: scripts and styles from this origin only, no inline script; Razorpay's
// checkout.js (and its frames) are allowed only when Razorpay keys are configured.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { Type } from 'typebox';
import type { Config } from '../config.js';
import { Message } from '../lib/schemas.js';
import type { NotFoundFallback } from './errors.js';

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.webp': 'image/webp',
  '.woff2': 'font/woff2',
  '.json': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.ico': 'image/x-icon',
};

/** Paths the SPA fallback never answers: they belong to the API and its tooling. */
const NOT_APP = /^\/(api|docs|uploads|assets|openapi\.json|health|ready|metrics)(\/|$|\?)/;

export const RAZORPAY_CHECKOUT_ORIGIN = 'https://checkout.razorpay.com';

export function appContentSecurityPolicy(config: Pick<Config, 'razorpay'>): string {
  const rzp = Boolean(config.razorpay);
  return [
    "default-src 'self'",
    `script-src 'self'${rzp ? ` ${RAZORPAY_CHECKOUT_ORIGIN}` : ''}`,
    // checkout.js styles its overlay inline; without Razorpay no inline style at all
    `style-src 'self'${rzp ? " 'unsafe-inline'" : ''}`,
    "img-src 'self' data: blob: https:",
    `connect-src 'self'${rzp ? ' https://*.razorpay.com' : ''}`,
    `frame-src ${rzp ? 'https://api.razorpay.com https://checkout.razorpay.com' : "'none'"}`,
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

interface Asset {
  file: string;
  type: string;
  br: boolean;
  gz: boolean;
}

/** True when the client would rather have HTML than JSON (a browser navigating). */
export function wantsHtml(request: FastifyRequest): boolean {
  const accept = request.headers.accept ?? '';
  return accept.includes('text/html');
}

export interface WebApp {
  available: boolean;
  sendIndex(reply: FastifyReply): FastifyReply;
}

export function registerWebApp(app: FastifyInstance, config: Config): WebApp {
  const indexFile = path.join(config.webDir, 'index.html');
  if (!existsSync(indexFile)) {
    app.log.info('web app not built (run `npm run build`): serving the API only');
    return { available: false, sendIndex: (reply) => reply.code(404).send({ success: false, message: 'The web app is not built' }) };
  }
  const indexHtml = readFileSync(indexFile);
  const csp = appContentSecurityPolicy(config);
  const assetsDir = path.join(config.webDir, 'assets');
  const assets = new Map<string, Asset>();
  if (existsSync(assetsDir)) {
    const names = new Set(readdirSync(assetsDir));
    for (const name of names) {
      const ext = path.extname(name);
      if (!TYPES[ext] || !statSync(path.join(assetsDir, name)).isFile()) continue;
      assets.set(name, { file: path.join(assetsDir, name), type: TYPES[ext], br: names.has(`${name}.br`), gz: names.has(`${name}.gz`) });
    }
  }
  // a few fixed files at the top of the build (favicon, robots.txt), cached for a day
  const topFiles = new Map<string, Asset>();
  for (const name of readdirSync(config.webDir)) {
    const ext = path.extname(name);
    if (name !== 'index.html' && TYPES[ext] && statSync(path.join(config.webDir, name)).isFile()) {
      topFiles.set(name, { file: path.join(config.webDir, name), type: TYPES[ext], br: false, gz: false });
    }
  }

  const sendIndex = (reply: FastifyReply) =>
    reply
      .code(200)
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-cache')
      .header('content-security-policy', csp)
      .header('vary', 'Accept')
      .send(indexHtml);

  app.get('/assets/:name', { schema: { hide: true, params: Type.Object({ name: Type.String({ maxLength: 200 }) }) } }, async (request, reply) => {
    const asset = assets.get((request.params as { name: string }).name);
    if (!asset) return reply.code(404).send({ success: false, message: 'File not found' });
    const accepts = String(request.headers['accept-encoding'] ?? '');
    const encoding = asset.br && /\bbr\b/.test(accepts) ? 'br' : asset.gz && /\bgzip\b/.test(accepts) ? 'gzip' : undefined;
    reply
      .type(asset.type)
      .header('cache-control', 'public, max-age=31536000, immutable')
      .header('vary', 'Accept-Encoding')
      .header('x-content-type-options', 'nosniff');
    if (encoding) reply.header('content-encoding', encoding);
    return reply.send(readFileSync(encoding === 'br' ? `${asset.file}.br` : encoding === 'gzip' ? `${asset.file}.gz` : asset.file));
  });

  for (const [name, asset] of topFiles) {
    // the service worker is checked for updates on every visit: never served from a cache
    const cache = name === 'sw.js' ? 'no-cache' : 'public, max-age=86400';
    app.get(`/${name}`, { schema: { hide: true } }, async (_request, reply) =>
      reply.type(asset.type).header('cache-control', cache).send(readFileSync(asset.file)),
    );
  }

  return { available: true, sendIndex };
}

/** For the not-found handler: a browser navigating to a client-side route gets the app. */
export function isAppNavigation(request: FastifyRequest): boolean {
  return request.method === 'GET' && wantsHtml(request) && !NOT_APP.test(request.url);
}

/**
 * GET /api/client-config: what a client needs to know before it shows a payment step (which gateways
 * are configured, whether payment is required) and how to format money. Public: nothing secret.
 */
export function registerClientConfig(app: FastifyInstance, config: Config): void {
  const body = {
    success: true,
    currency: config.currency,
    paymentRequired: config.paymentRequired,
    paymentWindowMinutes: config.paymentWindowMinutes,
    gateways: { razorpay: Boolean(config.razorpay), stripe: Boolean(config.stripe) },
  };
  app.get('/api/client-config', {
    schema: {
      tags: ['system'],
      operationId: 'getClientConfig',
      summary: 'Public settings a client needs: currency, configured payment gateways, whether payment is required',
      response: {
        200: Type.Object({
          success: Type.Boolean(),
          currency: Type.String(),
          paymentRequired: Type.Boolean(),
          paymentWindowMinutes: Type.Integer(),
          gateways: Type.Object({ razorpay: Type.Boolean(), stripe: Type.Boolean() }),
        }),
      },
    },
  }, async () => body);
}

/**
 * The web app, GET /api/client-config and GET / as a root plugin. `fallback`: the error plugin's
 * not-found fallback, which this fills so a browser's deep link gets the app.
 */
export const webAppPlugin = fp<{ fallback: NotFoundFallback }>(async (app, opts) => {
  const { config } = app.ctx;
  const web = registerWebApp(app, config);
  registerClientConfig(app, config);
  if (web.available) opts.fallback.handle = (request, reply) => (isAppNavigation(request) ? (web.sendIndex(reply), true) : false);
  app.get('/', { schema: { tags: ['system'], operationId: 'getStatus', summary: 'Is the API up? (a browser asking for HTML gets the web app)', response: { 200: Message } } }, async (request, reply) =>
    web.available && wantsHtml(request) ? web.sendIndex(reply) : (reply.header('vary', 'Accept'), { success: true, message: 'API Working' }),
  );
}, { name: 'prescripto-web', dependencies: ['prescripto-errors'] });
