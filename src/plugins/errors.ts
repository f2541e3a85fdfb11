// The central error handler: every failure leaves as `{ success: false, message }` with the right
// status, and nothing internal: no stack anywhere, and never SQL text or query parameters (password
// hashes, emails), not even in development's `error` detail. Logged errors go through the logger's
// `err` serializer (lib/logger.ts), which keeps only SQLSTATE, constraint and a safe message.
import type { FastifyError, FastifyInstance } from 'fastify';
import { AppError, sqlState } from '../lib/errors.js';
import { safeErrorMessage } from '../lib/logger.js';
import type { Config } from '../config.js';

interface ValidationIssue {
  keyword: string;
  instancePath: string;
  params: Record<string, unknown>;
  message?: string;
}

function fieldName(issue: ValidationIssue): string {
  const p = issue.instancePath.replace(/^\//, '').replace(/\//g, '.');
  return p || 'body';
}

/** A message a person understands for the first schema violation. */
export function validationMessage(issues: ValidationIssue[], context: string | undefined): string {
  const issue = issues[0];
  if (!issue) return 'Invalid request';
  const field = fieldName(issue);
  const where = context && context !== 'body' ? ` in ${context}` : '';
  switch (issue.keyword) {
    case 'required':
      // The spec's wording, which existing clients show as is.
      return 'Missing Details';
    case 'type': {
      const type = String(issue.params.type).replace(',', ' or ');
      return `${field} must be ${/^[aeiou]/.test(type) ? 'an' : 'a'} ${type}${where}`;
    }
    case 'minLength':
      return issue.params.limit === 1 ? 'Missing Details' : `${field} must be at least ${issue.params.limit} characters${where}`;
    case 'maxLength':
      return `${field} must be at most ${issue.params.limit} characters${where}`;
    case 'pattern':
    case 'format':
      return `${field} is not valid${where}`;
    case 'minimum':
    case 'exclusiveMinimum':
      return `${field} must be ${issue.keyword === 'minimum' ? 'at least' : 'more than'} ${issue.params.limit}${where}`;
    case 'maximum':
    case 'exclusiveMaximum':
      return `${field} must be ${issue.keyword === 'maximum' ? 'at most' : 'less than'} ${issue.params.limit}${where}`;
    case 'enum':
    case 'const':
      return `${field} must be one of: ${[issue.params.allowedValues ?? issue.params.allowedValue].flat().join(', ')}${where}`;
    case 'additionalProperties':
      return `Unknown field ${String(issue.params.additionalProperty)}${where}`;
    case 'anyOf':
    case 'oneOf':
      return `${field} has an invalid shape${where}`;
    default:
      return `${field} is invalid${where}`;
  }
}

// Node socket errors, and SQLSTATE classes 08 (connection exception) and 57P (operator intervention:
// server shutting down or restarting).
const SOCKET_DOWN_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH']);
// What node-postgres says when a connection dies mid-query or mid-transaction (the ROLLBACK after a
// dead connection fails with "not queryable", hiding the first error) or a pool cannot connect.
const DB_DOWN_MESSAGE = /Connection terminated|not queryable|connection error|connect ECONNREFUSED|timeout exceeded when trying to connect/i;

export function isDatabaseDown(err: unknown): boolean {
  let e: unknown = err;
  for (let i = 0; i < 4 && e && typeof e === 'object'; i++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && (SOCKET_DOWN_CODES.has(code) || /^(08|57P)/.test(code))) return true;
    const msg = (e as { message?: unknown }).message;
    if (typeof msg === 'string' && DB_DOWN_MESSAGE.test(msg)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

export function registerErrorHandling(app: FastifyInstance, config: Config): void {
  const dev = config.nodeEnv === 'development';
  const status = (s: number) => config.legacyErrorStatus ?? s;

  app.setNotFoundHandler((request, reply) => {
    reply.code(status(404)).send({ success: false, message: `Route ${request.method} ${request.url.split('?')[0]} not found` });
  });

  app.setErrorHandler((error: FastifyError | AppError, request, reply) => {
    if (error instanceof AppError) {
      reply.headers(error.headers);
      return reply.code(status(error.statusCode)).send({ success: false, message: error.message });
    }
    const fe = error as FastifyError & { validationContext?: string };
    if (fe.validation) {
      return reply
        .code(status(400))
        .send({ success: false, message: validationMessage(fe.validation as ValidationIssue[], fe.validationContext) });
    }
    if (fe.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || (fe.statusCode === 400 && /JSON/i.test(fe.message))) {
      return reply.code(status(400)).send({ success: false, message: 'The request body is not valid JSON' });
    }
    if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || fe.statusCode === 413) {
      return reply.code(status(413)).send({ success: false, message: fe.code === 'FST_REQ_FILE_TOO_LARGE' ? 'File too large' : 'The request is too large' });
    }
    if (fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || fe.statusCode === 415) {
      return reply.code(status(415)).send({ success: false, message: 'Unsupported content type' });
    }
    if (isDatabaseDown(error)) {
      request.log.error({ err: error }, 'database unavailable');
      reply.header('retry-after', '5');
      return reply.code(status(503)).send({ success: false, message: 'Service temporarily unavailable, please retry shortly' });
    }
    if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
      if (fe.statusCode === 429) return reply.code(429).send({ success: false, message: fe.message || 'Too many requests' });
      return reply.code(status(fe.statusCode)).send({ success: false, message: fe.message || 'Invalid request' });
    }
    request.log.error({ err: error, sqlState: sqlState(error) }, 'unhandled error');
    return reply
      .code(status(500))
      .send({ success: false, message: 'Something went wrong, please try again', ...(dev ? { error: safeErrorMessage(error) } : {}) });
  });
}
