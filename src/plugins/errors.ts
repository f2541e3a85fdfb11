// The central error handler: every failure leaves as `{ success: false, message }` with the right
// status, and nothing internal: no stack anywhere, and never SQL text or query parameters (password
// hashes, emails), not even in development's `error` detail. Logged errors go through the logger's
// `err` serializer (lib/logger.ts), which keeps only SQLSTATE, constraint and a safe message.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { AppError, sqlState } from '../lib/errors.js';
import { safeErrorMessage } from '../lib/logger.js';
import { DATE_FORMAT_MESSAGES } from '../lib/schemas.js';
import { UNSTORABLE_TEXT } from './validation.js';
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
    case 'format': {
      // the one date rule (lib/schemas.ts) words its refusals the same wherever a date is taken
      const date = DATE_FORMAT_MESSAGES[String(issue.params.format)];
      return date ? `${field} ${date}` : `${field} is not valid${where}`;
    }
    case 'pattern':
      return `${field} is not valid${where}`;
    case UNSTORABLE_TEXT:
      return `${field} contains a character that is not allowed (NUL or an unpaired UTF-16 surrogate)${where}`;
    case 'minimum':
    case 'exclusiveMinimum':
      return `${field} must be ${issue.keyword === 'minimum' ? 'at least' : 'more than'} ${issue.params.limit}${where}`;
    case 'maximum':
    case 'exclusiveMaximum':
      return `${field} must be ${issue.keyword === 'maximum' ? 'at most' : 'less than'} ${issue.params.limit}${where}`;
    case 'enum':
    case 'const': {
      // A union of literals fails once per literal (then `anyOf`): name every allowed value, not the first.
      const allowed = issues
        .filter((i) => (i.keyword === 'enum' || i.keyword === 'const') && i.instancePath === issue.instancePath)
        .flatMap((i) => [i.params.allowedValues ?? i.params.allowedValue].flat());
      return `${field} must be one of: ${[...new Set(allowed)].join(', ')}${where}`;
    }
    case 'additionalProperties':
      return `Unknown field ${String(issue.params.additionalProperty)}${where}`;
    case 'anyOf':
    case 'oneOf':
      return `${field} has an invalid shape${where}`;
    default:
      return `${field} is invalid${where}`;
  }
}

// Node socket errors, SQLSTATE classes 08 (connection exception) and 57P (operator intervention:
// server shutting down or restarting), and 57014 (statement cancelled: DB_QUERY_TIMEOUT_MS reached).
const SOCKET_DOWN_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH']);
const DB_DOWN_SQLSTATE = /^(08|57P|57014$)/;
// What node-postgres says when a connection dies mid-query or mid-transaction (the ROLLBACK after a
// dead connection fails with "not queryable", hiding the first error), a pool cannot connect, or a
// server stops answering (the client-side read timeout).
const DB_DOWN_MESSAGE = /Connection terminated|not queryable|connection error|connect ECONNREFUSED|timeout exceeded when trying to connect|Query read timeout/i;

export function isDatabaseDown(err: unknown): boolean {
  let e: unknown = err;
  for (let i = 0; i < 4 && e && typeof e === 'object'; i++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && (SOCKET_DOWN_CODES.has(code) || DB_DOWN_SQLSTATE.test(code))) return true;
    const msg = (e as { message?: unknown }).message;
    if (typeof msg === 'string' && DB_DOWN_MESSAGE.test(msg)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** set for every refusal, so hooks know it failed even when LEGACY_ERROR_STATUS=200 hides the status */
    refused?: boolean;
  }
}

/** Set once the web app is registered: answers a browser's deep link with the app instead of a 404. */
export interface NotFoundFallback {
  handle?: (request: FastifyRequest, reply: FastifyReply) => boolean;
}

export function registerErrorHandling(app: FastifyInstance, config: Config, fallback: NotFoundFallback = {}): void {
  const dev = config.nodeEnv === 'development';

  /** Sends a refusal; with LEGACY_ERROR_STATUS=200 as 200, serialized as is (the route's 200 schema would reject the envelope: a 500). */
  const refuse = (request: FastifyRequest, reply: FastifyReply, code: number, body: { success: false; message: string; error?: string }) => {
    request.refused = true;
    const sent = config.legacyErrorStatus ?? code;
    if (sent !== code) reply.serializer(JSON.stringify);
    return reply.code(sent).send(body);
  };

  app.setNotFoundHandler((request, reply) => {
    if (fallback.handle?.(request, reply)) return;
    refuse(request, reply, 404, { success: false, message: `Route ${request.method} ${request.url.split('?')[0]} not found` });
  });

  app.setErrorHandler((error: FastifyError | AppError, request, reply) => {
    if (error instanceof AppError) {
      reply.headers(error.headers);
      return refuse(request, reply, error.statusCode, { success: false, message: error.message });
    }
    const fe = error as FastifyError & { validationContext?: string };
    if (fe.validation) {
      return refuse(request, reply, 400, { success: false, message: validationMessage(fe.validation as ValidationIssue[], fe.validationContext) });
    }
    if (fe.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || (fe.statusCode === 400 && /JSON/i.test(fe.message))) {
      return refuse(request, reply, 400, { success: false, message: 'The request body is not valid JSON' });
    }
    if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || fe.statusCode === 413) {
      return refuse(request, reply, 413, { success: false, message: fe.code === 'FST_REQ_FILE_TOO_LARGE' ? 'File too large' : 'The request is too large' });
    }
    if (fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || fe.statusCode === 415) {
      return refuse(request, reply, 415, { success: false, message: 'Unsupported content type' });
    }
    if (isDatabaseDown(error)) {
      request.log.error({ err: error }, 'database unavailable');
      reply.header('retry-after', '5');
      return refuse(request, reply, 503, { success: false, message: 'Service temporarily unavailable, please retry shortly' });
    }
    if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
      return refuse(request, reply, fe.statusCode, { success: false, message: fe.message || (fe.statusCode === 429 ? 'Too many requests' : 'Invalid request') });
    }
    request.log.error({ err: error, sqlState: sqlState(error) }, 'unhandled error');
    return refuse(request, reply, 500, { success: false, message: 'Something went wrong, please try again', ...(dev ? { error: safeErrorMessage(error) } : {}) });
  });
}

/**
 * The error and not-found handlers as the app's first root plugin. Not encapsulated (fastify-plugin),
 * so they are the root's and answer for every route and plugin registered after them. `fallback`:
 * filled by the web app plugin (plugins/web.ts).
 */
export const errorHandling = fp<{ fallback: NotFoundFallback }>(
  async (app, opts) => registerErrorHandling(app, app.ctx.config, opts.fallback),
  { name: 'prescripto-errors', decorators: { fastify: ['ctx'] } },
);
