// Files the app serves itself: uploaded pictures (local storage) and the default avatar.
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Type } from 'typebox';
import type { LocalImageStore } from '../modules/media/storage.js';
import { DEFAULT_AVATAR_PATH } from '../modules/media/service.js';

// Our own, fixed drawing (no script, no external references); new patients point here instead of
// carrying an image blob in every record.
const AVATAR_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 128 128" width="128" height="128"><rect width="128" height="128" fill="#e2e8f0"/><circle cx="64" cy="50" r="24" fill="#94a3b8"/><path d="M20 118c4-26 22-40 44-40s40 14 44 40z" fill="#94a3b8"/></svg>`;

// Opened directly in a browser tab, an asset can never run anything or load anything.
const LOCKED_DOWN = "default-src 'none'; style-src 'unsafe-inline'; sandbox";
// The web clients run on other origins and show these in <img>: a same-origin CORP (a common
// hardening default) would blank every picture.
const EMBEDDABLE = 'cross-origin';

export function registerAssets(app: FastifyInstance, store: LocalImageStore | undefined): void {
  app.get(DEFAULT_AVATAR_PATH, { schema: { hide: true } }, async (_request, reply) =>
    reply
      .type('image/svg+xml')
      .header('cache-control', 'public, max-age=86400')
      .header('x-content-type-options', 'nosniff')
      .header('content-security-policy', LOCKED_DOWN)
      .header('cross-origin-resource-policy', EMBEDDABLE)
      .send(AVATAR_SVG),
  );
  if (!store) return;
  app.get('/uploads/:name', {
    schema: { hide: true, params: Type.Object({ name: Type.String({ maxLength: 100 }) }) },
  }, async (request, reply) => {
    const { name } = request.params as { name: string };
    // read() only opens names the store could have written (random hex + size + .webp): no paths.
    const file = await store.read(name);
    if (!file) return reply.code(404).send({ success: false, message: 'File not found' });
    // Names are random and content never changes under a name: cache forever.
    return reply
      .type('image/webp')
      .header('cache-control', 'public, max-age=31536000, immutable')
      .header('x-content-type-options', 'nosniff')
      .header('content-security-policy', LOCKED_DOWN)
      .header('cross-origin-resource-policy', EMBEDDABLE)
      .send(file);
  });
}

/** The files above as a root plugin; `store`: the local picture store (also with Cloudinary, for older pictures). */
export const assetsPlugin = fp<{ store?: LocalImageStore }>(async (app, opts) => registerAssets(app, opts.store), { name: 'prescripto-assets' });
