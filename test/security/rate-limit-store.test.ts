// The rate-limit counters fall back to the process when Redis fails (instead of letting every
// request through), warn once per outage, and give reserved hits back. Against a stand-in whose
// commands fail like ioredis's do without a connection; the real Redis cut is in
// test/ops/redis-faults.test.ts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RedisClient } from '../../src/lib/redis.js';
import { HitCounter, SharedIpWindows } from '../../src/plugins/rate-limits.js';

function deadRedis(): RedisClient {
  const fail = async () => {
    throw new Error("Stream isn't writeable and enableOfflineQueue options is false");
  };
  const r: Record<string, unknown> = {
    defineCommand(name: string) {
      r[name] = fail;
    },
    del: fail,
  };
  return r as unknown as RedisClient;
}

describe('security: rate-limit counters without Redis', () => {
  it('count in process while Redis fails, so limits still hold', async () => {
    const warnings: string[] = [];
    let now = 1_000_000;
    const counter = new HitCounter(deadRedis(), 'p:ratelimit:', (m) => warnings.push(m), () => now);
    const seen = [];
    for (let i = 0; i < 4; i++) seen.push((await counter.hit('global:10.0.0.1', 60_000)).current);
    assert.deepEqual(seen, [1, 2, 3, 4]);
    assert.equal((await counter.hit('global:10.0.0.2', 60_000)).current, 1, 'keys are separate');
    assert.equal(warnings.length, 1, 'one warning per outage');
    assert.match(warnings[0], /counting in this process/);

    await counter.giveBack('global:10.0.0.1');
    assert.equal((await counter.hit('global:10.0.0.1', 60_000)).current, 4);
    await counter.reset('global:10.0.0.1');
    assert.equal((await counter.hit('global:10.0.0.1', 60_000)).current, 1);

    now += 60_000; // the window ends
    const next = await counter.hit('global:10.0.0.2', 60_000);
    assert.deepEqual(next, { current: 1, ttlMs: 60_000 });
  });

  it('without Redis at all, count in process and never warn', async () => {
    const warnings: string[] = [];
    const counter = new HitCounter(undefined, 'p:ratelimit:', (m) => warnings.push(m));
    assert.equal((await counter.hit('k', 1000)).current, 1);
    assert.equal((await counter.hit('k', 1000)).current, 2);
    await counter.giveBack('k');
    await counter.giveBack('k');
    await counter.giveBack('k'); // never below zero
    assert.equal((await counter.hit('k', 1000)).current, 1);
    assert.deepEqual(warnings, []);
  });

  it('the global limit counts in process and learns the other instances\' hits from each sync', async () => {
    // a stand-in for the shared count in Redis: one total per key
    const totals = new Map<string, number>();
    let up = true;
    const counter = {
      hitBy: async (key: string, n: number) => {
        if (!up) return undefined;
        totals.set(key, (totals.get(key) ?? 0) + n);
        return { current: totals.get(key)!, ttlMs: 60_000 };
      },
    } as unknown as HitCounter;
    let now = 0;
    const a = new SharedIpWindows(counter, { name: 'global', windowMs: 60_000, shared: true, syncMs: 1e9, now: () => now });
    const b = new SharedIpWindows(counter, { name: 'global', windowMs: 60_000, shared: true, syncMs: 1e9, now: () => now });
    for (let i = 0; i < 3; i++) a.hit('10.0.0.1');
    assert.equal(SharedIpWindows.total(b.hit('10.0.0.1')), 1, 'before a sync, B knows only its own hit');
    await a.sync();
    await b.sync();
    assert.equal(totals.get('global:10.0.0.1'), 4);
    assert.equal(SharedIpWindows.total(b.hit('10.0.0.1')), 5, 'after it, B counts A\'s hits too');
    up = false; // Redis fails: still counted here, never switched off
    await b.sync();
    assert.equal(SharedIpWindows.total(b.hit('10.0.0.1')), 6);
    up = true;
    await b.sync();
    assert.equal(totals.get('global:10.0.0.1'), 6, 'the hits counted during the outage reach Redis once it is back');
    now += 60_000;
    assert.equal(SharedIpWindows.total(a.hit('10.0.0.1')), 1, 'a new window');
    a.close();
    b.close();
  });
});
