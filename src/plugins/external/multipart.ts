// @fastify/multipart: form uploads (profile and doctor images, message attachments). One file per
// request, up to UPLOAD_MAX_BYTES; the other limits bound what a form may make the server hold.
import multipart from '@fastify/multipart';
import fp from 'fastify-plugin';

export default fp(async (app) => {
  await app.register(multipart, {
    limits: { fileSize: app.ctx.config.uploadMaxBytes, files: 1, fields: 30, fieldSize: 64 * 1024, parts: 40 },
  });
}, { name: 'multipart', decorators: { fastify: ['ctx'] } });
