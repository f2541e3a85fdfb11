// Failed queries must not leak: Drizzle's error message is "Failed query: <sql>\nparams: <values>"
// and the driver's error carries `query`, `params` and a DETAIL with the whole failing row, so a
// failed registration would put the new account's password hash into the logs (and, in
// development, into the answer). Neither the answer nor any captured log line may hold the SQL,
// the parameters, the email or the hash, in production or in development.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { safeErrorMessage, serializeError } from '../../src/lib/logger.js';
import { json, post, testEnv } from '../helpers/app.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';

const SECRET_PARTS = [/\$2[aby]\$\d\d\$/, /insert into/i, /select /i, /params/i, /Failing row/i, /victim\.\w+@example\.com/];

function assertClean(text: string, where: string): void {
  for (const re of SECRET_PARTS) assert.doesNotMatch(text, re, `${where} leaks ${re}`);
}

describe('security: no SQL, parameters or password hashes in answers and logs', () => {
  let testDb: TestDatabase;
  const apps: { app: App; lines: string[]; dataDir: string; env: string }[] = [];

  before(async () => {
    testDb = await freshDatabase();
    for (const env of ['production', 'development']) {
      const dataDir = mkdtempSync(path.join(os.tmpdir(), 'prescripto-logs-'));
      const lines: string[] = [];
      const config = loadConfig(testEnv(dataDir, { NODE_ENV: env, LOG_LEVEL: 'info' }));
      const app = await buildApp(config, { database: testDb.database, ownsDatabase: false, logStream: { write: (line: string) => void lines.push(line) } });
      await app.ready();
      apps.push({ app, lines, dataDir, env });
    }
    // every new patient row now fails a CHECK: the INSERT (with the bcrypt hash among its parameters) errors
    await testDb.database.exec('ALTER TABLE patients ADD CONSTRAINT leak_probe CHECK (false) NOT VALID');
  });
  after(async () => {
    for (const a of apps) {
      await a.app.close();
      rmSync(a.dataDir, { recursive: true, force: true });
    }
    await testDb.drop();
  });

  for (const env of ['production', 'development']) {
    it(`a failing registration in ${env}: a plain 500, a log line with SQLSTATE and constraint only`, async () => {
      const a = apps.find((x) => x.env === env)!;
      const email = `victim.${env}@example.com`;
      const res = await post(a.app, '/api/user/register', { name: 'Victim', email, password: 'victim-password-1' });
      assert.equal(res.statusCode, 500, res.body);
      assertClean(res.body, `${env} answer`);
      const body = json(res);
      assert.equal(body.success, false);
      assert.equal(body.message, 'Something went wrong, please try again');
      if (env === 'production') assert.deepEqual(Object.keys(body).sort(), ['message', 'success']);
      // development still says what went wrong, without the statement
      else assert.equal(body.error, 'new row for relation "patients" violates check constraint "leak_probe" (SQLSTATE 23514)');

      const errorLines = a.lines.filter((l) => JSON.parse(l).level >= 50);
      assert.equal(errorLines.length, 1, a.lines.join(''));
      const logged = JSON.parse(errorLines[0]) as { reqId?: string; err: Record<string, unknown> };
      assert.equal(logged.reqId, res.headers['x-request-id']);
      assert.equal(logged.err.code, '23514');
      assert.equal(logged.err.constraint, 'leak_probe');
      assert.equal(logged.err.table, 'patients');
      assert.match(String(logged.err.stack), /^\s+at /, 'stack frames are kept, the message line is not');
      for (const line of a.lines) assertClean(line, `${env} log`);
    });
  }

  it('the serializer drops query text and parameters whatever shape the error has', () => {
    const driver = Object.assign(new Error('invalid input syntax for type uuid: "$2b$10$abcdefghijklmnopqrstuv"'), {
      code: '22P02', query: 'select * from patients where id = $1', params: ['$2b$10$abc'], detail: 'Failing row contains ($2b$10$abc)',
    });
    const drizzle = Object.assign(new Error(`Failed query: insert into "patients" values ($1)\nparams: $2b$10$abc,victim.x@example.com`), {
      query: 'insert into "patients" values ($1)', params: ['$2b$10$abc', 'victim.x@example.com'], cause: driver,
    });
    const lost = Object.assign(new Error('Failed query: select 1\nparams: victim.y@example.com'), { cause: new Error('Connection terminated unexpectedly') });
    for (const err of [driver, drizzle, lost]) {
      const text = JSON.stringify(serializeError(err));
      assertClean(text, 'serialized');
      assertClean(safeErrorMessage(err), 'message');
    }
    assert.equal(safeErrorMessage(drizzle), 'invalid input syntax for type uuid: "…" (SQLSTATE 22P02)');
    assert.equal(safeErrorMessage(lost), 'Connection terminated unexpectedly');
    // ordinary errors keep their message and stack
    const plain = serializeError(new TypeError('x is undefined'));
    assert.equal(plain.message, 'x is undefined');
    assert.equal(plain.type, 'TypeError');
  });
});
