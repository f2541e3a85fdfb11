// Fixed-window hit counters for the rate limits: in Redis when REDIS_URL is set (so limits hold
// across instances), in process otherwise, and in process too whenever a Redis command fails, so a
// Redis outage weakens the limits to one instance's view instead of switching them off.
// Keys: <REDIS_PREFIX>ratelimit:<limit name>:<subject>, e.g. `prescripto:ratelimit:global:10.0.0.1`.
import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import { RedisOutageWarning, type RedisClient } from '../lib/redis.js';
import type { Warn } from '../lib/logger.js';

export interface Hits {
  /** calls counted in the current window, this one included */
  current: number;
  /** milliseconds until the window ends */
  ttlMs: number;
}

// INCR, and start the window on the first hit. PTTL < 0 (a key left without expiry) restarts it.
const INCR = `
local current = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if current == 1 or ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return { current, ttl }`;

// Gives one hit back; never below zero, and an emptied key goes away.
const DECR = `
local v = tonumber(redis.call('GET', KEYS[1]) or '0')
if v <= 1 then
  redis.call('DEL', KEYS[1])
  return 0
end
return redis.call('DECR', KEYS[1])`;

type CounterRedis = RedisClient & {
  prescriptoHit(key: string, windowMs: number): Promise<[number, number]>;
  prescriptoGiveBack(key: string): Promise<number>;
};

/** In-process windows, bounded: the oldest keys are dropped first (forgetting only forgives). */
class LocalWindows {
  private readonly windows = new Map<string, { count: number; resetAt: number }>();
  constructor(private readonly max = 50_000) {}

  hit(key: string, windowMs: number, now: number): Hits {
    let w = this.windows.get(key);
    if (!w || w.resetAt <= now) {
      w = { count: 0, resetAt: now + windowMs };
      this.windows.delete(key);
      this.windows.set(key, w);
      while (this.windows.size > this.max) this.windows.delete(this.windows.keys().next().value as string);
    }
    w.count++;
    return { current: w.count, ttlMs: w.resetAt - now };
  }

  giveBack(key: string): void {
    const w = this.windows.get(key);
    if (w && --w.count <= 0) this.windows.delete(key);
  }

  reset(key: string): void {
    this.windows.delete(key);
  }
}

export class HitCounter {
  private readonly local = new LocalWindows();
  private readonly redis?: CounterRedis;
  private readonly redisOutage: RedisOutageWarning;

  constructor(
    redis: RedisClient | undefined,
    private readonly prefix: string,
    warn: Warn,
    private readonly now: () => number = Date.now,
  ) {
    this.redisOutage = new RedisOutageWarning(warn);
    if (redis) {
      // defineCommand sends EVALSHA (EVAL on a cache miss): one round trip per hit
      if (!('prescriptoHit' in redis)) {
        redis.defineCommand('prescriptoHit', { numberOfKeys: 1, lua: INCR });
        redis.defineCommand('prescriptoGiveBack', { numberOfKeys: 1, lua: DECR });
      }
      this.redis = redis as CounterRedis;
    }
  }

  /** Counts one call against `key` and answers the count so far in its window. Never fails. */
  async hit(key: string, windowMs: number): Promise<Hits> {
    const shared = await this.onRedis(async (redis) => {
      const [current, ttlMs] = await redis.prescriptoHit(this.prefix + key, windowMs);
      return { current, ttlMs };
    });
    return shared ?? this.local.hit(key, windowMs, this.now());
  }

  /** Gives back a hit counted by `hit` (a reserved attempt that turned out not to count). */
  async giveBack(key: string): Promise<void> {
    await this.onRedis((redis) => redis.prescriptoGiveBack(this.prefix + key));
    // The hit may have been counted here while Redis was down; a missing key is left alone.
    this.local.giveBack(key);
  }

  /** Forgets every hit of `key` (a successful login clears the account's failures). */
  async reset(key: string): Promise<void> {
    await this.onRedis((redis) => redis.del(this.prefix + key));
    this.local.reset(key);
  }

  /** Runs `fn` on Redis when there is one: its answer, or undefined without Redis or when it failed (warned once per outage). */
  private async onRedis<T>(fn: (redis: CounterRedis) => Promise<T>): Promise<T | undefined> {
    if (!this.redis) return undefined;
    try {
      const result = await fn(this.redis);
      this.redisOutage.up();
      return result;
    } catch (err) {
      this.redisOutage.failed('rate limits: Redis failed, counting in this process until it is back', err);
      return undefined;
    }
  }
}

/**
 * A store for @fastify/rate-limit (its `store` option) over a HitCounter. The plugin's own Redis
 * store gives up on errors (with `skipOnError`, every limit is off while Redis is down) and names
 * the keys of limits made with createRateLimit "undefinedundefined-"; this one names them
 * `<name>:<key>`, with route-level limits under their method and URL.
 */
export function rateLimitStore(counter: HitCounter, name: string): FastifyRateLimitStoreCtor {
  return class CounterStore implements FastifyRateLimitStore {
    incr(key: string, done: (err: Error | null, res?: { current: number; ttl: number }) => void, timeWindow: number): void {
      counter.hit(`${name}:${key}`, timeWindow).then(
        (h) => done(null, { current: h.current, ttl: h.ttlMs }),
        (err: Error) => done(err),
      );
    }

    // The plugin passes its merged options, whose `routeInfo` names the route of a route-level limit.
    child(routeOptions: object): FastifyRateLimitStore {
      const info = (routeOptions as { routeInfo?: { method?: string; url?: string } }).routeInfo;
      const Child = rateLimitStore(counter, info?.url ? `${name}:${info.method ?? 'ANY'}${info.url}` : `${name}:route`);
      return new Child({});
    }
  };
}
