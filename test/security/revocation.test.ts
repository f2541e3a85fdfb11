// Revocation when Redis is unreliable: the database is the source of truth. Two SessionServices
// (two "instances") share one database and one stand-in Redis that the test can take down, so a
// logout written while Redis is unreachable must still reach the other instance (after its short
// "not revoked" cache) and stay refused once Redis is back. The real-Redis version, with a TCP
// proxy cutting the connection, is in test/ops/redis-faults.test.ts.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadConfig, type Config } from '../../src/config.js';
import { ManualClock } from '../../src/lib/clock.js';
import type { RedisClient } from '../../src/lib/redis.js';
import { Revocations } from '../../src/modules/auth/revocations.js';
import { SessionService } from '../../src/modules/auth/sessions.js';
import { SessionRepo } from '../../src/modules/auth/sessions.repo.js';
import { createTokenService, type AccessClaims } from '../../src/modules/auth/tokens.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';

/** Just the commands SessionService uses, over a Map; `down` makes every command fail like ioredis does without a connection. */
class FlakyRedis {
  down = false;
  readonly data = new Map<string, string>();
  private check(): void {
    if (this.down) throw new Error("Stream isn't writeable and enableOfflineQueue options is false");
  }
  async exists(key: string): Promise<number> {
    this.check();
    return this.data.has(key) ? 1 : 0;
  }
  async get(key: string): Promise<string | null> {
    this.check();
    return this.data.get(key) ?? null;
  }
  async set(key: string, value: string): Promise<'OK'> {
    this.check();
    this.data.set(key, value);
    return 'OK';
  }
  multi() {
    const ops: [string, string][] = [];
    const chain = {
      set: (key: string, value: string) => {
        ops.push([key, value]);
        return chain;
      },
      exec: async () => {
        this.check();
        for (const [k, v] of ops) this.data.set(k, v);
        return [];
      },
    };
    return chain;
  }
}

describe('security: revocation survives a Redis outage', () => {
  let testDb: TestDatabase;
  let config: Config;
  const clock = new ManualClock(Date.now());
  const redis = new FlakyRedis();
  const warnings: string[] = [];
  const tokens = createTokenService('test-secret-that-is-long-enough-123', 3600);
  /** One API instance's sessions and revocation check, over the shared database and Redis. */
  interface Instance {
    sessions: SessionService;
    revocations: Revocations;
  }
  let instance: (name: string) => Instance;

  before(async () => {
    testDb = await freshDatabase();
    config = loadConfig({ NODE_ENV: 'test', DATA_DIR: '/tmp/unused', JWT_SECRET: 'test-secret-that-is-long-enough-123', REDIS_URL: 'redis://stand-in', REVOCATION_CACHE_SECONDS: '5' });
    instance = (name) => {
      const revocations = new Revocations(new SessionRepo(testDb.database.db), config, clock, redis as unknown as RedisClient, (m) => warnings.push(`${name}: ${m}`));
      return { sessions: new SessionService(new SessionRepo(testDb.database.db), tokens, revocations, config, clock), revocations };
    };
  });
  after(async () => testDb.drop());

  async function session(a: Instance): Promise<AccessClaims> {
    const { token } = await a.sessions.start('patient', '65a000000000000000000001');
    const claims = await tokens.verify(token);
    assert.ok(!('error' in claims));
    return claims;
  }

  it('a logout written while Redis is down reaches every instance and stays in force once Redis is back', async () => {
    const a = instance('a');
    const b = instance('b');
    const claims = await session(a);
    assert.equal(await a.revocations.isRevoked(claims), false);
    assert.equal(await b.revocations.isRevoked(claims), false); // b now holds a short "not revoked" answer

    redis.down = true;
    await a.sessions.logout(claims); // the database row is written; the Redis write fails
    assert.equal(await a.revocations.isRevoked(claims), true, 'the instance that logged out refuses at once');
    clock.advance(6_000); // past REVOCATION_CACHE_SECONDS
    assert.equal(await b.revocations.isRevoked(claims), true, 'the other instance reads the database when Redis fails');

    redis.down = false;
    assert.equal(redis.data.size, 0, 'the revocation never reached Redis');
    for (const inst of [a, b, instance('c')]) assert.equal(await inst.revocations.isRevoked(claims), true, 'Redis back, key missing: still refused');
  });

  it('a Redis miss is confirmed by the database even while Redis is up (the revocation may predate its return)', async () => {
    const a = instance('a');
    const claims = await session(a);
    redis.down = true;
    await a.sessions.logout(claims);
    redis.down = false;
    // a fresh instance has no cache: Redis says nothing, the database says revoked
    assert.equal(await instance('d').revocations.isRevoked(claims), true);
  });

  it('with Redis up a logout reaches other instances at once, despite their "not revoked" cache', async () => {
    const a = instance('a');
    const b = instance('b');
    const claims = await session(a);
    assert.equal(await b.revocations.isRevoked(claims), false);
    await a.sessions.logout(claims);
    assert.equal(await b.revocations.isRevoked(claims), true);
  });

  it('ending every session of an account while Redis is down is seen by other instances too', async () => {
    const a = instance('a');
    const b = instance('b');
    const one = await session(a);
    const two = await session(a);
    assert.equal(await b.revocations.isRevoked(one), false);
    redis.down = true;
    await a.sessions.revokeAccount('patient', one.id, 'password-change');
    clock.advance(6_000);
    assert.equal(await b.revocations.isRevoked(one), true);
    assert.equal(await b.revocations.isRevoked(two), true);
    redis.down = false;
  });

  it('warns once per Redis outage, not on every request', async () => {
    warnings.length = 0;
    const a = instance('a');
    const claims = await session(a);
    redis.down = true;
    for (let i = 0; i < 5; i++) {
      clock.advance(6_000);
      await a.revocations.isRevoked(claims);
    }
    assert.equal(warnings.length, 1, warnings.join('\n'));
    redis.down = false;
    await a.revocations.isRevoked(claims); // Redis answers again: the next outage warns again
    redis.down = true;
    clock.advance(6_000);
    await a.revocations.isRevoked(claims);
    assert.equal(warnings.length, 2);
    redis.down = false;
  });
});
