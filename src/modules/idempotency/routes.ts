// The HTTP side of idempotency keys: the documented, validated header, and a wrapper for handlers.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { authId } from '../auth/guards.js';
import type { Role } from '../auth/tokens.js';
import type { Claim } from './service.js';

export const IDEMPOTENCY_HEADER = 'idempotency-key';

/** Route `headers` schema: shows the header in OpenAPI and refuses a malformed one with 400. */
export const IdempotencyHeaders = Type.Object({
  [IDEMPOTENCY_HEADER]: Type.Optional(
    Type.String({
      // no minLength: an empty key fails the pattern, whose message names the header
      maxLength: 255,
      pattern: '^[\\x21-\\x7E]+$',
      description:
        'Optional, 1–255 visible ASCII characters (a UUID is a good choice). Retrying with the same key and the same body ' +
        'within 24 hours answers what the first request answered (status and body, with `Idempotent-Replayed: true`) ' +
        'instead of doing the work again; the same key with another body answers 422; while the first request with the ' +
        'key is still running, 409 with Retry-After. Keys belong to the signed-in account.',
    }),
  ),
});

/**
 * Runs a handler under the request's Idempotency-Key, when it has one: a repeated request gets the
 * stored answer, a new one runs and its answer is kept (by `run` itself, through the claim, when it
 * must commit with the work; otherwise here). Without the header the handler just runs.
 */
export async function idempotent<T>(
  request: FastifyRequest,
  reply: FastifyReply,
  op: { role: Role; operation: string; statusCode: number },
  run: (claim: Claim | undefined) => Promise<T>,
): Promise<T> {
  const key = request.headers[IDEMPOTENCY_HEADER];
  if (typeof key !== 'string') {
    const body = await run(undefined);
    reply.code(op.statusCode);
    return body;
  }
  const begun = await request.server.ctx.idempotency.begin({ role: op.role, id: authId(request) }, key, op.operation, request.body);
  if (begun.kind === 'replay') {
    reply.code(begun.statusCode).header('idempotent-replayed', 'true');
    return begun.body as T;
  }
  const { claim } = begun;
  try {
    const body = await run(claim);
    if (!claim.completed) await claim.complete(op.statusCode, body);
    reply.code(op.statusCode);
    return body;
  } catch (err) {
    await claim.release();
    throw err;
  }
}
