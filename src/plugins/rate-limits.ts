// Fixed-window hit counters for the rate limits: in Redis when REDIS_URL is set (so limits hold
// across instances), in process otherwise, and in process too whenever a Redis command fails, so a
// Redis outage weakens the limits to one instance's view instead of switching them off.
// Keys: <REDIS_PREFIX>ratelimit:<limit name>:<subject>, e.g. `prescripto:ratelimit:global:10.0.0.1`.
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

// INCRBY for hits counted in process and sent together (the global limit, SharedIpWindows).
const INCR_BY = `
local current = redis.call('INCRBY', KEYS[1], ARGV[2])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
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
  prescriptoHitBy(key: string, windowMs: number, n: number): Promise<[number, number]>;
};

/**
 * In-process windows per key, bounded: the oldest keys are dropped first (forgetting only
 * forgives). `open` makes a window ending at `resetAt`: a count for HitCounter, the local and
 * shared counts for SharedIpWindows.
 */
class Windows<W extends { resetAt: number }> {
  readonly byKey = new Map<string, W>();
  constructor(
    private readonly open: (resetAt: number) => W,
    private readonly max = 50_000,
  ) {}

  /** The window of `key` running at `now`, a new one (and `key` the newest) when its last one ended. */
  current(key: string, windowMs: number, now: number): W {
    let w = this.byKey.get(key);
    if (!w || w.resetAt <= now) {
      w = this.open(now + windowMs);
      this.byKey.delete(key);
      this.byKey.set(key, w);
      while (this.byKey.size > this.max) this.byKey.delete(this.byKey.keys().next().value as string);
    }
    return w;
  }
}

class LocalWindows {
  private readonly windows = new Windows((resetAt) => ({ count: 0, resetAt }));

  hit(key: string, windowMs: number, now: number): Hits {
    const w = this.windows.current(key, windowMs, now);
    w.count++;
    return { current: w.count, ttlMs: w.resetAt - now };
  }

  giveBack(key: string): void {
    const w = this.windows.byKey.get(key);
    if (w && --w.count <= 0) this.windows.byKey.delete(key);
  }

  reset(key: string): void {
    this.windows.byKey.delete(key);
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
        redis.defineCommand('prescriptoHitBy', { numberOfKeys: 1, lua: INCR_BY });
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

  /** Adds `n` hits counted elsewhere to the shared count of `key`: the shared count, or undefined without Redis or when it failed. */
  async hitBy(key: string, n: number, windowMs: number): Promise<Hits | undefined> {
    return this.onRedis(async (redis) => {
      const [current, ttlMs] = await redis.prescriptoHitBy(this.prefix + key, windowMs, n);
      return { current, ttlMs };
    });
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

export interface IpWindow {
  resetAt: number;
  /** hits of this window in this process */
  local: number;
  /** of those, already added to the shared count */
  sent: number;
  /** hits other instances added to the shared count, as last heard */
  others: number;
}

/**
 * The global per-IP limit, counted where the request is, without a promise or an object per
 * request: each address has one window per process, and a hit is an increment. With Redis the
 * windows' new hits are added to the shared counts every `syncMs` in one pipeline, and each
 * answer tells this process how many the other instances counted; an address is refused once
 * this process's hits plus the others' exceed the limit. Across instances the limit is therefore
 * exact up to what the others counted in the last `syncMs` (a few requests per instance), where a
 * round trip per request would have cost every request the wait for Redis. While Redis fails the
 * windows go on counting here (never switched off), as the other limits do.
 */
export class SharedIpWindows {
  private readonly windows: Windows<IpWindow>;
  private timer?: NodeJS.Timeout;
  private syncing = false;

  constructor(
    private readonly counter: HitCounter,
    private readonly opts: { name: string; windowMs: number; shared: boolean; syncMs?: number; now?: () => number; maxKeys?: number },
  ) {
    this.windows = new Windows((resetAt) => ({ resetAt, local: 0, sent: 0, others: 0 }), opts.maxKeys);
    if (opts.shared) {
      this.timer = setInterval(() => void this.sync(), opts.syncMs ?? 100);
      this.timer.unref();
    }
  }

  /** Counts a hit of `ip`; answers the hits seen in its window so far (this one included). */
  hit(ip: string): IpWindow {
    const w = this.windows.current(ip, this.opts.windowMs, this.now());
    w.local++;
    return w;
  }

  /** Hits of a window in every instance, as far as this one knows. */
  static total(w: IpWindow): number {
    return w.local + w.others;
  }

  /** Milliseconds until `w` ends. */
  ttlMs(w: IpWindow): number {
    return Math.max(0, w.resetAt - this.now());
  }

  /** Adds this process's new hits to the shared counts and learns the others'. Tests call it directly. */
  async sync(): Promise<void> {
    if (this.syncing || !this.opts.shared) return;
    this.syncing = true;
    try {
      const due = [...this.windows.byKey].filter(([, w]) => w.local > w.sent);
      await Promise.all(due.map(async ([ip, w]) => {
        const n = w.local - w.sent;
        const shared = await this.counter.hitBy(`${this.opts.name}:${ip}`, n, this.opts.windowMs);
        if (!shared) return; // Redis failed: counted here until it is back
        w.sent += n;
        w.others = Math.max(0, shared.current - w.sent);
        // the shared window decides when the address starts again
        w.resetAt = Math.min(w.resetAt, this.now() + shared.ttlMs);
      }));
    } finally {
      this.syncing = false;
    }
  }

  close(): void {
    clearInterval(this.timer);
  }

  private now(): number {
    return this.opts.now ? this.opts.now() : Date.now();
  }
}
