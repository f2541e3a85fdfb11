// The suite reads DATABASE_URL and REDIS_URL as the server does: empty means unset. `REDIS_URL=
// npm test` used to fail with "Invalid URL" in a helper.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { testEnv } from '../helpers/app.js';
import { databaseUrlFromEnv, redisUrlFromEnv } from '../helpers/env.js';

const NESTED = 'PRESCRIPTO_TEST_ENV_NESTED';

describe('test helpers: empty DATABASE_URL / REDIS_URL', () => {
  it('reads an empty or blank value as unset, and a URL as itself', () => {
    for (const blank of ['', ' ', undefined]) {
      assert.equal(databaseUrlFromEnv({ DATABASE_URL: blank }), undefined);
      assert.equal(redisUrlFromEnv({ REDIS_URL: blank }), undefined);
    }
    assert.equal(databaseUrlFromEnv({ DATABASE_URL: 'postgres://u@h:5432/d' }), 'postgres://u@h:5432/d');
    assert.equal(redisUrlFromEnv({ REDIS_URL: 'redis://127.0.0.1:6379' }), 'redis://127.0.0.1:6379');
  });

  it('gives a test app no Redis when REDIS_URL is empty, and the config accepts it', () => {
    const saved = process.env.REDIS_URL;
    const dir = mkdtempSync(path.join(os.tmpdir(), 'prescripto-envtest-'));
    try {
      process.env.REDIS_URL = '';
      const env = testEnv(dir);
      assert.equal(env.REDIS_URL, undefined);
      assert.equal(loadConfig(env).redisUrl, undefined);
    } finally {
      if (saved === undefined) delete process.env.REDIS_URL;
      else process.env.REDIS_URL = saved;
      rmSync(dir, { recursive: true, force: true });
    }
  });

  if (process.env[NESTED]) {
    // the run below: `npm test` handed this file no empty settings
    it('runs under `npm test` with the empty settings removed', () => {
      assert.equal(process.env.REDIS_URL, undefined);
      assert.notEqual(process.env.DATABASE_URL, '');
    });
  } else {
    it('`REDIS_URL= npm test` runs the suite without Redis instead of failing', () => {
      const run = spawnSync(process.execPath, ['scripts/run-tests.mjs', 'test/unit/test-env.test.ts'], {
        env: { ...process.env, REDIS_URL: '', [NESTED]: '1' },
        encoding: 'utf8',
        timeout: 120_000,
      });
      assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
      assert.match(run.stdout, /runs under `npm test` with the empty settings removed/);
      assert.match(run.stdout, /1 test files on .*: 3 tests, 3 passed, 0 failed/);
    });
  }
});
