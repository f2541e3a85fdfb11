// Named prepared statements (src/db/prepared.ts, DB_PREPARED_STATEMENTS): which texts get a name and
// how many, and on a PostgreSQL server that a repeated statement really runs prepared on its
// connection, gives the same answers, and runs unnamed when the setting is off.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openDatabase, type Database } from '../../src/db/client.js';
import { MAX_NAMED, StatementNames, statementName } from '../../src/db/prepared.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { databaseUrlFromEnv } from '../helpers/env.js';

describe('statement names', () => {
  it('names a text from its second use on, by a hash of the text that every process agrees on', () => {
    const names = new StatementNames();
    assert.equal(names.nameFor('SELECT $1::int'), undefined, 'a statement met once is not named');
    const name = names.nameFor('SELECT $1::int');
    assert.equal(name, statementName('SELECT $1::int'));
    assert.match(name!, /^p[0-9a-f]{30}$/);
    const other = new StatementNames();
    other.nameFor('SELECT $1::int');
    assert.equal(other.nameFor('SELECT $1::int'), name, 'another process names it the same');
    assert.notEqual(statementName('SELECT $1::bigint'), name);
    assert.equal(names.nameFor('SELECT $1::int'), name);
  });

  it(`names at most ${MAX_NAMED} texts; the rest run unnamed, the named ones keep their names`, () => {
    const names = new StatementNames();
    for (let i = 0; i < MAX_NAMED + 50; i++) {
      names.nameFor(`SELECT ${i} + $1`);
      names.nameFor(`SELECT ${i} + $1`);
    }
    assert.equal(names.size, MAX_NAMED);
    assert.equal(names.nameFor(`SELECT ${MAX_NAMED + 10} + $1`), undefined);
    assert.equal(names.nameFor('SELECT 0 + $1'), statementName('SELECT 0 + $1'));
  });

  it('turns itself off once, saying why and what to set, and names nothing afterwards', () => {
    const said: string[] = [];
    const names = new StatementNames((m) => said.push(m));
    names.nameFor('SELECT $1::text');
    assert.ok(names.nameFor('SELECT $1::text'));
    names.turnOff('26000');
    names.turnOff('42P05');
    assert.equal(said.length, 1);
    assert.match(said[0], /SQLSTATE 26000.*DB_PREPARED_STATEMENTS=false/);
    assert.equal(names.enabled, false);
    assert.equal(names.nameFor('SELECT $1::text'), undefined);
  });
});

describe('named prepared statements on a PostgreSQL server', { skip: databaseUrlFromEnv() ? false : 'needs DATABASE_URL: the embedded database has no protocol-level statements' }, () => {
  let testDb: TestDatabase;
  const opened: Database[] = [];
  const open = async (preparedStatements?: boolean) => {
    const db = await openDatabase({ databaseUrl: testDb.url!, poolSize: 1, migrate: false, ...(preparedStatements === undefined ? {} : { preparedStatements }) });
    opened.push(db);
    return db;
  };
  /** the statements prepared on the pool's one connection, asked on that same connection */
  const prepared = async (db: Database) =>
    (await db.query<{ name: string; statement: string }>('SELECT name, statement FROM pg_prepared_statements WHERE statement LIKE $1', ['%doctors%'])).map((r) => r.name);

  before(async () => {
    testDb = await freshDatabase();
  });
  after(async () => {
    for (const db of opened) await db.close();
    await testDb.drop();
  });

  const byEmail = 'SELECT count(*)::int AS n FROM doctors WHERE email = $1';

  it('runs a repeated statement prepared on its connection (by default), with the same answers', async () => {
    const db = await open();
    const answers: unknown[] = [];
    for (let i = 0; i < 4; i++) answers.push(await db.query(byEmail, [`nobody${i}@example.com`]));
    assert.deepEqual(answers, [[{ n: 0 }], [{ n: 0 }], [{ n: 0 }], [{ n: 0 }]]);
    assert.deepEqual(await prepared(db), [statementName(byEmail)]);
    // Drizzle's statements go the same way
    const { doctors } = await import('../../src/db/schema.js');
    const { eq } = await import('drizzle-orm');
    for (let i = 0; i < 3; i++) assert.deepEqual(await db.db.select({ id: doctors.id }).from(doctors).where(eq(doctors.email, `x${i}@example.com`)), []);
    assert.equal((await prepared(db)).length, 2);
  });

  it('runs every statement unnamed with DB_PREPARED_STATEMENTS=false', async () => {
    const db = await open(false);
    for (let i = 0; i < 4; i++) await db.query(byEmail, [`nobody${i}@example.com`]);
    assert.deepEqual(await prepared(db), []);
  });
});
