// The public doctor list is the hottest read, so it is served from one precomputed serialisation
// with a strong ETag. Correctness before speed: an entry is only served while nothing changed since
// it was built.
//  * In one process a generation counter moves on every doctor, appointment or review event
//    (published after commit, before the change is acknowledged to the client), and an entry built
//    while the generation moved is never stored.
//  * Across instances (REDIS_URL) the generation lives in Redis: a writer INCRs it before its change
//    is acknowledged, and a reader compares it with the entry's on every request (one GET, auto-
//    pipelined with concurrent requests). Pub/sub drops other instances' entries at once so they
//    rebuild early. If Redis cannot be asked, the list is built from the database: never stale.
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { DomainEvent, DomainEvents } from '../../lib/events.js';

export interface CachedBody {
  /** UTF-8 bytes: sent as they are, instead of encoding a 50 KB string on every request */
  body: Buffer;
  etag: string;
}

interface Entry extends CachedBody {
  local: number;
  remote: string | null;
  builtAt: number;
}

export interface DoctorListCacheOptions {
  /** the shared Redis connection; the cache makes its own subscriber and reader connections from it */
  redis?: Redis;
  /** Redis key of the shared generation; also the pub/sub channel */
  redisKey: string;
  /** rebuild at least this often: slots_booked also changes with the passing of days */
  maxAgeMs: number;
  /**
   * rebuild at the next whole minute too (LEGACY_CLIENTS: slots_booked then lists times too soon to
   * book, which change as the minutes pass; every booking rule is in whole minutes)
   */
  minuteBound?: boolean;
  /** the time in ms (the app's clock, so tests that move it see the list move); default Date.now */
  now?: () => number;
  onError?: (err: unknown) => void;
}

export const etagOf = (body: Buffer): string => `"${createHash('sha1').update(body).digest('base64url')}"`;

/** True when an If-None-Match header names `etag` (or is `*`). */
export function matchesEtag(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch.split(',').some((t) => {
    const tag = t.trim();
    return tag === '*' || tag === etag || tag === `W/${etag}`;
  });
}

const affectsList = (e: DomainEvent): boolean => e.kind === 'doctor' || e.kind === 'appointment' || e.kind === 'review';

export class DoctorListCache {
  private generation = 0;
  private entry?: Entry;
  private building?: { generation: number; remote: string | null; promise: Promise<CachedBody> };
  private readonly reader?: Redis;
  private readonly subscriber?: Redis;
  private readonly instanceId = Math.random().toString(36).slice(2);
  /** the generation GET on the wire, and the one queued behind it (see remoteGeneration) */
  private inFlight?: Promise<string | null | undefined>;
  private queued?: Promise<string | null | undefined>;

  constructor(
    events: DomainEvents,
    private readonly opts: DoctorListCacheOptions,
  ) {
    // Awaited by DomainEvents.publish, which services await before they answer: the invalidation
    // (and its Redis INCR) is done before the client hears that the change happened.
    events.onPublish(async (event) => {
      if (affectsList(event)) await this.invalidate();
    });
    if (opts.redis) {
      this.reader = opts.redis.duplicate({ enableAutoPipelining: true });
      // queued until connected: without an offline queue the SUBSCRIBE sent at start was refused
      // ("Stream isn't writeable") and this instance never heard of other instances' changes early
      this.subscriber = opts.redis.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: null });
      this.reader.on('error', () => undefined);
      this.subscriber.on('error', () => undefined);
      this.subscriber.on('message', (_channel: string, from: string) => {
        if (from !== this.instanceId) this.dropLocal();
      });
      this.subscriber.subscribe(opts.redisKey).catch((err: unknown) => opts.onError?.(err));
    }
  }

  private dropLocal(): void {
    this.generation++;
    this.entry = undefined;
  }

  /** Forgets the list here and, through Redis, in every other instance. */
  async invalidate(): Promise<void> {
    this.dropLocal();
    if (!this.opts.redis) return;
    // If Redis is down the other instances cannot be told; they cannot read the generation either,
    // so they build from the database until it is back (see current()).
    await this.opts.redis.multi().incr(this.opts.redisKey).publish(this.opts.redisKey, this.instanceId).exec();
  }

  /**
   * The shared generation, or undefined when Redis cannot answer (then nothing cached is trusted).
   * One GET per request was a fifth of the list's CPU (ioredis, one socket write each), so requests
   * share GETs, but only ones sent after they arrived: a GET already on the wire may have been answered
   * before a change another instance has acknowledged since, so a request that finds one in flight
   * waits for the next, sent the moment the current one returns, together with every other request
   * that arrived meanwhile. At most one GET is in flight; none is ever older than its request.
   */
  private remoteGeneration(): Promise<string | null | undefined> {
    const reader = this.reader;
    if (!reader) return Promise.resolve(null);
    // not connected (yet, or any more): nothing cached is trusted, and nothing to warn about here
    // (the shared client reports Redis outages once)
    if (reader.status !== 'ready') return Promise.resolve(undefined);
    if (!this.inFlight) {
      const sent = reader.get(this.opts.redisKey).catch((err: unknown) => {
        this.opts.onError?.(err);
        return undefined;
      });
      this.inFlight = sent.finally(() => (this.inFlight = undefined));
      return this.inFlight;
    }
    this.queued ??= this.inFlight.then(() => {
      this.queued = undefined;
      return this.remoteGeneration();
    });
    return this.queued;
  }

  /** The serialised list, from the cache when still valid, otherwise built with `build`. */
  async get(build: () => Promise<string>): Promise<CachedBody> {
    const encoded = async (): Promise<CachedBody> => {
      const body = Buffer.from(await build());
      return { body, etag: etagOf(body) };
    };
    const remote = await this.remoteGeneration();
    const e = this.entry;
    if (e && remote !== undefined && e.remote === remote && e.local === this.generation && this.now() < this.expiry(e.builtAt)) {
      return e;
    }
    if (remote === undefined) return encoded();
    // Requests arriving while a build is running share it, unless the list changed meanwhile.
    const b = this.building;
    if (b && b.generation === this.generation && b.remote === remote) return b.promise;
    const local = this.generation;
    const builtAt = this.now(); // before the build reads: what it saw is at least this fresh
    const promise = encoded().then((built) => {
      if (this.generation === local) this.entry = { ...built, local, remote, builtAt };
      return built;
    });
    this.building = { generation: local, remote, promise };
    try {
      return await promise;
    } finally {
      if (this.building?.promise === promise) this.building = undefined;
    }
  }

  private now(): number {
    return this.opts.now ? this.opts.now() : Date.now();
  }

  private expiry(builtAt: number): number {
    const byAge = builtAt + this.opts.maxAgeMs;
    if (!this.opts.minuteBound) return byAge;
    // built exactly on a minute: the rules may change a moment later, at that same minute
    const nextMinute = builtAt % 60_000 === 0 ? builtAt + 1 : Math.ceil(builtAt / 60_000) * 60_000;
    return Math.min(byAge, nextMinute);
  }

  close(): void {
    this.reader?.disconnect();
    this.subscriber?.disconnect();
  }
}
