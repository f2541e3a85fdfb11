// Collects a multipart request into `request.body` (text fields, so the route schema validates them)
// and `request.upload` (the `image` file), before validation runs. JSON bodies pass through.
import type { Readable } from 'node:stream';
import type { FastifyRequest } from 'fastify';
import { AppError } from '../../lib/errors.js';
import { fileTooLargeMessage, type Upload } from './service.js';

declare module 'fastify' {
  interface FastifyRequest {
    upload?: Upload;
    /** the pictures of a form that takes several (collectImages) */
    uploads?: Upload[];
  }
}

export const IMAGE_FIELD = 'image';

/** 413, and the connection closes after the answer so the client stops sending the rest. */
const fileTooLarge = (maxBytes: number) => new AppError(413, fileTooLargeMessage(maxBytes), { connection: 'close' });

/** @fastify/multipart's limit errors (413) and what to tell the client instead of its wording. */
function limitError(err: unknown, maxBytes: number): AppError | null {
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'FST_REQ_FILE_TOO_LARGE') return fileTooLarge(maxBytes);
  if (code === 'FST_FILES_LIMIT') return new AppError(413, `Too many files: send one picture in field "${IMAGE_FIELD}"`);
  if (code === 'FST_FIELDS_LIMIT' || code === 'FST_PARTS_LIMIT') return new AppError(413, 'Too many form fields');
  return null;
}

/**
 * Reads one file part, failing with 413 the moment it passes the limit. (`part.toBuffer()` drops the
 * excess but keeps reading until the part ends, so the answer would wait for the whole upload.)
 * Destroying the part makes @fastify/multipart stop parsing; Node discards whatever still arrives.
 */
function readWithin(file: Readable, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const fail = (err: Error) => {
      if (settled) return;
      settled = true;
      chunks.length = 0;
      file.destroy();
      reject(err);
    };
    const tooLarge = () => fail(fileTooLarge(maxBytes));
    file.on('limit', tooLarge); // busboy's own fileSize limit
    file.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) tooLarge();
      else chunks.push(chunk);
    });
    file.on('error', fail);
    file.on('end', () => {
      if (settled) return;
      settled = true;
      resolve(Buffer.concat(chunks));
    });
  });
}

export async function collectMultipart(request: FastifyRequest): Promise<void> {
  if (!request.isMultipart()) return;
  const maxBytes = request.server.ctx.config.uploadMaxBytes;
  const fields: Record<string, string> = {};
  try {
    for await (const part of request.parts()) {
      if (part.type === 'file') {
        if (part.fieldname !== IMAGE_FIELD || request.upload) {
          part.file.resume();
          throw new AppError(400, `Unexpected file field "${part.fieldname}": send one picture in field "${IMAGE_FIELD}"`);
        }
        const buffer = await readWithin(part.file, maxBytes);
        // Only the bytes are kept for the pipeline; the client's file name never names a file.
        if (buffer.length > 0) request.upload = { buffer, filename: part.filename, mimetype: part.mimetype };
      } else if (typeof part.value === 'string') {
        fields[part.fieldname] = part.value;
      }
    }
  } catch (err) {
    // Parsing stopped mid-body: discard whatever is still arriving instead of leaving the socket
    // paused (Node only drains requests nobody was reading), so the connection can end.
    request.raw.unpipe();
    request.raw.resume();
    throw limitError(err, maxBytes) ?? err;
  }
  request.body = fields;
}

/**
 * preValidation hook for forms that take up to `max` pictures in field `field` (message attachments):
 * text fields go to `request.body`, the pictures' bytes to `request.uploads`, each within
 * UPLOAD_MAX_BYTES; the caller stores them through MediaService.storeImage (the same checks and
 * re-encoding as every upload). JSON bodies pass through.
 */
export function collectImages(field: string, max: number) {
  return async (request: FastifyRequest): Promise<void> => {
    if (!request.isMultipart()) return;
    const maxBytes = request.server.ctx.config.uploadMaxBytes;
    const fields: Record<string, string> = {};
    const uploads: Upload[] = [];
    try {
      for await (const part of request.parts({ limits: { files: max, fileSize: maxBytes, fields: 10, fieldSize: 64 * 1024, parts: max + 10 } })) {
        if (part.type === 'file') {
          if (part.fieldname !== field) {
            part.file.resume();
            throw new AppError(400, `Unexpected file field "${part.fieldname}": send pictures in field "${field}"`);
          }
          const buffer = await readWithin(part.file, maxBytes);
          if (buffer.length > 0) uploads.push({ buffer, filename: part.filename, mimetype: part.mimetype });
        } else if (typeof part.value === 'string') {
          fields[part.fieldname] = part.value;
        }
      }
    } catch (err) {
      request.raw.unpipe();
      request.raw.resume();
      if ((err as { code?: unknown } | null)?.code === 'FST_FILES_LIMIT') throw new AppError(413, `Too many files: at most ${max} pictures in field "${field}"`);
      throw limitError(err, maxBytes) ?? err;
    }
    request.uploads = uploads;
    request.body = fields;
  };
}
