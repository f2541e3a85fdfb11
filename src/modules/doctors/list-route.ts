// GET /api/doctor/list: served from bytes built once per change, with ETag / 304 and gzip or brotli
// for clients that accept them (list-cache.ts). The cache itself is built with the app's services
// (doctorListCache), so every instance has one and tests can reach it.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { Config } from '../../config.js';
import type { Clock } from '../../lib/clock.js';
import type { DomainEvents } from '../../lib/events.js';
import { redisKey, type RedisClient } from '../../lib/redis.js';
import { chooseEncoding, DoctorListCache, etagFor, matchesEtag, type CachedBody } from './list-cache.js';
import { PublicDoctor } from './schemas.js';

const PublicList = Type.Object({ success: Type.Boolean(), doctors: Type.Array(PublicDoctor) });

// slots_booked lists bookings from "yesterday" on: rebuilding once a minute keeps that window
// moving even when nothing is booked; every change invalidates at once anyway.
const MAX_AGE_MS = 60_000;

export function doctorListCache(deps: { config: Config; events: DomainEvents; redis?: RedisClient; clock: Clock; replicas: boolean; warn: (err: unknown) => void }): DoctorListCache {
  const { config, clock } = deps;
  return new DoctorListCache(deps.events, {
    redis: deps.redis,
    redisKey: redisKey(config, 'doctor-list', 'generation'),
    // Built from a read replica, the list may be up to REPLICA_MAX_LAG_MS behind the change that
    // invalidated it: such an entry lives no longer than that, so it is never more than twice behind.
    maxAgeMs: deps.replicas ? Math.min(MAX_AGE_MS, config.replicaMaxLagMs) : MAX_AGE_MS,
    minuteBound: config.legacyClients,
    now: () => clock.now().getTime(),
    onError: deps.warn,
  });
}

const ENCODED: Record<'br' | 'gzip', 'br' | 'gzip'> = { br: 'br', gzip: 'gzip' };

/** Sends `entry` in the encoding the client accepts (or 304), with headers that let caches revalidate. */
function answer(request: FastifyRequest, reply: FastifyReply, entry: CachedBody): FastifyReply {
  const encoding = chooseEncoding(request.headers['accept-encoding']);
  const etag = etagFor(entry.etag, encoding);
  // no-cache: clients and proxies may keep the copy but must revalidate, so no one sees a stale list
  reply.header('etag', etag).header('cache-control', 'no-cache').header('vary', 'accept-encoding');
  if (matchesEtag(request.headers['if-none-match'], etag)) return reply.code(304).send();
  reply.type('application/json; charset=utf-8');
  if (encoding === 'identity') return reply.send(entry.body);
  return reply.header('content-encoding', ENCODED[encoding]).send(encoding === 'br' ? entry.br : entry.gzip);
}

export const publicListRoute: FastifyPluginAsyncTypebox = async (app) => {
  const { doctorDirectory, doctorList } = app.ctx;

  app.get('/list', {
    config: { public: true },
    schema: {
      tags: ['doctors'],
      operationId: 'listDoctors',
      summary: 'Public list of doctors (no emails, no passwords); answers 304 to a matching If-None-Match, gzip or brotli when accepted',
      response: { 200: PublicList, 304: Type.Null({ description: 'unchanged since the ETag sent in If-None-Match' }) },
    },
  }, (request, reply) => {
    // The typed reply only accepts the schema's object; these bytes are that object already serialised.
    const raw = reply as unknown as FastifyReply;
    // Serialised with the route's own response schema, so the cached bytes are exactly what the
    // serializer would send (undeclared fields dropped), then reused until something changes.
    const entry = doctorList.get(async () => String(reply.serializeInput({ success: true, doctors: await doctorDirectory.publicList() }, '200')));
    // A hit answers in this tick: no promise on the hot path. Otherwise the promise settles with the
    // reply, which is a thenable Fastify waits on until the answer has gone: it resolves to nothing.
    if (!(entry instanceof Promise)) return void answer(request, raw, entry);
    return entry.then((e) => answer(request, raw, e)) as unknown as Promise<void>;
  });
};
