// Collects a multipart request into `request.body` (text fields, so the route schema validates them)
// and `request.upload` (the `image` file), before validation runs. JSON bodies pass through.
import type { FastifyRequest } from 'fastify';
import { AppError } from '../../lib/errors.js';
import type { Upload } from './service.js';

declare module 'fastify' {
  interface FastifyRequest {
    upload?: Upload;
  }
}

export const IMAGE_FIELD = 'image';

export async function collectMultipart(request: FastifyRequest): Promise<void> {
  if (!request.isMultipart()) return;
  const fields: Record<string, string> = {};
  for await (const part of request.parts()) {
    if (part.type === 'file') {
      if (part.fieldname !== IMAGE_FIELD || request.upload) {
        part.file.resume();
        throw new AppError(400, `Unexpected file field "${part.fieldname}": send one picture in field "image"`);
      }
      // toBuffer stops and throws 413 as soon as the size limit is passed: never buffers a huge file.
      const buffer = await part.toBuffer();
      if (buffer.length > 0) request.upload = { buffer, filename: part.filename, mimetype: part.mimetype };
    } else if (typeof part.value === 'string') {
      fields[part.fieldname] = part.value;
    }
  }
  request.body = fields;
}
