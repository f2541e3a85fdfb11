// GET /api/doctor/list: served from a precomputed serialisation with ETag / 304 (list-cache.ts).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import { Type } from 'typebox';
import { redisKey } from '../../lib/redis.js';
import { DoctorListCache, matchesEtag } from './list-cache.js';
import { PublicDoctor } from './schemas.js';

const PublicList = Type.Object({ success: Type.Boolean(), doctors: Type.Array(PublicDoctor) });

// slots_booked lists bookings from "yesterday" on: rebuilding once a minute keeps that window
// moving even when nothing is booked; every change invalidates at once anyway.
const MAX_AGE_MS = 60_000;

export const publicListRoute: FastifyPluginAsyncTypebox = async (app) => {
  const { doctorDirectory, events, redis, config, clock } = app.ctx;
  const cache = new DoctorListCache(events, {
    redis,
    redisKey: redisKey(config, 'doctor-list', 'generation'),
    // Built from a read replica, the list may be up to REPLICA_MAX_LAG_MS behind the change that
    // invalidated it: such an entry lives no longer than that, so it is never more than twice behind.
    maxAgeMs: app.ctx.reads.enabled ? Math.min(MAX_AGE_MS, config.replicaMaxLagMs) : MAX_AGE_MS,
    minuteBound: config.legacyClients,
    now: () => clock.now().getTime(),
    onError: (err) => app.log.warn({ err }, 'doctor list cache: redis unavailable, serving from the database'),
  });
  app.addHook('onClose', async () => cache.close());

  app.get('/list', {
    config: { public: true },
    schema: {
      tags: ['doctors'],
      operationId: 'listDoctors',
      summary: 'Public list of doctors (no emails, no passwords); answers 304 to a matching If-None-Match',
      response: { 200: PublicList, 304: Type.Null({ description: 'unchanged since the ETag sent in If-None-Match' }) },
    },
  }, async (request, reply) => {
    // Serialised with the route's own response schema, so the cached bytes are exactly what the
    // serializer would send (undeclared fields dropped), then reused until something changes.
    const { body, etag } = await cache.get(async () => String(reply.serializeInput({ success: true, doctors: await doctorDirectory.publicList() }, '200')));
    // no-cache: clients and proxies may keep the copy but must revalidate, so no one sees a stale list.
    // The typed reply only accepts the schema's object; these bytes are that object already serialised.
    const raw = reply as unknown as FastifyReply;
    raw.header('etag', etag).header('cache-control', 'no-cache');
    if (matchesEtag(request.headers['if-none-match'], etag)) return raw.code(304).send();
    return raw.type('application/json; charset=utf-8').send(body);
  });
};
