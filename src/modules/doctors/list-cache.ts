// The public doctor list is the hottest read, so it is served from bytes built once per change:
// the JSON, its gzip and its brotli forms, each with a strong ETag. A hit costs no query, no
// serialisation and no compression.
//
// What a clinic can rely on (STALE_BOUND_MS, one second):
//   * One instance: an acknowledged change is in the next answer. Every doctor, appointment or review
//     event is published after commit and before the change is acknowledged, and drops the entry; an
//     entry built while a change was being acknowledged is never kept.
//   * With REDIS_URL, across instances: no instance serves a list that misses a change acknowledged
//     more than STALE_BOUND_MS earlier. A writer acknowledges a change only after INCR of the shared
//     generation and PUBLISH on the list channel have returned. Every instance serving the list
//     subscribes to that channel and publishes a heartbeat to itself through Redis every
//     HEARTBEAT_MS. Redis delivers a subscriber's messages in the order it processed them, so when
//     an instance receives its own heartbeat sent at time s, it has received every invalidation
//     acknowledged before s. It serves its entry only while its last heartbeat back was sent less
//     than STALE_BOUND_MS ago on a subscription that has not dropped since (a dropped connection
//     drops the entry; the first heartbeat on a new connection drops entries built meanwhile).
//     Otherwise (subscription down, Redis slow, heartbeats lost) it reads the shared generation from
//     Redis for each request (one GET shared by the requests that arrived while the previous one was
//     on the wire), and when Redis cannot answer that either, it builds the list from the database.
//   * Not covered: a writer that cannot reach Redis while the readers can. Its change is committed
//     and acknowledged (failing it would report a stored change as failed); the readers then see it
//     when their entry expires (maxAgeMs, at most a minute).
//
// Over 300 lines: the guarantee above rests on the heartbeat, the subscription's epochs, the shared
// GETs and the build sharing together, kept in one file so they are read against it.
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import type { Redis } from 'ioredis';
import type { DomainEvent, DomainEvents } from '../../lib/events.js';

/** No instance serves a list missing a change acknowledged longer ago than this (with Redis). */
export const STALE_BOUND_MS = 1000;
/** How often an instance checks its subscription: a few heartbeats per bound, so one late reply does not leave the fast path. */
export const HEARTBEAT_MS = 250;

const gzip = promisify(zlib.gzip);
const brotli = promisify(zlib.brotliCompress);

export type Encoding = 'br' | 'gzip' | 'identity';

export interface CachedBody {
  /** UTF-8 JSON bytes: sent as they are, instead of encoding a string on every request */
  body: Buffer;
  etag: string;
  gzip: Buffer;
  br: Buffer;
}

interface Entry extends CachedBody {
  local: number;
  remote: string | null | 'unchecked';
  builtAt: number;
}

export interface DoctorListCacheOptions {
  /** the shared Redis connection; the cache makes its own subscriber and reader connections from it */
  redis?: Redis;
  /** Redis key of the shared generation; also the pub/sub channel (heartbeats: `<key>:hb:<instance>`) */
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
  /** heartbeat period; tests pass 0 and call heartbeat() themselves */
  heartbeatMs?: number;
  onError?: (err: unknown) => void;
}

export const etagOf = (body: Buffer): string => `"${createHash('sha1').update(body).digest('base64url')}"`;

/** True when an If-None-Match header names `etag` (or is `*`). */
export function matchesEtag(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  if (ifNoneMatch === etag) return true;
  return ifNoneMatch.split(',').some((t) => {
    const tag = t.trim();
    return tag === '*' || tag === etag || tag === `W/${etag}`;
  });
}

/** The ETag of one encoding of the list: a representation has its own strong tag. */
export const etagFor = (etag: string, encoding: Encoding): string => (encoding === 'identity' ? etag : `${etag.slice(0, -1)}-${encoding}"`);

/** Whether an Accept-Encoding token list accepts `coding` (present with q > 0). */
function accepts(header: string, coding: string): boolean {
  for (const part of header.split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    if (name.trim() !== coding) continue;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  }
  return false;
}

// Clients send a handful of distinct Accept-Encoding values, each on every request: the choice is
// parsed once per value (bounded: an unusual value is parsed again, never stored past the limit).
const chosen = new Map<string, Encoding>();
/** br, else gzip, else the plain bytes, by what the client accepts. */
export function chooseEncoding(acceptEncoding: string | undefined): Encoding {
  if (!acceptEncoding) return 'identity';
  let e = chosen.get(acceptEncoding);
  if (e === undefined) {
    e = accepts(acceptEncoding, 'br') ? 'br' : accepts(acceptEncoding, 'gzip') ? 'gzip' : 'identity';
    if (chosen.size < 256) chosen.set(acceptEncoding, e);
  }
  return e;
}

const affectsList = (e: DomainEvent): boolean => e.kind === 'doctor' || e.kind === 'appointment' || e.kind === 'review';

export class DoctorListCache {
  private generation = 0;
  private entry?: Entry;
  private building?: { generation: number; remote: Entry['remote']; promise: Promise<CachedBody> };
  private reader?: Redis;
  private subscriber?: Redis;
  private heartbeatTimer?: NodeJS.Timeout;
  private readonly instanceId = Math.random().toString(36).slice(2);
  private readonly heartbeatChannel: string;
  /** the generation GET on the wire, and the one queued behind it (see remoteGeneration) */
  private inFlight?: Promise<string | null | undefined>;
  private queued?: Promise<string | null | undefined>;
  /** moves whenever the subscriber's connection drops: heartbeats sent before do not count */
  private epoch = 0;
  /** a heartbeat came back on the current connection (entries built before it were dropped then) */
  private live = false;
  /** when the last heartbeat that came back was sent (the app's clock) */
  private confirmedAt = -Infinity;
  private heartbeatSeq = 0;
  private readonly sentHeartbeats = new Map<number, { at: number; epoch: number }>();

  constructor(
    events: DomainEvents,
    private readonly opts: DoctorListCacheOptions,
  ) {
    this.heartbeatChannel = `${opts.redisKey}:hb:${this.instanceId}`;
    // Awaited by DomainEvents.publish, which services await before they answer: the invalidation
    // (and its Redis INCR and PUBLISH) is done before the client hears that the change happened.
    events.onPublish(async (event) => {
      if (affectsList(event)) await this.invalidate();
    });
  }

  /** Opens the reader and subscriber connections (on first use: a worker process never serves the list). */
  private start(): void {
    const redis = this.opts.redis;
    if (!redis || this.reader) return;
    this.reader = redis.duplicate({ enableAutoPipelining: true });
    // queued until connected, so the SUBSCRIBE sent at start is not refused while connecting
    this.subscriber = redis.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: null });
    this.reader.on('error', () => undefined);
    this.subscriber.on('error', () => undefined);
    // Messages published while the connection was down are lost: nothing cached is trusted until a
    // heartbeat comes back on the new connection.
    this.subscriber.on('close', () => {
      this.epoch++;
      this.live = false;
      this.confirmedAt = -Infinity;
      this.sentHeartbeats.clear();
      this.dropLocal();
    });
    this.subscriber.on('message', (channel: string, message: string) => {
      if (channel === this.heartbeatChannel) this.heard(Number(message));
      else if (message !== this.instanceId) this.dropLocal();
    });
    this.subscriber.subscribe(this.opts.redisKey, this.heartbeatChannel).catch((err: unknown) => this.opts.onError?.(err));
    const every = this.opts.heartbeatMs ?? HEARTBEAT_MS;
    if (every > 0) {
      this.heartbeatTimer = setInterval(() => this.heartbeat(), every);
      this.heartbeatTimer.unref();
    }
    this.heartbeat();
  }

  /** Publishes a heartbeat to this instance's own channel, through the shared connection like every invalidation. */
  heartbeat(): void {
    const redis = this.opts.redis;
    if (!redis || !this.subscriber) return;
    const seq = ++this.heartbeatSeq;
    this.sentHeartbeats.set(seq, { at: this.now(), epoch: this.epoch });
    // unanswered heartbeats of a lost connection: keep the map small
    if (this.sentHeartbeats.size > 64) this.sentHeartbeats.delete(this.sentHeartbeats.keys().next().value as number);
    redis.publish(this.heartbeatChannel, String(seq)).catch(() => this.sentHeartbeats.delete(seq));
  }

  private heard(seq: number): void {
    const sent = this.sentHeartbeats.get(seq);
    if (!sent) return;
    for (const k of this.sentHeartbeats.keys()) {
      if (k > seq) break;
      this.sentHeartbeats.delete(k);
    }
    if (sent.epoch !== this.epoch) return;
    if (!this.live) {
      // Subscribed since before this heartbeat: entries built earlier may have missed a message.
      this.live = true;
      this.dropLocal();
    }
    this.confirmedAt = Math.max(this.confirmedAt, sent.at);
  }

  /** A heartbeat has come back on the current subscriber connection (for tests and readiness). */
  listening(): boolean {
    return this.live;
  }

  /** Every invalidation acknowledged more than STALE_BOUND_MS ago has been heard here. */
  private subscriptionFresh(): boolean {
    return this.live && this.now() - this.confirmedAt < STALE_BOUND_MS;
  }

  private dropLocal(): void {
    this.generation++;
    this.entry = undefined;
  }

  /** Forgets the list here and, through Redis, in every other instance. */
  async invalidate(): Promise<void> {
    this.dropLocal();
    if (!this.opts.redis) return;
    await this.opts.redis.multi().incr(this.opts.redisKey).publish(this.opts.redisKey, this.instanceId).exec();
  }

  /**
   * The shared generation, or undefined when Redis cannot answer (then nothing cached is trusted).
   * Requests share GETs, but only ones sent after they arrived: a GET already on the wire may have
   * been answered before a change another instance has acknowledged since, so a request that finds
   * one in flight waits for the next, sent the moment the current one returns, together with every
   * other request that arrived meanwhile. At most one GET is in flight; none is older than its request.
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

  /** The cached entry when it may be served without asking Redis, else undefined. */
  private fresh(): Entry | undefined {
    const e = this.entry;
    if (!e || e.local !== this.generation || this.now() >= this.expiry(e.builtAt)) return undefined;
    return !this.opts.redis || this.subscriptionFresh() ? e : undefined;
  }

  /** The serialised list, from the cache when still valid, otherwise built with `build`. */
  get(build: () => Promise<string>): CachedBody | Promise<CachedBody> {
    const hit = this.fresh();
    if (hit) return hit;
    return this.slow(build);
  }

  private async slow(build: () => Promise<string>): Promise<CachedBody> {
    this.start();
    const encoded = async (): Promise<CachedBody> => {
      const body = Buffer.from(await build());
      const [gz, br] = await Promise.all([
        gzip(body, { level: 6 }),
        brotli(body, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 5, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: body.length } }),
      ]);
      return { body, etag: etagOf(body), gzip: gz, br };
    };
    // Subscription fresh: invalidations arrive by message, no need to ask Redis.
    const remote: Entry['remote'] | undefined = this.subscriptionFresh() ? 'unchecked' : await this.remoteGeneration();
    const e = this.entry;
    if (e && remote !== undefined && (remote === 'unchecked' || e.remote === remote) && e.local === this.generation && this.now() < this.expiry(e.builtAt)) {
      return e;
    }
    if (remote === undefined) return encoded();
    // Requests arriving while a build is running share it, unless the list changed meanwhile.
    const b = this.building;
    if (b && b.generation === this.generation && (b.remote === remote || remote === 'unchecked')) return b.promise;
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
    clearInterval(this.heartbeatTimer);
    this.reader?.disconnect();
    this.subscriber?.disconnect();
  }
}
