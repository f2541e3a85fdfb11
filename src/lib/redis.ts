// The shared Redis connection (when REDIS_URL is set). Commands fail fast while Redis is down
// (no offline queue, one retry) so callers can fall back to in-process behaviour instead of hanging.
import { Redis } from 'ioredis';
import type { Config } from '../config.js';
import type { Warn } from './logger.js';

export type RedisClient = Redis;

export function createRedis(config: Config, onError: (err: Error) => void): RedisClient | undefined {
  if (!config.redisUrl) return undefined;
  const client = new Redis(config.redisUrl, {
    lazyConnect: false,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    retryStrategy: (times) => Math.min(times * 200, 2000),
  });
  let warned = false;
  client.on('error', (err) => {
    if (!warned) onError(err);
    warned = true;
  });
  client.on('ready', () => {
    warned = false;
  });
  return client;
}

/** Key or channel name under this deployment's prefix. */
export const redisKey = (config: Config, ...parts: string[]) => config.redisPrefix + parts.join(':');

/**
 * Warns once per Redis outage: the first failure is reported, later ones are quiet until a command
 * succeeds again (callers fall back on every request while Redis is down; one line each would flood the log).
 */
export class RedisOutageWarning {
  private down = false;

  constructor(private readonly warn: Warn) {}

  /** A command succeeded: the next failure is a new outage. */
  up(): void {
    this.down = false;
  }

  failed(what: string, err: unknown): void {
    if (this.down) return;
    this.down = true;
    this.warn(what, err);
  }
}
